package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/body"
	"github.com/gohttpdbg/gohttpdbg/probes/internal/probetest"
)

// stdRoundTrip is what the patched roundTrip does around one request
// (StdStart, then StdEnd with the response): it returns the request's
// state (which StdEnd may have put back for reuse: compare it, do not read
// it), its id, and the response, whose body the caller reads.
func stdRoundTrip(t *testing.T, tr *http.Transport, site string, body io.ReadCloser) (*Request, uint64, *http.Response) {
	req, _ := http.NewRequest("GET", "http://reuse.example.test/", nil)
	sent, st := StdStart(tr, req, unsafe.Pointer(probes.InternSite(site, "")))
	cr := (*Request)(st)
	if cr == nil {
		t.Error("StdStart followed nothing")
		return nil, 0, nil
	}
	id := cr.ID()
	resp := &http.Response{StatusCode: 200, Proto: "HTTP/1.1", ProtoMajor: 1, Header: http.Header{},
		ContentLength: -1, Body: body, Request: sent}
	StdEnd(st, resp, nil)
	return cr, id, resp
}

// A request with no body for the probes to follow is over at StdEnd:
// its state goes back to the pool, and the next request reuses it.
func TestStdRequestReused(t *testing.T) {
	useStdHooks(t, "all=1")
	tr := &http.Transport{}
	seen := map[*Request]bool{}
	reused := false
	for i := 0; i < 50 && !reused; i++ { // the pool may drop a state (always may under -race)
		cr, _, _ := stdRoundTrip(t, tr, "reuse.go:1", http.NoBody)
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

// A reused state goes first to its host's spare, which the host's next
// request takes, not to the pool (which may drop it); a request to a
// host whose spare is taken (a concurrent one) takes one from the pool.
func TestStdRequestHostSpare(t *testing.T) {
	useStdHooks(t, "all=1")
	tr := &http.Transport{}
	first, _, _ := stdRoundTrip(t, tr, "spare.go:1", http.NoBody)
	h := hostLookup(tr, "reuse.example.test")
	if h.spare.cr != first {
		t.Fatal("the state did not go to its host's spare")
	}
	next, _, _ := stdRoundTrip(t, tr, "spare.go:2", http.NoBody)
	if next != first || h.spare.cr != first {
		t.Errorf("the host's next request got %p, not its spare %p", next, first)
	}
	taken := h.spare.take()
	other, _, _ := stdRoundTrip(t, tr, "spare.go:3", http.NoBody)
	if other == taken {
		t.Error("a request took a spare already taken")
	}
}

// A spare slot held by another taker or putter is passed over (the pool
// serves), never waited for.
func TestSpareSlotBusy(t *testing.T) {
	var s spareSlot
	a, b := new(Request), new(Request)
	if !s.put(a) || s.put(b) {
		t.Fatal("put: the first into an empty slot only")
	}
	s.busy.Store(1)
	if s.take() != nil || s.put(b) {
		t.Error("a busy slot was used")
	}
	s.busy.Store(0)
	if s.take() != a || s.take() != nil {
		t.Error("take: the spare once")
	}
}

// Requests whose state must outlive them are not reused: a body the
// probes follow (read after Close names it), a dial owner (its dial may
// outlive it).
func TestStdRequestKept(t *testing.T) {
	useStdHooks(t, "all=1")
	tr := &http.Transport{}
	cr, _, resp := stdRoundTrip(t, tr, "kept.go:1", io.NopCloser(strings.NewReader("ok")))
	if cr.reusable() {
		t.Error("a request whose body the probes follow is reusable")
	}
	resp.Body.Close()
	if cr.reusable() {
		t.Error("a request whose body was closed is reusable: a Read after Close reads its state")
	}

	req, _ := http.NewRequest("GET", "http://reuse.example.test/", nil)
	_, st := StdStart(tr, req, nil) // no call site named it: its stack does
	ctx := StdDialFor(context.Background(), st)
	if ctx.Value(dialOwnerKey{}) != (*Request)(st) {
		t.Fatal("StdDialFor named no owner")
	}
	StdEnd(st, &http.Response{StatusCode: 204, ProtoMajor: 1, Header: http.Header{}, Body: http.NoBody, Request: req}, nil)
	if cr := (*Request)(st); cr.body.Req == 0 || cr.reusable() {
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
				cr, id, resp := stdRoundTrip(t, tr, site, io.NopCloser(strings.NewReader("ok")))
				if cr == nil {
					return
				}
				mu.Lock()
				want[id] = site
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

// stubStdBody stands for net/http's response body with the std patch
// (rewrite/stdpatch, bodyEOFSignal): the same guard of the probes'
// state, calling the probes' hooks as the wiring installs them.
type stubStdBody struct {
	r                   io.Reader
	state, keep, origin unsafe.Pointer
	req, conn           uint64
	use                 int32
}

func (b *stubStdBody) GohttpdbgSetOrigin(origin unsafe.Pointer, req, conn uint64) {
	b.origin, b.req, b.conn = origin, req, conn
}

func (b *stubStdBody) GohttpdbgSetState(state, keep unsafe.Pointer) { b.state, b.keep = state, keep }

func (b *stubStdBody) GohttpdbgFollow(state, keep, origin unsafe.Pointer, req, conn uint64) {
	b.GohttpdbgSetOrigin(origin, req, conn)
	b.GohttpdbgSetState(state, keep)
}

func (b *stubStdBody) enter() (unsafe.Pointer, bool) {
	s := b.state
	if s == nil || b.origin == nil {
		return s, false
	}
	for {
		v := atomic.LoadInt32(&b.use)
		switch {
		case v&1 == 0:
			if atomic.CompareAndSwapInt32(&b.use, v, v+4) {
				return s, false
			}
		case v&2 != 0:
			return nil, false
		default:
			if atomic.CompareAndSwapInt32(&b.use, v, v|2) {
				return nil, true
			}
		}
	}
}

func (b *stubStdBody) leave(s unsafe.Pointer) {
	if b.origin != nil && atomic.AddInt32(&b.use, -4)&^2 == 1 {
		body.StdReleased(s)
	}
}

func (b *stubStdBody) Read(p []byte) (int, error) {
	s, rac := b.enter()
	var n int
	err := errClosed
	if atomic.LoadInt32(&b.use)&1 == 0 {
		n, err = b.r.Read(p)
	}
	if s != nil {
		body.StdRead(s, p[:n], err)
		b.leave(s)
	} else if rac {
		body.StdReadAfterClose(b.origin, b.req, b.conn)
	}
	return n, err
}

var errClosed = errors.New("read on closed body")

func (b *stubStdBody) Close() error {
	s := b.state
	if s == nil {
		return nil
	}
	for {
		v := atomic.LoadInt32(&b.use)
		if v&1 != 0 {
			return nil
		}
		if atomic.CompareAndSwapInt32(&b.use, v, v|1+4) {
			break
		}
	}
	keep := b.keep
	b.keep = nil
	// As the patch's: a Close no Read overlaps hands the state back itself.
	last := b.origin != nil && atomic.LoadInt32(&b.use)&^2 == 1+4
	body.StdClose(s, keep, last)
	if !last {
		b.leave(s)
	}
	return nil
}

// With net/http's own bodies (the std patch), a closed body hands its
// request's state back and the state is reused; under reuse, from many
// goroutines (run with -race), a Read after Close (concurrent with new
// requests), an early Close and a leak still name their own request.
func TestStdBodyStateReuseRace(t *testing.T) {
	rec := probetest.Record(t)
	useStdHooks(t, "all=1")
	tr := &http.Transport{}
	var (
		mu     sync.Mutex
		want   = map[uint64]string{} // request id → site
		states = map[*Request]int{}
		wg     sync.WaitGroup
	)
	note := func(cr *Request, id uint64, site string) {
		mu.Lock()
		want[id] = site
		states[cr]++
		mu.Unlock()
	}
	const G, N = 4, 100
	for g := 0; g < G; g++ {
		site := []string{"std.go:1", "std.go:2", "std.go:3", "std.go:4"}[g]
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf [4]byte
			for i := 0; i < N; i++ {
				cr, id, resp := stdRoundTrip(t, tr, site, &stubStdBody{r: strings.NewReader("ok")})
				if cr == nil {
					return
				}
				note(cr, id, site)
				if _, ok := resp.Body.(*stubStdBody); !ok {
					t.Error("the std body was wrapped")
					return
				}
				if i%2 == 0 {
					io.ReadAll(resp.Body)
				}
				done := make(chan struct{})
				go func() { // a Read racing with Close and with new requests
					resp.Body.Read(buf[:])
					resp.Body.Read(buf[:])
					close(done)
				}()
				resp.Body.Close()
				cr2, id2, _ := stdRoundTrip(t, tr, "nobody.go:3", http.NoBody)
				note(cr2, id2, "nobody.go:3")
				<-done
			}
		}()
	}
	wg.Wait()
	reused := 0
	for _, n := range states {
		reused += n - 1
	}
	if reused == 0 {
		t.Error("no request state was reused")
	}
	check := func(name string, min int) {
		evs := rec.Named(name)
		if len(evs) < min {
			t.Errorf("%d %s events, want at least %d", len(evs), name, min)
		}
		for _, e := range evs {
			if s, ok := want[e.Req]; !ok || s != e.Site || !strings.HasPrefix(s, "std.go:") {
				t.Errorf("%s names req %d at %s, which was %q", name, e.Req, e.Site, s)
			}
		}
	}
	// The racing Reads may all come before Close: at least one of the
	// bodies is read after it (each reports it once).
	check("body.read_after_close", 1)
	check("body.early_close", 1)
}

// A body never closed keeps its request's state: its leak is reported
// for its own request after other requests reused states.
func TestStdBodyLeakNotReused(t *testing.T) {
	rec := probetest.Record(t)
	useStdHooks(t, "all=1")
	tr := &http.Transport{}
	_, id, _ := stdRoundTrip(t, tr, "leak.go:1", &stubStdBody{r: strings.NewReader("ok")}) // never closed
	for i := 0; i < 20; i++ {
		_, _, r := stdRoundTrip(t, tr, "other.go:1", &stubStdBody{r: strings.NewReader("ok")})
		io.ReadAll(r.Body)
		r.Body.Close()
	}
	for i := 0; i < 20 && len(rec.Named("body.leak")) == 0; i++ {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	leaks := rec.Named("body.leak")
	if len(leaks) != 1 || leaks[0].Req != id || leaks[0].Site != "leak.go:1" {
		t.Fatalf("body.leak: %+v (want req %d at leak.go:1)", leaks, id)
	}
}
