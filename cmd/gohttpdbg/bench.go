package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/perf/benchfmt"

	"github.com/gohttpdbg/gohttpdbg/buildplan"
	"github.com/gohttpdbg/gohttpdbg/goflags"
	"github.com/gohttpdbg/gohttpdbg/internal/benchcmp"
	"github.com/gohttpdbg/gohttpdbg/probes"
)

func init() {
	register(&verb{
		name:  "bench",
		short: "benchmarks plain vs instrumented, interleaved, compared as benchstat does.",
		long: "Each package's test binary is built twice, plain (go test -c) and instrumented, and\n" +
			"the benchmarks run -count rounds (default 6), one run of every variant per round,\n" +
			"every other round in reverse order (plain level1 level2, level2 level1 plain…), so\n" +
			"that drift in machine load favours no variant.\n" +
			"Defaults: -bench=. -run='^$' -count=6 -timeout=10m. Other go test flags pass through:\n" +
			"build flags to both builds, test flags (-benchtime, -benchmem, -cpu…) to every run.\n\n" +
			"  --levels=L[,L…]  a variant per probe level: GOHTTPDBG=all=L (default 1)\n" +
			"  --probes=SPEC    the probes to measure, GOHTTPDBG syntax; with --levels each listed\n" +
			"                   probe runs at L and the others at 0; without, one variant runs SPEC as is\n" +
			"  --spin=D[,D…]    a variant per duration: the plain build with GOHTTPDBG_BENCH_SPIN=D,\n" +
			"                   D of pure work per request, half on each side, in benchmarks that read it\n" +
			"                   (./bench): the yardstick of the overhead goals\n" +
			"  --http2debug=N   a variant: the plain build with GODEBUG=http2debug=N (1 or 2), its\n" +
			"                   standard error (where Go's log goes) discarded\n" +
			"  --json           print the comparison as JSON\n" +
			"  --out DIR        keep the raw results, DIR/plain.txt, DIR/level1.txt…, for benchstat\n\n" +
			"Probe output goes nowhere (GOHTTPDBG_OUT=off) unless GOHTTPDBG_OUT is set: at level 2\n" +
			"events are still built and pass through the ring (the \"ring only\" cost), but are not\n" +
			"rendered or written. The breaker is off (GOHTTPDBG_BREAKER=0) unless set: a benchmark\n" +
			"at level 2 would trip it and measure level 1.",
		usage: "bench [--probes=SPEC] [--levels=1,2] [--spin=D,…] [--http2debug=N] [--json] [--out DIR] [go test flags] [packages]",
		run:   benchVerb,
	})
}

// benchArgs is a parsed `gohttpdbg bench` command line.
type benchArgs struct {
	probes    string
	levels    []int
	levelsSet bool
	spins     []string // --spin, as written (a duration each)
	h2debug   int      // --http2debug, 0 for none
	json      bool
	out       string
	dir       string   // -C
	build     []string // flags for both `go test -c` builds
	run       []string // flags for every run of a test binary, in -test.X form
	bench     string
	count     int
	patterns  []string
	binArgs   []string // after -args
}

// testRunFlags are the go test flags that belong to the test binary; any
// other flag is a build flag. The value says whether it takes a value.
var testRunFlags = map[string]bool{
	"bench": true, "benchmem": false, "benchtime": true, "blockprofile": true,
	"blockprofilerate": true, "count": true, "cpu": true, "cpuprofile": true,
	"failfast": false, "fullpath": false, "memprofile": true, "memprofilerate": true,
	"mutexprofile": true, "mutexprofilefraction": true, "outputdir": true,
	"parallel": true, "run": true, "short": false, "shuffle": true, "skip": true,
	"timeout": true, "trace": true, "v": false,
}

// buildValueFlags are the go build flags that take the next word as their
// value when not written -flag=value.
var buildValueFlags = map[string]bool{
	"C": true, "p": true, "asmflags": true, "buildmode": true, "compiler": true,
	"gcflags": true, "gccgoflags": true, "mod": true, "modfile": true, "overlay": true,
	"installsuffix": true, "ldflags": true, "pgo": true, "pkgdir": true, "tags": true,
	"toolexec": true, "o": true, "coverpkg": true, "covermode": true, "exec": true,
	"vet": true, "debug-actiongraph": true, "debug-runtime-trace": true, "debug-trace": true,
}

// errUsage marks a command-line mistake (exit 2, as the go command).
var errUsage = errors.New("usage")

func parseBenchArgs(g *globals, args []string) (*benchArgs, error) {
	ba := &benchArgs{probes: g.probes, bench: ".", count: 6}
	usageErr := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, a...))
	}
	// bench's own flags mix with go test's: those pflag knows are parsed by
	// it (as --name=value, whichever of -name, --name, "name value" was
	// written), every other argument goes to the go command unchanged.
	fs := pflag.NewFlagSet("bench", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&ba.json, "json", false, "print the comparison as JSON")
	fs.StringVar(&ba.probes, "probes", ba.probes, "the instrumented variant's probe levels (GOHTTPDBG syntax)")
	fs.StringVar(&ba.out, "out", "", "keep the raw benchmark output in this directory")
	levels := fs.String("levels", "", "compare these probe levels (comma-separated) against the plain build")
	spins := fs.String("spin", "", "calibration variants: the plain build with this much work per request")
	fs.IntVar(&ba.h2debug, "http2debug", 0, "a variant: the plain build with GODEBUG=http2debug=N")
	var ours, goArgs []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "-args" || a == "--args" {
			ba.binArgs = args[i+1:]
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		fl := fs.Lookup(name)
		if !strings.HasPrefix(a, "-") || fl == nil {
			goArgs = append(goArgs, a)
			continue
		}
		if !hasValue && fl.Value.Type() != "bool" {
			if i+1 >= len(args) {
				return nil, usageErr("flag needs an argument: %s", a)
			}
			i++
			value, hasValue = args[i], true
		}
		if hasValue {
			ours = append(ours, "--"+name+"="+value)
		} else {
			ours = append(ours, "--"+name)
		}
	}
	if err := fs.Parse(ours); err != nil {
		return nil, usageErr("%v", err)
	}
	if fs.Changed("probes") {
		if err := checkProbeSpec(ba.probes); err != nil {
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
	}
	if ba.levelsSet = fs.Changed("levels"); ba.levelsSet {
		var err error
		if ba.levels, err = parseLevels(*levels); err != nil {
			return nil, usageErr("--levels=%s: %v", *levels, err)
		}
	}
	if !ba.levelsSet {
		ba.levels = []int{1}
	}
	if fs.Changed("spin") {
		for _, f := range strings.Split(*spins, ",") {
			f = strings.TrimSpace(f)
			if d, err := time.ParseDuration(f); err != nil || d <= 0 {
				return nil, usageErr("--spin=%s: want positive durations such as 1700ns, comma-separated", *spins)
			}
			ba.spins = append(ba.spins, f)
		}
	}
	if fs.Changed("http2debug") && (ba.h2debug < 1 || ba.h2debug > 2) {
		return nil, usageErr("--http2debug=%d: want 1 or 2", ba.h2debug)
	}

	gc, err := goflags.ParseGoCommand("test", goArgs)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	ba.dir = gc.Dir
	ba.patterns = gc.Patterns
	if len(ba.patterns) == 0 {
		ba.patterns = []string{"."}
	}
	runSet := map[string]bool{}
	args = gc.Args
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			continue // a pattern
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		name = strings.TrimPrefix(name, "test.")
		takesValue, isRun := testRunFlags[name]
		if !isRun {
			takesValue = buildValueFlags[name]
		}
		if !hasValue && takesValue {
			i++
			value = args[i] // ParseGoCommand checked it exists
		} else if !hasValue {
			value = "true"
		}
		switch name {
		case "c", "o", "json", "i", "exec", "fuzz", "list", "cover", "coverprofile", "coverpkg", "covermode":
			return nil, usageErr("go test flag -%s is not supported by gohttpdbg bench", name)
		}
		if !isRun {
			if takesValue {
				ba.build = append(ba.build, "-"+name+"="+value)
			} else {
				ba.build = append(ba.build, a)
			}
			continue
		}
		runSet[name] = true
		switch name {
		case "bench":
			ba.bench = value
		case "count":
			n, err := strconv.Atoi(value)
			if err != nil || n < 1 {
				return nil, usageErr("-count=%s: want a positive number of rounds", value)
			}
			ba.count = n
		default:
			ba.run = append(ba.run, "-test."+name+"="+value)
		}
	}
	if !runSet["run"] {
		ba.run = append(ba.run, "-test.run=^$")
	}
	if !runSet["timeout"] {
		ba.run = append(ba.run, "-test.timeout=10m")
	}
	if len(ba.levels) == 0 {
		return nil, usageErr("--levels: no level given")
	}
	return ba, nil
}

func parseLevels(s string) ([]int, error) {
	var out []int
	seen := map[int]bool{}
	for _, f := range strings.Split(s, ",") {
		l, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || l < 0 || l > 2 {
			return nil, fmt.Errorf("levels are 0, 1 or 2")
		}
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out, nil
}

// variant is one way of running a package's benchmarks.
type variant struct {
	name      string // plain, spin=D, http2debug=N, level1, level2, or probes
	plain     bool
	gohttpdbg string   // GOHTTPDBG for the run
	env       []string // more environment (plain variants)
	noStderr  bool     // the run's standard error goes to the null device
}

// variants derives the variants: plain, then the plain build's
// calibration variants (--spin, --http2debug), then the instrumented ones
// from --probes and --levels: with --levels, each level L gives
// GOHTTPDBG=all=L, or, when --probes names probes, all=0 and each named
// probe at L; without --levels, a given --probes is run as is.
func (ba *benchArgs) variants() []variant {
	vs := []variant{{name: "plain", plain: true}}
	for _, d := range ba.spins {
		vs = append(vs, variant{name: "spin=" + d, plain: true, env: []string{"GOHTTPDBG_BENCH_SPIN=" + d}})
	}
	if ba.h2debug > 0 {
		// Go's http2 logging reads GODEBUG once at start; keep the
		// caller's other settings.
		gd := "http2debug=" + strconv.Itoa(ba.h2debug)
		if old := os.Getenv("GODEBUG"); old != "" {
			gd = old + "," + gd
		}
		vs = append(vs, variant{name: "http2debug=" + strconv.Itoa(ba.h2debug), plain: true, env: []string{"GODEBUG=" + gd}, noStderr: true})
	}
	if ba.probes != "" && !ba.levelsSet {
		return append(vs, variant{name: "probes", gohttpdbg: ba.probes})
	}
	for _, l := range ba.levels {
		vs = append(vs, variant{name: "level" + strconv.Itoa(l), gohttpdbg: levelSpec(ba.probes, l)})
	}
	return vs
}

func isProbe(name string) bool {
	_, ok := probes.ProbeByName(name)
	return ok
}

func levelSpec(probes string, level int) string {
	lv := strconv.Itoa(level)
	var named, other []string
	all := false
	for _, item := range strings.Split(probes, ",") {
		k, _, _ := strings.Cut(strings.TrimSpace(item), "=")
		k = strings.ToLower(strings.TrimSpace(k))
		switch {
		case k == "":
		case k == "all":
			all = true
		case isProbe(k):
			named = append(named, k+"="+lv)
		default:
			other = append(other, strings.TrimSpace(item))
		}
	}
	spec := "all=" + lv
	if len(named) > 0 && !all {
		spec = strings.Join(append([]string{"all=0"}, named...), ",")
	}
	return strings.Join(append([]string{spec}, other...), ",")
}

// benchPkg is one package under test with its two test binaries.
type benchPkg struct {
	path, dir    string
	plain, instr string
	dropped      bool
}

func benchVerb(g *globals, args []string) int {
	ba, err := parseBenchArgs(g, args)
	if err != nil {
		fmt.Fprintf(g.stderr, "gohttpdbg bench: %v\n", strings.TrimPrefix(err.Error(), "usage: "))
		if errors.Is(err, errUsage) {
			fmt.Fprintf(g.stderr, "usage: gohttpdbg bench [--probes=SPEC] [--levels=1,2] [--spin=D,…] [--http2debug=N] [--json] [--out DIR] [go test flags] [packages]\n")
			return 2
		}
		return 1
	}
	work, err := os.MkdirTemp("", "gohttpdbg-bench-")
	if err != nil {
		fmt.Fprintf(g.stderr, "gohttpdbg bench: %v\n", err)
		return 1
	}
	defer os.RemoveAll(work)

	pkgs, code := benchPackages(g, ba)
	if code != 0 {
		return code
	}
	for i, p := range pkgs {
		if code := buildBenchPkg(g, ba, p, work, i); code != 0 {
			return code
		}
	}
	return runBench(g, ba, pkgs)
}

// benchPackages lists the packages the patterns match that have tests.
func benchPackages(g *globals, ba *benchArgs) ([]*benchPkg, int) {
	args := []string{"list"}
	if ba.dir != "" {
		args = append(args, "-C", ba.dir)
	}
	args = append(args, ba.build...)
	args = append(args, "-f", "{{.ImportPath}}\t{{.Dir}}\t{{len .TestGoFiles}}\t{{len .XTestGoFiles}}", "--")
	args = append(args, ba.patterns...)
	cmd := exec.Command("go", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		io.Copy(g.stderr, &stderr)
		fmt.Fprintf(g.stderr, "gohttpdbg bench: cannot list %s: %v\n", strings.Join(ba.patterns, " "), err)
		return nil, exitCode(err)
	}
	var pkgs []*benchPkg
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			continue
		}
		if f[2] == "0" && f[3] == "0" {
			fmt.Fprintf(g.stderr, "gohttpdbg bench: %s has no test files; skipped\n", f[0])
			continue
		}
		pkgs = append(pkgs, &benchPkg{path: f[0], dir: f[1]})
	}
	if len(pkgs) == 0 {
		fmt.Fprintf(g.stderr, "gohttpdbg bench: no benchmarks: no package matching %s has test files\n", strings.Join(ba.patterns, " "))
		return nil, 1
	}
	return pkgs, 0
}

// buildBenchPkg builds the plain and the instrumented test binary of p.
func buildBenchPkg(g *globals, ba *benchArgs, p *benchPkg, work string, i int) int {
	p.plain = filepath.Join(work, fmt.Sprintf("%d-plain.test", i))
	p.instr = filepath.Join(work, fmt.Sprintf("%d-instrumented.test", i))
	fmt.Fprintf(g.stderr, "gohttpdbg bench: building %s (plain and instrumented)\n", p.path)

	testArgs := func(out string) []string {
		return append(append([]string{"-c", "-o", out}, ba.build...), p.path)
	}
	plainArgs := []string{"test"}
	if ba.dir != "" {
		plainArgs = append(plainArgs, "-C", ba.dir)
	}
	plainArgs = append(plainArgs, testArgs(p.plain)...)
	if err := runGo(g, plainArgs, nil); err != nil {
		fmt.Fprintf(g.stderr, "gohttpdbg bench: %s: the test binary does not build (go test -c); fix the build first\n", p.path)
		return exitCode(err)
	}

	gcArgs := testArgs(p.instr)
	if ba.dir != "" {
		gcArgs = append([]string{"-C", ba.dir}, gcArgs...)
	}
	gc, err := goflags.ParseGoCommand("test", gcArgs)
	if err != nil {
		fmt.Fprintf(g.stderr, "gohttpdbg bench: %v\n", err)
		return 2
	}
	opt, err := options(g)
	if err != nil {
		fmt.Fprintf(g.stderr, "gohttpdbg bench: %v\n", err)
		return 1
	}
	opt.Probes = ba.probes
	plan, err := buildplan.Prepare(gc, opt)
	if err != nil {
		fmt.Fprintf(g.stderr, "gohttpdbg bench: %s: %v\n", p.path, err)
		return 1
	}
	if err := runGo(g, plan.Command(gc), plan.Env); err != nil {
		fmt.Fprintf(g.stderr, "gohttpdbg bench: %s: the instrumented test binary does not build, though the plain one does: a gohttpdbg bug, please report it with the output above\n", p.path)
		return exitCode(err)
	}
	return 0
}

func runGo(g *globals, args, env []string) error {
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = g.stderr, g.stderr
	if g.verbose {
		fmt.Fprintf(g.stderr, "gohttpdbg: %s go %s\n", strings.Join(env, " "), strings.Join(args, " "))
	}
	return cmd.Run()
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() > 0 {
		return ee.ExitCode()
	}
	return 1
}

// benchEnv is the environment of every run: the caller's, with the probes'
// output off and the breaker off unless the caller set them.
func benchEnv(environ []string, getenv func(string) string) []string {
	env := append([]string(nil), environ...)
	if getenv("GOHTTPDBG_OUT") == "" {
		env = append(env, "GOHTTPDBG_OUT=off")
	}
	if getenv("GOHTTPDBG_BREAKER") == "" {
		// A loopback benchmark at level 2 emits frame events faster than
		// the default budget: the breaker would drop the probe to level 1
		// within the first second and the run measure that instead.
		env = append(env, "GOHTTPDBG_BREAKER=0")
	}
	return env
}

// roundOrder is the order of n variants in round (from 1): as listed in
// odd rounds, reversed in even ones (ABC CBA ABC…), so that drift over a
// pair of rounds favours no variant.
func roundOrder(round, n int) []int {
	o := make([]int, n)
	for i := range o {
		if round%2 == 1 {
			o[i] = i
		} else {
			o[i] = n - 1 - i
		}
	}
	return o
}

// runBench runs every variant of every package once per round, -count
// rounds, then compares the variants.
func runBench(g *globals, ba *benchArgs, pkgs []*benchPkg) int {
	vs := ba.variants()
	results := make([]bytes.Buffer, len(vs))
	env := benchEnv(os.Environ(), os.Getenv)
	// A variant's discarded standard error goes straight to the device,
	// not through a pipe: writing the log is the variant's cost, copying
	// it would be this process's.
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		fmt.Fprintf(g.stderr, "gohttpdbg bench: %v\n", err)
		return 1
	}
	defer null.Close()
	progress := newProgress(g.stderr, ba.count*len(pkgs)*len(vs))
	code := func() int {
		for round := 1; round <= ba.count; round++ {
			live := 0
			for _, p := range pkgs {
				if p.dropped {
					continue
				}
				order := roundOrder(round, len(vs))
				for oi, vi := range order {
					v := vs[vi]
					bin := p.instr
					if v.plain {
						bin = p.plain
					}
					progress.update(round, ba.count, v.name, p.path)
					args := append([]string{"-test.bench=" + ba.bench, "-test.count=1"}, ba.run...)
					args = append(args, ba.binArgs...)
					cmd := exec.Command(bin, args...)
					cmd.Dir = p.dir
					cmd.Env = append(append(env, "GOHTTPDBG="+v.gohttpdbg), v.env...)
					var stdout, stderr bytes.Buffer
					cmd.Stdout, cmd.Stderr = &stdout, &stderr
					if v.noStderr {
						cmd.Stderr = null
					}
					err := cmd.Run()
					progress.finished()
					if err != nil {
						progress.clear()
						var before []variant // the variants that passed in this round
						for _, bi := range order[:oi] {
							before = append(before, vs[bi])
						}
						reportFailure(g.stderr, p.path, v, before, round, err, stdout.Bytes(), stderr.Bytes())
						return 1
					}
					if round == 1 && vi == 0 && countResults(stdout.Bytes()) == 0 {
						progress.clear()
						fmt.Fprintf(g.stderr, "gohttpdbg bench: %s: no benchmarks match -bench=%s (none ran, or all were skipped)\n", p.path, ba.bench)
						p.dropped = true
						progress.drop(ba.count*len(vs) - 1)
						break
					}
					results[vi].Write(stdout.Bytes())
				}
				if !p.dropped {
					live++
				}
			}
			if live == 0 {
				progress.clear()
				fmt.Fprintf(g.stderr, "gohttpdbg bench: no benchmarks to compare\n")
				return 1
			}
		}
		return 0
	}()
	progress.clear()
	if ba.out != "" {
		if err := writeRaw(ba.out, vs, results); err != nil {
			fmt.Fprintf(g.stderr, "gohttpdbg bench: --out: %v\n", err)
			if code == 0 {
				code = 1
			}
		} else {
			names := make([]string, len(vs))
			for i, v := range vs {
				names[i] = filepath.Join(ba.out, v.name+".txt")
			}
			fmt.Fprintf(g.stderr, "gohttpdbg bench: raw results kept: benchstat %s\n", strings.Join(names, " "))
		}
	}
	if code != 0 {
		return code
	}

	inputs := make([]benchcmp.Input, len(vs))
	for i, v := range vs {
		inputs[i] = benchcmp.Input{Name: v.name, Data: results[i].Bytes()}
	}
	rep, err := benchcmp.Compare(inputs, benchcmp.Options{})
	if err != nil {
		fmt.Fprintf(g.stderr, "gohttpdbg bench: %v\n", err)
		return 1
	}
	if ba.json {
		type jsonVariant struct {
			Name      string `json:"name"`
			GOHTTPDBG string `json:"GOHTTPDBG,omitempty"`
		}
		var jv []jsonVariant
		for _, v := range vs {
			jv = append(jv, jsonVariant{v.name, v.gohttpdbg})
		}
		var paths []string
		for _, p := range pkgs {
			if !p.dropped {
				paths = append(paths, p.path)
			}
		}
		out, err := json.MarshalIndent(struct {
			Packages   []string         `json:"packages"`
			Count      int              `json:"count"`
			Variants   []jsonVariant    `json:"variants"`
			Comparison *benchcmp.Report `json:"comparison"`
		}{paths, ba.count, jv, rep}, "", "  ")
		if err != nil {
			fmt.Fprintf(g.stderr, "gohttpdbg bench: %v\n", err)
			return 1
		}
		fmt.Fprintln(g.stdout, string(out))
		return 0
	}
	if err := rep.WriteText(g.stdout); err != nil {
		fmt.Fprintf(g.stderr, "gohttpdbg bench: %v\n", err)
		return 1
	}
	return 0
}

func countResults(data []byte) int {
	n := 0
	r := benchfmt.NewReader(bytes.NewReader(data), "")
	for r.Scan() {
		if _, ok := r.Result().(*benchfmt.Result); ok {
			n++
		}
	}
	return n
}

var failLine = regexp.MustCompile(`(?m)^\s*--- FAIL: (\S+)`)

// reportFailure says which benchmark failed in which variant, and whether
// it passed in the variants that ran before it in the same round (before).
func reportFailure(w io.Writer, pkg string, v variant, before []variant, round int, err error, stdout, stderr []byte) {
	what := "the test binary failed (" + err.Error() + ")"
	var names []string
	for _, m := range failLine.FindAllSubmatch(stdout, -1) {
		names = append(names, string(m[1]))
	}
	if len(names) > 0 {
		what = strings.Join(names, ", ") + " failed"
	}
	var passed []string
	for _, o := range before {
		passed = append(passed, o.name)
	}
	env := ""
	if !v.plain {
		env = " (GOHTTPDBG=" + v.gohttpdbg + ")"
	} else if len(v.env) > 0 {
		env = " (" + strings.Join(v.env, " ") + ")"
	}
	fmt.Fprintf(w, "gohttpdbg bench: %s: %s in %s%s, round %d", pkg, what, v.name, env, round)
	if len(passed) > 0 {
		fmt.Fprintf(w, ", but passed in %s", strings.Join(passed, ", "))
	}
	fmt.Fprintf(w, "\n--- output of the failing run:\n")
	out := append(append([]byte(nil), stdout...), stderr...)
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) > 40 {
		lines = append([]string{"[…]"}, lines[len(lines)-40:]...)
	}
	fmt.Fprintln(w, strings.Join(lines, "\n"))
	if v.plain && len(v.env) == 0 {
		fmt.Fprintf(w, "gohttpdbg bench: the benchmark fails without gohttpdbg; fix it first (go test -run='^$' -bench=… %s)\n", pkg)
	}
}

func writeRaw(dir string, vs []variant, results []bytes.Buffer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i, v := range vs {
		if err := os.WriteFile(filepath.Join(dir, v.name+".txt"), results[i].Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// progress keeps one status line on stderr: on a terminal it is rewritten
// in place, elsewhere (CI logs) each run gets its own line.
type progress struct {
	w           io.Writer
	tty         bool
	total, done int
	start       time.Time
	shown       bool
}

func newProgress(w io.Writer, total int) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progress{w: w, tty: tty, total: total, start: time.Now()}
}

func (p *progress) update(round, rounds int, variant, pkg string) {
	eta := "ETA ?"
	if p.done > 0 {
		per := time.Since(p.start) / time.Duration(p.done)
		eta = "ETA " + (per * time.Duration(p.total-p.done)).Round(time.Second).String()
	}
	line := fmt.Sprintf("gohttpdbg bench: round %d/%d %-8s %s  [%d/%d] %s", round, rounds, variant, pkg, p.done+1, p.total, eta)
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.shown = true
		return
	}
	fmt.Fprintln(p.w, line)
}

func (p *progress) finished() { p.done++ }

func (p *progress) drop(n int) { p.total -= n }

func (p *progress) clear() {
	if p.tty && p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}
