package stdpatch

import "github.com/dave/dst"

// patchHTTP1 patches net/http's HTTP/1 server request read and client
// response read. It returns the helpers' source for the added file.
func patchHTTP1(pk *pkgFiles, st *patchState) string {
	helpers := ""
	peek := false
	_, maxHeader, _ := pk.funcDecl("Server", "maxHeaderBytes")
	if pk.hasFields("conn", "rwc", "bufr", "server") && pk.hasDecl("errTooLarge") && pk.hasDecl("isUnsupportedTEError") &&
		pk.hasDecl("isCommonNetReadError") && pk.hasFields("statusError", "code") && maxHeader != nil {
		n := len(st.miss)
		wrapMethod(pk, st, "conn", "readRequest", []string{"context.Context"}, []string{"*response", "error"}, func(r string, _ []string, call string) string {
			return "w, err := " + call + "\nif err != nil {\n" + r + ".gohttpdbgReject(err)\n}\nreturn w, err"
		})
		if len(st.miss) == n {
			helpers += serverRejectHelper
			peek = true
		}
	} else {
		st.missing("(*conn).readRequest")
	}
	if pk.hasFields("persistConn", "conn", "br") {
		n := len(st.miss)
		wrapMethod(pk, st, "persistConn", "readResponse", []string{"requestAndChan", "*httptrace.ClientTrace"}, []string{"*Response", "error"}, func(r string, _ []string, call string) string {
			return "resp, err := " + call + "\nif err != nil {\n" + r + ".gohttpdbgReadError(err)\n}\nreturn resp, err"
		})
		if len(st.miss) == n {
			helpers += clientReadErrorHelper
			peek = true
		}
	} else {
		st.missing("(*persistConn).readResponse")
	}
	if peek {
		helpers += peekHelper
	}
	return helpers + patchClientConn(pk, st) + patchTLSConfig(pk, st) + patchCapture(pk, st)
}

// patchTLSConfig wraps cloneTLSConfig, through which net/http makes the
// tls.Config of each client connection and of a server started by
// ServeTLS: a copy of the program's, or a new one when it set none. The
// probes give the copy the switchable key log, so a Transport without a
// TLSClientConfig (http.DefaultTransport) is covered without setting one
// on it, which would turn its HTTP/2 off (golang/go#20645).
func patchTLSConfig(pk *pkgFiles, st *patchState) string {
	f, fd, err := pk.funcDecl("", "cloneTLSConfig")
	if err != nil || fd == nil || !f.signature(fd).matches([]string{"*tls.Config"}, []string{"*tls.Config"}) {
		st.missing("cloneTLSConfig")
		return ""
	}
	f.wrap(fd, f.signature(fd), func(_ string, _ []string, call string) string {
		return "c := " + call + "\nif h := GohttpdbgHTTP1.TLSConfig; h != nil && c != nil {\nh(c)\n}\nreturn c"
	})
	return ""
}

// patchClientConn wraps the client's (*Transport).getConn, to report the
// connection each HTTP/1 request got, and (*Transport).dialConn, so the
// probes can time a new connection's DNS, connect and TLS phases with a
// trace installed for that dial alone. Without them, the probes trace
// every request (docs/PROBES.md, "Cost").
func patchClientConn(pk *pkgFiles, st *patchState) string {
	if !pk.hasFields("persistConn", "conn", "alt", "idleAt") || !pk.hasFields("connectMethod", "targetScheme", "targetAddr") ||
		!pk.hasFields("transportRequest", "Request") {
		st.missing("(*Transport).getConn", "(*Transport).dialConn")
		return ""
	}
	n := len(st.miss)
	wrapMethod(pk, st, "Transport", "getConn", []string{"*transportRequest", "connectMethod"}, []string{"*persistConn", "error"}, func(_ string, args []string, call string) string {
		return "pc, err := " + call + "\nif h := GohttpdbgHTTP1.GotConn; h != nil && pc != nil && pc.alt == nil {\nh(" + args[0] + ".Request, pc.conn, pc.isReused(), pc.idleAt)\n}\nreturn pc, err"
	})
	wrapMethod(pk, st, "Transport", "dialConn", []string{"context.Context", "connectMethod", "bool", "func()"}, []string{"*persistConn", "error"}, func(r string, args []string, call string) string {
		return "if h := GohttpdbgHTTP1.Dial; h != nil {\n" + args[0] + " = h(" + args[0] + ", " + r + ", " + args[1] + ".targetScheme, " + args[1] + ".targetAddr)\n}\nreturn " + call
	})
	if len(st.miss) != n {
		return ""
	}
	return clientHookedHelper + markDialOwner(pk, st)
}

// markDialOwner inserts, in (*Transport).getConn, just before the request
// queues a dial of its own, a call that lets the probes mark the dial's
// context with the request (DialFor). Without it a level-1 dial is
// attributed to the latest request to the host, which under concurrency
// may be another one. Only the dialing path runs it: a request served from
// the idle pool costs nothing more.
func markDialOwner(pk *pkgFiles, st *patchState) string {
	const label = "(*Transport).getConn queueForDial"
	f, fd, err := pk.funcDecl("Transport", "getConn")
	if err != nil || fd == nil || !pk.hasFields("wantConn", "mu", "ctx") || len(fd.Type.Params.List) == 0 ||
		len(fd.Type.Params.List[0].Names) != 1 {
		st.missing(label)
		return ""
	}
	treq := fd.Type.Params.List[0].Names[0].Name
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
		st.missing(label)
		return ""
	}
	f.insertBefore(stmt, "gohttpdbgDialFor("+f.exprText(w)+", "+treq+".Request)")
	return dialForHelper
}

const dialForHelper = `
// gohttpdbgDialFor hands the probes the context of the dial w is about to
// queue for req. w may already wait in the idle pool's queue, where
// another goroutine can deliver a connection to it and clear its context:
// hence the lock.
func gohttpdbgDialFor(w *wantConn, req *Request) {
	h := GohttpdbgHTTP1.DialFor
	if h == nil {
		return
	}
	w.mu.Lock()
	if w.ctx != nil {
		w.ctx = h(w.ctx, req)
	}
	w.mu.Unlock()
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
	// httptrace's GotConn, which HTTP/2 reports by itself): whether it was
	// reused, and since when it had been idle (zero if it was not).
	GotConn func(req *Request, conn net.Conn, reused bool, idleAt time.Time)
	// Dial runs before every new client connection (HTTP/1 and HTTP/2
	// alike) and returns the context to dial with: one that may carry an
	// httptrace.ClientTrace for this dial, composed with the request's.
	Dial func(ctx context.Context, t *Transport, scheme, addr string) context.Context
	// DialFor runs in the request's goroutine when a client request is
	// about to start a dial of its own, and returns the context to dial
	// with (the dial's, or one derived from it); Dial later receives it.
	DialFor func(ctx context.Context, req *Request) context.Context
	// TLSConfig receives each tls.Config net/http makes for a client
	// connection, or for a server started by ServeTLS, before it is used:
	// a copy of the program's (or a new one if it set none) that the hook
	// may change.
	TLSConfig func(c *tls.Config)
	// ClientHooked is set when this net/http calls GotConn and Dial.
	ClientHooked bool
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
