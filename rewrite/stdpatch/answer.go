package stdpatch

// The answer hooks let the server probe follow a response from
// net/http's own ResponseWriter (HTTP/1's response; the HTTP/2 servers'
// responseWriter) instead of wrapping the writer. A wrapper is a
// per-request allocation the handler may keep, so the probe's per-request
// state could not be recycled. The probe hands the writer its state
// (GohttpdbgWatch); when the header is written, the writer passes the
// state, the status and the handler's header to the hook set's Answered
// (on the goroutine that wrote it; again on a superfluous WriteHeader: the
// probes keep the first), and keeps the state until the probe is done
// (GohttpdbgUnwatch, which returns the status and the body bytes net/http
// kept). The status is not when the client is answered: a written header
// is buffered with the body until the handler writes more than the writer
// buffers, flushes, or returns. The writer passes the state to the hook
// set's Sent when the header leaves for the client while the probes
// watch (HTTP/1's chunkWriter.writeHeader, the HTTP/2 servers' first
// writeChunk); a header sent when the handler returned, the common case,
// is timed by the probes' own reading then. The state is also the request's follower, which a rewritten
// handler inside the server's handler chain finds on the writer it is
// handed (GohttpdbgFollower), the header written or not. The field is one
// pointer, where the probes' clock reading it replaces took as many
// bytes; a second one would cost a size class on Go 1.27 (sizes_test.go).
// A state whose lowest bit is set (the probes' pointer plus one, inside
// the same object) is a quiet watch: the writer reports nothing to
// Answered, whose status the probes read off GohttpdbgUnwatch, and
// still passes the state to Sent and GohttpdbgFollower (the probes
// clear the bit).

// answerH1Hooks are the HTTP/1 server's (net/http's response).
var answerH1Hooks = []hookPoint{
	{
		// The probes' state while they watch the response, else nil.
		kind: appendFields, recv: "response", label: "response", group: "answer",
		code: tmpl("gohttpdbgAns gohttpdbgPtr; "),
	},
	{
		// WriteHeader sets wroteHeader for the handler's own call and for
		// net/http's implicit 200 (write, finishRequest); a 1xx leaves it
		// unset, as does a call on a hijacked connection. handlerHeader is
		// the header as written: Header hands out a copy of it from then
		// on, when the handler had asked for it before.
		kind: wrapFunc, recv: "response", fn: "WriteHeader", params: []string{"int"}, group: "answer",
		needs: []string{"response{status,wroteHeader,written,conn,handlerHeader,cw}", "chunkWriter{header}", "(conn).hijacked"},
		lost:  "server exchanges are followed through a wrapper of the ResponseWriter (one allocation more per request)",
		code:  tmpl("{{.Call}}\nif s := {{.R}}.gohttpdbgAns; s != nil && uintptr(s)&1 == 0 && {{.R}}.wroteHeader {\nif h := GohttpdbgHTTP1.Answered; h != nil {\nh(s, {{.R}}.status, {{.R}}.handlerHeader)\n}\n}\nif f := gohttpdbgAnsweredBody; f != nil && {{.R}}.wroteHeader {\nf({{.R}})\n}"),
	},
	{
		// The header leaves the response's buffer for the connection's
		// (the handler wrote past the buffer, flushed, or returned):
		// what the client waits for. Its callers check wroteHeader,
		// which it sets first: once a response. The check is inline, the
		// call only for a watched response: each request runs it.
		kind: beforeStmt, recv: "chunkWriter", fn: "writeHeader", label: "(*chunkWriter).writeHeader sent", group: "answer", requires: "answer",
		needs: []string{"chunkWriter{res}"}, find: findBodyFirstStmt,
		lost: "server exchanges are followed through a wrapper of the ResponseWriter (one allocation more per request)",
		code: tmpl("if s := {{.R}}.res.gohttpdbgAns; s != nil { gohttpdbgSent(s) }"),
	},
}

const answerH1Helper = `
// gohttpdbgAnsweredBody runs when the handler's header is written: the
// server body hooks (srvbody) set it, when they applied.
var gohttpdbgAnsweredBody func(w *response)

// GohttpdbgWatch makes w report its answer to the Answered hook with
// state when its header is written, until GohttpdbgUnwatch (the server
// probe calls it as the handler starts).
func (w *response) GohttpdbgWatch(state gohttpdbgPtr) { w.gohttpdbgAns = state }

// GohttpdbgFollower returns the state w is watched with, else nil: the
// probes' follower of its request.
func (w *response) GohttpdbgFollower() gohttpdbgPtr { return w.gohttpdbgAns }

// GohttpdbgUnwatch ends the watch (the handler is done: net/http's
// implicit answer comes later) and returns the status w was answered
// with and the body bytes the handler wrote. status 0: not answered yet
// (net/http answers 200 when the handler returns); -1: the connection
// was hijacked unanswered.
func (w *response) GohttpdbgUnwatch() (status int, written int64) {
	w.gohttpdbgAns = nil
	if !w.wroteHeader {
		if w.conn != nil && w.conn.hijacked() {
			return -1, 0
		}
		return 0, 0
	}
	return w.status, w.written
}

// GohttpdbgHeader returns the header w sends (or sent), nil if the
// handler never asked for one: the handler's map, or the snapshot net/http
// took of it at WriteHeader when the handler asked for the map before
// (and may have changed it since).
func (w *response) GohttpdbgHeader() map[string][]string {
	if w.cw.header != nil {
		return w.cw.header
	}
	return w.handlerHeader
}

// gohttpdbgSent: the header of the response the probes watch with state
// s leaves for the client (one sent after the watch is not reported: they
// time it themselves).
func gohttpdbgSent(s gohttpdbgPtr) {
	if h := GohttpdbgHTTP1.Sent; h != nil {
		h(s)
	}
}
`

// answerH2Hooks are an HTTP/2 server's (its responseWriterState, which a
// pool recycles zeroed: the added field with it).
var answerH2Hooks = []hookPoint{
	{
		kind: appendFields, recv: "{{.P}}responseWriterState", label: "{{.P}}responseWriterState", group: "answer", when: serverOwn,
		code: tmpl("gohttpdbgAns {{.P}}gohttpdbgPtr; "),
	},
	{
		// handlerHeader is the header as written (writeHeader snapshots
		// it, and later edits the snapshot).
		kind: wrapFunc, recv: "{{.P}}responseWriterState", fn: "writeHeader", params: []string{"int"}, group: "answer", when: serverOwn,
		needs: []string{"{{.P}}responseWriterState{status,wroteHeader,wroteBytes,handlerHeader,snapHeader}", "{{.P}}responseWriter{rws}"},
		lost:  "server exchanges are followed through a wrapper of the ResponseWriter (one allocation more per request)",
		code:  tmpl("{{.Call}}\nif s := {{.R}}.gohttpdbgAns; s != nil && uintptr(s)&1 == 0 && {{.R}}.wroteHeader {\nif h := {{.H}}.Answered; h != nil {\nh(s, {{.R}}.status, {{.R}}.handlerHeader)\n}\n}\nif f := {{.P}}gohttpdbgAnsweredBody; f != nil && {{.R}}.wroteHeader {\nf({{.R}}.stream)\n}"),
	},
	{
		// The buffered response goes to the connection's writer: on the
		// first call (sentHeader unset) with its header. The check is
		// inline, the call only for a watched response's first.
		kind: beforeStmt, recv: "{{.P}}responseWriterState", fn: "writeChunk", label: "{{.P}}responseWriterState.writeChunk sent", group: "answer", when: serverOwn, requires: "answer",
		needs: []string{"{{.P}}responseWriterState{sentHeader,wroteHeader}"}, find: findBodyFirstStmt,
		lost: "server exchanges are followed through a wrapper of the ResponseWriter (one allocation more per request)",
		code: tmpl("if {{.R}}.gohttpdbgAns != nil && !{{.R}}.sentHeader { {{.R}}.gohttpdbgSent() }"),
	},
}

const answerH2Helper = `
// {{.P}}gohttpdbgAnsweredBody runs when the handler's header is written:
// the server body hooks (srvbody) set it, when they applied.
var {{.P}}gohttpdbgAnsweredBody func(st *{{.P}}stream)

// GohttpdbgWatch makes w report its answer to the Answered hook with
// state when its header is written, until GohttpdbgUnwatch (the server
// probe calls it as the handler starts).
func (w *{{.P}}responseWriter) GohttpdbgWatch(state {{.P}}gohttpdbgPtr) {
	if w != nil && w.rws != nil {
		w.rws.gohttpdbgAns = state
	}
}

// GohttpdbgFollower returns the state w is watched with, else nil (the
// handler is done: the server dropped its state): the probes' follower
// of its request.
func (w *{{.P}}responseWriter) GohttpdbgFollower() {{.P}}gohttpdbgPtr {
	if w == nil || w.rws == nil {
		return nil
	}
	return w.rws.gohttpdbgAns
}

// GohttpdbgUnwatch ends the watch (the handler is done: the server's
// implicit answer comes later) and returns the status w was answered
// with and the body bytes the handler wrote. status 0: not answered yet
// (the server answers 200 when the handler returns), or the handler is
// done.
func (w *{{.P}}responseWriter) GohttpdbgUnwatch() (status int, written int64) {
	if w == nil || w.rws == nil {
		return 0, 0
	}
	w.rws.gohttpdbgAns = nil
	if !w.rws.wroteHeader {
		return 0, 0
	}
	return w.rws.status, w.rws.wroteBytes
}

// GohttpdbgHeader returns the header w sends (or sent), nil if the
// handler never asked for one (Header would make one): the snapshot of
// the handler's map taken when the header was written, which the handler
// may have changed since, else the map.
func (w *{{.P}}responseWriter) GohttpdbgHeader() map[string][]string {
	if w == nil || w.rws == nil || w.rws.handlerHeader == nil {
		return nil
	}
	if w.rws.wroteHeader && w.rws.snapHeader != nil {
		return w.rws.snapHeader
	}
	return w.rws.handlerHeader
}

// gohttpdbgSent: the response's header leaves for the client (the first
// writeChunk), while the probes watch it or after (then not reported:
// they time it themselves). A Flush before any write sends the implicit
// 200 here: it is written first, so that the answer precedes its
// sending as it does otherwise.
func (rws *{{.P}}responseWriterState) gohttpdbgSent() {
	s := rws.gohttpdbgAns
	if s == nil || rws.sentHeader {
		return
	}
	if !rws.wroteHeader {
		rws.writeHeader(200)
	}
	if h := {{.H}}.Sent; h != nil {
		h(s)
	}
}
`
