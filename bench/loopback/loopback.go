// Package loopback is the traffic the overhead benchmarks measure: a TLS
// server on 127.0.0.1 and a client that trusts it, in one process, written
// with the call sites the rewriter instruments (an http.Transport and
// http.Client literal, Client.Do, httptest.NewUnstartedServer,
// ServeMux.HandleFunc), so that an instrumented build probes both sides.
package loopback

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// LargeBody is the 1 MiB response of the "/1MiB" path; "/small" answers
// "ok"; "/api" is a JSON API call (see API).
var LargeBody = bytes.Repeat([]byte("gohttpdbg"), (1<<20)/9+1)[:1<<20]

// Pair is a TLS server on 127.0.0.1 and a client that trusts it, speaking
// HTTP/1.1 only or HTTP/2 (negotiated by ALPN), over kept-alive
// connections.
type Pair struct {
	Server *httptest.Server
	Client *http.Client

	spinRounds atomic.Int64 // work per request and side (spin.go)
}

// NewPair starts a pair; tb's cleanup stops it. It checks the negotiated
// protocol once, so a benchmark never measures the wrong one. The
// environment's GOHTTPDBG_BENCH_SPIN, if set, is its spin (spin.go).
func NewPair(tb testing.TB, h2 bool) *Pair {
	tb.Helper()
	p := &Pair{}
	spin, err := spinFromEnv()
	if err != nil {
		tb.Fatal(err)
	}
	p.SetSpin(spin)
	mux := http.NewServeMux()
	mux.HandleFunc("/small", func(w http.ResponseWriter, r *http.Request) {
		p.spin()
		io.WriteString(w, "ok")
	})
	mux.HandleFunc("/1MiB", func(w http.ResponseWriter, r *http.Request) {
		p.spin()
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(LargeBody)
	})
	mux.HandleFunc("/api", func(w http.ResponseWriter, r *http.Request) {
		p.spin()
		serveAPI(w, r)
	})
	// httptest listens on 127.0.0.1 (or [::1] without IPv4): loopback only.
	srv := httptest.NewUnstartedServer(mux)
	srv.EnableHTTP2 = h2
	srv.StartTLS()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool},
		ForceAttemptHTTP2:   h2,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 64,
	}
	client := &http.Client{Transport: tr}
	p.Server, p.Client = srv, client
	tb.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
	})
	resp, err := client.Get(srv.URL + "/small")
	if err != nil {
		tb.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if want := map[bool]int{false: 1, true: 2}[h2]; resp.ProtoMajor != want {
		tb.Fatalf("negotiated %s, want HTTP/%d", resp.Proto, want)
	}
	return p
}

// Get makes one request for url (the server's URL and "/small" or
// "/1MiB"), reads and closes the response body, and checks that want bytes
// came back with a 200.
func (p *Pair) Get(url string, want int64) error {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return err
	}
	return p.send(req, want)
}

// send sends req, reads and closes the response body, and checks that want
// bytes came back with a 200.
func (p *Pair) send(req *http.Request, want int64) error {
	p.spin()
	resp, err := p.Client.Do(req)
	if err != nil {
		return err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || n != want || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: status %d, %d bytes (want %d), %v", req.Method, req.URL, resp.StatusCode, n, want, err)
	}
	return nil
}

// An API call as a backend service makes them: a POST of a small JSON
// document with the headers such a client sends (a bearer token, a
// session cookie, a request id), answered with a few KiB of JSON and the
// usual response headers. Its cost is the denominator a service sees;
// the 2-byte GET of "/small" is the worst case for the probes.
type apiRequest struct {
	User   string   `json:"user"`
	Items  []string `json:"items"`
	Limit  int      `json:"limit"`
	Cursor string   `json:"cursor"`
}

type apiItem struct {
	ID    int               `json:"id"`
	Name  string            `json:"name"`
	Tags  []string          `json:"tags"`
	Attrs map[string]string `json:"attrs"`
}

var apiRequestBody = func() []byte {
	b, _ := json.Marshal(apiRequest{User: "u-4711", Items: strings.Fields("alpha beta gamma delta epsilon zeta eta theta"),
		Limit: 25, Cursor: strings.Repeat("c", 120)})
	return b
}()

// APIResponseSize is the size of "/api"'s response body.
var APIResponseSize = func() int64 {
	var w bytes.Buffer
	writeAPIResponse(&w, apiRequest{Limit: 25})
	return int64(w.Len())
}()

func writeAPIResponse(w io.Writer, req apiRequest) error {
	items := make([]apiItem, req.Limit)
	for i := range items {
		items[i] = apiItem{ID: i, Name: fmt.Sprintf("item-%03d", i), Tags: []string{"bench", "loopback"},
			Attrs: map[string]string{"region": "local", "tier": "standard"}}
	}
	return json.NewEncoder(w).Encode(items)
}

func serveAPI(w http.ResponseWriter, r *http.Request) {
	var req apiRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Request-Id", r.Header.Get("X-Request-Id"))
	h.Set("Set-Cookie", "session=s3cr3t-session-value; Path=/; HttpOnly; Secure")
	writeAPIResponse(w, req)
}

// API makes one "/api" call to url (the server's URL and "/api"), reads
// and closes the response, and checks the status and the size.
func (p *Pair) API(url string) error {
	req, err := http.NewRequest("POST", url, bytes.NewReader(apiRequestBody))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.bench-token-value.signature")
	req.Header.Set("Cookie", "session=s3cr3t-session-value; theme=dark")
	req.Header.Set("X-Request-Id", "0f8e2a6c-bench")
	return p.send(req, APIResponseSize)
}
