package probes

import (
	"sync"
	"testing"
)

func TestRingFIFO(t *testing.T) {
	t.Parallel()
	r := NewRing(8)
	for i := 1; i <= 5; i++ {
		r.Put(&Event{Req: uint64(i)})
	}
	var e Event
	for i := 1; i <= 5; i++ {
		if !r.Get(&e) || e.Req != uint64(i) {
			t.Fatalf("Get %d: got req %d", i, e.Req)
		}
	}
	if r.Get(&e) {
		t.Fatal("Get on empty ring returned an event")
	}
	if r.Dropped() != 0 {
		t.Fatalf("Dropped = %d, want 0", r.Dropped())
	}
}

func TestRingDropsOldest(t *testing.T) {
	t.Parallel()
	r := NewRing(8)
	for i := 1; i <= 20; i++ {
		r.Put(&Event{Req: uint64(i)})
	}
	if got := r.Dropped(); got != 12 {
		t.Fatalf("Dropped = %d, want 12", got)
	}
	var e Event
	for want := uint64(13); want <= 20; want++ {
		if !r.Get(&e) || e.Req != want {
			t.Fatalf("got req %d, want %d (the newest survive)", e.Req, want)
		}
	}
}

// Every event put is either got or counted as dropped, under concurrency.
func TestRingConcurrentAccounting(t *testing.T) {
	t.Parallel()
	r := NewRing(64)
	const producers, each = 8, 5000
	var wg sync.WaitGroup
	done := make(chan struct{})
	got := 0
	go func() {
		var e Event
		for {
			if r.Get(&e) {
				got++
				continue
			}
			select {
			case <-done:
				for r.Get(&e) {
					got++
				}
				close(done)
				return
			default:
			}
		}
	}()
	for p := 0; p < producers; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			e := Event{Conn: uint64(p)}
			for i := 0; i < each; i++ {
				e.Req = uint64(i)
				r.Put(&e)
			}
		}(p)
	}
	wg.Wait()
	done <- struct{}{}
	<-done
	if total := uint64(got) + r.Dropped(); total != producers*each {
		t.Fatalf("got %d + dropped %d = %d, want %d", got, r.Dropped(), total, producers*each)
	}
}
