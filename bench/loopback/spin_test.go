package loopback

import (
	"testing"
	"time"
)

func TestSpinRounds(t *testing.T) {
	if n, d := SpinRounds(0); n != 0 || d != 0 {
		t.Fatalf("SpinRounds(0) = %d, %v", n, d)
	}
	n1, d1 := SpinRounds(20 * time.Microsecond)
	n2, _ := SpinRounds(200 * time.Microsecond)
	// Both sides' work together: about 20µs, not 10 or 40 (wide bounds,
	// for a busy machine's short timings).
	if d1 < 10*time.Microsecond || d1 > 200*time.Microsecond {
		t.Errorf("SpinRounds(20µs) takes %v alone, want about 20µs for both sides", d1)
	}
	// The rounds scale with the duration (a factor of 10, within what a
	// busy machine does to two short timings).
	if r := float64(n2) / float64(n1); n1 <= 0 || r < 3 || r > 30 {
		t.Errorf("rounds for 20µs %d, for 200µs %d: ratio %.1f, want about 10", n1, n2, r)
	}
}

func TestSpinFromEnv(t *testing.T) {
	t.Setenv(SpinEnv, "")
	if n, err := spinFromEnv(); n != 0 || err != nil {
		t.Errorf("unset: %d, %v", n, err)
	}
	t.Setenv(SpinEnv, "50us")
	if n, err := spinFromEnv(); n <= 0 || err != nil {
		t.Errorf("50us: %d, %v", n, err)
	}
	for _, bad := range []string{"x", "-1us", "0s", "17"} {
		t.Setenv(SpinEnv, bad)
		if _, err := spinFromEnv(); err == nil {
			t.Errorf("%s=%q: no error", SpinEnv, bad)
		}
	}
}
