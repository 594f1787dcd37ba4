package gohttpdbgrt_test

import (
	"io"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt"
	"github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt/httptestrt"
)

// slowSink takes 100µs per event, far slower than the probes produce.
type slowSink struct {
	mu      sync.Mutex
	n       int
	dropped int64
}

func (s *slowSink) WriteEvent(e *probes.Event) error {
	time.Sleep(100 * time.Microsecond)
	s.mu.Lock()
	s.n++
	if e.Name == "admin.dropped" {
		a, _ := e.Attr("count")
		s.dropped += a.Num
	}
	s.mu.Unlock()
	return nil
}

func (s *slowSink) Flush() error { return nil }

// Under load with every probe at 2 and a slow sink, the application is not
// slowed down to the sink's pace, memory stays bounded by the ring, and the
// loss is reported.
func TestLoadSlowSink(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	setup(t, "all=2")
	sink := &slowSink{}
	probes.SetSink(sink)
	srv := httptestrt.NewServer(http.HandlerFunc(hello), "load.go:1")
	defer srv.Close()
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

	d0 := probes.Dropped()
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const clients, each = 64, 20
	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < each; j++ {
				resp, err := gohttpdbgrt.ClientGet(c, srv.URL, "load.go:2")
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	probes.Flush()

	// Each request makes over 10 level-2 events: far more than the ring
	// holds and than the sink wrote while the requests ran.
	if probes.Dropped() == d0 {
		t.Fatal("no event dropped: the sink kept up, the test proves nothing")
	}
	sink.mu.Lock()
	dropped := sink.dropped
	sink.mu.Unlock()
	if dropped == 0 {
		t.Error("drops happened but no admin.dropped event reported them")
	}
	if grow := int64(after.HeapInuse) - int64(before.HeapInuse); grow > 32<<20 {
		t.Errorf("heap grew by %d MiB under load", grow>>20)
	}
}
