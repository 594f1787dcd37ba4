package cputime

import (
	"testing"
	"time"
)

// TestUsedGrows fails if the clock does not move when the process spins,
// i.e. if the metric would always report zero.
func TestUsedGrows(t *testing.T) {
	start, ok := used()
	if !ok {
		t.Skip("no CPU clock on this system")
	}
	deadline := time.Now().Add(50 * time.Millisecond)
	x := 0
	for time.Now().Before(deadline) {
		x++
	}
	end, _ := used()
	if end <= start {
		t.Fatalf("CPU time did not grow after 50ms of spinning (%d iterations): %v -> %v", x, start, end)
	}
}
