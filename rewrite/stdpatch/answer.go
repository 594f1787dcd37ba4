package stdpatch

// The answer hooks let the server probe read a response's status, body
// bytes and the time its header was written from net/http's own
// ResponseWriter (HTTP/1's response; the HTTP/2 servers' responseWriter)
// instead of wrapping the writer. A wrapper is a per-request allocation
// the handler may keep, so the probe's per-request state could not be
// recycled; net/http already keeps the status and byte count, and the
// patch adds the time (one field, set once, and only when the probe asked
// for it with GohttpdbgWatch: the clock is read through the hook set's
// Now, which the probes install).

// answerH1Hooks are the HTTP/1 server's (net/http's response).
var answerH1Hooks = []hookPoint{
	{
		// 0: not watched; -1: watched, not answered; else answered at
		// (the probes' clock).
		kind: appendFields, recv: "response", label: "response", group: "answer",
		code: tmpl("gohttpdbgAt int64; "),
	},
	{
		// WriteHeader sets wroteHeader for the handler's own call and for
		// net/http's implicit 200 (write, finishRequest); a 1xx leaves it
		// unset, as does a call on a hijacked connection.
		kind: wrapFunc, recv: "response", fn: "WriteHeader", params: []string{"int"}, group: "answer",
		needs: []string{"response{status,wroteHeader,written,conn}", "(conn).hijacked"},
		lost:  "server exchanges are followed through a wrapper of the ResponseWriter (one allocation more per request)",
		code:  tmpl("{{.Call}}\nif {{.R}}.gohttpdbgAt < 0 && {{.R}}.wroteHeader {\nif h := GohttpdbgHTTP1.Now; h != nil {\n{{.R}}.gohttpdbgAt = h()\n}\n}\nif f := gohttpdbgAnsweredBody; f != nil && {{.R}}.wroteHeader {\nf({{.R}})\n}"),
	},
}

const answerH1Helper = `
// gohttpdbgAnsweredBody runs when the handler's header is written: the
// server body hooks (srvbody) set it, when they applied.
var gohttpdbgAnsweredBody func(w *response)

// GohttpdbgWatch asks w to note when its header is written, for
// GohttpdbgAnswer (the server probe calls it as the handler starts).
func (w *response) GohttpdbgWatch() {
	if w.gohttpdbgAt == 0 {
		w.gohttpdbgAt = -1
	}
}

// GohttpdbgAnswer returns the status w was answered with, the body bytes
// the handler wrote and when the header was written (the probes' clock, 0
// when not watched). status 0: not answered yet (net/http answers 200
// when the handler returns); -1: the connection was hijacked unanswered.
func (w *response) GohttpdbgAnswer() (status int, written int64, answeredAt int64) {
	if !w.wroteHeader {
		if w.conn != nil && w.conn.hijacked() {
			return -1, 0, 0
		}
		return 0, 0, 0
	}
	at := w.gohttpdbgAt
	if at < 0 {
		at = 0
	}
	return w.status, w.written, at
}
`

// answerH2Hooks are an HTTP/2 server's (its responseWriterState, which a
// pool recycles zeroed: the added field with it).
var answerH2Hooks = []hookPoint{
	{
		kind: appendFields, recv: "{{.P}}responseWriterState", label: "{{.P}}responseWriterState", group: "answer", when: serverOwn,
		code: tmpl("gohttpdbgAt int64; "),
	},
	{
		kind: wrapFunc, recv: "{{.P}}responseWriterState", fn: "writeHeader", params: []string{"int"}, group: "answer", when: serverOwn,
		needs: []string{"{{.P}}responseWriterState{status,wroteHeader,wroteBytes}", "{{.P}}responseWriter{rws}"},
		lost:  "server exchanges are followed through a wrapper of the ResponseWriter (one allocation more per request)",
		code:  tmpl("{{.Call}}\nif {{.R}}.gohttpdbgAt < 0 && {{.R}}.wroteHeader {\nif h := {{.H}}.Now; h != nil {\n{{.R}}.gohttpdbgAt = h()\n}\n}\nif f := {{.P}}gohttpdbgAnsweredBody; f != nil && {{.R}}.wroteHeader {\nf({{.R}}.stream)\n}"),
	},
}

const answerH2Helper = `
// {{.P}}gohttpdbgAnsweredBody runs when the handler's header is written:
// the server body hooks (srvbody) set it, when they applied.
var {{.P}}gohttpdbgAnsweredBody func(st *{{.P}}stream)

// GohttpdbgWatch asks w to note when its header is written, for
// GohttpdbgAnswer (the server probe calls it as the handler starts).
func (w *{{.P}}responseWriter) GohttpdbgWatch() {
	if w != nil && w.rws != nil && w.rws.gohttpdbgAt == 0 {
		w.rws.gohttpdbgAt = -1
	}
}

// GohttpdbgAnswer returns the status w was answered with, the body bytes
// the handler wrote and when the header was written (the probes' clock, 0
// when not watched). status 0: not answered yet (the server answers 200
// when the handler returns), or the handler is done.
func (w *{{.P}}responseWriter) GohttpdbgAnswer() (status int, written int64, answeredAt int64) {
	if w == nil || w.rws == nil || !w.rws.wroteHeader {
		return 0, 0, 0
	}
	at := w.rws.gohttpdbgAt
	if at < 0 {
		at = 0
	}
	return w.rws.status, w.rws.wroteBytes, at
}
`
