package probes

import (
	"testing"
	"time"
)

func TestMonoClock(t *testing.T) {
	m := Mono()
	time.Sleep(2 * time.Millisecond)
	if d := SinceMono(m); d < 2*time.Millisecond || d > time.Minute {
		t.Fatalf("sinceMono after a 2ms sleep = %v", d)
	}
	if w := WallAt(Mono()); time.Since(w).Abs() > time.Second {
		t.Fatalf("WallAt(now) = %v, time.Now() = %v", w, time.Now())
	}
}
