package stdpatch

import (
	"go/ast"
	"go/token"
	"strings"

	"github.com/dave/dst"
)

// h2EventHooks report an HTTP/2 client request's level-2 events (the
// connection it waited for and got, its header fields as encoded, its
// write, its response's first byte) from the points httptrace's callbacks
// come from, to the probes' state of the request: net/http hands that
// state over with the request (altStateHooks) and the stream finds it when
// it is made (ClientState). A request at level 2 then carries no trace of
// the probes (docs/PROBES.md, "Cost"). The stream gets its state last,
// only when every event point applied: a stream without it reports
// nothing here, and the probes keep tracing its host's requests.
var h2EventHooks = []hookPoint{
	{
		// Go 1.27's HTTP/2 client gets a ClientRequest net/http makes from
		// the *Request: net/http sets this field to the *Request
		// (clientRequestHooks), which the points below hand to ClientState.
		kind: appendFields, recv: "ClientRequest", label: "ClientRequest", when: clientRequestOwn, group: "h2ev",
		lost: "HTTP/2 client requests at level 2 are traced",
		code: tmpl("GohttpdbgReq interface{}; "),
	},
	{
		kind: appendFields, recv: "{{.P}}clientStream", label: "{{.P}}clientStream events", when: h2EventsOwn, group: "h2ev",
		needs: []string{"{{.P}}clientStream{firstByte}"}, lost: "HTTP/2 client requests at level 2 are traced",
		code: tmpl("gohttpdbgEv {{.P}}gohttpdbgPtr; "),
	},
	{
		kind: beforeStmt, fn: "{{.P}}traceGetConn", label: "{{.P}}traceGetConn", when: h2EventsOwn, requires: "h2ev", group: "h2ev",
		find: findFuncFirstStmt, lost: "HTTP/2 client requests at level 2 are traced",
		code: tmpl("gohttpdbgH2GetConn({{.V.p0}})"),
	},
	{
		kind: beforeStmt, fn: "{{.P}}traceGotConn", label: "{{.P}}traceGotConn", when: h2EventsOwn, requires: "h2ev", group: "h2ev",
		needs: []string{"{{.P}}ClientConn{tconn,mu,streams,lastActive}"}, find: findFuncFirstStmt, lost: "HTTP/2 client requests at level 2 are traced",
		code: tmpl("gohttpdbgH2GotConn({{.V.p0}}, {{.V.p1}}, {{.V.p2}})"),
	},
	{
		// The fields as the encoder writes them (lower-case names), as
		// httptrace's WroteHeaderField gets them, one value each.
		kind: beforeStmt, recv: "{{.P}}clientStream", fn: "encodeAndWriteHeaders", label: "{{.P}}clientStream header field",
		when: h2EventsOwn, requires: "h2ev", group: "h2ev", find: findWriteHeaderCall, lost: "HTTP/2 client requests at level 2 are traced",
		code: tmpl("{{.R}}.gohttpdbgField({{.V.name}}, {{.V.value}})"),
	},
	{
		kind: beforeStmt, recv: "{{.P}}clientStream", fn: "encodeAndWriteHeaders", label: "{{.P}}clientStream wrote headers",
		when: h2EventsOwn, requires: "h2ev", group: "h2ev", find: findCallStmt("traceWroteHeaders", 0), lost: "HTTP/2 client requests at level 2 are traced",
		code: tmpl("{{.R}}.gohttpdbgWroteHeaders()"),
	},
	// The three traceWroteRequest of writeRequest: after a 100-continue
	// refusal, on a body's write error, and once the request is written.
	h2WrotePoint("100-continue", 0),
	h2WrotePoint("body error", 1),
	h2WrotePoint("", 2),
	{
		kind: beforeStmt, recv: "{{.P}}clientConnReadLoop", fn: "processHeaders", label: "{{.P}}clientStream first byte",
		when: h2EventsOwn, requires: "h2ev", group: "h2ev", find: findFirstByte, lost: "HTTP/2 client requests at level 2 are traced",
		code: tmpl("{{.V.cs}}.gohttpdbgFirstByte()"),
	},
	{
		// Last: the stream gets the request's state once every point above
		// applied.
		kind: afterStmt, recv: "{{.P}}ClientConn", fn: "internalRoundTrip", alt: "roundTrip", label: "{{.P}}clientStream state",
		when: h2EventsOwn, requires: "h2ev", find: findNewClientStream, lost: "HTTP/2 client requests at level 2 are traced",
		code: tmpl("{{.V.cs}}.gohttpdbgEv = gohttpdbgH2Stream({{.V.req}})"),
	},
}

// h2WrotePoint is the hook point before the nth call of traceWroteRequest
// in (*clientStream).writeRequest.
func h2WrotePoint(what string, nth int) hookPoint {
	label := "{{.P}}clientStream wrote"
	if what != "" {
		label += " " + what
	}
	return hookPoint{
		kind: beforeStmt, recv: "{{.P}}clientStream", fn: "writeRequest", label: label,
		when: h2EventsOwn, requires: "h2ev", group: "h2ev", find: findCallStmt("traceWroteRequest", nth), lost: "HTTP/2 client requests at level 2 are traced",
		code: tmpl("{{.R}}.gohttpdbgWrote()"),
	}
}

const h2EventsHelper = `
// gohttpdbgH2State returns the probes' state of the client request req
// (ClientState), or nil.
func gohttpdbgH2State(req interface{}) unsafe.Pointer {
	if h := {{.H}}.ClientState; h != nil {
		return h(req)
	}
	return nil
}

// gohttpdbgH2Stream returns the state a new stream of the client request
// req reports its events to (ClientStream), or nil.
func gohttpdbgH2Stream(req interface{}) unsafe.Pointer {
	if h := {{.H}}.ClientStream; h != nil {
		return h(req)
	}
	return nil
}

func gohttpdbgH2GetConn(req interface{}) {
	if h := {{.H}}.ClientGetConn; h != nil {
		if s := gohttpdbgH2State(req); s != nil {
			h(s)
		}
	}
}

// gohttpdbgH2GotConn reports the connection cc the request req got, as
// httptrace's GotConn reports it.
func gohttpdbgH2GotConn(req interface{}, cc *{{.P}}ClientConn, reused bool) {
	h := {{.H}}.ClientGotConn
	if h == nil {
		return
	}
	s := gohttpdbgH2State(req)
	if s == nil {
		return
	}
	ci := httptrace.GotConnInfo{Conn: cc.tconn, Reused: reused}
	cc.mu.Lock()
	ci.WasIdle = len(cc.streams) == 0 && reused
	if ci.WasIdle && !cc.lastActive.IsZero() {
		ci.IdleTime = time.Since(cc.lastActive)
	}
	cc.mu.Unlock()
	h(s, ci)
}

// gohttpdbgField appends a header field, as the encoder writes it, to
// the fields the stream's state collects (see ClientStream: the state
// begins with a []string, nil when the fields are not wanted): in line,
// with no call a field.
func (cs *{{.P}}clientStream) gohttpdbgField(name, value string) {
	if f := (*[]string)(cs.gohttpdbgEv); f != nil && *f != nil {
		*f = append(*f, name, value)
	}
}

func (cs *{{.P}}clientStream) gohttpdbgWroteHeaders() {
	if s := cs.gohttpdbgEv; s != nil {
		if h := {{.H}}.ClientWroteHeaders; h != nil {
			h(s)
		}
	}
}

func (cs *{{.P}}clientStream) gohttpdbgWrote() {
	if s := cs.gohttpdbgEv; s != nil {
		if h := {{.H}}.ClientWrote; h != nil {
			h(s)
		}
	}
}

// gohttpdbgFirstByte: as the transport, the first HEADERS of the response.
func (cs *{{.P}}clientStream) gohttpdbgFirstByte() {
	if s := cs.gohttpdbgEv; s != nil && !cs.firstByte {
		if h := {{.H}}.ClientFirstByte; h != nil {
			h(s)
		}
	}
}
`

const h2EventsHookedHelper = `
func init() { {{.H}}.ClientEventsHooked = true }
`

// findFuncFirstStmt finds the first statement of a function and names its
// parameters p0, p1…; a *ClientRequest (Go 1.27) is named by the
// *Request net/http made it from (reqExpr).
func findFuncFirstStmt(_ *srcFile, fd *dst.FuncDecl, sig signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	if fd.Body == nil || len(fd.Body.List) == 0 || len(sig.params) < 2 || len(sig.params) > 9 {
		return nil, nil, false
	}
	for i, p := range sig.params {
		if p.name == "" || p.name == "_" {
			return nil, nil, false
		}
		d.V["p"+string(rune('0'+i))] = reqExpr(p)
	}
	return fd.Body.List[0], nil, true
}

// findBodyFirstStmt finds the first statement of fd's body: code that
// runs on each call, first.
func findBodyFirstStmt(_ *srcFile, fd *dst.FuncDecl, sig signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	if fd.Body == nil || len(fd.Body.List) == 0 || sig.recvName == "" {
		return nil, nil, false
	}
	return fd.Body.List[0], nil, true
}

// reqExpr is what the hooks get for parameter p: a *ClientRequest's
// GohttpdbgReq, anything else itself.
func reqExpr(p param) string {
	if p.typ == "*ClientRequest" {
		return p.name + ".GohttpdbgReq"
	}
	return p.name
}

// clientRequestOwn: the package's HTTP/2 client takes a ClientRequest,
// not an *http.Request (Go 1.27's net/http/internal/http2).
func clientRequestOwn(pk *pkgFiles, n h2Names) bool {
	return h2EventsOwn(pk, n) && !n.xnet && n.p == "" && pk.hasDecl("ClientRequest")
}

// findCallStmt returns a finder of the n-th statement (from 0) that is a
// call of the function named name ({{.P}} prefixed) whose first argument
// is the receiver's trace ("cs.trace").
func findCallStmt(name string, n int) finder {
	return func(f *srcFile, fd *dst.FuncDecl, sig signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
		if sig.recvName == "" {
			return nil, nil, false
		}
		want, seen := d.P+name, 0
		stmt, _ := findStmt(fd, func(s dst.Stmt) bool {
			es, ok := s.(*dst.ExprStmt)
			if !ok {
				return false
			}
			fn, c := callOf(es.X)
			if fn != want || len(c.Args) == 0 || f.exprText(c.Args[0]) != sig.recvName+".trace" {
				return false
			}
			seen++
			return seen == n+1
		})
		return stmt, nil, stmt != nil
	}
}

// findWriteHeaderCall finds "cc.writeHeader(name, value)" in the field
// callback encodeAndWriteHeaders hands the encoder, and names its
// arguments.
func findWriteHeaderCall(f *srcFile, fd *dst.FuncDecl, sig signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	if sig.recvName == "" {
		return nil, nil, false
	}
	stmt, _ := findStmt(fd, func(s dst.Stmt) bool {
		c := methodCallStmt(s, "writeHeader", 2)
		if c == nil {
			return false
		}
		d.V["name"], d.V["value"] = f.exprText(c.Args[0]), f.exprText(c.Args[1])
		return true
	})
	return stmt, nil, stmt != nil
}

// findFirstByte finds "if !cs.firstByte {" in processHeaders and names
// the stream.
func findFirstByte(f *srcFile, fd *dst.FuncDecl, _ signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	stmt, _ := findStmt(fd, func(s dst.Stmt) bool {
		is, ok := s.(*dst.IfStmt)
		if !ok {
			return false
		}
		u, ok := is.Cond.(*dst.UnaryExpr)
		if !ok || u.Op != token.NOT {
			return false
		}
		sel, ok := u.X.(*dst.SelectorExpr)
		if !ok || sel.Sel.Name != "firstByte" {
			return false
		}
		d.V["cs"] = f.exprText(sel.X)
		return true
	})
	return stmt, nil, stmt != nil
}

// findNewClientStream finds "cs := &clientStream{…}" (or "cs :=
// &req.stream") in roundTrip and
// names the stream and the request (roundTrip's first parameter).
func findNewClientStream(f *srcFile, fd *dst.FuncDecl, sig signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	typ := d.P + "clientStream"
	stmt, _ := findStmt(fd, func(s dst.Stmt) bool {
		as, ok := s.(*dst.AssignStmt)
		if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
			return false
		}
		u, ok := as.Rhs[0].(*dst.UnaryExpr)
		if !ok || u.Op != token.AND {
			return false
		}
		switch x := u.X.(type) {
		case *dst.CompositeLit:
			if id, ok := x.Type.(*dst.Ident); !ok || id.Name != typ {
				return false
			}
		case *dst.SelectorExpr: // "cs := &req.stream": the stream lives in the request (x/net v0.62 on)
			if x.Sel.Name != "stream" {
				return false
			}
		default:
			return false
		}
		d.V["cs"] = f.exprText(as.Lhs[0])
		return true
	})
	if stmt == nil || len(sig.params) == 0 {
		return nil, nil, false
	}
	d.V["req"] = reqExpr(sig.params[0])
	return stmt, nil, true
}

// h2EventsOwn: the package has its own HTTP/2 client whose header fields
// reach the stream's encoder callback (Go 1.26 on, x/net v0.35 on); older
// x/net reports them from ClientConn.encodeHeaders to the trace alone.
func h2EventsOwn(pk *pkgFiles, n h2Names) bool {
	return clientOwn(pk, n) && !pk.hasDecl(n.t("traceHasWroteHeaderField"))
}

// altStateHooks hand the probes' state of a client request (roundTrip's
// extra parameter, see captureHooks) over to the HTTP/2 RoundTripper
// net/http calls with it: the request is registered with the probes for
// the call's duration (AltEnter, AltLeave), and HTTP/2's ClientState finds
// it by the *Request it receives.
var altStateHooks = []hookPoint{
	{
		kind: replaceCall, recv: "Transport", fn: "roundTrip", label: "(*Transport).roundTrip altRT", requires: "capture", group: "alt",
		find: findRoundTripCall("altRT"), lost: "HTTP/2 client requests at level 2 are traced",
		code: tmpl("gohttpdbgAltRoundTrip({{.V.rt}}, {{index .A 0}}, gohttpdbgState)"),
	},
	{
		kind: replaceCall, recv: "Transport", fn: "roundTrip", label: "(*Transport).roundTrip pconn.alt", requires: "capture", group: "alt",
		find: findRoundTripCall("pconn.alt"), lost: "HTTP/2 client requests at level 2 are traced",
		code: tmpl("gohttpdbgAltRoundTrip({{.V.rt}}, {{index .A 0}}, gohttpdbgState)"),
	},
}

// clientRequestHooks: on Go 1.27 net/http makes each HTTP/2 request's
// ClientRequest in http2RoundTrip, and names in it the *Request it was
// made from (GohttpdbgReq, added by h2EventHooks), the key of the state
// AltEnter registered.
var clientRequestHooks = []hookPoint{
	{
		kind: replaceCall, fn: "http2RoundTrip", label: "http2RoundTrip ClientRequest", requires: "alt",
		when:  func(pk *pkgFiles, _ h2Names) bool { return pk.imports(pkgInternalH2) },
		needs: []string{"http2ClientConn"}, find: findClientRequestCall, lost: "HTTP/2 client requests at level 2 are traced",
		code: tmpl("{{.V.fun}}({{.V.arg}})"),
	},
}

// findClientRequestCall finds "rt(&http2.ClientRequest{…})" in
// http2RoundTrip and names rt and the literal with GohttpdbgReq set to
// the *Request parameter.
func findClientRequestCall(f *srcFile, fd *dst.FuncDecl, sig signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	if len(sig.params) == 0 || sig.params[0].typ != "*Request" {
		return nil, nil, false
	}
	var call *ast.CallExpr
	ast.Inspect(f.astOf(fd).(*ast.FuncDecl).Body, func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		if !ok || call != nil {
			return call == nil
		}
		if len(c.Args) == 1 {
			if u, ok := c.Args[0].(*ast.UnaryExpr); ok && u.Op == token.AND {
				if cl, ok := u.X.(*ast.CompositeLit); ok && f.text(cl.Type) == "http2.ClientRequest" {
					call = c
					return false
				}
			}
		}
		return true
	})
	if call == nil {
		return nil, nil, false
	}
	// The field goes first, on the literal's first line: the others keep
	// their lines.
	arg := f.text(call.Args[0])
	d.V["fun"] = f.text(call.Fun)
	d.V["arg"] = strings.Replace(arg, "ClientRequest{", "ClientRequest{GohttpdbgReq: "+sig.params[0].name+", ", 1)
	return nil, call, true
}

// findRoundTripCall returns a finder of the call "rt.RoundTrip(req)".
func findRoundTripCall(rt string) finder {
	return func(f *srcFile, fd *dst.FuncDecl, _ signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
		var call *ast.CallExpr
		ast.Inspect(f.astOf(fd).(*ast.FuncDecl).Body, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok || call != nil {
				return call == nil
			}
			if sel, ok := c.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "RoundTrip" && len(c.Args) == 1 && f.text(sel.X) == rt {
				call = c
				return false
			}
			return true
		})
		if call == nil {
			return nil, nil, false
		}
		d.V["rt"] = rt
		return nil, call, true
	}
}

const altHelper = `
// gohttpdbgAltRoundTrip sends req with rt, the HTTP/2 transport of
// roundTrip, the probes' state of it, st, reachable from HTTP/2's hooks
// (AltEnter) while it is sent. Those hooks serve level-2 events alone:
// while no probe wants them (EventsOn), the request is sent as it is.
func gohttpdbgAltRoundTrip(rt RoundTripper, req *Request, st unsafe.Pointer) (*Response, error) {
	if st != nil && GohttpdbgHTTP1.EventsOn.Load() {
		return gohttpdbgAltRoundTripOn(rt, req, st)
	}
	return rt.RoundTrip(req)
}

func gohttpdbgAltRoundTripOn(rt RoundTripper, req *Request, st unsafe.Pointer) (*Response, error) {
	if h := GohttpdbgHTTP1.AltEnter; h != nil && h(req, st) {
		defer GohttpdbgHTTP1.AltLeave(req)
	}
	return rt.RoundTrip(req)
}

func init() { GohttpdbgHTTP1.AltHooked = true }
`
