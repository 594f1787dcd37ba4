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
	points: append(append(append([]hookPoint{}, hdrSizeH1Hooks...), []hookPoint{
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
			code: tmpl("if GohttpdbgHTTP1.EventsOn.Load() { gohttpdbgFirstByte({{.V.recv}}.br, {{.V.p0}}.treq) }"),
		},
		{
			// A client's failure to read a response; the bytes of a
			// response's header (hdrSizeClientHelper), which the points
			// "header sizes" below hand to the request's goroutine.
			kind: wrapFunc, recv: "persistConn", fn: "readResponse", params: []string{"requestAndChan", "*httptrace.ClientTrace"},
			results: [][]string{{"*Response", "error"}}, needs: []string{"persistConn{conn,br,readLimit}", "requestAndChan{treq}"},
			code: tmpl("a := int64(-1)\nif t := {{index .A 0}}.treq; t != nil && t.gohttpdbgState != nil {\na = {{.R}}.gohttpdbgAvail()\n}\nresp, err := {{.Call}}\nif err != nil {\n{{.R}}.gohttpdbgReadError(err)\n} else if a >= 0 {\n{{.R}}.gohttpdbgHeaderRead({{index .A 1}}, a)\n}\nreturn resp, err"),
		},
		{
			// The probes' state of a request (ClientStart's), for the hooks
			// below; roundTrip sets it (captureHooks). A pointer, not an
			// interface: transportRequest (72 bytes, one per attempt, probes
			// on or off) stays in its 80-byte size class (TestPatchedSizes).
			// Hence EventsOn, a word in the hook set, not a flag here, for
			// the hooks of level-2 events.
			kind: appendFields, recv: "transportRequest", label: "transportRequest",
			code: tmpl("gohttpdbgState gohttpdbgPtr; "),
		},
		{
			// The probes' entry of the connection (GotConn's), set on the
			// connection's first request: a request on a kept-alive
			// connection finds it here, not by looking the net.Conn up.
			// persistConn is one per connection, not per request.
			kind: appendFields, recv: "persistConn", label: "persistConn entry", group: "client",
			code: tmpl("gohttpdbgEntry gohttpdbgPtr; "),
		},
		{
			// The bytes of the line and header of the request a connection
			// writes (reqHdrSizeHelper); one set per connection.
			kind: appendFields, recv: "persistConn", label: "persistConn request size",
			code: tmpl("gohttpdbgTrace *httptrace.ClientTrace; gohttpdbgFields []string; gohttpdbgFReq *transportRequest; gohttpdbgHS int64; gohttpdbgReqHS atomic.Int64; gohttpdbgRead struct{ req, resp int32 }; "),
		},
		{
			// The header sizes of a response (hdrSizeClientHelper) go to
			// the request's goroutine with the response, which hands them
			// to the probes before roundTrip returns: the read loop cannot
			// call the hooks itself, the caller may be gone by then (a
			// cancellation) and its state serving another request. One
			// value, sent over a channel: no allocation grows.
			kind: appendFields, recv: "responseAndError", label: "responseAndError header sizes", requires: "(*persistConn).readResponse",
			lost: "an HTTP/1 client request's header sizes are not recorded (journal)",
			code: tmpl("gohttpdbgHS struct{ req, resp int32 }; "),
		},
		{
			// Every response reaches the request through handleResponse,
			// which the sizes are handed over before.
			kind: beforeStmt, recv: "persistConn", fn: "roundTrip", label: "(*persistConn).roundTrip header sizes",
			requires: "responseAndError header sizes", needs: []string{"transportRequest{Request}"}, find: findHandleResponse,
			lost: "an HTTP/1 client request's header sizes are not recorded (journal)",
			code: tmpl(""),
		},
		{
			// The read loop's sends of a response.
			kind: beforeStmt, recv: "persistConn", fn: "readLoop", label: "(*persistConn).readLoop header sizes",
			requires: "(*persistConn).roundTrip header sizes", find: findResponseSends,
			lost: "an HTTP/1 client request's header sizes are not recorded (journal)",
			code: tmpl(""),
		},
		{
			// The connection each HTTP/1 request got. With getConn and
			// dialConn, the probes need no per-request trace
			// (docs/PROBES.md, "Cost").
			kind: wrapFunc, recv: "Transport", fn: "getConn", params: []string{"*transportRequest", "connectMethod"},
			results: [][]string{{"*persistConn", "error"}}, needs: clientConnNeeds, group: "client",
			code: tmpl("if GohttpdbgHTTP1.EventsOn.Load() {\nif h := GohttpdbgHTTP1.GetConn; h != nil && {{index .A 0}}.gohttpdbgState != nil {\nh({{index .A 0}}.gohttpdbgState)\n}\n}\npc, err := {{.Call}}\nif h := GohttpdbgHTTP1.GotConn; h != nil && pc != nil && pc.alt == nil && {{index .A 0}}.gohttpdbgState != nil {\nh({{index .A 0}}.gohttpdbgState, pc.conn, pc.isReused(), pc.idleAt, &pc.gohttpdbgEntry)\n}\nreturn pc, err"),
		},
		{
			// An HTTP/1 connection handed by the request that released it
			// straight to one waiting for the pool was never idle: net/http
			// delivers it with a zero idle time, but its idleAt is still
			// from its turn before, which getConn's hook hands the probes
			// (the request would be reported idle since then). Zeroed under
			// idleMu before the hand-over; net/http reads idleAt only of
			// connections in the idle list, and sets it as one goes there.
			kind: beforeStmt, recv: "Transport", fn: "tryPutIdleConn", label: "(*Transport).tryPutIdleConn hand-over", requires: "client",
			needs: []string{"persistConn{idleAt}"}, find: findHandOver,
			code: tmpl("{{.V.pc}}.gohttpdbgHandedOver()"),
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
			code: tmpl("if GohttpdbgHTTP1.EventsOn.Load() { gohttpdbgWrote({{.V.treq}}) }"),
		},
		{
			// The header fields of an HTTP/1 request as net/http writes them,
			// through a trace the probes hand to this write alone (WriteTrace),
			// not in the request's context: no copy of the request, no
			// context value; and the bytes of its line and header
			// (reqHdrSizeHelper). The renamed original takes the connection
			// that writes a request the probes follow as an extra parameter,
			// which the three points below use.
			kind: wrapFunc, recv: "Request", fn: "write", params: []string{"io.Writer", "bool", "Header", "func() bool"},
			results: [][]string{{"error"}}, extra: "gohttpdbgPC *persistConn", group: "reqwrite", requires: "clientev",
			needs: []string{"persistConn{nwrite,bw}"},
			code:  tmpl("return {{.Call}}"),
		},
		{
			kind: afterStmt, recv: "Request", fn: "write", label: "(*Request).write trace", requires: "reqwrite",
			find: findTraceStmt,
			code: tmpl("if gohttpdbgPC != nil && gohttpdbgPC.gohttpdbgTrace != nil { {{- .V.trace}} = gohttpdbgPC.gohttpdbgTrace }"),
		},
		{
			// The blank line that ends the header is written (to the
			// buffer): what was written and buffered since the request's
			// start is its line and header, as on the wire.
			kind: afterStmt, recv: "Request", fn: "write", label: "(*Request).write header size", requires: "reqwrite",
			find: findHeaderEnd,
			code: tmpl("if gohttpdbgPC != nil { gohttpdbgPC.gohttpdbgHeaderWritten() }"),
		},
		// The header fields an HTTP/1 request's write writes, collected as
		// it writes them, without a trace (a trace's WroteHeaderField costs
		// net/http a []string a field): the fields written before the
		// header map's (Host, User-Agent, the transferWriter's) are
		// appended before r.Header.writeSubset, whose own loop then
		// appends each field it writes, as it writes it (its sort and
		// cleaning, no walk of the map of its own), and so does the
		// extra header's; once the blank line is written they go to the
		// probes (WroteFields). writeSubset and write take where to
		// append (nil: nowhere) as an extra parameter; their
		// trampolines, which every other caller calls, pass nil. Each
		// point requires the ones before it (the group): one missing,
		// the fields come through a trace (FieldsHooked stays false).
		{
			kind: wrapFunc, recv: "Header", value: true, fn: "writeSubset", params: []string{"io.Writer", "map[string]bool", "*httptrace.ClientTrace"},
			results: [][]string{{"error"}}, extra: "gohttpdbgF *[]string", requires: "reqwrite", group: "reqfields",
			lost: reqFieldsLost, code: tmpl("return {{.Call}}"),
		},
		{
			kind: afterStmt, recv: "Header", value: true, fn: "writeSubset", label: "Header.writeSubset field", requires: "reqfields", group: "reqfields",
			find: findSubsetValue, lost: reqFieldsLost,
			code: tmpl("if gohttpdbgF != nil { gohttpdbgAppendField(gohttpdbgF, {{.V.kv}}.key, {{.V.v}}) }"),
		},
		{
			kind: wrapFunc, recv: "Header", value: true, fn: "write", params: []string{"io.Writer", "*httptrace.ClientTrace"},
			results: [][]string{{"error"}}, extra: "gohttpdbgF *[]string", requires: "reqfields", group: "reqfields",
			lost: reqFieldsLost, code: tmpl("return {{.Call}}"),
		},
		{
			kind: replaceCall, recv: "Header", value: true, fn: "write", label: "Header.write fields", requires: "reqfields", group: "reqfields",
			find: findSubsetCall, lost: reqFieldsLost,
			code: tmpl("{{.V.x}}." + origPrefix + "writeSubset({{index .A 0}}, {{index .A 1}}, {{index .A 2}}, gohttpdbgF)"),
		},
		{
			kind: replaceCall, recv: "Request", fn: "write", label: "(*Request).write header map fields", requires: "reqfields", group: "reqfields",
			needs: []string{"transferWriter{Close,Header,ContentLength,TransferEncoding,Trailer}"}, find: findRequestSubsetCall, lost: reqFieldsLost,
			code: tmpl("{{.V.x}}." + origPrefix + "writeSubset({{index .A 0}}, {{index .A 1}}, {{index .A 2}}, gohttpdbgPC.gohttpdbgFieldsFrom(host, userAgent, tw))"),
		},
		{
			kind: replaceCall, recv: "Request", fn: "write", label: "(*Request).write extra fields", requires: "reqfields", group: "reqfields",
			find: findExtraWriteCall, lost: reqFieldsLost,
			code: tmpl("{{.V.x}}." + origPrefix + "write({{index .A 0}}, {{index .A 1}}, gohttpdbgPC.gohttpdbgFieldsTo())"),
		},
		{
			// The header fields written go to the probes.
			kind: afterStmt, recv: "Request", fn: "write", label: "(*Request).write header fields", requires: "reqfields", group: "reqfields",
			find: findHeaderEnd, lost: reqFieldsLost,
			code: tmpl("if gohttpdbgPC != nil && gohttpdbgPC.gohttpdbgFields != nil { gohttpdbgPC.gohttpdbgFieldsWritten() }"),
		},
		{
			kind: replaceCall, recv: "persistConn", fn: "writeLoop", label: "(*persistConn).writeLoop trace", requires: "reqwrite",
			needs: []string{"transportRequest{Request,extra}"}, find: findRequestWriteCall,
			code: tmpl("{{.V.treq}}.Request." + origPrefix + "write({{index .A 0}}, {{index .A 1}}, {{index .A 2}}, {{index .A 3}}, {{.R}}.gohttpdbgWriting({{.V.treq}}))"),
		},
		{
			// The probes' state of a client response body (GohttpdbgSetState):
			// with the three points below, resp.Body stays net/http's own
			// and is followed without a wrapper (docs/PROBES.md, "Cost").
			// Every response pays for these fields, probes on or off:
			// pointers, not interfaces (the probes know what they stored),
			// keep bodyEOFSignal (64 bytes without the patch) at 112 where
			// interfaces made it 144 (TestPatchedSizes).
			kind: appendFields, recv: "bodyEOFSignal", label: "bodyEOFSignal",
			lost: "client response bodies are followed through a wrapper",
			code: tmpl("gohttpdbgState, gohttpdbgKeep, gohttpdbgOrigin gohttpdbgPtr; gohttpdbgReq, gohttpdbgConn uint64; gohttpdbgUse int32; gohttpdbgGz bool; "),
		},
		{
			// Each read of an HTTP/1 response body: bytes, EOF, read after
			// Close. A decompressed body reports its reads in gzipReader's.
			kind: wrapFunc, recv: "bodyEOFSignal", fn: "Read", params: []string{"[]byte"}, results: [][]string{{"int", "error"}},
			requires: "bodyEOFSignal", group: "body", lost: "client response bodies are followed through a wrapper",
			// gohttpdbgBodyRead is written out: a call of its own costs a
			// cold cache line on every response.
			code: tmpl(`s, rac := {{.R}}.gohttpdbgEnter()
n, err := {{.Call}}
if s != nil {
if h := GohttpdbgHTTP1.BodyRead; h != nil && !{{.R}}.gohttpdbgGz {
if uint(n) > uint(len({{index .A 0}})) {
h(s, nil, err)
} else {
h(s, {{index .A 0}}[:n], err)
}
}
if {{.R}}.gohttpdbgLeft() {
{{.R}}.gohttpdbgRelease(s)
}
} else if rac {
{{.R}}.gohttpdbgReadAfterClose()
}
return n, err`),
		},
		{
			// Close, before net/http's (the probes count the first).
			kind: wrapFunc, recv: "bodyEOFSignal", fn: "Close", results: [][]string{{"error"}},
			requires: "bodyEOFSignal", group: "body", lost: "client response bodies are followed through a wrapper",
			code: tmpl("if s := {{.R}}.gohttpdbgState; s != nil {\n{{.R}}.gohttpdbgClose(s)\n}\nreturn {{.Call}}"),
		},
		{
			// The reads of a body net/http decompresses, as the program sees
			// them; its Close is its bodyEOFSignal's. Rarer than the plain
			// body's: the hook's call through gohttpdbgBodyRead.
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
			// Go 1.27's readLoop reads the response and its body again
			// when the program closes the body early (to drain it), so it
			// holds both while it waits for the body to be read: a body
			// the program drops would never be unreachable, and its leak
			// (what GohttpdbgSetState keeps on it) never reported. The
			// body's early Close hands the two values to the loop through
			// its connection (the closure it calls is reachable from the
			// body alone), and the loop no longer refers to the response
			// or the body while it waits. Go 1.26's loop does not read
			// them again: the points are not there.
			kind: appendFields, recv: "persistConn", label: "persistConn", group: "readloop",
			when: readLoopDrains, lost: "a response body dropped without Close is not reported (body.leak)",
			code: tmpl("gohttpdbgDrain struct { n int64; r io.Reader }; "),
		},
		{
			kind: beforeStmt, recv: "persistConn", fn: "readLoop", label: "(*persistConn).readLoop body", requires: "readloop",
			when: readLoopDrains, needs: []string{"bodyEOFSignal{body,earlyCloseFn}", "Response{ContentLength,Body}"}, find: findReadLoopBody,
			lost: "a response body dropped without Close is not reported (body.leak)",
			code: tmpl("gohttpdbgResp, gohttpdbgInner := {{.V.resp}}, {{.V.resp}}.Body"),
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
	}...), append(append(append(append(captureHooks, answerH1Hooks...), altStateHooks...), clientRequestHooks...), srvBodyH1Hooks...)...),
	helpers: []helper{
		{code: tmpl(serverRejectHelper), after: []string{"(*conn).readRequest"}},
		{code: tmpl(clientReadErrorHelper), after: []string{"(*persistConn).readResponse"}},
		{code: tmpl(hdrSizeClientHelper), after: []string{"(*persistConn).readResponse", "persistConn request size"}},
		{code: tmpl(hdrSizeDeliverHelper), after: []string{"(*persistConn).roundTrip header sizes"}},
		{code: tmpl(hdrSizeH1Helper), after: []string{"hdrsize"}},
		{code: tmpl(peekHelper), after: []string{"(*conn).readRequest", "(*persistConn).readResponse"}, anyOf: true},
		{code: tmpl(clientHookedHelper), after: []string{"client"}},
		{code: tmpl(dialForHelper), after: []string{"(*Transport).getConn queueForDial"}},
		{code: tmpl(clientEventsHelper), after: []string{"client", "clientev"}},
		{code: tmpl(writeTraceHelper), after: []string{"(*persistConn).writeLoop trace", "persistConn request size"}},
		{code: tmpl(reqHdrSizeHelper), after: []string{"(*Request).write header size", "persistConn request size"}},
		{code: tmpl(reqFieldsHelper), after: []string{"reqwrite", "persistConn request size"}},
		{code: tmpl(reqFieldsHookedHelper), after: []string{"reqfields", "(*persistConn).writeLoop trace"}},
		{code: tmpl(writeHookedHelper), after: []string{"reqwrite", "(*Request).write trace", "(*persistConn).writeLoop trace"}},
		{code: tmpl(captureHelper), after: []string{"capture"}},
		{code: tmpl(stdOfHelper), after: []string{"answer", "hdrsize"}},
		{code: tmpl(stdOfNoneHelper), after: []string{"answer", "hdrsize"}, not: true},
		{code: tmpl(connStateHelper), after: []string{"connstate"}},
		{code: tmpl(siteHelper), after: []string{"Request site"}},
		{code: tmpl(handOverHelper), after: []string{"(*Transport).tryPutIdleConn hand-over"}},
		{code: tmpl(altHelper), after: []string{"alt"}},
		{code: tmpl(answerH1Helper), after: []string{"answer"}},
		{code: tmpl(bodyReadHelper), after: []string{"(*gzipReader).Read", "srvbody"}, anyOf: true},
		{code: tmpl(srvBodyH1Helper), after: []string{"srvbody"}},
		{code: tmpl(srvBodyAnswerH1Helper), after: []string{"srvbody", "answer"}},
		{code: tmpl(bodyCloseHelper), after: []string{"(*bodyEOFSignal).Close"}},
		{code: tmpl(bodyUseHelper), after: []string{"body"}},
		{code: tmpl(bodyStateHelper), after: []string{"body"}},
		{code: tmpl(ptrHelper), after: []string{"bodyEOFSignal", "transportRequest", "srvbody", "conn", "answer"}, anyOf: true},
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
		if c := methodCallStmt(s, "queueForDial", 1); c != nil {
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

// handOverHelper: see the point "(*Transport).tryPutIdleConn hand-over".
const handOverHelper = `
// gohttpdbgHandedOver: pc goes from one request to the next without being
// idle; getConn's hook must not see the idle time of its turn before.
func (pc *persistConn) gohttpdbgHandedOver() { pc.idleAt = time.Time{} }
`

// findHandOver finds, in tryPutIdleConn, HTTP/1's loop that hands the
// connection to the first request still waiting ("for q.len() > 0 { …
// done = true … }"), and names the connection (the first parameter).
func findHandOver(_ *srcFile, fd *dst.FuncDecl, _ signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	if len(fd.Type.Params.List) == 0 || len(fd.Type.Params.List[0].Names) != 1 {
		return nil, nil, false
	}
	stmt, _ := findStmt(fd, func(s dst.Stmt) bool {
		fs, ok := s.(*dst.ForStmt)
		if !ok {
			return false
		}
		done := false
		dst.Inspect(fs.Body, func(n dst.Node) bool {
			if as, ok := n.(*dst.AssignStmt); ok && len(as.Lhs) == 1 && len(as.Rhs) == 1 {
				l, _ := as.Lhs[0].(*dst.Ident)
				r, _ := as.Rhs[0].(*dst.Ident)
				done = done || (l != nil && r != nil && l.Name == "done" && r.Name == "true")
			}
			return !done
		})
		return done
	})
	if stmt == nil {
		return nil, nil, false
	}
	d.V["pc"] = fd.Type.Params.List[0].Names[0].Name
	return stmt, nil, true
}

// readLoopDrains: net/http drains a response body closed early (Go 1.27).
func readLoopDrains(pk *pkgFiles, _ h2Names) bool { return pk.has("maybeDrainBody") }

// findReadLoopBody finds, in Go 1.27's readLoop, the statement that makes
// the response's bodyEOFSignal ("body := &bodyEOFSignal{body: resp.Body,
// earlyCloseFn: func…}"), the select that hands the response over, and the
// select that then waits for the body to be read (its first case receives
// from waitForBodyRead). The response and body variables must appear in
// the wait only as resp.ContentLength and body.body, and not after it. It
// returns the first statement, names the response variable, and adds the
// point's other edits: the early Close stores the two values in the
// connection before it tells the loop, the wait reads them from there, and
// the connection forgets them after the wait.
func findReadLoopBody(f *srcFile, fd *dst.FuncDecl, sig signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	afd, _ := f.astOf(fd).(*ast.FuncDecl)
	if afd == nil || afd.Body == nil || sig.recvName == "" {
		return nil, nil, false
	}
	var block []ast.Stmt
	wait := -1
	ast.Inspect(afd.Body, func(n ast.Node) bool {
		b, ok := n.(*ast.BlockStmt)
		if !ok || wait >= 0 {
			return wait < 0
		}
		for i, s := range b.List {
			if sel, ok := s.(*ast.SelectStmt); ok && i > 0 && recvFrom(sel, "waitForBodyRead") {
				block, wait = b.List, i
				return false
			}
		}
		return true
	})
	if wait < 0 {
		return nil, nil, false
	}
	if handOff, ok := block[wait-1].(*ast.SelectStmt); !ok || !sendsResponse(handOff) {
		return nil, nil, false
	}
	const resp, body = "resp", "body"
	var made ast.Stmt
	var early *ast.SendStmt
	for _, s := range block[:wait] {
		if st, e := makesBody(s, body, resp); e != nil {
			made, early = st, e
		}
	}
	if made == nil {
		return nil, nil, false
	}
	var length, inner *ast.SelectorExpr
	uses := 0
	ast.Inspect(block[wait], func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok {
				switch {
				case id.Name == resp && n.Sel.Name == "ContentLength" && length == nil:
					length = n
				case id.Name == body && n.Sel.Name == "body" && inner == nil:
					inner = n
				}
			}
			ast.Inspect(n.X, func(m ast.Node) bool { uses += identUses(m, resp, body); return true })
			return false
		default:
			uses += identUses(n, resp, body)
		}
		return true
	})
	for _, s := range block[wait+1:] {
		ast.Inspect(s, func(m ast.Node) bool { uses += identUses(m, resp, body); return true })
	}
	if length == nil || inner == nil || uses != 2 {
		return nil, nil, false
	}
	stmt, _ := findStmt(fd, func(s dst.Stmt) bool { return f.astOf(s) == made })
	if stmt == nil {
		return nil, nil, false
	}
	d.V["resp"] = resp
	drain := sig.recvName + ".gohttpdbgDrain"
	end := f.off(block[wait].End())
	f.edits = append(f.edits,
		edit{off: f.off(early.Pos()), end: f.off(early.Pos()), text: drain + ".n, " + drain + ".r = gohttpdbgResp.ContentLength, gohttpdbgInner; " + f.posDirective(early.Pos())},
		edit{off: f.off(length.Pos()), end: f.off(length.End()), text: drain + ".n"},
		edit{off: f.off(inner.Pos()), end: f.off(inner.End()), text: drain + ".r"},
		edit{off: end, end: end, text: "; " + drain + ".r = nil"})
	return stmt, nil, true
}

// makesBody matches "body := &bodyEOFSignal{body: resp.Body, earlyCloseFn:
// func() error { waitForBodyRead <- errClosedEarly; … }, …}" and returns
// the early Close's send.
func makesBody(s ast.Stmt, body, resp string) (ast.Stmt, *ast.SendStmt) {
	as, ok := s.(*ast.AssignStmt)
	if !ok || as.Tok != token.DEFINE || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
		return nil, nil
	}
	if id, ok := as.Lhs[0].(*ast.Ident); !ok || id.Name != body {
		return nil, nil
	}
	u, ok := as.Rhs[0].(*ast.UnaryExpr)
	if !ok || u.Op != token.AND {
		return nil, nil
	}
	lit, ok := u.X.(*ast.CompositeLit)
	if !ok {
		return nil, nil
	}
	if id, ok := lit.Type.(*ast.Ident); !ok || id.Name != "bodyEOFSignal" {
		return nil, nil
	}
	var fromResp bool
	var early *ast.SendStmt
	for _, e := range lit.Elts {
		kv, ok := e.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		key, _ := kv.Key.(*ast.Ident)
		switch {
		case key == nil:
		case key.Name == "body":
			sel, ok := kv.Value.(*ast.SelectorExpr)
			if ok && sel.Sel.Name == "Body" {
				x, _ := sel.X.(*ast.Ident)
				fromResp = x != nil && x.Name == resp
			}
		case key.Name == "earlyCloseFn":
			fl, ok := kv.Value.(*ast.FuncLit)
			if !ok || len(fl.Body.List) == 0 {
				continue
			}
			send, ok := fl.Body.List[0].(*ast.SendStmt)
			if !ok {
				continue
			}
			if v, ok := send.Value.(*ast.Ident); ok && v.Name == "errClosedEarly" {
				early = send
			}
		}
	}
	if !fromResp || early == nil {
		return nil, nil
	}
	return s, early
}

// recvFrom reports whether sel's first case receives from the channel
// variable ch.
func recvFrom(sel *ast.SelectStmt, ch string) bool {
	if len(sel.Body.List) == 0 {
		return false
	}
	cc, _ := sel.Body.List[0].(*ast.CommClause)
	if cc == nil {
		return false
	}
	var x ast.Expr
	switch c := cc.Comm.(type) {
	case *ast.AssignStmt:
		if len(c.Rhs) == 1 {
			x = c.Rhs[0]
		}
	case *ast.ExprStmt:
		x = c.X
	}
	u, _ := x.(*ast.UnaryExpr)
	if u == nil || u.Op != token.ARROW {
		return false
	}
	id, _ := u.X.(*ast.Ident)
	return id != nil && id.Name == ch
}

// sendsResponse reports whether sel's first case sends
// responseAndError{res: resp}.
func sendsResponse(sel *ast.SelectStmt) bool {
	if len(sel.Body.List) == 0 {
		return false
	}
	cc, _ := sel.Body.List[0].(*ast.CommClause)
	if cc == nil {
		return false
	}
	send, _ := cc.Comm.(*ast.SendStmt)
	if send == nil {
		return false
	}
	lit, _ := send.Value.(*ast.CompositeLit)
	if lit == nil || len(lit.Elts) != 1 {
		return false
	}
	kv, _ := lit.Elts[0].(*ast.KeyValueExpr)
	if kv == nil {
		return false
	}
	id, _ := kv.Value.(*ast.Ident)
	return id != nil && id.Name == "resp"
}

// identUses counts n if it is an identifier named one of names (a field
// name after a dot is not reached: callers skip selectors' Sel).
func identUses(n ast.Node, names ...string) int {
	id, ok := n.(*ast.Ident)
	if !ok {
		return 0
	}
	for _, name := range names {
		if id.Name == name {
			return 1
		}
	}
	return 0
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

// findHeaderEnd finds, in (*Request).write, the write of the blank line
// that ends the header: `_, err = io.WriteString(w, "\r\n")`.
func findHeaderEnd(f *srcFile, fd *dst.FuncDecl, _ signature, _ *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	stmt, _ := findStmt(fd, func(s dst.Stmt) bool {
		as, ok := s.(*dst.AssignStmt)
		if !ok || len(as.Rhs) != 1 {
			return false
		}
		c, ok := as.Rhs[0].(*dst.CallExpr)
		if !ok || len(c.Args) != 2 || f.exprText(c.Fun) != "io.WriteString" {
			return false
		}
		lit, ok := c.Args[1].(*dst.BasicLit)
		return ok && lit.Value == `"\r\n"`
	})
	return stmt, nil, stmt != nil
}

// findRequestWriteCall finds the call "X.Request.write(4 arguments)" in
// writeLoop and names X, the *transportRequest.
// findRequestSubsetCall finds, in (*Request).write, the write of the
// header map, "X.writeSubset(3 arguments)", where the write's own host,
// userAgent and tw (its transferWriter) are in scope, and names X.
func findRequestSubsetCall(f *srcFile, fd *dst.FuncDecl, sig signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	want := map[string]bool{"host": false, "userAgent": false, "tw": false}
	for _, s := range fd.Body.List {
		if as, ok := s.(*dst.AssignStmt); ok {
			for _, l := range as.Lhs {
				if id, ok := l.(*dst.Ident); ok {
					if _, w := want[id.Name]; w {
						want[id.Name] = true
					}
				}
			}
		}
	}
	for _, found := range want {
		if !found {
			return nil, nil, false
		}
	}
	return findSubsetCall(f, fd, sig, d)
}

// findSubsetCall finds the call "X.writeSubset(3 arguments)" and names X.
func findSubsetCall(f *srcFile, fd *dst.FuncDecl, _ signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	return findMethodCall(f, fd, d, "writeSubset", 3, "")
}

// findExtraWriteCall finds, in (*Request).write, the write of the extra
// header, "extraHeaders.write(2 arguments)", and names extraHeaders.
func findExtraWriteCall(f *srcFile, fd *dst.FuncDecl, sig signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	for _, p := range sig.params {
		if p.name == "extraHeaders" {
			return findMethodCall(f, fd, d, "write", 2, "extraHeaders")
		}
	}
	return nil, nil, false
}

// findMethodCall finds the one call "X.method(n arguments)" in fd, X the
// identifier recv when not "", and names X (V["x"]). Two such calls: not
// found, the point would not know which.
func findMethodCall(f *srcFile, fd *dst.FuncDecl, d *hookData, method string, n int, recv string) (dst.Stmt, *ast.CallExpr, bool) {
	var found []*ast.CallExpr
	ast.Inspect(f.astOf(fd), func(nd ast.Node) bool {
		c, ok := nd.(*ast.CallExpr)
		if !ok || len(c.Args) != n {
			return true
		}
		sel, ok := c.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != method {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); recv != "" && (!ok || id.Name != recv) {
			return true
		}
		found = append(found, c)
		return true
	})
	if len(found) != 1 {
		return nil, nil, false
	}
	d.V["x"] = f.text(found[0].Fun.(*ast.SelectorExpr).X)
	return nil, found[0], true
}

// findSubsetValue finds, in Header.writeSubset, the statement that has
// cleaned a value before it is written: "V = textproto.TrimString(V)"
// directly in the body of "for _, V := range KV.values", itself in "for
// _, KV := range ..."; it names KV (kv) and V (v).
func findSubsetValue(f *srcFile, fd *dst.FuncDecl, _ signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	var stmt dst.Stmt
	dst.Inspect(fd.Body, func(n dst.Node) bool {
		outer, ok := n.(*dst.RangeStmt)
		if !ok || stmt != nil {
			return stmt == nil
		}
		kv, ok := outer.Value.(*dst.Ident)
		if !ok {
			return true
		}
		for _, s := range outer.Body.List {
			inner, ok := s.(*dst.RangeStmt)
			if !ok {
				continue
			}
			v, ok := inner.Value.(*dst.Ident)
			x, okx := inner.X.(*dst.SelectorExpr)
			if !ok || !okx || x.Sel.Name != "values" || f.exprText(x.X) != kv.Name {
				continue
			}
			for _, is := range inner.Body.List {
				as, ok := is.(*dst.AssignStmt)
				if !ok || as.Tok != token.ASSIGN || len(as.Lhs) != 1 || len(as.Rhs) != 1 || f.exprText(as.Lhs[0]) != v.Name ||
					f.exprText(as.Rhs[0]) != "textproto.TrimString("+v.Name+")" {
					continue
				}
				stmt, d.V["kv"], d.V["v"] = is, kv.Name, v.Name
				return false
			}
		}
		return true
	})
	return stmt, nil, stmt != nil
}

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
// gohttpdbgWriting prepares pc's write of the request treq and returns
// the connection for (*Request).write to report to, or nil when the
// probes do not follow the request. The trace the write reports the
// header fields to is the probes' (WriteTrace), which calls the
// program's own trace too, or nil for the program's alone; only while
// a probe wants level-2 events (EventsOn): else the write makes no call
// for them, nor looks the program's trace up in the context.
func (pc *persistConn) gohttpdbgWriting(treq *transportRequest) *persistConn {
	if treq == nil || treq.gohttpdbgState == nil {
		return nil
	}
	var t *httptrace.ClientTrace
	var fields []string
	if GohttpdbgHTTP1.EventsOn.Load() {
		own := httptrace.ContextClientTrace(treq.Request.Context())
		if h := GohttpdbgHTTP1.WriteFields; h != nil && GohttpdbgHTTP1.FieldsHooked && own == nil {
			fields = h(treq.gohttpdbgState)
		}
		if h := GohttpdbgHTTP1.WriteTrace; h != nil && fields == nil {
			t = h(treq.gohttpdbgState, own)
		}
	}
	if t != pc.gohttpdbgTrace { // mostly nil both: no pointer store, no write barrier
		pc.gohttpdbgTrace = t
	}
	if fields != nil || pc.gohttpdbgFields != nil {
		pc.gohttpdbgFields, pc.gohttpdbgFReq = fields, treq
	}
	pc.gohttpdbgHS = pc.nwrite + int64(pc.bw.Buffered())
	return pc
}
`

const reqHdrSizeHelper = `
// gohttpdbgHeaderWritten: the request's blank line is written to the
// buffer. The bytes written since gohttpdbgWriting (nwrite counts what
// the buffer flushed) are its line and header: readResponse hands them
// to the probes with the response (gohttpdbgHeaderRead). The response
// may be read before the header is written (a server may answer early):
// the size then waits here, and the next request's replaces it.
func (pc *persistConn) gohttpdbgHeaderWritten() {
	pc.gohttpdbgReqHS.Store(pc.nwrite + int64(pc.bw.Buffered()) - pc.gohttpdbgHS)
}
`

// reqFieldsLost is what goes unseen without the points that collect an
// HTTP/1 client request's header fields as it writes them.
const reqFieldsLost = "an HTTP/1 client request's header fields reach header.request through a trace (allocations)"

const reqFieldsHelper = `
// gohttpdbgFieldsFrom returns where a request's write appends the header fields
// it writes (the slice WriteFields returned), after appending those
// written before the header map's, as a trace's WroteHeaderField sees
// them (host, userAgent and tw are the write's own); nil when the probes
// do not want them.
func (pc *persistConn) gohttpdbgFieldsFrom(host, userAgent string, tw *transferWriter) *[]string {
	if pc == nil || pc.gohttpdbgFields == nil {
		return nil
	}
	pc.gohttpdbgFieldsStart(host, userAgent, tw)
	return &pc.gohttpdbgFields
}

func (pc *persistConn) gohttpdbgFieldsStart(host, userAgent string, tw *transferWriter) {
	f := append(pc.gohttpdbgFields, "Host", host)
	if userAgent != "" {
		f = append(f, "User-Agent", userAgent)
	}
	if tw != nil {
		if tw.Close && !hasToken(tw.Header.get("Connection"), "close") {
			f = append(f, "Connection", "close")
		}
		if tw.shouldSendContentLength() {
			f = append(f, "Content-Length", strconv.FormatInt(tw.ContentLength, 10))
		} else if chunked(tw.TransferEncoding) {
			f = append(f, "Transfer-Encoding", "chunked")
		}
		if tw.Trailer != nil {
			keys := make([]string, 0, len(tw.Trailer))
			for k := range tw.Trailer {
				keys = append(keys, CanonicalHeaderKey(k))
			}
			slices.Sort(keys)
			for _, k := range keys {
				f = append(f, "Trailer", k)
			}
		}
	}
	pc.gohttpdbgFields = f
}

// gohttpdbgAppendField appends the field k: v to *f. Out of line: the
// loop of writeSubset, which every write of a header runs, keeps its
// registers across the test that calls it.
//
//go:noinline
func gohttpdbgAppendField(f *[]string, k, v string) {
	*f = append(*f, k, v)
}

// gohttpdbgFieldsTo is where the extra header's write appends its fields.
func (pc *persistConn) gohttpdbgFieldsTo() *[]string {
	if pc == nil || pc.gohttpdbgFields == nil {
		return nil
	}
	return &pc.gohttpdbgFields
}

// gohttpdbgFieldsWritten hands the probes (WroteFields) the header fields
// the write just wrote.
func (pc *persistConn) gohttpdbgFieldsWritten() {
	f, treq := pc.gohttpdbgFields, pc.gohttpdbgFReq
	pc.gohttpdbgFields, pc.gohttpdbgFReq = nil, nil
	if h := GohttpdbgHTTP1.WroteFields; h != nil {
		h(treq.gohttpdbgState, f)
	}
}
`

const reqFieldsHookedHelper = `
func init() { GohttpdbgHTTP1.FieldsHooked = true }
`

const writeHookedHelper = `
func init() { GohttpdbgHTTP1.WriteHooked = true }
`

const clientEventsHelper = `
// gohttpdbgFirstByte waits for the first byte of the response to the
// request treq (as readResponse does when traced) and reports it. The
// point calls it only while the probes want level-2 events (EventsOn):
// otherwise readResponse does not wait here.
func gohttpdbgFirstByte(br *bufio.Reader, treq *transportRequest) {
	h := GohttpdbgHTTP1.FirstByte
	if h == nil || treq == nil || treq.gohttpdbgState == nil {
		return
	}
	if peek, err := br.Peek(1); err == nil && len(peek) == 1 {
		h(treq.gohttpdbgState)
	}
}

// gohttpdbgWrote reports that treq was written (while EventsOn).
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
func gohttpdbgDialFor(w *wantConn, st unsafe.Pointer) {
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
func gohttpdbgBodyRead(s unsafe.Pointer, p []byte, n int, err error) {
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
// (without an origin Close may be called from two goroutines at once:
// hence the swap).
// With an origin (GohttpdbgSetOrigin) only the first Close reports: from
// then on a Read is reported without the probes' state (gohttpdbgEnter),
// which goes back to them once no call holds it (BodyReleased). A
// Close that no Read overlaps, the usual one, holds the state alone, and
// none can take it from then on: BodyClose hands it back with the Close
// (last), one call where two made a Close cost two.
func (es *bodyEOFSignal) gohttpdbgClose(s unsafe.Pointer) {
	if !es.gohttpdbgFirstClose() {
		return
	}
	// With an origin this Close is the first (gohttpdbgFirstClose) and the
	// only one here: no swap, which is a call (its write barrier).
	var keep unsafe.Pointer
	if es.gohttpdbgOrigin != nil {
		keep, es.gohttpdbgKeep = es.gohttpdbgKeep, nil
	} else {
		keep = atomic.SwapPointer(&es.gohttpdbgKeep, nil)
	}
	last := es.gohttpdbgOrigin != nil && atomic.LoadInt32(&es.gohttpdbgUse)&^2 == 1+4
	if h := GohttpdbgHTTP1.BodyClose; h != nil {
		h(s, keep, last)
	}
	if !last {
		es.gohttpdbgLeave(s)
	}
}
`

// bodyUseHelper guards the probes' state of an HTTP/1 body (bodyUse).
var bodyUseHelper = bodyUse("es *bodyEOFSignal", "es", "u.gohttpdbgConn", "GohttpdbgHTTP1")

const bodyStateHelper = `
// GohttpdbgSetState makes the probes follow the response body: its reads
// and Close go to the BodyRead and BodyClose hooks with state. The probes
// call it once, after roundTrip returned and before the program has the
// body. keep is referenced by the body alone until its first Close hands
// it back (BodyClose): an object whose finalizer runs if the program drops
// the body without closing it.
func (es *bodyEOFSignal) GohttpdbgSetState(state, keep unsafe.Pointer) {
	es.gohttpdbgState, es.gohttpdbgKeep = state, keep
}

// GohttpdbgSetOrigin names the request of a body the probes follow, for
// a Read after Close (BodyReadAfterClose): origin is never reused. The
// probes call it before GohttpdbgSetState, or never: they then keep their
// state for good.
func (es *bodyEOFSignal) GohttpdbgSetOrigin(origin unsafe.Pointer, req, conn uint64) {
	es.gohttpdbgOrigin, es.gohttpdbgReq, es.gohttpdbgConn = origin, req, conn
}

// GohttpdbgFollow is GohttpdbgSetOrigin then GohttpdbgSetState, in one
// call: the probes' usual one.
func (es *bodyEOFSignal) GohttpdbgFollow(state, keep, origin unsafe.Pointer, req, conn uint64) {
	es.gohttpdbgOrigin, es.gohttpdbgReq, es.gohttpdbgConn = origin, req, conn
	es.gohttpdbgState, es.gohttpdbgKeep = state, keep
}

// GohttpdbgSetState: a decompressed body reports its reads (the program's
// bytes) and its bodyEOFSignal its Close.
func (gz *gzipReader) GohttpdbgSetState(state, keep unsafe.Pointer) {
	gz.body.gohttpdbgGz = true
	gz.body.GohttpdbgSetState(state, keep)
}

func (gz *gzipReader) GohttpdbgSetOrigin(origin unsafe.Pointer, req, conn uint64) {
	gz.body.GohttpdbgSetOrigin(origin, req, conn)
}

func (gz *gzipReader) GohttpdbgFollow(state, keep, origin unsafe.Pointer, req, conn uint64) {
	gz.body.gohttpdbgGz = true
	gz.body.GohttpdbgFollow(state, keep, origin, req, conn)
}`

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
	// and since when it had been idle (zero if it was not). entry is the
	// connection's word for the probes' entry of it: nil until the hook
	// stores one, which later requests on the connection get back.
	GotConn func(state unsafe.Pointer, conn net.Conn, reused bool, idleAt time.Time, entry *unsafe.Pointer)
	// Dial runs before every new client connection (HTTP/1 and HTTP/2
	// alike) and returns the context to dial with: one that may carry an
	// httptrace.ClientTrace for this dial, composed with the request's.
	Dial func(ctx context.Context, t *Transport, scheme, addr string) context.Context
	// DialFor runs in the request's goroutine when a client request
	// followed by the probes (state: ClientStart's, never nil) is about to
	// start a dial of its own, and returns the context to dial with (the
	// dial's, or one derived from it); Dial later receives it.
	DialFor func(ctx context.Context, state unsafe.Pointer) context.Context
	// GetConn runs when a client request followed by the probes (state:
	// ClientStart's) asks for a connection, as httptrace's GetConn. It,
	// WroteRequest, FirstByte and WriteTrace run only while EventsOn is
	// set (a request that finds it set may still be one the probes follow
	// at level 1: they ignore it then).
	GetConn func(state unsafe.Pointer)
	// WroteRequest runs when such a request was written, headers and
	// body, as httptrace's WroteRequest (HTTP/1).
	WroteRequest func(state unsafe.Pointer)
	// FirstByte runs when the first byte of its response arrived, as
	// httptrace's GotFirstResponseByte (HTTP/1).
	FirstByte func(state unsafe.Pointer)
	// ClientEventsHooked is set when this net/http calls the three above.
	ClientEventsHooked bool
	// EventsOn, set by the probes while one that wants level-2 events is
	// at level 2, gates GetConn, WroteRequest, FirstByte and WriteTrace:
	// one atomic load, no call, for a request while it is not set. It is
	// read when each hook would run: a request under way when it changes
	// may see some of its hooks run and not the others.
	EventsOn atomic.Bool
	// WriteTrace runs before an HTTP/1 request followed by the probes is
	// written, with the program's own trace of it (nil if none): the trace
	// it returns, if not nil, is the one the write reports to (header
	// fields, WroteHeaders, WroteRequest) in place of the program's, which
	// it must call in turn.
	WriteTrace func(state unsafe.Pointer, own *httptrace.ClientTrace) *httptrace.ClientTrace
	// WriteHooked is set when this net/http calls WriteTrace.
	WriteHooked bool
	// WriteFields runs, in place of WriteTrace, before such a request
	// with no trace of the program's own is written: the slice it returns,
	// if not nil, is the one WroteFields receives once the header is
	// written, with the fields appended (name and value each, as
	// WroteHeaderField reports them), and no trace is used.
	WriteFields func(state unsafe.Pointer) []string
	WroteFields func(state unsafe.Pointer, fields []string)
	// FieldsHooked is set when this net/http calls WroteFields.
	FieldsHooked bool
	// AltEnter runs before a client request followed by the probes (state:
	// ClientStart's) is handed to the HTTP/2 RoundTripper while EventsOn
	// is set (level-2 events, which the HTTP/2 hooks report), with the
	// *Request that RoundTripper receives; when it returns true, AltLeave
	// runs once the RoundTripper returned. Between the two, HTTP/2's
	// ClientState may ask for the state by that *Request.
	AltEnter func(req *Request, state unsafe.Pointer) bool
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
	BodyRead func(state unsafe.Pointer, p []byte, err error)
	// BodyClose runs on each Close of such a body, before net/http's,
	// with what GohttpdbgSetState asked it to keep (the first Close only;
	// nil on the others); on the first alone once its origin is set
	// (GohttpdbgSetOrigin). last: that Close was the last call to hold
	// state, which the body never passes to the probes again (as
	// BodyReleased, which then does not run).
	BodyClose func(state, keep unsafe.Pointer, last bool)
	// BodyReleased: a body the probes follow, its origin set
	// (GohttpdbgSetOrigin), was closed and no call holds state any more;
	// the body never passes it to the probes again.
	BodyReleased func(state unsafe.Pointer)
	// BodyReadAfterClose receives the first Read after Close of such a
	// body, with what GohttpdbgSetOrigin set.
	BodyReadAfterClose func(origin unsafe.Pointer, req, conn uint64)
	// ClientHooked is set when this net/http calls GotConn and Dial.
	ClientHooked bool
	// BodyAnswered runs when the handler answers (its response header is
	// written) while its request body is followed (GohttpdbgWatchBody),
	// on the goroutine that answered, with the body's state.
	BodyAnswered func(state unsafe.Pointer)
	// Answered receives the answer of a response the probes watch
	// (GohttpdbgWatch) when its header is written, once, on the goroutine
	// that wrote it: their state, the status and the handler's header map
	// as written (nil if the handler never asked for one).
	Answered func(state unsafe.Pointer, status int, header map[string][]string)
	// Sent runs when the header of a response the probes watch leaves for
	// the client while they watch it (the handler wrote more than the
	// writer buffers, or flushed), after Answered, on the goroutine that
	// sent it, with their state. A header sent when the handler returned
	// (GohttpdbgUnwatch came first) is not reported.
	Sent func(state unsafe.Pointer)
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
