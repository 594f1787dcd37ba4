package stdpatch

import (
	"go/ast"
	"go/token"

	"github.com/dave/dst"
)

// captureHooks wrap the three places every request passes in net/http,
// whoever made it: (*Transport).roundTrip for a client request (HTTP/1
// and HTTP/2, through http.Client or a RoundTripper of a library),
// serverHandler.ServeHTTP for a server request (HTTP/1 and HTTP/2 alike:
// net/http's HTTP/2 server calls it too), and (*Server).Serve, where a
// server starts, for the site of servers started inside libraries.
// Without them the probes see only the requests of rewritten call sites.
var captureHooks = []hookPoint{
	{
		// The call site a rewritten call names its request with
		// (MarkSite), for ClientStart: the call and roundTrip meet on the
		// request, whose copies (WithContext, Clone, the Client's own)
		// keep it, with no table. Request (304 bytes in the 320 class)
		// stays in its class (TestPatchedSizes). Added where roundTrip,
		// which reads it, is.
		//
		// With it, a server request's follower (the probes' state of it,
		// gohttpdbgFollower): the inner handler wrappers find it on the
		// request and its copies (WithContext), with no table that each
		// request enters and leaves. The probes get its offset from the
		// hook set (FollowerAt), which net/http sets with Offsetof.
		// Request stays in its class with both (312 of 320 bytes).
		kind: appendFields, recv: "Request", label: "Request site", group: "capture",
		when: func(pk *pkgFiles, _ h2Names) bool { return pk.has("(Transport).roundTrip") },
		code: tmpl("gohttpdbgSite gohttpdbgPtr; gohttpdbgFollower gohttpdbgPtr; "),
	},
	{
		// The original gets ClientStart's state as a parameter, which the
		// next point stores in each transportRequest it makes.
		kind: wrapFunc, recv: "Transport", fn: "roundTrip", params: []string{"*Request"}, results: [][]string{{"*Response", "error"}},
		extra: "gohttpdbgState gohttpdbgPtr", needs: []string{"transportRequest{Request}"}, group: "capture",
		code: tmpl(`if h := GohttpdbgHTTP1.ClientStart; h != nil {
req, st := h({{.R}}, {{index .A 0}}, gohttpdbgSiteOf({{index .A 0}}))
if st != nil {
resp, err := {{.R}}.` + origPrefix + `roundTrip(req, st)
GohttpdbgHTTP1.ClientEnd(st, resp, err)
return resp, err
}
}
return {{.Call}}`),
	},
	{
		// The request's state travels with it inside net/http, in the
		// transportRequest roundTrip makes for each attempt: getConn and
		// the dial it queues read it there (GotConn, DialFor), whatever
		// copies of the request a RoundTripper or net/http made.
		kind: afterStmt, recv: "Transport", fn: "roundTrip", label: "(*Transport).roundTrip transportRequest", group: "capture",
		find: findTransportRequest,
		code: tmpl("{{.V.treq}}.gohttpdbgState = gohttpdbgState"),
	},
	{
		kind: wrapFunc, recv: "Server", fn: "Serve", params: []string{"net.Listener"}, results: [][]string{{"error"}}, group: "capture",
		code: tmpl("if h := GohttpdbgHTTP1.ServeStart; h != nil {\nh({{.R}}, {{index .A 0}})\n}\nreturn {{.Call}}"),
	},
	{
		// What the probes keep on an HTTP/1 server connection (ConnState's
		// slot): its registry entry and the state its requests reuse, found
		// without a lookup by net.Conn on each turn and each request. One
		// pointer per connection, not per request. Only where the points
		// above applied: the ServeHTTP trampoline below reads it.
		kind: appendFields, recv: "conn", label: "conn", group: "capture", requires: "capture",
		code: tmpl("gohttpdbgConn gohttpdbgPtr; "),
	},
	{
		kind: wrapFunc, recv: "serverHandler", value: true, fn: "ServeHTTP", params: []string{"ResponseWriter", "*Request"},
		needs: []string{"serverHandler{srv}", "response{conn}"}, group: "capture",
		code: tmpl(`if h := GohttpdbgHTTP1.Serve; h != nil {
std, conn := gohttpdbgServeConn({{index .A 0}})
h({{.R}}.srv, gohttpdbgHandler{ {{- .R -}} }, {{index .A 0}}, {{index .A 1}}, std, conn)
return
}
{{.Call}}`),
	},
	{
		// The server's ConnState call of an HTTP/1 connection goes through
		// the ConnState hook with the connection's slot. HTTP/2's server
		// calls the Server's ConnState itself, which the probes compose.
		kind: replaceCall, recv: "conn", fn: "setState", label: "(*conn).setState ConnState", requires: "capture", group: "connstate",
		needs: []string{"conn{server}"}, find: findConnStateCall,
		lost: "each HTTP/1 server connection state change is looked up by its net.Conn",
		code: tmpl("{{.R}}.gohttpdbgConnState({{.V.hook}}, {{index .A 0}}, {{index .A 1}})"),
	},
}

const captureHelper = `
// gohttpdbgHandler is the server's own handler chain (serverHandler's
// original ServeHTTP) as a Handler the Serve hook runs. It holds one
// pointer, so making it an interface value does not allocate.
type gohttpdbgHandler struct{ sh serverHandler }

func (h gohttpdbgHandler) ServeHTTP(w ResponseWriter, r *Request) {
	h.sh.` + origPrefix + `ServeHTTP(w, r)
}

// gohttpdbgServeConn returns, for net/http's HTTP/1 writer w, w as the
// server probe asks it (gohttpdbgStdOf: a conversion of the concrete
// type, where the probe's own would be a type assertion on every
// request), and what the probes keep on the connection it answers on (its
// conn's slot, see ConnState); nil, nil for HTTP/2's writers (the probes
// ask those, GohttpdbgConn, once they know they follow the request).
func gohttpdbgServeConn(w ResponseWriter) (gohttpdbgStdAnswer, unsafe.Pointer) {
	if r, ok := w.(*response); ok && r.conn != nil {
		return gohttpdbgStdOf(r), r.conn.gohttpdbgConn
	}
	return nil, nil
}

func init() { GohttpdbgHTTP1.CaptureHooked = true }
`

// stdAnswerType is the server probe's view of net/http's own writers
// (its stdAnswer): the answer hooks' methods, the request header's size,
// and GohttpdbgRequest, which returns in one call what the probe asks of
// each request: the HTTP/2 writers' connection slot and stream (HTTP/1's
// response answers nil and 0: its connection's slot comes with the Serve
// hook) and the header's size. A type literal, which the probes' alias is
// identical to, so that the Serve hook's signature names no type of
// either side.
const stdAnswerType = `interface {
	GohttpdbgWatch(state unsafe.Pointer)
	GohttpdbgUnwatch() (status int, written int64)
	GohttpdbgHeader() map[string][]string
	GohttpdbgHeaderSize() int
	GohttpdbgFollower() unsafe.Pointer
	GohttpdbgRequest() (conn unsafe.Pointer, stream uint32, headerSize int)
}`

// stdOfHelper hands the Serve hook the HTTP/1 writer as the probes ask
// it, where the answer and header size hooks gave it their methods;
// stdOfNoneHelper stands in where they did not (the probes then assert
// the writer themselves). The stand-in takes any: it is emitted whatever
// else applied, and response may not exist.
const stdOfHelper = `
type gohttpdbgStdAnswer = ` + stdAnswerType + `

func gohttpdbgStdOf(r *response) gohttpdbgStdAnswer { return r }

// GohttpdbgRequest returns what the server probe asks of each request:
// no connection slot (the Serve hook hands it over) nor stream, and the
// request header's size (GohttpdbgHeaderSize).
func (w *response) GohttpdbgRequest() (conn unsafe.Pointer, stream uint32, headerSize int) {
	return nil, 0, int(w.conn.gohttpdbgHS)
}
`

const stdOfNoneHelper = `
type gohttpdbgStdAnswer = ` + stdAnswerType + `

func gohttpdbgStdOf(any) gohttpdbgStdAnswer { return nil }
`

const connStateHelper = `
// gohttpdbgConnState calls the server's ConnState hook (never nil) for
// c: through the probes' ConnState hook, with c's slot, when installed.
func (c *conn) gohttpdbgConnState(hook func(net.Conn, ConnState), nc net.Conn, state ConnState) {
	if h := GohttpdbgHTTP1.ConnState; h != nil {
		h(c.server, &c.gohttpdbgConn, hook, nc, state)
		return
	}
	hook(nc, state)
}

func init() { GohttpdbgHTTP1.ConnStateHooked = true }
`

// siteHelper is the call site's mark on a request (the "Request site"
// field), which the probes set and roundTrip reads.
const siteHelper = `
// gohttpdbgMarkSite names r's call site (MarkSite) while the call sends
// it; a request already named keeps its site (false), as when a
// RoundTripper the program wrote sends it again from another call site.
// r is the program's own: the accesses are atomic, so that the probes'
// own never race, even in a program that sends one request twice at once
// (which RoundTripper's contract forbids).
func gohttpdbgMarkSite(r *Request, site unsafe.Pointer) bool {
	return atomic.CompareAndSwapPointer(&r.gohttpdbgSite, nil, site)
}

func gohttpdbgUnmarkSite(r *Request) { atomic.StorePointer(&r.gohttpdbgSite, nil) }

func gohttpdbgSiteOf(r *Request) unsafe.Pointer { return atomic.LoadPointer(&r.gohttpdbgSite) }

func init() { GohttpdbgHTTP1.MarkSite, GohttpdbgHTTP1.UnmarkSite = gohttpdbgMarkSite, gohttpdbgUnmarkSite }

func init() {
	var r Request
	var _ *unsafe.Pointer = &r.gohttpdbgFollower // what the probes store there
	GohttpdbgHTTP1.FollowerAt = unsafe.Offsetof(r.gohttpdbgFollower)
}
`

// captureHookFields are the fields of the HTTP/1 hook set that
// patchCapture's code calls.
const captureHookFields = `
	// ClientStart runs when a client request enters (*Transport).roundTrip,
	// whoever made it. It returns the request to send (req, or a copy
	// whose context carries a trace) and the probes' state for ClientEnd,
	// GotConn and DialFor, nil when the request is not followed. The state
	// is a pointer, not an interface: net/http keeps it in a field every
	// request pays for, probes on or off. site is what MarkSite named req
	// with, nil if nothing did.
	ClientStart func(t *Transport, req *Request, site unsafe.Pointer) (*Request, unsafe.Pointer)
	// ClientHeaderSizes receives, with ClientStart's state, the header
	// sizes of an HTTP/1 response, on the request's goroutine before
	// roundTrip returns (before ClientEnd): req, the bytes the request's
	// line and header took on the wire as net/http wrote them (the blank
	// line and the fields it adds, Host, User-Agent, Content-Length…
	// included; 0: unknown), resp, the bytes the response's status line
	// and header took (its 1xx responses' included) plus one (0: unknown).
	// Set with ClientStart, as ClientEnd: net/http calls both with its
	// state and without a nil check.
	ClientHeaderSizes func(state unsafe.Pointer, req, resp int32)
	// ClientEnd receives what roundTrip returned, with ClientStart's state.
	ClientEnd func(state unsafe.Pointer, resp *Response, err error)
	// Serve runs each server request in place of the server's handler
	// chain h (HTTP/1 and HTTP/2): it must call h.ServeHTTP(w, r) once.
	// std is w, HTTP/1's writer, with the answer and header size hooks'
	// methods (nil for HTTP/2's writers, and where those hooks did not
	// apply); conn is what ConnState left in the slot of the HTTP/1
	// connection the request came on (nil for HTTP/2, whose writer's
	// GohttpdbgConn returns what ServerConnState left in its connection's
	// slot, or before ConnState set it).
	Serve func(srv *Server, h Handler, w ResponseWriter, r *Request, std ` + stdAnswerType + `, conn unsafe.Pointer)
	// ConnState runs in place of the call of srv's ConnState hook (hook,
	// never nil) when an HTTP/1 connection changes state: it must call
	// hook(nc, state), or, when hook is a composition of the probes', the
	// hooks it composes, at once and on the calling goroutine. slot
	// belongs to the probes: nil when the connection is new, kept with
	// it, reached only from the connection's goroutine.
	ConnState func(srv *Server, slot *unsafe.Pointer, hook func(net.Conn, ConnState), nc net.Conn, state ConnState)
	// ConnStateHooked is set when this net/http calls ConnState.
	ConnStateHooked bool
	// ServeStart runs when srv starts serving l, in the goroutine that
	// called Serve (or ListenAndServe, ServeTLS…).
	ServeStart func(srv *Server, l net.Listener)
	// MarkSite names the call site of req (a pointer of the probes') for
	// ClientStart, until UnmarkSite; false if req was named already
	// (its site is kept). Set by net/http, for the probes to call.
	MarkSite   func(req *Request, site unsafe.Pointer) bool
	UnmarkSite func(req *Request)
	// FollowerAt is the offset in Request of an unsafe.Pointer net/http
	// leaves to the server probe (the follower of a request Serve runs),
	// which the copies of a request keep; 0 when Request has none. Set by
	// net/http, with unsafe.Offsetof: a build whose field was renamed or
	// retyped fails to compile.
	FollowerAt uintptr
	// CaptureHooked is set when this net/http calls the four above.
	CaptureHooked bool
`

// findTransportRequest finds "treq := &transportRequest{...}" in
// roundTrip and names the variable.
func findTransportRequest(_ *srcFile, fd *dst.FuncDecl, _ signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	stmt, name := addrOfLitStmt(fd, func(t string) bool { return t == "transportRequest" })
	if stmt == nil || name == "" {
		return nil, nil, false
	}
	d.V["treq"] = name
	return stmt, nil, true
}

// addrOfLitStmt finds in fd the statement "x := &T{…}" whose type name T
// matches, and returns it with x's name.
func addrOfLitStmt(fd *dst.FuncDecl, match func(typeName string) bool) (dst.Stmt, string) {
	var name string
	stmt, _ := findStmt(fd, func(s dst.Stmt) bool {
		as, ok := s.(*dst.AssignStmt)
		if !ok || as.Tok != token.DEFINE || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
			return false
		}
		u, ok := as.Rhs[0].(*dst.UnaryExpr)
		if !ok || u.Op != token.AND {
			return false
		}
		cl, ok := u.X.(*dst.CompositeLit)
		if !ok {
			return false
		}
		t, ok := cl.Type.(*dst.Ident)
		if !ok || !match(t.Name) {
			return false
		}
		if lhs, ok := as.Lhs[0].(*dst.Ident); ok {
			name = lhs.Name
		}
		return true
	})
	return stmt, name
}

// findConnStateCall finds, in setState, the call "hook(nc, state)" in
// "if hook := srv.ConnState; hook != nil { … }" and names hook.
func findConnStateCall(f *srcFile, fd *dst.FuncDecl, _ signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	var call *ast.CallExpr
	ast.Inspect(f.astOf(fd).(*ast.FuncDecl).Body, func(n ast.Node) bool {
		is, ok := n.(*ast.IfStmt)
		if !ok || call != nil {
			return call == nil
		}
		as, ok := is.Init.(*ast.AssignStmt)
		if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
			return true
		}
		hook, _ := as.Lhs[0].(*ast.Ident)
		sel, _ := as.Rhs[0].(*ast.SelectorExpr)
		if hook == nil || sel == nil || sel.Sel.Name != "ConnState" || len(is.Body.List) != 1 {
			return true
		}
		es, _ := is.Body.List[0].(*ast.ExprStmt)
		if es == nil {
			return true
		}
		if c, ok := es.X.(*ast.CallExpr); ok && len(c.Args) == 2 {
			if id, ok := c.Fun.(*ast.Ident); ok && id.Name == hook.Name {
				call = c
				d.V["hook"] = hook.Name
				return false
			}
		}
		return true
	})
	return nil, call, call != nil
}
