package levels

import (
	"math"
	"math/rand/v2"
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

func TestRoundOrders(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	orders := roundOrders(7, 4, rng.Perm)
	if len(orders) != 7 {
		t.Fatalf("%d rounds, want 7", len(orders))
	}
	firsts := map[int]bool{}
	for r, o := range orders {
		seen := map[int]bool{}
		for _, v := range o {
			seen[v] = true
		}
		if len(o) != 4 || len(seen) != 4 {
			t.Fatalf("round %d: %v is not an order of the 4 variants", r, o)
		}
		if r%2 == 1 {
			p := orders[r-1]
			if o[0] != p[3] || o[1] != p[2] || o[2] != p[1] || o[3] != p[0] {
				t.Errorf("round %d: %v, want the reverse of round %d's %v", r, o, r-1, p)
			}
		} else {
			firsts[o[0]] = true
		}
	}
	// Over a pair every variant sits, on average, in the middle: its
	// positions add up to n-1.
	for r := 0; r+1 < len(orders); r += 2 {
		pos := make([]int, 4)
		for i, v := range orders[r] {
			pos[v] += i
		}
		for i, v := range orders[r+1] {
			pos[v] += i
		}
		for v, p := range pos {
			if p != 3 {
				t.Errorf("rounds %d and %d: variant %d at positions adding to %d, want 3", r, r+1, v, p)
			}
		}
	}
	if len(firsts) < 2 {
		t.Errorf("every pair starts with variant %v: the pairs' orders are not drawn afresh", firsts)
	}
}
