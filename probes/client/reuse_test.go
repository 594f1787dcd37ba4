package client

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/gohttpdbg/gohttpdbg/probes/internal/probetest"
)

// stdRoundTrip is what the patched roundTrip does around one request
// (StdStart, then StdEnd with the response): it returns the request's
// state and the response, whose body the caller reads.
func stdRoundTrip(t *testing.T, tr *http.Transport, site string, body io.ReadCloser) (*Request, *http.Response) {
	req, _ := http.NewRequest("GET", "http://reuse.example.test/", nil)
	k := MarkSite(req, site)
	sent, st := StdStart(tr, req)
	UnmarkSite(k)
	cr, _ := st.(*Request)
	if cr == nil {
		t.Error("StdStart followed nothing")
		return nil, nil
	}
	resp := &http.Response{StatusCode: 200, Proto: "HTTP/1.1", ProtoMajor: 1, Header: http.Header{},
		ContentLength: -1, Body: body, Request: sent}
	StdEnd(st, resp, nil)
	return cr, resp
}

// A request with no body for the probes to follow is over at StdEnd:
// its state goes back to the pool, and the next request reuses it.
func TestStdRequestReused(t *testing.T) {
	useStdHooks(t, "all=1")
	tr := &http.Transport{}
	seen := map[*Request]bool{}
	reused := false
	for i := 0; i < 50 && !reused; i++ { // the pool may drop a state (always may under -race)
		cr, _ := stdRoundTrip(t, tr, "reuse.go:1", http.NoBody)
		reused = seen[cr]
		seen[cr] = true
		if cr.body.Req != 0 || cr.body.Site != "" {
			t.Fatalf("a reused state was not zeroed: %+v", cr.body.Origin)
		}
	}
	if !reused {
		t.Error("no request state was reused in 50 requests without a body")
	}
}

// Requests whose state must outlive them are not reused: a body the
// probes follow (read after Close names it), a dial owner (its dial may
// outlive it).
func TestStdRequestKept(t *testing.T) {
	useStdHooks(t, "all=1")
	tr := &http.Transport{}
	cr, resp := stdRoundTrip(t, tr, "kept.go:1", io.NopCloser(strings.NewReader("ok")))
	if cr.reusable() {
		t.Error("a request whose body the probes follow is reusable")
	}
	resp.Body.Close()
	if cr.reusable() {
		t.Error("a request whose body was closed is reusable: a Read after Close reads its state")
	}

	req, _ := http.NewRequest("GET", "http://reuse.example.test/", nil)
	_, st := StdStart(tr, req)
	ctx := StdDialFor(context.Background(), st)
	if ctx.Value(dialOwnerKey{}) != st {
		t.Fatal("StdDialFor named no owner")
	}
	StdEnd(st, &http.Response{StatusCode: 204, ProtoMajor: 1, Header: http.Header{}, Body: http.NoBody, Request: req}, nil)
	if cr := st.(*Request); cr.body.Req == 0 || cr.reusable() {
		t.Error("a dial owner's state was reused")
	}
}

// Under reuse, from many goroutines (run with -race): a body read after
// Close, closed early, or left open still names its own request and
// site, while requests without a body reuse states and dials without an
// owner read the latest request's site and id.
func TestStdRequestReuseRace(t *testing.T) {
	rec := probetest.Record(t)
	useStdHooks(t, "all=1")
	tr := &http.Transport{}
	var (
		mu   sync.Mutex
		want = map[uint64]string{} // request id → site, of the bodies
		wg   sync.WaitGroup
	)
	for g := 0; g < 4; g++ {
		wg.Add(2)
		go func() { // requests without a body, and dials attributed to the latest
			defer wg.Done()
			for i := 0; i < 200; i++ {
				stdRoundTrip(t, tr, "nobody.go:1", http.NoBody)
				if i%50 == 0 {
					StdDial(context.Background(), tr, "http", "reuse.example.test:80")
				}
			}
		}()
		site := []string{"rac.go:1", "rac.go:2", "rac.go:3", "rac.go:4"}[g]
		go func() {
			defer wg.Done()
			var buf [4]byte
			for i := 0; i < 50; i++ {
				cr, resp := stdRoundTrip(t, tr, site, io.NopCloser(strings.NewReader("ok")))
				if cr == nil {
					return
				}
				mu.Lock()
				want[cr.ID()] = site
				mu.Unlock()
				if i%2 == 0 {
					io.ReadAll(resp.Body)
				}
				resp.Body.Close()
				done := make(chan struct{})
				go func() { // a Read after Close, racing with new requests
					resp.Body.Read(buf[:])
					close(done)
				}()
				stdRoundTrip(t, tr, "nobody.go:2", http.NoBody)
				<-done
			}
		}()
	}
	wg.Wait()
	for _, name := range []string{"body.read_after_close", "body.early_close"} {
		evs := rec.Named(name)
		if name == "body.read_after_close" && len(evs) != 4*50 || name == "body.early_close" && len(evs) != 4*25 {
			t.Errorf("%d %s events", len(evs), name)
		}
		for _, e := range evs {
			if s, ok := want[e.Req]; !ok || s != e.Site {
				t.Errorf("%s names req %d at %s, which was %q", name, e.Req, e.Site, s)
			}
		}
	}
}
