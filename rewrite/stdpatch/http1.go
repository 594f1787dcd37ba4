package stdpatch

import (
	"go/ast"
	"go/token"

	"github.com/dave/dst"
)

// patchHTTP1 patches net/http's HTTP/1 server request read and client
// response read, the client's connection handling and the capture of every
// request (the http1Hooks table). It returns the helpers' source for the
// added file.
func patchHTTP1(pk *pkgFiles, st *patchState) (string, error) {
	return applyHooks(pk, http1Hooks, h2Names{}, st)
}

// The needs of the client's connection hooks: what their code reads.
var clientConnNeeds = []string{"persistConn{conn,alt,idleAt}", "connectMethod{targetScheme,targetAddr}", "transportRequest{Request}"}

// http1Hooks are net/http's own hook points, in the order they are
// applied; then capture's.
var http1Hooks = hookSet{
	points: append([]hookPoint{
		{
			// A request the server rejected before any handler ran.
			kind: wrapFunc, recv: "conn", fn: "readRequest", params: []string{"context.Context"}, results: [][]string{{"*response", "error"}},
			needs: []string{"conn{rwc,bufr,server}", "errTooLarge", "isUnsupportedTEError", "isCommonNetReadError", "statusError{code}", "(Server).maxHeaderBytes"},
			code:  tmpl("w, err := {{.Call}}\nif err != nil {\n{{.R}}.gohttpdbgReject(err)\n}\nreturn w, err"),
		},
		{
			// The first byte of an HTTP/1 response, as httptrace's
			// GotFirstResponseByte: with WroteRequest and GetConn (in getConn's
			// wrap) a level-2 request needs no per-request trace
			// (docs/PROBES.md, "Cost"). Before the wrap below, which renames
			// the function.
			kind: beforeStmt, recv: "persistConn", fn: "readResponse", label: "(*persistConn).readResponse first byte", group: "clientev",
			needs: []string{"persistConn{br}", "requestAndChan{treq}"}, find: findFirstStmt,
			code: tmpl("gohttpdbgFirstByte({{.V.recv}}.br, {{.V.p0}}.treq)"),
		},
		{
			// A client's failure to read a response.
			kind: wrapFunc, recv: "persistConn", fn: "readResponse", params: []string{"requestAndChan", "*httptrace.ClientTrace"},
			results: [][]string{{"*Response", "error"}}, needs: []string{"persistConn{conn,br}"},
			code: tmpl("resp, err := {{.Call}}\nif err != nil {\n{{.R}}.gohttpdbgReadError(err)\n}\nreturn resp, err"),
		},
		{
			// The probes' state of a request (ClientStart's), for the hooks
			// below; roundTrip sets it (captureHooks).
			kind: appendFields, recv: "transportRequest", label: "transportRequest",
			code: tmpl("gohttpdbgState any; "),
		},
		{
			// The connection each HTTP/1 request got. With getConn and
			// dialConn, the probes need no per-request trace
			// (docs/PROBES.md, "Cost").
			kind: wrapFunc, recv: "Transport", fn: "getConn", params: []string{"*transportRequest", "connectMethod"},
			results: [][]string{{"*persistConn", "error"}}, needs: clientConnNeeds, group: "client",
			code: tmpl("if h := GohttpdbgHTTP1.GetConn; h != nil && {{index .A 0}}.gohttpdbgState != nil {\nh({{index .A 0}}.gohttpdbgState)\n}\npc, err := {{.Call}}\nif h := GohttpdbgHTTP1.GotConn; h != nil && pc != nil && pc.alt == nil && {{index .A 0}}.gohttpdbgState != nil {\nh({{index .A 0}}.gohttpdbgState, pc.conn, pc.isReused(), pc.idleAt)\n}\nreturn pc, err"),
		},
		{
			// A new connection's DNS, connect and TLS phases, timed with a
			// trace installed for that dial alone.
			kind: wrapFunc, recv: "Transport", fn: "dialConn", params: []string{"context.Context", "connectMethod", "bool", "func()"},
			results: [][]string{{"*persistConn", "error"}}, needs: clientConnNeeds, group: "client",
			code: tmpl("if h := GohttpdbgHTTP1.Dial; h != nil {\n{{index .A 0}} = h({{index .A 0}}, {{.R}}, {{index .A 1}}.targetScheme, {{index .A 1}}.targetAddr)\n}\nreturn {{.Call}}"),
		},
		{
			// Just before the request queues a dial of its own, the probes
			// mark the dial's context with the request (DialFor). Without it
			// a level-1 dial is attributed to the latest request to the host,
			// which under concurrency may be another one. Only the dialing
			// path runs it: a request served from the idle pool costs
			// nothing more.
			kind: beforeStmt, recv: "Transport", fn: "getConn", label: "(*Transport).getConn queueForDial", requires: "client",
			needs: []string{"wantConn{mu,ctx}"}, find: findQueueForDial,
			code: tmpl("gohttpdbgDialFor({{.V.w}}, {{.V.treq}}.gohttpdbgState)"),
		},
		{
			// The request was written (headers and body), as httptrace's
			// WroteRequest.
			kind: afterStmt, recv: "persistConn", fn: "writeLoop", label: "(*persistConn).writeLoop wrote", group: "clientev",
			needs: []string{"writeRequest{req}"}, find: findRequestWrite,
			code: tmpl("gohttpdbgWrote({{.V.treq}})"),
		},
		{
			// The header fields of an HTTP/1 request as net/http writes them,
			// through a trace the probes hand to this write alone (WriteTrace),
			// not in the request's context: no copy of the request, no
			// context value. The renamed original takes it as an extra
			// parameter, which the two points below use.
			kind: wrapFunc, recv: "Request", fn: "write", params: []string{"io.Writer", "bool", "Header", "func() bool"},
			results: [][]string{{"error"}}, extra: "gohttpdbgTrace *httptrace.ClientTrace", group: "reqwrite", requires: "clientev",
			code: tmpl("return {{.Call}}"),
		},
		{
			kind: afterStmt, recv: "Request", fn: "write", label: "(*Request).write trace", requires: "reqwrite",
			find: findTraceStmt,
			code: tmpl("if gohttpdbgTrace != nil { {{- .V.trace}} = gohttpdbgTrace }"),
		},
		{
			kind: replaceCall, recv: "persistConn", fn: "writeLoop", label: "(*persistConn).writeLoop trace", requires: "reqwrite",
			needs: []string{"transportRequest{Request,extra}"}, find: findRequestWriteCall,
			code: tmpl("{{.V.treq}}.Request." + origPrefix + "write({{index .A 0}}, {{index .A 1}}, {{index .A 2}}, {{index .A 3}}, gohttpdbgWriteTrace({{.V.treq}}))"),
		},
		{
			// The probes' state of a client response body (GohttpdbgSetState):
			// with the three points below, resp.Body stays net/http's own
			// and is followed without a wrapper (docs/PROBES.md, "Cost").
			kind: appendFields, recv: "bodyEOFSignal", label: "bodyEOFSignal",
			lost: "client response bodies are followed through a wrapper",
			code: tmpl("gohttpdbgState, gohttpdbgKeep, gohttpdbgOrigin any; gohttpdbgReq, gohttpdbgConn uint64; gohttpdbgUse int32; gohttpdbgGz bool; "),
		},
		{
			// Each read of an HTTP/1 response body: bytes, EOF, read after
			// Close. A decompressed body reports its reads in gzipReader's.
			kind: wrapFunc, recv: "bodyEOFSignal", fn: "Read", params: []string{"[]byte"}, results: [][]string{{"int", "error"}},
			requires: "bodyEOFSignal", group: "body", lost: "client response bodies are followed through a wrapper",
			code: tmpl(`s, rac := {{.R}}.gohttpdbgEnter()
n, err := {{.Call}}
if s != nil {
if !{{.R}}.gohttpdbgGz {
gohttpdbgBodyRead(s, {{index .A 0}}, n, err)
}
{{.R}}.gohttpdbgLeave(s)
} else if rac {
{{.R}}.gohttpdbgReadAfterClose()
}
return n, err`),
		},
		{
			// Close, before net/http's (the probes count the first).
			kind: wrapFunc, recv: "bodyEOFSignal", fn: "Close", results: [][]string{{"error"}},
			needs: []string{"bodyEOFSignal{mu}"}, requires: "bodyEOFSignal", group: "body", lost: "client response bodies are followed through a wrapper",
			code: tmpl("if s := {{.R}}.gohttpdbgState; s != nil {\n{{.R}}.gohttpdbgClose(s)\n}\nreturn {{.Call}}"),
		},
		{
			// The reads of a body net/http decompresses, as the program sees
			// them; its Close is its bodyEOFSignal's.
			kind: wrapFunc, recv: "gzipReader", fn: "Read", params: []string{"[]byte"}, results: [][]string{{"int", "error"}},
			needs: []string{"gzipReader{body}"}, requires: "bodyEOFSignal", group: "body", lost: "client response bodies are followed through a wrapper",
			code: tmpl(`s, rac := {{.R}}.body.gohttpdbgEnter()
n, err := {{.Call}}
if s != nil {
gohttpdbgBodyRead(s, {{index .A 0}}, n, err)
{{.R}}.body.gohttpdbgLeave(s)
} else if rac {
{{.R}}.body.gohttpdbgReadAfterClose()
}
return n, err`),
		},
		{
			// The tls.Config net/http makes for each client connection and
			// for a server started by ServeTLS: a copy of the program's, or a
			// new one when it set none. The probes give the copy the
			// switchable key log, so a Transport without a TLSClientConfig
			// (http.DefaultTransport) is covered without setting one on it,
			// which would turn its HTTP/2 off (golang/go#20645).
			kind: wrapFunc, fn: "cloneTLSConfig", params: []string{"*tls.Config"}, results: [][]string{{"*tls.Config"}},
			code: tmpl("c := {{.Call}}\nif h := GohttpdbgHTTP1.TLSConfig; h != nil && c != nil {\nh(c)\n}\nreturn c"),
		},
	}, append(append(append(captureHooks, answerH1Hooks...), altStateHooks...), clientRequestHooks...)...),
	helpers: []helper{
		{code: tmpl(serverRejectHelper), after: []string{"(*conn).readRequest"}},
		{code: tmpl(clientReadErrorHelper), after: []string{"(*persistConn).readResponse"}},
		{code: tmpl(peekHelper), after: []string{"(*conn).readRequest", "(*persistConn).readResponse"}, anyOf: true},
		{code: tmpl(clientHookedHelper), after: []string{"client"}},
		{code: tmpl(dialForHelper), after: []string{"(*Transport).getConn queueForDial"}},
		{code: tmpl(clientEventsHelper), after: []string{"client", "clientev"}},
		{code: tmpl(writeTraceHelper), after: []string{"(*persistConn).writeLoop trace"}},
		{code: tmpl(writeHookedHelper), after: []string{"reqwrite", "(*Request).write trace", "(*persistConn).writeLoop trace"}},
		{code: tmpl(captureHelper), after: []string{"capture"}},
		{code: tmpl(altHelper), after: []string{"alt"}},
		{code: tmpl(answerH1Helper), after: []string{"answer"}},
		{code: tmpl(bodyReadHelper), after: []string{"(*bodyEOFSignal).Read", "(*gzipReader).Read"}, anyOf: true},
		{code: tmpl(bodyCloseHelper), after: []string{"(*bodyEOFSignal).Close"}},
		{code: tmpl(bodyUseHelper), after: []string{"body"}},
		{code: tmpl(bodyStateHelper), after: []string{"body"}},
	},
}

// findQueueForDial finds "t.queueForDial(w)" in getConn and names w and
// the transportRequest parameter.
func findQueueForDial(f *srcFile, fd *dst.FuncDecl, _ signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	if len(fd.Type.Params.List) == 0 || len(fd.Type.Params.List[0].Names) != 1 {
		return nil, nil, false
	}
	var w dst.Expr
	stmt, _ := findStmt(fd, func(s dst.Stmt) bool {
		es, ok := s.(*dst.ExprStmt)
		if !ok {
			return false
		}
		c, ok := es.X.(*dst.CallExpr)
		if !ok || len(c.Args) != 1 {
			return false
		}
		if sel, ok := c.Fun.(*dst.SelectorExpr); ok && sel.Sel.Name == "queueForDial" {
			w = c.Args[0]
			return true
		}
		return false
	})
	if stmt == nil {
		return nil, nil, false
	}
	d.V["w"], d.V["treq"] = f.exprText(w), fd.Type.Params.List[0].Names[0].Name
	return stmt, nil, true
}

// findFirstStmt finds the first statement of fd and names its receiver
// (recv) and first parameter (p0).
func findFirstStmt(_ *srcFile, fd *dst.FuncDecl, _ signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	if fd.Body == nil || len(fd.Body.List) == 0 || fd.Recv == nil || len(fd.Recv.List) != 1 || len(fd.Recv.List[0].Names) != 1 ||
		len(fd.Type.Params.List) == 0 || len(fd.Type.Params.List[0].Names) == 0 {
		return nil, nil, false
	}
	d.V["recv"], d.V["p0"] = fd.Recv.List[0].Names[0].Name, fd.Type.Params.List[0].Names[0].Name
	return fd.Body.List[0], nil, true
}

// findRequestWrite finds "err := X.Request.write(...)" in writeLoop and
// names X, the *transportRequest.
func findRequestWrite(f *srcFile, fd *dst.FuncDecl, _ signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	var treq dst.Expr
	stmt, _ := findStmt(fd, func(s dst.Stmt) bool {
		as, ok := s.(*dst.AssignStmt)
		if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
			return false
		}
		c, ok := as.Rhs[0].(*dst.CallExpr)
		if !ok {
			return false
		}
		sel, ok := c.Fun.(*dst.SelectorExpr)
		if !ok || sel.Sel.Name != "write" {
			return false
		}
		inner, ok := sel.X.(*dst.SelectorExpr)
		if !ok || inner.Sel.Name != "Request" {
			return false
		}
		treq = inner.X
		return true
	})
	if stmt == nil {
		return nil, nil, false
	}
	d.V["treq"] = f.exprText(treq)
	return stmt, nil, true
}

// findTraceStmt finds "trace := httptrace.ContextClientTrace(...)" and
// names the variable.
func findTraceStmt(_ *srcFile, fd *dst.FuncDecl, _ signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	stmt, _ := findStmt(fd, func(s dst.Stmt) bool {
		as, ok := s.(*dst.AssignStmt)
		if !ok || as.Tok != token.DEFINE || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
			return false
		}
		c, ok := as.Rhs[0].(*dst.CallExpr)
		if !ok {
			return false
		}
		sel, ok := c.Fun.(*dst.SelectorExpr)
		if !ok || sel.Sel.Name != "ContextClientTrace" {
			return false
		}
		id, ok := as.Lhs[0].(*dst.Ident)
		if ok {
			d.V["trace"] = id.Name
		}
		return ok
	})
	return stmt, nil, stmt != nil
}

// findRequestWriteCall finds the call "X.Request.write(4 arguments)" in
// writeLoop and names X, the *transportRequest.
func findRequestWriteCall(f *srcFile, fd *dst.FuncDecl, sig signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	stmt, _, ok := findRequestWrite(f, fd, sig, d)
	if !ok {
		return nil, nil, false
	}
	as, _ := f.astOf(stmt).(*ast.AssignStmt)
	if as == nil || len(as.Rhs) != 1 {
		return nil, nil, false
	}
	call, _ := as.Rhs[0].(*ast.CallExpr)
	if call == nil || len(call.Args) != 4 {
		return nil, nil, false
	}
	return nil, call, true
}

const writeTraceHelper = `
// gohttpdbgWriteTrace returns the trace (*Request).write reports the
// request treq's header fields to: the probes' (WriteTrace), which
// calls the program's own trace too, or nil for the program's alone.
func gohttpdbgWriteTrace(treq *transportRequest) *httptrace.ClientTrace {
	h := GohttpdbgHTTP1.WriteTrace
	if h == nil || treq == nil || treq.gohttpdbgState == nil {
		return nil
	}
	return h(treq.gohttpdbgState, httptrace.ContextClientTrace(treq.Request.Context()))
}
`

const writeHookedHelper = `
func init() { GohttpdbgHTTP1.WriteHooked = true }
`

const clientEventsHelper = `
// gohttpdbgFirstByte waits for the first byte of the response to the
// request treq (as readResponse does when traced) and reports it.
func gohttpdbgFirstByte(br *bufio.Reader, treq *transportRequest) {
	h := GohttpdbgHTTP1.FirstByte
	if h == nil || treq == nil || treq.gohttpdbgState == nil {
		return
	}
	if peek, err := br.Peek(1); err == nil && len(peek) == 1 {
		h(treq.gohttpdbgState)
	}
}

// gohttpdbgWrote reports that treq was written.
func gohttpdbgWrote(treq *transportRequest) {
	if h := GohttpdbgHTTP1.WroteRequest; h != nil && treq != nil && treq.gohttpdbgState != nil {
		h(treq.gohttpdbgState)
	}
}

func init() { GohttpdbgHTTP1.ClientEventsHooked = true }
`

const dialForHelper = `
// gohttpdbgDialFor hands the probes the context of the dial w is about to
// queue for the request whose state is st. w may already wait in the idle
// pool's queue, where another goroutine can deliver a connection to it and
// clear its context: hence the lock.
func gohttpdbgDialFor(w *wantConn, st any) {
	h := GohttpdbgHTTP1.DialFor
	if h == nil || st == nil {
		return
	}
	w.mu.Lock()
	if w.ctx != nil {
		w.ctx = h(w.ctx, st)
	}
	w.mu.Unlock()
}
`

const bodyReadHelper = `
// gohttpdbgBodyRead hands the probes a read of a response body they
// follow: p[:n] (io.Reader's contract bounds n; a body that broke it is
// reported as read nothing) and the error.
func gohttpdbgBodyRead(s any, p []byte, n int, err error) {
	if h := GohttpdbgHTTP1.BodyRead; h != nil {
		if n < 0 || n > len(p) {
			n = 0
		}
		h(s, p[:n], err)
	}
}
`

const bodyCloseHelper = `
// gohttpdbgClose: the program closes a body the probes follow. What the
// body kept for the probes goes back to them on the first Close alone
// (Close may be called from two goroutines at once: hence the lock).
// With an origin (GohttpdbgSetOrigin) only the first Close reports: from
// then on a Read is reported without the probes' state (gohttpdbgEnter),
// which goes back to them once no call holds it (BodyReleased).
func (es *bodyEOFSignal) gohttpdbgClose(s any) {
	if !es.gohttpdbgFirstClose() {
		return
	}
	es.mu.Lock()
	keep := es.gohttpdbgKeep
	es.gohttpdbgKeep = nil
	es.mu.Unlock()
	if h := GohttpdbgHTTP1.BodyClose; h != nil {
		h(s, keep)
	}
	es.gohttpdbgLeave(s)
}
`

// bodyUseHelper guards the probes' state of an HTTP/1 body (bodyUse).
var bodyUseHelper = bodyUse("es *bodyEOFSignal", "es", "GohttpdbgHTTP1", "any")

const bodyStateHelper = `
// GohttpdbgSetState makes the probes follow the response body: its reads
// and Close go to the BodyRead and BodyClose hooks with state. The probes
// call it once, after roundTrip returned and before the program has the
// body. keep is referenced by the body alone until its first Close hands
// it back (BodyClose): an object whose finalizer runs if the program drops
// the body without closing it.
func (es *bodyEOFSignal) GohttpdbgSetState(state, keep any) {
	es.gohttpdbgState, es.gohttpdbgKeep = state, keep
}

// GohttpdbgSetOrigin names the request of a body the probes follow, for
// a Read after Close (BodyReadAfterClose): origin is never reused. The
// probes call it before GohttpdbgSetState, or never: they then keep their
// state for good.
func (es *bodyEOFSignal) GohttpdbgSetOrigin(origin any, req, conn uint64) {
	es.gohttpdbgOrigin, es.gohttpdbgReq, es.gohttpdbgConn = origin, req, conn
}

// GohttpdbgSetState: a decompressed body reports its reads (the program's
// bytes) and its bodyEOFSignal its Close.
func (gz *gzipReader) GohttpdbgSetState(state, keep any) {
	gz.body.gohttpdbgGz = true
	gz.body.GohttpdbgSetState(state, keep)
}

func (gz *gzipReader) GohttpdbgSetOrigin(origin any, req, conn uint64) {
	gz.body.GohttpdbgSetOrigin(origin, req, conn)
}
`

const http1HookSet = `
// GohttpdbgHTTP1HookSet holds the HTTP/1 hooks of gohttpdbg's std patch,
// nil unless an instrumented program's runtime installed them.
type GohttpdbgHTTP1HookSet struct {
	// ServerReject receives a request the server rejected before any
	// handler ran: the read error, the status net/http answers (400, 431,
	// 501, or a statusError's code), the bytes still buffered after the
	// failure (only valid during the call) and the server's MaxHeaderBytes
	// in force (net/http reads up to 4096 bytes beyond it). Closed and
	// timed-out connections are not reported.
	ServerReject func(conn net.Conn, err error, status int, buffered []byte, maxHeaderBytes int)
	// ClientReadError receives a client's failure to read a response
	// (malformed status line or header, header too large, EOF on a reused
	// connection…) and the bytes still buffered (only valid during the call).
	ClientReadError func(conn net.Conn, err error, buffered []byte)
	// GotConn receives the connection an HTTP/1 client request got (as
	// httptrace's GotConn, which HTTP/2 reports by itself), with the
	// request's state (ClientStart's, never nil): whether it was reused,
	// and since when it had been idle (zero if it was not).
	GotConn func(state any, conn net.Conn, reused bool, idleAt time.Time)
	// Dial runs before every new client connection (HTTP/1 and HTTP/2
	// alike) and returns the context to dial with: one that may carry an
	// httptrace.ClientTrace for this dial, composed with the request's.
	Dial func(ctx context.Context, t *Transport, scheme, addr string) context.Context
	// DialFor runs in the request's goroutine when a client request
	// followed by the probes (state: ClientStart's, never nil) is about to
	// start a dial of its own, and returns the context to dial with (the
	// dial's, or one derived from it); Dial later receives it.
	DialFor func(ctx context.Context, state any) context.Context
	// GetConn runs when a client request followed by the probes (state:
	// ClientStart's) asks for a connection, as httptrace's GetConn.
	GetConn func(state any)
	// WroteRequest runs when such a request was written, headers and
	// body, as httptrace's WroteRequest (HTTP/1).
	WroteRequest func(state any)
	// FirstByte runs when the first byte of its response arrived, as
	// httptrace's GotFirstResponseByte (HTTP/1).
	FirstByte func(state any)
	// ClientEventsHooked is set when this net/http calls the three above.
	ClientEventsHooked bool
	// WriteTrace runs before an HTTP/1 request followed by the probes is
	// written, with the program's own trace of it (nil if none): the trace
	// it returns, if not nil, is the one the write reports to (header
	// fields, WroteHeaders, WroteRequest) in place of the program's, which
	// it must call in turn.
	WriteTrace func(state any, own *httptrace.ClientTrace) *httptrace.ClientTrace
	// WriteHooked is set when this net/http calls WriteTrace.
	WriteHooked bool
	// AltEnter runs before a client request followed by the probes (state:
	// ClientStart's) is handed to the HTTP/2 RoundTripper, with the
	// *Request that RoundTripper receives; when it returns true, AltLeave
	// runs once the RoundTripper returned. Between the two, HTTP/2's
	// ClientState may ask for the state by that *Request.
	AltEnter func(req *Request, state any) bool
	AltLeave func(req *Request)
	// AltHooked is set when this net/http calls AltEnter.
	AltHooked bool
	// TLSConfig receives each tls.Config net/http makes for a client
	// connection, or for a server started by ServeTLS, before it is used:
	// a copy of the program's (or a new one if it set none) that the hook
	// may change.
	TLSConfig func(c *tls.Config)
	// BodyRead receives each Read of a client response body the probes
	// follow (its GohttpdbgSetState method): the bytes read (only valid
	// during the call) and the error.
	BodyRead func(state any, p []byte, err error)
	// BodyClose runs on each Close of such a body, before net/http's,
	// with what GohttpdbgSetState asked it to keep (the first Close only;
	// nil on the others); on the first alone once its origin is set
	// (GohttpdbgSetOrigin).
	BodyClose func(state, keep any)
	// BodyReleased: a body the probes follow, its origin set
	// (GohttpdbgSetOrigin), was closed and no call holds state any more;
	// the body never passes it to the probes again.
	BodyReleased func(state any)
	// BodyReadAfterClose receives the first Read after Close of such a
	// body, with what GohttpdbgSetOrigin set.
	BodyReadAfterClose func(origin any, req, conn uint64)
	// ClientHooked is set when this net/http calls GotConn and Dial.
	ClientHooked bool
	// Now is the probes' clock: the server's response writer reads it when
	// its header is written, if the probes asked (GohttpdbgWatch).
	Now func() int64
` + captureHookFields + `}

// GohttpdbgHTTP1 is the HTTP/1 hook set.
var GohttpdbgHTTP1 = new(GohttpdbgHTTP1HookSet)
`

const serverRejectHelper = `
func (c *conn) gohttpdbgReject(err error) {
	h := GohttpdbgHTTP1.ServerReject
	if h == nil {
		return
	}
	// The status (*conn).serve answers for err.
	status := 400
	switch {
	case err == errTooLarge:
		status = 431
	case isUnsupportedTEError(err):
		status = 501
	case isCommonNetReadError(err):
		return // no answer: the client went away or timed out
	default:
		if v, ok := err.(statusError); ok {
			status = v.code
		}
	}
	h(c.rwc, err, status, gohttpdbgPeek(c.bufr), c.server.maxHeaderBytes())
}
`

const clientReadErrorHelper = `
func (pc *persistConn) gohttpdbgReadError(err error) {
	if h := GohttpdbgHTTP1.ClientReadError; h != nil {
		h(pc.conn, err, gohttpdbgPeek(pc.br))
	}
}
`

const clientHookedHelper = `
func init() { GohttpdbgHTTP1.ClientHooked = true }
`

const peekHelper = `
// gohttpdbgPeek returns what br holds without reading more from the conn.
func gohttpdbgPeek(br *bufio.Reader) []byte {
	if br == nil {
		return nil
	}
	n := br.Buffered()
	if n > 4096 {
		n = 4096
	}
	b, _ := br.Peek(n)
	return b
}
`
