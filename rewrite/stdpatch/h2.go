package stdpatch

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/dave/dst"
)

// h2Names are the identifiers of one HTTP/2 implementation: the Go 1.26
// bundle inside net/http prefixes every name with "http2"; Go 1.27's
// net/http/internal/http2 and golang.org/x/net/http2 do not.
type h2Names struct {
	p     string // "http2" or ""
	hooks string // expression of the hook set (a GohttpdbgH2HookSet value)
	xnet  bool   // golang.org/x/net/http2: its client and server may delegate to std
}

func (n h2Names) t(name string) string { return n.p + name }

// patchH2 patches one HTTP/2 implementation's Framer, client and server.
// It returns the helper methods' source for the package's added file ("" if
// the Framer type was not found, in which case every hook point is missing).
func patchH2(pk *pkgFiles, n h2Names, st *patchState) (string, error) {
	framer := n.t("Framer")
	fr := "(*" + framer + ")."
	all := []string{n.t("NewFramer"), fr + "ReadFrameForHeader", fr + "ReadFrame", fr + "endWrite", fr + "readMetaFrame",
		"(*" + n.t("Transport") + ").newClientConn", "(*" + n.t("Server") + ").serveConn"}

	sf, stype, err := pk.structType(framer)
	if err != nil {
		return "", err
	}
	if stype == nil || !pk.hasFields(framer, "errDetail", "wbuf", "w", "r") {
		st.lose("no HTTP/2 frame is seen", all...)
		return "", nil
	}
	// Per-framer state: appended on the line of the struct's closing brace.
	// interface{}, not any: x/net v0.17 compiles at go1.17.
	sf.edits = append(sf.edits, edit{off: sf.off(stype.Fields.Closing), end: sf.off(stype.Fields.Closing),
		text: "gohttpdbgState interface{}; gohttpdbgFields []string; "})

	// NewFramer: the state is created with the framer, before any goroutine uses it.
	if f, fd, err := pk.funcDecl("", n.t("NewFramer")); err != nil {
		return "", err
	} else if fd == nil || !f.signature(fd).matches([]string{"io.Writer", "io.Reader"}, []string{"*" + framer}) {
		st.lose("no HTTP/2 frame is seen", n.t("NewFramer"))
	} else {
		f.wrap(fd, f.signature(fd), func(_ string, a []string, call string) string {
			return "fr := " + call + "\nfr.gohttpdbgNew(" + a[0] + ", " + a[1] + ")\nreturn fr"
		})
	}

	if err := hookFrameRead(pk, st, framer, n.t("typeFrameParser")); err != nil {
		return "", err
	}

	// ReadFrame: errors (a connection error carries ErrorDetail).
	wrapLosing(pk, st, "frame read errors are not seen", framer, "ReadFrame", nil, []string{n.t("Frame"), "error"}, func(r string, _ []string, call string) string {
		return "f, err := " + call + "\nif err != nil {\n" + r + ".gohttpdbgReadError(err)\n}\nreturn f, err"
	})
	// endWrite: the bytes of the frame just written (or refused).
	wrapLosing(pk, st, "frames written are not seen", framer, "endWrite", nil, []string{"error"}, func(r string, _ []string, call string) string {
		return "err := " + call + "\n" + r + ".gohttpdbgWrote(err)\nreturn err"
	})
	// readMetaFrame: the decoded header fields. Before x/net v0.25 it
	// returns *MetaHeadersFrame, since then Frame.
	mhf := n.t("MetaHeadersFrame")
	if pk.hasFields(mhf, "Fields", "Truncated") {
		res := []string{n.t("Frame"), "error"}
		if f, fd, err := pk.funcDecl(framer, "readMetaFrame"); err == nil && fd != nil && f.signature(fd).matches([]string{"*" + n.t("HeadersFrame")}, []string{"*" + mhf, "error"}) {
			res[0] = "*" + mhf
		}
		wrapLosing(pk, st, "decoded headers are not seen", framer, "readMetaFrame", []string{"*" + n.t("HeadersFrame")}, res, func(r string, a []string, call string) string {
			return "f, err := " + call + "\n" + r + ".gohttpdbgHeaders(" + a[0] + ", f, err)\nreturn f, err"
		})
	} else {
		st.lose("decoded headers are not seen", fr+"readMetaFrame")
	}

	// Client and server: tie the framer to its net.Conn right where it is created.
	clientOwn := !n.xnet || pk.hasDecl(n.t("clientConnReadLoop"))
	if clientOwn {
		if err := bindFramer(pk, st, n, n.t("Transport"), "newClientConn", true, false); err != nil {
			return "", err
		}
		if pk.hasFields(n.t("clientConnReadLoop"), "cc") && pk.hasFields(n.t("ClientConn"), "fr") {
			wrapLosing(pk, st, "the end of a client connection is not seen", n.t("clientConnReadLoop"), "cleanup", nil, nil, func(r string, _ []string, call string) string {
				return "defer " + r + ".cc.fr.gohttpdbgDone()\n" + call
			})
		} else {
			st.lose("the end of a client connection is not seen", "(*"+n.t("clientConnReadLoop")+").cleanup")
		}
	}
	// The server's framer is made in serveConn; before x/net v0.26 in
	// ServeConn, which serveConn did not exist to wrap.
	serve := "serveConn"
	if n.xnet {
		if _, fd, err := pk.funcDecl(n.t("Server"), serve); err != nil {
			return "", err
		} else if fd == nil {
			serve = "ServeConn"
		}
	}
	if err := bindFramer(pk, st, n, n.t("Server"), serve, false, true); err != nil {
		return "", err
	}

	helpers := h2Helpers + h2DebugRedact
	redactGoDebugLogs(pk, st, n)
	if pk.hasDecl(n.t("VerboseLogs")) && pk.hasDecl(n.t("logFrameReads")) && pk.hasDecl(n.t("logFrameWrites")) {
		helpers += strings.ReplaceAll(strings.ReplaceAll(h2DebugTakeover, "{{V}}", n.t("VerboseLogs")), "{{L}}", n.p+"logFrame")
	} else {
		st.lose("GODEBUG=http2debug logs header values unredacted", n.t("VerboseLogs"))
	}
	r := strings.NewReplacer("{{F}}", framer, "{{FH}}", n.t("FrameHeader"), "{{HF}}", n.t("HeadersFrame"),
		"{{MHF}}", n.t("MetaHeadersFrame"), "{{FR}}", n.t("Frame"), "{{H}}", n.hooks)
	return r.Replace(helpers), nil
}

// hookFrameRead reports the raw frame once its payload is read and before
// it is parsed, so CONTINUATION frames read by readMetaFrame come in wire
// order and a frame the parser rejects is still seen. The hook goes before
// the frame parser's call: in ReadFrameForHeader (Go 1.26, x/net v0.47 on),
// else in ReadFrame, which read and parsed each frame itself before.
func hookFrameRead(pk *pkgFiles, st *patchState, framer, parser string) error {
	label := "(*" + framer + ").ReadFrameForHeader"
	f, fd, err := pk.funcDecl(framer, "ReadFrameForHeader")
	if err == nil && fd == nil {
		label = "(*" + framer + ").ReadFrame"
		f, fd, err = pk.funcDecl(framer, "ReadFrame")
	}
	if err != nil {
		return err
	}
	if fd == nil {
		st.lose("frames read are not seen", label)
		return nil
	}
	var fhArg, payloadArg dst.Expr
	stmt, _ := findStmt(fd, func(s dst.Stmt) bool {
		as, ok := s.(*dst.AssignStmt)
		if !ok || len(as.Rhs) != 1 {
			return false
		}
		_, outer := callOf(as.Rhs[0])
		if outer == nil || len(outer.Args) != 4 {
			return false
		}
		if name, _ := callOf(outer.Fun); name != parser {
			return false
		}
		fhArg, payloadArg = outer.Args[1], outer.Args[3]
		return true
	})
	sig := f.signature(fd)
	if stmt == nil || sig.recvName == "" {
		st.lose("frames read are not seen", label)
		return nil
	}
	f.insertBefore(stmt, sig.recvName+".gohttpdbgRead("+f.exprText(fhArg)+", "+f.exprText(payloadArg)+")")
	return nil
}

// wrapLosing is wrapMethod that says what goes unseen if it fails.
func wrapLosing(pk *pkgFiles, st *patchState, effect, recv, name string, params, results []string, body func(string, []string, string) string) {
	var s patchState
	wrapMethod(pk, &s, recv, name, params, results, body)
	st.lose(effect, s.miss...)
}

// wrapMethod wraps (*recv).name with a trampoline if it exists with the
// expected signature, else records it missing.
func wrapMethod(pk *pkgFiles, st *patchState, recv, name string, params, results []string, body func(string, []string, string) string) {
	label := "(*" + recv + ")." + name
	f, fd, err := pk.funcDecl(recv, name)
	if err != nil || fd == nil {
		st.missing(label)
		return
	}
	sig := f.signature(fd)
	if sig.recvType != "*"+recv || !sig.matches(params, results) {
		st.missing(label)
		return
	}
	f.wrap(fd, sig, body)
}

// bindFramer splices "; X.gohttpdbgBind(conn, client)" after the statement
// that creates the connection's framer ("cc.fr = NewFramer(…)"), and for a
// server "; defer X.gohttpdbgDone()" when that statement is at the top of
// the function, which runs for the life of the connection.
func bindFramer(pk *pkgFiles, st *patchState, n h2Names, recv, name string, client, done bool) error {
	label := "(*" + recv + ")." + name
	effect := "server frames name no side and a connection's end is not seen"
	if client {
		effect = "client frames name no connection or side"
	}
	f, fd, err := pk.funcDecl(recv, name)
	if err != nil {
		return err
	}
	if fd == nil {
		st.lose(effect, label)
		return nil
	}
	sig := f.signature(fd)
	conn := ""
	for _, p := range sig.params {
		if p.typ == "net.Conn" && p.name != "" && p.name != "_" {
			conn = p.name
			break
		}
	}
	stmt, top := findStmt(fd, assignFromCall(n.t("NewFramer")))
	if stmt == nil && n.xnet {
		return nil // x/net's wrapper over std's HTTP/2 (Go 1.27): std's patch sees its frames
	}
	if stmt == nil || conn == "" {
		st.lose(effect, label)
		return nil
	}
	lhs := f.exprText(stmt.(*dst.AssignStmt).Lhs[0])
	cl := "false"
	if client {
		cl = "true"
	}
	text := lhs + ".gohttpdbgBind(" + conn + ", " + cl + ")"
	if done && top {
		text += "; defer " + lhs + ".gohttpdbgDone()"
	}
	f.insertAfter(stmt, text)
	return nil
}

// h2Helpers are the methods the trampolines call, added to the package with
// the Framer. They read the hook set each time (a nil hook costs one load).
const h2Helpers = `
func (fr *{{F}}) gohttpdbgNew(w io.Writer, r io.Reader) {
	if w == nil {
		return // Go's own decoder of just-written frames (http2debug=2)
	}
	if h := {{H}}.Framer; h != nil {
		fr.gohttpdbgState = h(r)
	}
}

func (fr *{{F}}) gohttpdbgBind(c net.Conn, client bool) {
	if s := fr.gohttpdbgState; s != nil {
		if h := {{H}}.Bind; h != nil {
			h(s, c, client)
		}
	}
}

func (fr *{{F}}) gohttpdbgDone() {
	if fr == nil {
		return
	}
	if s := fr.gohttpdbgState; s != nil {
		if h := {{H}}.Done; h != nil {
			h(s)
		}
	}
}

func (fr *{{F}}) gohttpdbgRead(fh {{FH}}, payload []byte) {
	s := fr.gohttpdbgState
	if s == nil {
		return
	}
	if h := {{H}}.Read; h != nil {
		h(s, [9]byte{byte(fh.Length >> 16), byte(fh.Length >> 8), byte(fh.Length), byte(fh.Type), byte(fh.Flags),
			byte(fh.StreamID >> 24), byte(fh.StreamID >> 16), byte(fh.StreamID >> 8), byte(fh.StreamID)}, payload)
	}
}

func (fr *{{F}}) gohttpdbgReadError(err error) {
	if s := fr.gohttpdbgState; s != nil {
		if h := {{H}}.ReadError; h != nil {
			h(s, err, fr.errDetail)
		}
	}
}

func (fr *{{F}}) gohttpdbgWrote(err error) {
	if s := fr.gohttpdbgState; s != nil {
		if h := {{H}}.Write; h != nil {
			h(s, fr.wbuf, err)
		}
	}
}

func (fr *{{F}}) gohttpdbgHeaders(hf *{{HF}}, f {{FR}}, err error) {
	s := fr.gohttpdbgState
	if s == nil || hf == nil {
		return
	}
	h := {{H}}.Headers
	if h == nil {
		return
	}
	fields := fr.gohttpdbgFields[:0]
	truncated := false
	if mh, ok := f.(*{{MHF}}); ok && mh != nil {
		for _, hf := range mh.Fields {
			fields = append(fields, hf.Name, hf.Value)
		}
		truncated = mh.Truncated
	}
	fr.gohttpdbgFields = fields
	h(s, hf.StreamID, fields, truncated, err)
}
`

// h2DebugTakeover tells the frame probe the level GODEBUG=http2debug set
// for Go's own logging, which stays on (its values redacted, see
// h2DebugRedact), so that switching http2debug at run time adds only what
// Go does not already print. It runs after the package's own init (added
// files come last).
const h2DebugTakeover = `
func init() {
	level := 0
	if {{V}} {
		level = 1
	}
	if {{L}}Reads || {{L}}Writes {
		level = 2
	}
	if level > {{H}}.HTTP2Debug {
		{{H}}.HTTP2Debug = level
	}
}
`

// h2HookSet declares the HTTP/2 hook set type; {{N}} is its name.
const h2HookSet = `
// {{N}} holds the HTTP/2 hooks of gohttpdbg's std patch. Each is nil unless
// an instrumented program's runtime installed it (at init, before any
// connection); the patched code calls it with raw, std-typed data.
type {{N}} struct {
	// Framer is called for each new Framer that writes frames (not Go's own
	// http2debug decoder); r is what it reads frames from. The result is the
	// per-framer state handed to the other hooks; nil disables them for it.
	Framer func(r io.Reader) any
	// Bind ties a framer to its connection, on the client or server side.
	Bind func(state any, conn net.Conn, client bool)
	// Done reports that the connection's read loop or serve loop ended.
	Done func(state any)
	// Read receives each frame read, before it is parsed: its 9-byte header
	// and payload (only valid during the call).
	Read func(state any, hdr [9]byte, payload []byte)
	// ReadError receives a ReadFrame error and the Framer's ErrorDetail.
	ReadError func(state any, err error, detail error)
	// Write receives each frame written (header and payload, only valid
	// during the call) and the write's error.
	Write func(state any, frame []byte, err error)
	// Headers receives the decoded fields of a HEADERS block read, as
	// name, value pairs (only valid during the call), unredacted.
	Headers func(state any, streamID uint32, fields []string, truncated bool, err error)
	// HTTP2Debug is the level GODEBUG=http2debug asked for at start: Go's
	// own logging, left on, prints at that level.
	HTTP2Debug int
	// DebugRedact returns what Go's http2debug lines show for a header
	// field's value (name is the field's name) or, for name "DATA" (no
	// field is called that: HTTP/2 field names are lower case), for a DATA
	// frame's payload. nil: shown as Go shows them.
	DebugRedact func(name, value string) string
}
`

// xnetModule names the golang.org/x/net module a file of its http2 package
// comes from, for the build's warnings: the module cache's directory names
// the version ("golang.org/x/net@v0.27.0"), a vendor directory's
// modules.txt says it; otherwise (a replace by a directory) the directory.
func xnetModule(file string) string {
	const mod = "golang.org/x/net"
	p := filepath.ToSlash(file)
	if i := strings.Index(p, "/"+mod+"@"); i >= 0 {
		v, _, _ := strings.Cut(p[i+len(mod)+2:], "/")
		return mod + " " + v
	}
	if i := strings.LastIndex(p, "/vendor/"+mod+"/"); i >= 0 {
		if b, err := os.ReadFile(filepath.FromSlash(p[:i] + "/vendor/modules.txt")); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if f := strings.Fields(line); len(f) >= 3 && f[0] == "#" && f[1] == mod {
					return mod + " " + f[2] + " (vendored)"
				}
			}
		}
		return mod + " (vendored)"
	}
	dir := filepath.Dir(filepath.Dir(file))
	return mod + " (" + dir + ")"
}
