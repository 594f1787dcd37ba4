package stdpatch

// GODEBUG=http2debug=1|2 stays Go's own: an instrumented program prints
// every line the plain build prints (the transport's and server's
// VerboseLogs lines as well as the Framer's), because the user asked Go
// for them. Only the values those lines would show in clear go through the
// hook set's DebugRedact first: the header values the client and the
// server log as they encode them, the fields the Framer logs as it decodes
// them, and DATA payloads. Each edit replaces one argument of one logging
// call, on its own line, so no line moves.

// h2DebugHooks are the logging calls of one HTTP/2 implementation whose
// values go through DebugRedact, then the check that Go's own http2debug
// switches exist (h2DebugTakeover reads them). A call not found is
// reported missing: its values would print unredacted.
var h2DebugHooks = []hookPoint{
	{
		kind: replaceArg, recv: "{{.P}}ClientConn", fn: "writeHeader", when: clientOwn,
		call: logCall{fun: "log.Printf", format: "encoding header", arg: 2},
		code: tmpl(redactField),
	},
	{
		kind: replaceArg, fn: "{{.P}}encKV",
		call: logCall{fun: "log.Printf", format: "encoding header", arg: 2},
		code: tmpl(redactField),
	},
	{
		kind: replaceArg, recv: "{{.P}}Framer", fn: "readMetaFrame",
		call: logCall{fun: ".debugReadLoggerf", format: "decoded hpack field", arg: 1},
		code: tmpl("func(c hpack.HeaderField) hpack.HeaderField { c.Value = gohttpdbgRedactField(c.Name, c.Value); return c }({{index .A 1}})"),
	},
	{
		kind: replaceArg, fn: "{{.P}}summarizeFrame",
		call: logCall{fun: "fmt.Fprintf", format: " data=%q", arg: 2},
		code: tmpl("gohttpdbgRedactData({{index .A 2}})"),
	},
	{
		kind: declsOnly, label: "{{.P}}VerboseLogs", group: "takeover",
		needs: []string{"{{.P}}VerboseLogs", "{{.P}}logFrameReads", "{{.P}}logFrameWrites"},
		lost:  "GODEBUG=http2debug logs header values unredacted",
	},
}

// redactField is the replacement of a header value logged as
// log.Printf("… encoding header %q = %q", name, value).
const redactField = "gohttpdbgRedactField({{index .A 1}}, {{index .A 2}})"

// h2DebugRedact: the helpers the edited logging calls use. Without the
// hook (a program whose runtime did not install it) they print what Go
// prints.
const h2DebugRedact = `
func gohttpdbgRedactField(name, value string) string {
	if h := {{.H}}.DebugRedact; h != nil {
		return h(name, value)
	}
	return value
}

func gohttpdbgRedactData(data []byte) []byte {
	if h := {{.H}}.DebugRedact; h != nil {
		return []byte(h("DATA", string(data)))
	}
	return data
}
`
