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
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// LargeBody is the 1 MiB response of the "/1MiB" path; "/small" answers
// "ok".
var LargeBody = bytes.Repeat([]byte("gohttpdbg"), (1<<20)/9+1)[:1<<20]

// Pair is a TLS server on 127.0.0.1 and a client that trusts it, speaking
// HTTP/1.1 only or HTTP/2 (negotiated by ALPN), over kept-alive
// connections.
type Pair struct {
	Server *httptest.Server
	Client *http.Client
}

// NewPair starts a pair; tb's cleanup stops it. It checks the negotiated
// protocol once, so a benchmark never measures the wrong one.
func NewPair(tb testing.TB, h2 bool) *Pair {
	tb.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/small", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	})
	mux.HandleFunc("/1MiB", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(LargeBody)
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
	p := &Pair{Server: srv, Client: client}
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
	resp, err := p.Client.Do(req)
	if err != nil {
		return err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || n != want || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d, %d bytes (want %d), %v", url, resp.StatusCode, n, want, err)
	}
	return nil
}
