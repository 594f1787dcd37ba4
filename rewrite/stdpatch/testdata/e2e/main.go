// Command e2e is built by stdpatch's tests with the std patch applied
// through -toolexec; it checks that the hooks fire and prints counters.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"
)

var (
	mu       sync.Mutex
	counts   = map[string]int{}
	statuses []int
	states   = map[any]bool{}
)

func count(k string) {
	mu.Lock()
	counts[k]++
	mu.Unlock()
}

func main() {
	h2 := http.GohttpdbgH2
	h2.Framer = func(r io.Reader) any {
		s := new(int)
		mu.Lock()
		states[s] = true
		mu.Unlock()
		return s
	}
	h2.Bind = func(s any, c net.Conn, client bool) {
		if c != nil {
			count(fmt.Sprintf("bind.client=%v", client))
		}
	}
	h2.Done = func(s any) { count("done") }
	var callerOnce sync.Once
	h2.Read = func(s any, length uint32, typ, flags uint8, streamID uint32, payload []byte) {
		if int(length) == len(payload) {
			count("read")
		}
		// Positions inside the patched std must be the original ones.
		callerOnce.Do(func() {
			pc := make([]uintptr, 8)
			frames := runtime.CallersFrames(pc[:runtime.Callers(1, pc)])
			for {
				f, more := frames.Next()
				if strings.HasSuffix(f.Function, ".ReadFrameForHeader") {
					fmt.Printf("caller %s:%d\n", f.File, f.Line)
				}
				if !more {
					break
				}
			}
		})
	}
	h2.ReadError = func(s any, err, detail error) { count("readerror") }
	h2.Write = func(s any, frame []byte, err error) {
		if len(frame) >= 9 && int(frame[0])<<16|int(frame[1])<<8|int(frame[2]) == len(frame)-9 {
			count("write")
		}
	}
	h2.Headers = func(s any, id uint32, fields []struct {
		Name, Value string
		Sensitive   bool
	}, truncated bool, err error) {
		for _, f := range fields {
			if f.Name == "authorization" && f.Value == "Bearer secret" {
				count("headers.auth")
			}
		}
		count("headers")
	}
	h1 := http.GohttpdbgHTTP1
	h1.ServerReject = func(c net.Conn, err error, status int, buffered []byte, maxHeaderBytes int) {
		mu.Lock()
		statuses = append(statuses, status)
		mu.Unlock()
		count("reject")
	}
	h1.ClientReadError = func(c net.Conn, err error, buffered []byte) { count("clientreaderror") }
	// The body hooks: the state is a body's name; what they saw is printed
	// per name (bodyLine).
	h1.BodyRead = bodyRead
	h1.BodyClose = bodyClose
	h2.BodyRead = bodyRead
	h2.BodyClose = bodyClose
	h1.BodyReleased = bodyReleased
	h1.BodyReadAfterClose = bodyReadAfterClose
	h2.BodyReleased = bodyReleased
	h2.BodyReadAfterClose = bodyReadAfterClose

	h1.Answered = answered
	h2.Answered = answered
	h1.Sent = sent
	h2.Sent = sent
	handler := answering(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		switch r.URL.Path {
		case "/empty":
			return // net/http answers 200 after the handler
		case "/hijack":
			c, _, err := w.(http.Hijacker).Hijack()
			check(err)
			c.Close()
			return
		case "/created":
			w.Header().Set("X-Answer", "created")
			w.WriteHeader(http.StatusCreated)
			w.Header().Set("X-Answer", "changed after") // not what was written
		}
		fmt.Fprintf(w, "hello %s", r.Proto)
		if r.URL.Path == "/flushed" {
			w.(http.Flusher).Flush() // the header leaves while watched
		}
	}))

	// HTTP/2 over TLS, std client and server.
	srv := httptest.NewUnstartedServer(handler)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	req, _ := http.NewRequest("POST", srv.URL, strings.NewReader("body"))
	req.Header.Set("Authorization", "Bearer secret")
	resp, err := srv.Client().Do(req)
	check(err)
	follow(resp, "h2")
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body.Read(make([]byte, 1))
	fmt.Println("h2:", string(b))
	resp, err = srv.Client().Get(srv.URL + "/origin")
	check(err)
	followWithOrigin(resp, "h2.origin", 8, 9)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	resp.Body.Close()
	resp.Body.Read(make([]byte, 1))
	resp.Body.Read(make([]byte, 1))
	srv.Client().CloseIdleConnections()
	srv.Close()

	// Malformed HTTP/1 requests.
	plain := httptest.NewServer(handler)
	for _, raw := range []string{
		"GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 2<<20) + "\r\n\r\n",
	} {
		c, err := net.Dial("tcp", plain.Listener.Addr().String())
		check(err)
		go func() { io.WriteString(c, raw) }()
		line, _ := bufio.NewReader(c).ReadString('\n')
		fmt.Println("h1:", strings.TrimSpace(line))
		c.Close()
	}
	// A malformed response read by the client.
	bad, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	go func() {
		c, err := bad.Accept()
		if err != nil {
			return
		}
		bufio.NewReader(c).ReadString('\n')
		io.WriteString(c, "HTTP/1.1 200 OK\r\nBroken header\r\n\r\n")
		c.Close()
	}()
	_, err = http.Get("http://" + bad.Addr().String())
	fmt.Println("client error:", err != nil)
	for _, path := range []string{"/", "/created", "/empty", "/hijack", "/flushed"} {
		if resp, err := http.Get(plain.URL + path); err == nil {
			resp.Body.Close()
		}
	}
	bad.Close()
	plain.Close()

	bodies1()

	// h2c through golang.org/x/net/http2.
	h2cSrv := httptest.NewServer(h2c.NewHandler(handler, &http2.Server{}))
	tr := &http2.Transport{AllowHTTP: true, DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	resp, err = (&http.Client{Transport: tr}).Get(h2cSrv.URL)
	check(err)
	follow(resp, "h2c")
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println("h2c:", string(b))
	tr.CloseIdleConnections()
	h2cSrv.Close()

	// x/net's own Framer, as gRPC uses it.
	mu.Lock()
	before := counts["read"]
	mu.Unlock()
	var buf bytes.Buffer
	fr := http2.NewFramer(&buf, &buf)
	check(fr.WritePing(false, [8]byte{1}))
	_, err = fr.ReadFrame()
	check(err)
	mu.Lock()
	fmt.Println("xnet framer read:", counts["read"]-before)
	for _, k := range []string{"bind.client=true", "bind.client=false", "read", "write", "headers", "headers.auth", "reject", "clientreaderror"} {
		fmt.Printf("count %s %d\n", k, counts[k])
	}
	fmt.Println("statuses:", statuses)
	for _, name := range bodyNames {
		fmt.Println(bodyLine(name))
	}
	mu.Unlock()
}

// bodyRead and bodyClose are the body hooks, HTTP/1 and HTTP/2.
func bodyRead(state unsafe.Pointer, p []byte, err error) {
	mu.Lock()
	defer mu.Unlock()
	b := bodyFor(nameOf(state))
	b.bytes += len(p)
	if err == io.EOF {
		b.eof = true
	} else if err != nil && b.closes > 0 {
		b.readAfterClose = true
	}
}

// last: the Close hands the state back, as BodyReleased does (which then
// does not run): counted as one release.
func bodyClose(state, keep unsafe.Pointer, last bool) {
	mu.Lock()
	b := bodyFor(nameOf(state))
	b.closes++
	if last {
		b.released++
	}
	if k := (*keepBox)(keep); k != nil && k.name == nameOf(state) {
		runtime.SetFinalizer(k, nil)
		b.kept++
	}
	mu.Unlock()
}

// bodyReleased and bodyReadAfterClose are the hooks of a body whose
// origin was set (followWithOrigin).
func bodyReleased(state unsafe.Pointer) {
	mu.Lock()
	bodyFor(nameOf(state)).released++
	mu.Unlock()
}

func bodyReadAfterClose(origin unsafe.Pointer, req, conn uint64) {
	mu.Lock()
	bodyFor(nameOf(origin)).originRAC = fmt.Sprintf("req=%d conn=%d", req, conn)
	mu.Unlock()
}

// A body's state and origin, as the body hooks get them: a pointer to its
// name, one per name.
var namePtrs sync.Map

func namePtr(name string) unsafe.Pointer {
	p, _ := namePtrs.LoadOrStore(name, &name)
	return unsafe.Pointer(p.(*string))
}

func nameOf(p unsafe.Pointer) string { return *(*string)(p) }

// bodyState is what the body hooks saw of one body.
type bodyState struct {
	bytes          int
	eof            bool
	closes         int
	kept           int // Close calls that handed back what the body kept
	readAfterClose bool
	gone           bool
	released       int    // BodyReleased calls
	originRAC      string // what BodyReadAfterClose received
}

var (
	bodyStates = map[string]*bodyState{}
	bodyNames  []string
)

// bodyFor returns name's state (mu held).
func bodyFor(name string) *bodyState {
	b := bodyStates[name]
	if b == nil {
		b = &bodyState{}
		bodyStates[name] = b
		bodyNames = append(bodyNames, name)
	}
	return b
}

// bodyLine renders name's state (mu held).
func bodyLine(name string) string {
	b := bodyFor(name)
	line := fmt.Sprintf("body %s: bytes=%d eof=%v closes=%d kept=%d read_after_close=%v gone=%v", name, b.bytes, b.eof, b.closes, b.kept, b.readAfterClose, b.gone)
	if strings.HasSuffix(name, ".origin") {
		line += fmt.Sprintf(" released=%d origin_read_after_close=%q", b.released, b.originRAC)
	}
	return line
}

// follow hands resp.Body the state name, as the probes do, and a box to
// keep until Close whose finalizer notes the body gone; false if the body
// has no GohttpdbgSetState method.
func follow(resp *http.Response, name string) bool {
	sb, ok := resp.Body.(interface {
		GohttpdbgSetState(state, keep unsafe.Pointer)
	})
	if ok {
		sb.GohttpdbgSetState(namePtr(name), unsafe.Pointer(newKeep(name)))
	}
	return ok
}

// followWithOrigin follows resp's body as the probes do, its origin
// (named as its state) and its state set in one call (GohttpdbgFollow).
func followWithOrigin(resp *http.Response, name string, req, conn uint64) {
	ob, ok := resp.Body.(interface {
		GohttpdbgFollow(state, keep, origin unsafe.Pointer, req, conn uint64)
	})
	if !ok {
		fmt.Printf("body %s: %T has no GohttpdbgFollow\n", name, resp.Body)
		return
	}
	ob.GohttpdbgFollow(namePtr(name), unsafe.Pointer(newKeep(name)), namePtr(name), req, conn)
}

// newKeep returns what a followed body keeps, whose finalizer notes that
// the body was dropped.
func newKeep(name string) *keepBox {
	keep := &keepBox{name}
	runtime.SetFinalizer(keep, func(k *keepBox) {
		mu.Lock()
		bodyFor(k.name).gone = true
		mu.Unlock()
	})
	return keep
}

// keepBox is what a followed body keeps until its first Close.
type keepBox struct{ name string }

// bodies1 follows HTTP/1 response bodies: one of known length read to EOF,
// closed, then read again; a chunked one; a gzip-decoded one (its bytes
// are the program's, decoded); one of known length dropped without Close,
// which the finalizer of what it kept reports.
func bodies1() {
	payload := strings.Repeat("payload ", 64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/chunked":
			io.WriteString(w, payload)
			w.(http.Flusher).Flush()
			io.WriteString(w, payload)
		case "/gzip":
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			io.WriteString(zw, payload)
			zw.Close()
		default:
			w.Header().Set("Content-Length", strconv.Itoa(len(payload)))
			io.WriteString(w, payload)
		}
	}))
	defer srv.Close()
	get := func(path, name string) *http.Response {
		resp, err := http.Get(srv.URL + path)
		check(err)
		if !follow(resp, name) {
			fmt.Printf("body %s: %T has no GohttpdbgSetState\n", name, resp.Body)
		}
		return resp
	}
	resp := get("/known", "h1.known")
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	resp.Body.Read(make([]byte, 1))
	// With an origin: the first Close alone reports, the state goes back
	// once (BodyReleased), a Read after Close is reported from the origin.
	resp, err := http.Get(srv.URL + "/known")
	check(err)
	followWithOrigin(resp, "h1.origin", 7, 9)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	resp.Body.Close()
	resp.Body.Read(make([]byte, 1))
	resp.Body.Read(make([]byte, 1))
	resp = get("/chunked", "h1.chunked")
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	resp.Body.Close()
	resp = get("/gzip", "h1.gzip")
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	get("/known", "h1.leak")
	for i := 0; i < 50; i++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
		mu.Lock()
		gone := bodyFor("h1.leak").gone
		mu.Unlock()
		if gone {
			break
		}
	}
}

// answering reports what net/http's own writer says of the answer, as
// the server probe follows it: the Answered hook's reports while watched
// (none after GohttpdbgUnwatch, when net/http answers an unanswered
// request), then GohttpdbgUnwatch's status and bytes, and the Sent hook's
// (a small response's header leaves after the watch, when net/http
// flushes it; a flushed one's while watched).
func answering(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := w.(interface {
			GohttpdbgWatch(state unsafe.Pointer)
			GohttpdbgUnwatch() (int, int64)
			GohttpdbgHeader() map[string][]string
		})
		if !ok {
			fmt.Printf("answer %s %s: %T has no accessor\n", r.Proto, r.URL.Path, w)
			h.ServeHTTP(w, r)
			return
		}
		rep := new(answerReport)
		a.GohttpdbgWatch(unsafe.Pointer(rep))
		h.ServeHTTP(w, r)
		sending := http.Header(a.GohttpdbgHeader()).Get("X-Answer") // as written, not as changed after
		s, n := a.GohttpdbgUnwatch()
		fmt.Printf("answer %s %s: reported %d %q x%d, status %d, %d bytes, sent x%d, sends %q\n", r.Proto, r.URL.Path, rep.status, rep.value, rep.n, s, n, rep.sent, sending)
	})
}

// answerReport is what the Answered hook reported for one request.
type answerReport struct {
	status, n int
	value     string // the header's X-Answer
	sent      int    // the Sent hook's reports
}

func answered(state unsafe.Pointer, status int, header map[string][]string) {
	rep := (*answerReport)(state)
	rep.n++
	rep.status = status
	rep.value = http.Header(header).Get("X-Answer")
}

// sent counts the Sent hook's reports: the header left while watched.
func sent(state unsafe.Pointer) { (*answerReport)(state).sent++ }

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
}
