package stdpatch

// patchHTTP1 patches net/http's HTTP/1 server request read and client
// response read. It returns the helpers' source for the added file.
func patchHTTP1(pk *pkgFiles, st *patchState) string {
	helpers := ""
	peek := false
	if pk.hasFields("conn", "rwc", "bufr") && pk.hasDecl("errTooLarge") && pk.hasDecl("isUnsupportedTEError") &&
		pk.hasDecl("isCommonNetReadError") && pk.hasFields("statusError", "code") {
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
	return helpers
}

const http1HookSet = `
// GohttpdbgHTTP1HookSet holds the HTTP/1 hooks of gohttpdbg's std patch,
// nil unless an instrumented program's runtime installed them.
type GohttpdbgHTTP1HookSet struct {
	// ServerReject receives a request the server rejected before any
	// handler ran: the read error, the status net/http answers (400, 431,
	// 501, or a statusError's code) and the bytes still buffered after the
	// failure (only valid during the call). Closed and timed-out
	// connections are not reported.
	ServerReject func(conn net.Conn, err error, status int, buffered []byte)
	// ClientReadError receives a client's failure to read a response
	// (malformed status line or header, header too large, EOF on a reused
	// connection…) and the bytes still buffered (only valid during the call).
	ClientReadError func(conn net.Conn, err error, buffered []byte)
}

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
	h(c.rwc, err, status, gohttpdbgPeek(c.bufr))
}
`

const clientReadErrorHelper = `
func (pc *persistConn) gohttpdbgReadError(err error) {
	if h := GohttpdbgHTTP1.ClientReadError; h != nil {
		h(pc.conn, err, gohttpdbgPeek(pc.br))
	}
}
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
