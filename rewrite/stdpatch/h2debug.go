package stdpatch

import (
	"go/ast"
	"go/token"
	"strings"
)

// GODEBUG=http2debug=1|2 stays Go's own: an instrumented program prints
// every line the plain build prints (the transport's and server's
// VerboseLogs lines as well as the Framer's), because the user asked Go
// for them. Only the values those lines would show in clear go through the
// hook set's DebugRedact first: the header values the client and the
// server log as they encode them, the fields the Framer logs as it decodes
// them, and DATA payloads. Each edit replaces one argument of one logging
// call, on its own line, so no line moves.

// redactGoDebugLogs patches the logging calls of one HTTP/2
// implementation; a call it cannot find is reported missing (its values
// would print unredacted).
func redactGoDebugLogs(pk *pkgFiles, st *patchState, n h2Names) {
	field := func(args []string) string {
		return "gohttpdbgRedactField(" + args[1] + ", " + args[2] + ")"
	}
	// x/net's client on Go 1.27 delegates to std unless built with
	// -tags http2legacy: then its code is not in the build (see patchH2).
	if !n.xnet || pk.hasDecl(n.t("clientConnReadLoop")) {
		redactCallArg(pk, st, n.t("ClientConn"), "writeHeader", "log.Printf", "encoding header", 2, field)
	}
	redactCallArg(pk, st, "", n.t("encKV"), "log.Printf", "encoding header", 2, field)
	redactCallArg(pk, st, n.t("Framer"), "readMetaFrame", ".debugReadLoggerf", "decoded hpack field", 1, func(args []string) string {
		return "func(c hpack.HeaderField) hpack.HeaderField { c.Value = gohttpdbgRedactField(c.Name, c.Value); return c }(" + args[1] + ")"
	})
	redactCallArg(pk, st, "", n.t("summarizeFrame"), "fmt.Fprintf", " data=%q", 2, func(args []string) string {
		return "gohttpdbgRedactData(" + args[2] + ")"
	})
}

// redactCallArg finds, in the function recv.name, the call of fun (its
// text, or the end of it when fun starts with ".") whose format literal
// contains format, and replaces its argument i by repl(the arguments'
// text).
func redactCallArg(pk *pkgFiles, st *patchState, recv, name, fun, format string, i int, repl func(args []string) string) {
	label := name
	if recv != "" {
		label = "(*" + recv + ")." + name
	}
	label += " " + fun
	f, fd, err := pk.funcDecl(recv, name)
	if err != nil || fd == nil {
		st.missing(label)
		return
	}
	afd := f.astOf(fd).(*ast.FuncDecl)
	var call *ast.CallExpr
	ast.Inspect(afd.Body, func(nd ast.Node) bool {
		c, ok := nd.(*ast.CallExpr)
		if !ok || call != nil || len(c.Args) <= i {
			return call == nil
		}
		callee := f.text(c.Fun)
		if callee != fun && !(strings.HasPrefix(fun, ".") && strings.HasSuffix(callee, fun)) {
			return true
		}
		for _, a := range c.Args {
			if lit, ok := a.(*ast.BasicLit); ok && lit.Kind == token.STRING && strings.Contains(lit.Value, format) {
				call = c
				return false
			}
		}
		return true
	})
	if call == nil || strings.Contains(f.text(call), "\n") {
		st.missing(label)
		return
	}
	args := make([]string, len(call.Args))
	for k, a := range call.Args {
		args[k] = f.text(a)
	}
	a := call.Args[i]
	f.edits = append(f.edits, edit{off: f.off(a.Pos()), end: f.off(a.End()), text: repl(args)})
}

// h2DebugRedact: the helpers the edited logging calls use. Without the
// hook (a program whose runtime did not install it) they print what Go
// prints.
const h2DebugRedact = `
func gohttpdbgRedactField(name, value string) string {
	if h := {{H}}.DebugRedact; h != nil {
		return h(name, value)
	}
	return value
}

func gohttpdbgRedactData(data []byte) []byte {
	if h := {{H}}.DebugRedact; h != nil {
		return []byte(h("DATA", string(data)))
	}
	return data
}
`
