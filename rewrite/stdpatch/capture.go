package stdpatch

// patchCapture wraps the three places every request passes in net/http,
// whoever made it: (*Transport).roundTrip for a client request (HTTP/1
// and HTTP/2, through http.Client or a RoundTripper of a library),
// serverHandler.ServeHTTP for a server request (HTTP/1 and HTTP/2 alike:
// net/http's HTTP/2 server calls it too), and (*Server).Serve, where a
// server starts, for the site of servers started inside libraries.
// Without them the probes see only the requests of rewritten call sites.
func patchCapture(pk *pkgFiles, st *patchState) string {
	n := len(st.miss)
	wrapMethod(pk, st, "Transport", "roundTrip", []string{"*Request"}, []string{"*Response", "error"}, func(r string, args []string, call string) string {
		orig := r + "." + origPrefix + "roundTrip"
		return "if h := GohttpdbgHTTP1.ClientStart; h != nil {\n" +
			"req, st := h(" + r + ", " + args[0] + ")\n" +
			"if st != nil {\n" +
			"resp, err := " + orig + "(req)\n" +
			"GohttpdbgHTTP1.ClientEnd(st, resp, err)\n" +
			"return resp, err\n" +
			"}\n" +
			"}\n" +
			"return " + call
	})
	wrapMethod(pk, st, "Server", "Serve", []string{"net.Listener"}, []string{"error"}, func(r string, args []string, call string) string {
		return "if h := GohttpdbgHTTP1.ServeStart; h != nil {\nh(" + r + ", " + args[0] + ")\n}\nreturn " + call
	})
	const label = "serverHandler.ServeHTTP"
	f, fd, err := pk.funcDecl("serverHandler", "ServeHTTP")
	if err != nil || fd == nil || !pk.hasFields("serverHandler", "srv") {
		st.missing(label)
	} else if sig := f.signature(fd); sig.recvType != "serverHandler" || !sig.matches([]string{"ResponseWriter", "*Request"}, nil) {
		st.missing(label)
	} else {
		f.wrap(fd, sig, func(r string, args []string, call string) string {
			return "if h := GohttpdbgHTTP1.Serve; h != nil {\n" +
				"h(" + r + ".srv, gohttpdbgHandler{" + r + "}, " + args[0] + ", " + args[1] + ")\n" +
				"return\n" +
				"}\n" + call
		})
	}
	if len(st.miss) != n {
		return ""
	}
	return captureHelper
}

const captureHelper = `
// gohttpdbgHandler is the server's own handler chain (serverHandler's
// original ServeHTTP) as a Handler the Serve hook runs. It holds one
// pointer, so making it an interface value does not allocate.
type gohttpdbgHandler struct{ sh serverHandler }

func (h gohttpdbgHandler) ServeHTTP(w ResponseWriter, r *Request) {
	h.sh.` + origPrefix + `ServeHTTP(w, r)
}

func init() { GohttpdbgHTTP1.CaptureHooked = true }
`

// captureHookFields are the fields of the HTTP/1 hook set that
// patchCapture's code calls.
const captureHookFields = `
	// ClientStart runs when a client request enters (*Transport).roundTrip,
	// whoever made it. It returns the request to send (req, or a copy
	// whose context carries a trace) and the probes' state for ClientEnd,
	// nil when the request is not followed.
	ClientStart func(t *Transport, req *Request) (*Request, any)
	// ClientEnd receives what roundTrip returned, with ClientStart's state.
	ClientEnd func(state any, resp *Response, err error)
	// Serve runs each server request in place of the server's handler
	// chain h (HTTP/1 and HTTP/2): it must call h.ServeHTTP(w, r) once.
	Serve func(srv *Server, h Handler, w ResponseWriter, r *Request)
	// ServeStart runs when srv starts serving l, in the goroutine that
	// called Serve (or ListenAndServe, ServeTLS…).
	ServeStart func(srv *Server, l net.Listener)
	// CaptureHooked is set when this net/http calls the four above.
	CaptureHooked bool
`
