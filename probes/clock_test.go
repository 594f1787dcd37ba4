package probes

import (
	"testing"
	"time"
)

func TestMonoClock(t *testing.T) {
	m := mono()
	time.Sleep(2 * time.Millisecond)
	if d := sinceMono(m); d < 2*time.Millisecond || d > time.Minute {
		t.Fatalf("sinceMono after a 2ms sleep = %v", d)
	}
	if w := wallAt(mono()); time.Since(w).Abs() > time.Second {
		t.Fatalf("wallAt(now) = %v, time.Now() = %v", w, time.Now())
	}
}
