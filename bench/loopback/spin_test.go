package loopback

import (
	"testing"
	"time"
)

func TestSpinRounds(t *testing.T) {
	if n, d := SpinRounds(0); n != 0 || d != 0 {
		t.Fatalf("SpinRounds(0) = %d, %v", n, d)
	}
	// How long the work takes is the machine's (a benchmark's matter); the
	// rounds it calibrates to are not.
	if n, d := SpinRounds(20 * time.Microsecond); n < 1 || d <= 0 {
		t.Errorf("SpinRounds(20µs) = %d, %v: want rounds and their time", n, d)
	}
	for _, c := range []struct {
		d     time.Duration
		probe int
		took  time.Duration
		want  int
	}{
		{20 * time.Microsecond, 1 << 16, 65536 * time.Nanosecond, 10000},   // 1ns a round, 10µs a side
		{200 * time.Microsecond, 1 << 16, 65536 * time.Nanosecond, 100000}, // ten times the duration, ten times the rounds
		{20 * time.Microsecond, 1000, 4 * time.Microsecond, 2500},          // 4ns a round
		{time.Nanosecond, 1 << 16, time.Millisecond, 1},                    // less than a round: one
		{time.Microsecond, 10, 0, 5000},                                    // a timing of 0 counts as 1ns
	} {
		if got := roundsFor(c.d, c.probe, c.took); got != c.want {
			t.Errorf("roundsFor(%v, %d, %v) = %d, want %d", c.d, c.probe, c.took, got, c.want)
		}
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
