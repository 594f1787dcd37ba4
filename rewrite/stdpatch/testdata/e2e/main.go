// Command e2e is built by stdpatch's tests with the std patch applied
// through -toolexec; it checks that the hooks fire and prints counters.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

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
	h2.Read = func(s any, hdr [9]byte, payload []byte) {
		if int(hdr[0])<<16|int(hdr[1])<<8|int(hdr[2]) == len(payload) {
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
	h2.Headers = func(s any, id uint32, fields []string, truncated bool, err error) {
		for i := 0; i+1 < len(fields); i += 2 {
			if fields[i] == "authorization" && fields[i+1] == "Bearer secret" {
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

	h1.Now = func() int64 { return time.Now().UnixNano() }
	h2.Now = h1.Now
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
			w.WriteHeader(http.StatusCreated)
		}
		fmt.Fprintf(w, "hello %s", r.Proto)
	}))

	// HTTP/2 over TLS, std client and server.
	srv := httptest.NewUnstartedServer(handler)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	req, _ := http.NewRequest("POST", srv.URL, strings.NewReader("body"))
	req.Header.Set("Authorization", "Bearer secret")
	resp, err := srv.Client().Do(req)
	check(err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println("h2:", string(b))
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
	for _, path := range []string{"/created", "/empty", "/hijack"} {
		if resp, err := http.Get(plain.URL + path); err == nil {
			resp.Body.Close()
		}
	}
	bad.Close()
	plain.Close()

	// h2c through golang.org/x/net/http2.
	h2cSrv := httptest.NewServer(h2c.NewHandler(handler, &http2.Server{}))
	tr := &http2.Transport{AllowHTTP: true, DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	resp, err = (&http.Client{Transport: tr}).Get(h2cSrv.URL)
	check(err)
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
	mu.Unlock()
}

// answering reports what net/http's own writer says of the answer
// (GohttpdbgAnswer), as the server probe reads it at level 1.
func answering(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := w.(interface {
			GohttpdbgWatch()
			GohttpdbgAnswer() (int, int64, int64)
		})
		if !ok {
			fmt.Printf("answer %s %s: %T has no accessor\n", r.Proto, r.URL.Path, w)
			h.ServeHTTP(w, r)
			return
		}
		a.GohttpdbgWatch()
		start := time.Now().UnixNano()
		s0, _, _ := a.GohttpdbgAnswer()
		h.ServeHTTP(w, r)
		s, n, at := a.GohttpdbgAnswer()
		fmt.Printf("answer %s %s: before %d, status %d, %d bytes, timed %v\n", r.Proto, r.URL.Path, s0, s, n, at >= start && at <= time.Now().UnixNano())
	})
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
}
