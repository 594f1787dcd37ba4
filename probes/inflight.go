package probes

import (
	"sync"
	"time"
)

// The in-flight registry lets the gc probe name the requests a pause
// delayed. It is kept while the gc probe is on (level ≥ 1): a request is
// registered when its wrapper starts and removed when it finishes; the
// last finished requests are kept for a while so that a pause observed
// after they finished is still correlated.

type flight struct {
	id         uint64
	site       string
	start, end int64 // Unix nanoseconds; end 0 while in flight
}

const (
	flightShards = 16
	finishedKeep = 512
)

type flightShard struct {
	mu sync.Mutex
	m  map[uint64]flight
}

var (
	flights    [flightShards]flightShard
	finishedMu sync.Mutex
	finished   [finishedKeep]flight
	finishedN  uint64
)

func init() {
	for i := range flights {
		flights[i].m = make(map[uint64]flight)
	}
}

// flightStart registers request id; it returns false when the gc probe is
// off, in which case flightEnd must not be called.
func flightStart(id uint64, site string, start time.Time) bool {
	if Level(GC) < 1 {
		return false
	}
	s := &flights[id%flightShards]
	s.mu.Lock()
	s.m[id] = flight{id: id, site: site, start: start.UnixNano()}
	s.mu.Unlock()
	return true
}

func flightEnd(id uint64) {
	s := &flights[id%flightShards]
	s.mu.Lock()
	f, ok := s.m[id]
	delete(s.m, id)
	s.mu.Unlock()
	if !ok {
		return
	}
	f.end = time.Now().UnixNano()
	finishedMu.Lock()
	finished[finishedN%finishedKeep] = f
	finishedN++
	finishedMu.Unlock()
}

// flightsDuring returns the requests in flight at some time in [from, to].
func flightsDuring(from, to int64) []flight {
	var out []flight
	for i := range flights {
		s := &flights[i]
		s.mu.Lock()
		for _, f := range s.m {
			if f.start <= to {
				out = append(out, f)
			}
		}
		s.mu.Unlock()
	}
	finishedMu.Lock()
	for i := 0; i < finishedKeep && uint64(i) < finishedN; i++ {
		f := finished[i]
		if f.start <= to && f.end >= from {
			out = append(out, f)
		}
	}
	finishedMu.Unlock()
	return out
}
