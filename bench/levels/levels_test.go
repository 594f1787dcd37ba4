package levels

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gohttpdbg/gohttpdbg/bench/loopback"
	"github.com/gohttpdbg/gohttpdbg/internal/cputime"
	"github.com/gohttpdbg/gohttpdbg/probes"
)

// Each round runs, for every variant in turn, warm untimed requests and
// then slice timed ones. Rounds come in pairs, the second in the reverse
// order of the first (ABC CBA), so that drift within a pair favours no
// variant; each pair's order is drawn afresh, because a fixed or rotating
// order aliases with periodic work (the collector runs every few slices),
// which then always lands on the same variants and biases them by several
// percent.
//
// Slices are short, so that a run has many rounds: with 30 requests
// (a few milliseconds) two identical variants came out within 1–2 % of
// each other over 1000 rounds, where 100-request slices over 100 rounds
// differed by up to 7 %. From one process to the next the same comparison
// still moves by a few percent: -count and benchstat show that spread.
const (
	slice = 30
	warm  = 5
)

var variantsFlag = flag.String("variants", "all=0 spin=1700ns all=1 all=2", "space-separated GOHTTPDBG specs to compare, the first one the base")

// variant is one configuration of the probe levels.
type variant struct {
	name   string // L0, L1, L2 for all=0, all=1, all=2; the spec otherwise
	levels [probes.NumProbes]int
	spin   time.Duration // work added to each request, half on each side (loopback.SpinRounds)
}

// parseVariants reads -variants; each spec applies to every probe at 0.
// A spec's spin=DURATION item is the variant's spin (bench/loopback's
// spin.go), the rest a GOHTTPDBG spec.
func parseVariants(specs string) ([]variant, error) {
	var vs []variant
	for _, spec := range strings.Fields(specs) {
		var v variant
		var items []string
		for _, item := range strings.Split(spec, ",") {
			d, ok := strings.CutPrefix(item, "spin=")
			if !ok {
				items = append(items, item)
				continue
			}
			var err error
			if v.spin, err = time.ParseDuration(d); err != nil || v.spin <= 0 {
				return nil, fmt.Errorf("-variants: %q: want spin=DURATION, a positive duration such as 2us", item)
			}
		}
		c := probes.DefaultConfig()
		c.Levels = [probes.NumProbes]int{}
		if err := probes.ParseSpec(strings.Join(items, ","), &c); err != nil {
			return nil, fmt.Errorf("-variants: %v", err)
		}
		name := spec
		if l, ok := strings.CutPrefix(spec, "all="); ok && len(l) == 1 {
			name = "L" + l
		}
		v.name, v.levels = name, c.Levels
		vs = append(vs, v)
	}
	if len(vs) < 2 {
		return nil, fmt.Errorf("-variants %q: want a base and at least one variant to compare with it", specs)
	}
	return vs, nil
}

func BenchmarkLevels(b *testing.B) {
	for _, h2 := range []bool{false, true} {
		name := map[bool]string{false: "HTTP1", true: "HTTP2"}[h2]
		b.Run(name+"/small", func(b *testing.B) {
			benchLevels(b, h2, "/small", func(p *loopback.Pair, url string) error { return p.Get(url, 2) })
		})
		b.Run(name+"/api", func(b *testing.B) {
			benchLevels(b, h2, "/api", (*loopback.Pair).API)
		})
	}
}

// slices holds the per-request wall and CPU time of each variant's slice
// in each round, and its allocations.
type slices struct {
	variants  []variant
	spinAlone []time.Duration // [variant]: its spin timed alone, 0 without one
	wall, cpu [][]float64     // [variant][round], ns per request
	mallocs   []uint64        // [variant]: heap allocations in its timed slices
	bytes     []uint64        // [variant]: bytes allocated in its timed slices
	requests  []int           // [variant]: requests in its timed slices
}

// roundOrders returns the order of the variants in each of rounds rounds:
// pairs of a permutation drawn by perm and its reverse (ABC CBA, then
// another pair).
func roundOrders(rounds, n int, perm func(int) []int) [][]int {
	orders := make([][]int, rounds)
	for r := range orders {
		if r%2 == 0 {
			orders[r] = perm(n)
			continue
		}
		prev := orders[r-1]
		o := make([]int, n)
		for i := range o {
			o[i] = prev[n-1-i]
		}
		orders[r] = o
	}
	return orders
}

// benchLevels compares the variants on requests made by call to the
// server's path.
func benchLevels(b *testing.B, h2 bool, path string, call func(p *loopback.Pair, url string) error) {
	vs, err := parseVariants(*variantsFlag)
	if err != nil {
		b.Fatal(err)
	}
	// Each variant has its own server and client, whose connection is
	// opened and used at that variant's levels only: a program's
	// connections live at one level, and the frame probe stops following
	// a connection's flow-control windows for good once a frame passed it
	// at level 0, so a level-1 slice on a connection the base had used
	// would measure less than level 1 does.
	pairs := make([]*loopback.Pair, len(vs))
	urls := make(map[*loopback.Pair]string, len(vs)+1)
	spinAlone := make([]time.Duration, len(vs))
	for i, v := range vs {
		pairs[i] = loopback.NewPair(b, h2)
		urls[pairs[i]] = pairs[i].Server.URL + path
		var spin int // rounds of work per request and side
		spin, spinAlone[i] = loopback.SpinRounds(v.spin)
		pairs[i].SetSpin(spin)
	}
	get := func(p *loopback.Pair, n int) {
		for i := 0; i < n; i++ {
			if err := call(p, urls[p]); err != nil {
				b.Fatal(err)
			}
		}
	}
	saved := probes.CurrentConfig().Levels
	b.Cleanup(func() { setLevels(saved) })
	check := loopback.NewPair(b, h2)
	urls[check] = check.Server.URL + path
	if !instrumented(func(n int) { get(check, n) }) {
		b.Skip("the probes are not wired into this binary: build it with gohttpdbg test")
	}

	// Every variant's connection is opened at its levels, then one
	// collection runs, before the timer starts. The runtime sizes a new
	// goroutine's first stack from the stacks its last collection scanned
	// (adaptivestackstart): the testing harness's ran before any
	// connection existed and size them at 2 KiB, until a collection in
	// the run. Without this one, that came later where a variant made the
	// heap bigger (level 2's ring), and until then each HTTP/2 request's
	// handler, request writer and frame writer grew their stacks: a few
	// hundred requests that a one-level run (callgrind's) counted as that
	// level's cost. Not in the harness's first run (b.N == 1, which only
	// sizes b.N): a collection of level 2's heap, the ring scanned, costs
	// more than that run's few requests grow.
	if b.N > 1 {
		for i, v := range vs {
			setLevels(v.levels)
			get(pairs[i], warm)
		}
		probes.Flush()
		runtime.GC()
	}

	rounds := max(1, b.N/(len(vs)*slice))
	s := slices{variants: vs, spinAlone: spinAlone, wall: make([][]float64, len(vs)), cpu: make([][]float64, len(vs)),
		mallocs: make([]uint64, len(vs)), bytes: make([]uint64, len(vs)), requests: make([]int, len(vs))}
	var m0, m1 runtime.MemStats
	b.ResetTimer()
	for _, order := range roundOrders(rounds, len(vs), rand.Perm) {
		for _, li := range order {
			setLevels(vs[li].levels)
			p := pairs[li]
			probes.Flush() // the previous slice's events are not this one's work
			get(p, warm)
			// ReadMemStats stops the world to count exactly; outside the
			// timed part.
			runtime.ReadMemStats(&m0)
			c0, _ := cputime.Used()
			t0 := time.Now()
			get(p, slice)
			probes.Flush() // this slice's events are
			wall := time.Since(t0)
			c1, _ := cputime.Used()
			runtime.ReadMemStats(&m1)
			if got := probes.CurrentConfig().Levels; got != vs[li].levels {
				// The admin socket's breaker drops a probe whose events
				// outrun its budget to level 1: the slice measured that.
				b.Fatalf("%s: the probe levels changed during a slice (%v, want %v): run with GOHTTPDBG_BREAKER=0", vs[li].name, got, vs[li].levels)
			}
			s.wall[li] = append(s.wall[li], float64(wall)/slice)
			s.cpu[li] = append(s.cpu[li], float64(c1-c0)/slice)
			s.mallocs[li] += m1.Mallocs - m0.Mallocs
			s.bytes[li] += m1.TotalAlloc - m0.TotalAlloc
			s.requests[li] += slice
		}
	}
	b.StopTimer()
	s.report(b)
}

// report gives, per variant, the median time per request and the
// allocations per request (every goroutine's, the probes' writer
// included), and for each but the base the median over rounds of its
// slice's time against the base's slice of the same round, as a
// percentage.
func (s slices) report(b *testing.B) {
	for i, v := range s.variants {
		b.ReportMetric(median(s.wall[i]), v.name+"-ns/req")
		b.ReportMetric(median(s.cpu[i]), v.name+"-cpu-ns/req")
		if s.requests[i] > 0 {
			b.ReportMetric(float64(s.mallocs[i])/float64(s.requests[i]), v.name+"-allocs/req")
			b.ReportMetric(float64(s.bytes[i])/float64(s.requests[i]), v.name+"-B/req")
		}
		if s.spinAlone[i] > 0 {
			b.ReportMetric(float64(s.spinAlone[i]), v.name+"-spin-alone-ns")
		}
		if i == 0 {
			continue
		}
		b.ReportMetric(pairedChange(s.wall[i], s.wall[0]), v.name+"-%")
		b.ReportMetric(pairedChange(s.cpu[i], s.cpu[0]), v.name+"-cpu-%")
	}
}

// pairedChange is the median over rounds of x[r]/base[r], as a change in
// percent.
func pairedChange(x, base []float64) float64 {
	r := make([]float64, len(x))
	for i := range x {
		r[i] = x[i] / base[i]
	}
	return (median(r) - 1) * 100
}

func median(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	y := append([]float64(nil), x...)
	sort.Float64s(y)
	if n := len(y); n%2 == 0 {
		return (y[n/2-1] + y[n/2]) / 2
	}
	return y[len(y)/2]
}

func setLevels(ls [probes.NumProbes]int) {
	for p, l := range ls {
		probes.SetLevel(probes.Probe(p), l)
	}
}

// instrumented reports whether the probes see this binary's requests: at
// level 1 a request takes request ids (client and server side), which
// nothing else does.
func instrumented(get func(int)) bool {
	setLevels([probes.NumProbes]int{probes.Header: 1})
	before := probes.NextReqID()
	get(1)
	return probes.NextReqID()-before > 1
}
