package bench

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gohttpdbg/gohttpdbg/internal/cputime"
)

// largeBody is the 1 MiB response of the "1MiB" benchmarks.
var largeBody = bytes.Repeat([]byte("gohttpdbg"), (1<<20)/9+1)[:1<<20]

// pair is a TLS server on 127.0.0.1 and a client that trusts it, speaking
// HTTP/1.1 only or HTTP/2 (negotiated by ALPN).
type pair struct {
	srv    *httptest.Server
	client *http.Client
}

func newPair(b testing.TB, h2 bool) *pair {
	mux := http.NewServeMux()
	mux.HandleFunc("/small", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	})
	mux.HandleFunc("/1MiB", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(largeBody)
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
	p := &pair{srv: srv, client: client}
	b.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
	})
	// Check the protocol once, so a benchmark never measures the wrong one.
	resp, err := client.Get(srv.URL + "/small")
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if want := map[bool]int{false: 1, true: 2}[h2]; resp.ProtoMajor != want {
		b.Fatalf("negotiated %s, want HTTP/%d", resp.Proto, want)
	}
	return p
}

// get makes one request and reads and closes the response body.
func (p *pair) get(url string, want int64) error {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return err
	}
	resp, err := p.client.Do(req)
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

// setBytes reports throughput for the large body only: MB/s of a
// two-byte body says nothing.
func setBytes(b *testing.B, n int64) {
	if n >= 1<<20 {
		b.SetBytes(n)
	}
}

func BenchmarkHTTP1(b *testing.B) { benchHTTP(b, false) }
func BenchmarkHTTP2(b *testing.B) { benchHTTP(b, true) }

// benchHTTP measures whole requests, client and server side in one
// process, over kept-alive connections: per-request cost, not handshakes.
func benchHTTP(b *testing.B, h2 bool) {
	p := newPair(b, h2)
	bodies := []struct {
		name string
		size int64
	}{{"small", 2}, {"1MiB", int64(len(largeBody))}}
	for _, body := range bodies {
		url := p.srv.URL + "/" + body.name
		b.Run("serial/"+body.name, func(b *testing.B) {
			b.ReportAllocs()
			setBytes(b, body.size)
			defer cputime.Measure(b)()
			for i := 0; i < b.N; i++ {
				if err := p.get(url, body.size); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("parallel/"+body.name, func(b *testing.B) {
			b.ReportAllocs()
			setBytes(b, body.size)
			defer cputime.Measure(b)()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					// Not b.Fatal: this is not the benchmark's goroutine.
					if err := p.get(url, body.size); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// TestPair checks the fixture itself: both protocols, both bodies.
func TestPair(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		p := newPair(t, h2)
		if err := p.get(p.srv.URL+"/small", 2); err != nil {
			t.Error(err)
		}
		if err := p.get(p.srv.URL+"/1MiB", int64(len(largeBody))); err != nil {
			t.Error(err)
		}
	}
}
