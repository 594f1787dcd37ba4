package levels

import (
	"math"
	"testing"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
)

func TestPairedChange(t *testing.T) {
	base := []float64{100, 200, 100, 50, 100}
	x := []float64{110, 220, 300, 40, 105} // ratios 1.1 1.1 3 0.8 1.05
	if got := pairedChange(x, base); math.Abs(got-10) > 1e-9 {
		t.Errorf("pairedChange = %v, want 10 (the median ratio, not the ratio of medians)", got)
	}
	if got := median([]float64{4, 1, 3, 2}); got != 2.5 {
		t.Errorf("median of an even count = %v, want 2.5", got)
	}
}

func TestParseVariants(t *testing.T) {
	vs, err := parseVariants("all=0 all=0,body=1 all=2")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 3 || vs[0].name != "L0" || vs[1].name != "all=0,body=1" || vs[2].name != "L2" {
		t.Fatalf("names: %+v", vs)
	}
	if vs[1].levels[probes.Body] != 1 || vs[1].levels[probes.Dial] != 0 || vs[2].levels[probes.Frame] != 2 {
		t.Errorf("levels: %+v", vs)
	}
	vs, err = parseVariants("all=0 all=1,spin=2us spin=500ns")
	if err != nil {
		t.Fatal(err)
	}
	if vs[1].spin != 2*time.Microsecond || vs[1].levels[probes.Body] != 1 || vs[1].name != "all=1,spin=2us" ||
		vs[2].spin != 500*time.Nanosecond || vs[2].levels[probes.Body] != 0 || vs[0].spin != 0 {
		t.Errorf("spin variants: %+v", vs)
	}
	for _, bad := range []string{"all=0", "all=0 nosuch=1", "", "all=0 all=0,spin=x", "all=0 spin=-1us", "all=0 spin=0s"} {
		if _, err := parseVariants(bad); err == nil {
			t.Errorf("parseVariants(%q): no error", bad)
		}
	}
}

func TestSpinRounds(t *testing.T) {
	if n, d := spinRounds(0); n != 0 || d != 0 {
		t.Fatalf("spinRounds(0) = %d, %v", n, d)
	}
	n1, _ := spinRounds(20 * time.Microsecond)
	n2, _ := spinRounds(200 * time.Microsecond)
	// The rounds scale with the duration (a factor of 10, within what a
	// busy machine does to two short timings).
	if r := float64(n2) / float64(n1); n1 <= 0 || r < 3 || r > 30 {
		t.Errorf("rounds for 20µs %d, for 200µs %d: ratio %.1f, want about 10", n1, n2, r)
	}
}
