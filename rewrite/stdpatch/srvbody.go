package stdpatch

// The server body hooks let the body probe follow a server request's body
// without wrapping r.Body: net/http's own request body (HTTP/1's *body)
// carries the probes' state (GohttpdbgWatchBody) and reports its reads and
// Close to the hook set's BodyRead and BodyClose, as a client response
// body does. A wrapper is an allocation the handler may keep after its
// request ended, so the probes' per-request state could not be recycled.
//
// The handler may keep r.Body and read it after it returned: the probe
// stops the body's reports when the handler returns
// (GohttpdbgUnwatchBody), and a use word counts the calls that hold the
// state, so that no Read ever reports to a state the probe reused.
//
// The client's response bodies are net/http's *body too (inside a
// bodyEOFSignal): they never carry a state, and pay one nil check.

// srvBodyH1Hooks are the HTTP/1 server's.
var srvBodyH1Hooks = []hookPoint{
	{
		// The state (a *body.State of the probes) and its use word
		// (srvBodyUse). body is 64 bytes on Go 1.26 (80 on Go 1.27),
		// exactly a class: the 12 bytes cost one, per request with a body
		// and per client response (TestPatchedSizes).
		kind: appendFields, recv: "body", label: "body", group: "srvbody",
		lost: "server request bodies are followed through a wrapper (one allocation more per request with a body)",
		code: tmpl("gohttpdbgState gohttpdbgPtr; gohttpdbgUse int32; "),
	},
	{
		kind: wrapFunc, recv: "body", fn: "Read", params: []string{"[]byte"}, results: [][]string{{"int", "error"}},
		requires: "srvbody", group: "srvbody", lost: "server request bodies are followed through a wrapper (one allocation more per request with a body)",
		code: tmpl(`s := {{.R}}.gohttpdbgEnter()
n, err := {{.Call}}
if s != nil {
gohttpdbgBodyRead(s, {{index .A 0}}, n, err)
{{.R}}.gohttpdbgLeave()
}
return n, err`),
	},
	{
		kind: wrapFunc, recv: "body", fn: "Close", results: [][]string{{"error"}},
		requires: "srvbody", group: "srvbody", lost: "server request bodies are followed through a wrapper (one allocation more per request with a body)",
		code: tmpl(`if s := {{.R}}.gohttpdbgEnter(); s != nil {
if h := GohttpdbgHTTP1.BodyClose; h != nil {
h(s, nil, false)
}
{{.R}}.gohttpdbgLeave()
}
return {{.Call}}`),
	},
	{
		// The response header goes out: net/http reads (discards) up to
		// 256 KiB of a body the handler left unread, which are not the
		// handler's bytes.
		kind: wrapFunc, recv: "chunkWriter", fn: "writeHeader", params: []string{"[]byte"},
		needs: []string{"chunkWriter{res}", "response{reqBody}"}, requires: "srvbody", group: "srvbody",
		lost: "server request bodies are followed through a wrapper (one allocation more per request with a body)",
		code: tmpl(`b := gohttpdbgServerBody({{.R}}.res)
b.gohttpdbgOwnRead(2)
{{.Call}}
b.gohttpdbgOwnRead(-2)`),
	},
}

var srvBodyH1Helper = `
// GohttpdbgWatchBody makes the probes follow a server request body: its
// reads and Close go to the BodyRead and BodyClose hooks with state, and
// its answer (the response's WriteHeader) to BodyAnswered, until
// GohttpdbgUnwatchBody. The probes call it once, before the handler runs.
func (b *body) GohttpdbgWatchBody(state unsafe.Pointer) bool {
	b.gohttpdbgState = state
	return true
}

// GohttpdbgUnwatchBody: the handler returned; no call passes the state to
// the probes from now on. It reports whether a call still holds it.
func (b *body) GohttpdbgUnwatchBody() (held bool) { return b.gohttpdbgUnwatch() }

// gohttpdbgOwnRead marks (2) and unmarks (-2) net/http's own reads of b,
// which may be nil.
func (b *body) gohttpdbgOwnRead(d int32) {
	if b != nil {
		atomic.AddInt32(&b.gohttpdbgUse, d)
	}
}

// gohttpdbgServerBody returns w's request body when the probes follow it.
func gohttpdbgServerBody(w *response) *body {
	if w == nil {
		return nil
	}
	// reqBody is an io.ReadCloser on Go 1.26, a *body on Go 1.27.
	if b, ok := any(w.reqBody).(*body); ok && b != nil && b.gohttpdbgState != nil {
		return b
	}
	return nil
}

// gohttpdbgAnswered: the handler answered (its header is written); the
// probes note where, if its body is unread.
func gohttpdbgAnswered(w *response) {
	b := gohttpdbgServerBody(w)
	if b == nil {
		return
	}
	if s := b.gohttpdbgEnter(); s != nil {
		if h := GohttpdbgHTTP1.BodyAnswered; h != nil {
			h(s)
		}
		b.gohttpdbgLeave()
	}
}
` + srvBodyUse("u *body")

const srvBodyAnswerH1Helper = `
func init() { gohttpdbgAnsweredBody = gohttpdbgAnswered }
`

// srvBodyH2Hooks are an HTTP/2 server's (Go 1.26's bundle, Go 1.27's
// internal/http2, x/net's). The state and use word are the stream's, not
// the request body's: the response writer's header hook finds the stream
// (its responseWriterState has no field for the body), and a stream is
// never reused, so a body kept after its handler returned still finds its
// own.
var srvBodyH2Hooks = []hookPoint{
	{
		// The use word in the padding after id: stream stays in its size
		// class on Go 1.27 (168 -> 176), and costs one on Go 1.26 (160 ->
		// 168, in the 176 class), against a class more on both with both
		// fields appended (TestPatchedSizes).
		kind: appendFields, recv: "{{.P}}stream", label: "{{.P}}stream", group: "h2srvbody", when: serverOwn,
		lost: "server request bodies are followed through a wrapper (one allocation more per request with a body)",
		code: tmpl("gohttpdbgState {{.P}}gohttpdbgPtr; "),
	},
	{
		kind: appendFields, recv: "{{.P}}stream", label: "{{.P}}stream use", field: "id", group: "h2srvbody", when: serverOwn,
		requires: "h2srvbody", lost: "server request bodies are followed through a wrapper (one allocation more per request with a body)",
		code: tmpl("gohttpdbgUse int32; "),
	},
	{
		kind: wrapFunc, recv: "{{.P}}requestBody", fn: "Read", params: []string{"[]byte"}, results: [][]string{{"int", "error"}}, when: serverOwn,
		needs: []string{"{{.P}}requestBody{stream}"}, requires: "h2srvbody", group: "h2srvbody",
		lost: "server request bodies are followed through a wrapper (one allocation more per request with a body)",
		code: tmpl(`st := {{.R}}.stream
s := st.gohttpdbgEnter()
n, err := {{.Call}}
if s != nil {
{{.P}}gohttpdbgBodyRead(s, {{index .A 0}}, n, err)
st.gohttpdbgLeave()
}
return n, err`),
	},
	{
		kind: wrapFunc, recv: "{{.P}}requestBody", fn: "Close", results: [][]string{{"error"}}, when: serverOwn,
		needs: []string{"{{.P}}requestBody{stream}"}, requires: "h2srvbody", group: "h2srvbody",
		lost: "server request bodies are followed through a wrapper (one allocation more per request with a body)",
		code: tmpl(`if st := {{.R}}.stream; st != nil {
if s := st.gohttpdbgEnter(); s != nil {
if h := {{.H}}.BodyClose; h != nil {
h(s, nil, false)
}
st.gohttpdbgLeave()
}
}
return {{.Call}}`),
	},
}

var srvBodyH2Helper = `
// GohttpdbgWatchBody makes the probes follow a server request body: its
// reads and Close go to the BodyRead and BodyClose hooks with state, and
// its handler's answer to BodyAnswered, until GohttpdbgUnwatchBody.
func (b *{{.P}}requestBody) GohttpdbgWatchBody(state unsafe.Pointer) bool {
	if b.stream == nil {
		return false
	}
	b.stream.gohttpdbgState = state
	return true
}

// GohttpdbgUnwatchBody: the handler returned; no call passes the state to
// the probes from now on. It reports whether a call still holds it.
func (b *{{.P}}requestBody) GohttpdbgUnwatchBody() (held bool) {
	if b.stream == nil {
		return false
	}
	return b.stream.gohttpdbgUnwatch()
}
` + srvBodyUse("u *{{.P}}stream")

const srvBodyAnswerH2Helper = `
func init() {
	{{.P}}gohttpdbgAnsweredBody = func(st *{{.P}}stream) {
		if s := st.gohttpdbgEnter(); s != nil {
			if h := {{.H}}.BodyAnswered; h != nil {
				h(s)
			}
			st.gohttpdbgLeave()
		}
	}
}
`
