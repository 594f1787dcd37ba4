// Command buildtime measures how long an instrumented build takes against
// a plain one: `gohttpdbg build` vs `go build` of a small module (one main
// package with net/http call sites) and of a generated medium module (30
// packages, a third of them with net/http call sites), each
//
//   - cold: empty build caches (GOCACHE and gohttpdbg's): std is compiled
//     too (-cold-runs times, default once: minutes on a small machine);
//   - first: the module's packages not in the build cache, std already
//     compiled (a fresh GOCACHE copied from a template that has std, and a
//     fresh gohttpdbg cache), as on a developer machine that has built
//     other Go programs before;
//   - warm: the same build again, nothing changed;
//   - edit: after a one-line change in a file that has net/http call sites;
//   - prepare (instrumented only, after warm): `gohttpdbg overlay` run a
//     second time, i.e. what the wrapper itself costs before the go command
//     runs on a no-change rebuild (the plan of the unchanged sources
//     reused: go env, go list, hashing).
//
// Plain and instrumented builds alternate; each figure is repeated -runs
// times. The results are printed in the benchmark format (one file per
// variant with -out, for benchstat) and compared with package benchcmp,
// followed by the ratios against the goals of docs/BENCHMARKS.md.
//
//	go run ./bench/buildtime -runs=3 -out=/tmp/buildtime
//
// Compiling std into the template takes minutes on a small machine and is
// not measured; -template=DIR keeps it for the next invocation.
//
// It needs no network: the modules are std-only and the runtime comes from
// the gohttpdbg binary built from this tree.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/gohttpdbg/gohttpdbg/internal/benchcmp"
)

var (
	runs     = flag.Int("runs", 3, "repetitions of each measurement")
	out      = flag.String("out", "", "keep the raw results in `dir` (plain.txt, instrumented.txt)")
	keep     = flag.Bool("keep", false, "keep the generated modules and caches")
	medium   = flag.Int("medium", 30, "number of packages in the medium module")
	coldRuns = flag.Int("cold-runs", 1, "repetitions of the empty-cache build (minutes each on a small machine)")
	tmplF    = flag.String("template", "", "reuse (or create) the std template cache in `dir` instead of a temporary one")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "buildtime:", err)
		os.Exit(1)
	}
}

// variant is one way of building: the go command or gohttpdbg.
type variant struct {
	name string
	argv func(out string) []string
}

func run() error {
	work, err := os.MkdirTemp("", "gohttpdbg-buildtime-")
	if err != nil {
		return err
	}
	if *keep {
		fmt.Fprintln(os.Stderr, "buildtime: work dir", work)
	} else {
		defer os.RemoveAll(work)
	}
	tool := filepath.Join(work, "gohttpdbg")
	if err := sh("", nil, "go", "build", "-o", tool, "github.com/gohttpdbg/gohttpdbg/cmd/gohttpdbg"); err != nil {
		return err
	}
	mods := map[string]string{
		"small":  filepath.Join(work, "small"),
		"medium": filepath.Join(work, "medium"),
	}
	if err := writeSmall(mods["small"]); err != nil {
		return err
	}
	if err := writeMedium(mods["medium"], *medium); err != nil {
		return err
	}

	// The std template cache: every std package either module or the
	// injected runtime needs, compiled once, plainly.
	tmpl := filepath.Join(work, "gocache-template")
	if *tmplF != "" {
		if tmpl, err = filepath.Abs(*tmplF); err != nil {
			return err
		}
	}
	var std []string
	for _, dir := range mods {
		pkgs, err := output(dir, []string{"GOCACHE=" + tmpl}, "go", "list", "-deps", "-f", "{{if .Standard}}{{.ImportPath}}{{end}}", "./...")
		if err != nil {
			return err
		}
		std = append(std, strings.Fields(pkgs)...)
	}
	rt, err := output("", nil, "go", "list", "-deps", "-f", "{{if .Standard}}{{.ImportPath}}{{end}}", "github.com/gohttpdbg/gohttpdbg/runtimehooks", "github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt/...")
	if err != nil {
		return err
	}
	std = append(std, strings.Fields(rt)...)
	fmt.Fprintf(os.Stderr, "buildtime: compiling %d std packages into the template cache\n", len(uniq(std)))
	if err := sh("", []string{"GOCACHE=" + tmpl}, "go", append([]string{"build"}, uniq(std)...)...); err != nil {
		return err
	}

	variants := []variant{
		{"plain", func(o string) []string { return []string{"go", "build", "-o", o, "."} }},
		{"instrumented", func(o string) []string { return []string{tool, "build", "-o", o, "."} }},
	}
	results := make([]bytes.Buffer, len(variants))
	for i := range results {
		fmt.Fprintf(&results[i], "goos: %s\ngoarch: %s\npkg: github.com/gohttpdbg/gohttpdbg/bench/buildtime\n", runtime.GOOS, runtime.GOARCH)
		if cpu := cpuModel(); cpu != "" {
			fmt.Fprintf(&results[i], "cpu: %s\n", cpu)
		}
	}
	medians := map[string][]time.Duration{}
	for _, modName := range []string{"small", "medium"} {
		dir := mods[modName]
		for r := 0; r < *runs; r++ {
			for vi, v := range variants {
				record := func(kind string, d time.Duration) {
					name := fmt.Sprintf("Build/%s/%s", modName, kind)
					if kind != "prepare" { // instrumented only: in the goals summary, not the comparison
						fmt.Fprintf(&results[vi], "Benchmark%s 1 %d ns/op\n", name, d.Nanoseconds())
					}
					medians[name+" "+v.name] = append(medians[name+" "+v.name], d)
					fmt.Fprintf(os.Stderr, "buildtime: run %d/%d %-6s %-7s %-12s %v\n", r+1, *runs, modName, kind, v.name, d.Round(time.Millisecond))
				}
				build := func(env []string, argv []string) (time.Duration, error) {
					start := time.Now()
					err := sh(dir, env, argv[0], argv[1:]...)
					return time.Since(start), err
				}
				bin := filepath.Join(work, "bin-"+v.name)
				if r < *coldRuns {
					// Empty caches: std is compiled too.
					os.Remove(bin)
					tag := fmt.Sprintf("%s-%s-%d-empty", modName, v.name, r)
					env := []string{"GOCACHE=" + filepath.Join(work, "gocache-"+tag), "GOHTTPDBG_CACHE=" + filepath.Join(work, "gohttpdbg-cache-"+tag)}
					d, err := build(env, v.argv(bin))
					if err != nil {
						return err
					}
					record("cold", d)
					if !*keep {
						os.RemoveAll(filepath.Join(work, "gocache-"+tag))
					}
				}
				tag := fmt.Sprintf("%s-%s-%d", modName, v.name, r)
				cache := filepath.Join(work, "gocache-"+tag)
				if err := sh("", nil, "cp", "-a", tmpl, cache); err != nil {
					return err
				}
				env := []string{"GOCACHE=" + cache, "GOHTTPDBG_CACHE=" + filepath.Join(work, "gohttpdbg-cache-"+tag)}
				for _, kind := range []string{"first", "warm", "edit"} {
					if kind == "first" {
						// An up-to-date binary at -o would let the go
						// command skip the whole build.
						os.Remove(bin)
					}
					if kind == "edit" {
						if err := editLine(dir, modName, *medium, r); err != nil {
							return err
						}
					}
					d, err := build(env, v.argv(bin))
					if err != nil {
						return err
					}
					record(kind, d)
					if kind == "warm" && v.name == "instrumented" {
						// What the wrapper adds before the go command runs
						// on a no-change rebuild (no go build): the first
						// overlay of these sources loads, rewrites and
						// writes the plan (untimed); the second finds it.
						if _, err := build(env, []string{tool, "overlay", "."}); err != nil {
							return err
						}
						d, err := build(env, []string{tool, "overlay", "."})
						if err != nil {
							return err
						}
						record("prepare", d)
					}
				}
				// Undo the edit so every run starts from the same source.
				if err := editLine(dir, modName, *medium, -1); err != nil {
					return err
				}
				if !*keep {
					os.RemoveAll(cache)
				}
			}
		}
	}

	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
		for i, v := range variants {
			if err := os.WriteFile(filepath.Join(*out, v.name+".txt"), results[i].Bytes(), 0o644); err != nil {
				return err
			}
		}
	}
	inputs := make([]benchcmp.Input, len(variants))
	for i, v := range variants {
		inputs[i] = benchcmp.Input{Name: v.name, Data: results[i].Bytes()}
	}
	rep, err := benchcmp.Compare(inputs, benchcmp.Options{})
	if err != nil {
		return err
	}
	if err := rep.WriteText(os.Stdout); err != nil {
		return err
	}

	fmt.Printf("\nmedians of %d runs, against the goals:\n", *runs)
	for _, modName := range []string{"small", "medium"} {
		for _, kind := range []string{"cold", "first", "warm", "edit"} {
			name := fmt.Sprintf("Build/%s/%s", modName, kind)
			if len(medians[name+" plain"]) == 0 {
				continue
			}
			p, i := median(medians[name+" plain"]), median(medians[name+" instrumented"])
			ratio := i.Seconds() / p.Seconds()
			var goal string
			var ok bool
			switch kind {
			case "cold":
				goal, ok = "≤ 1.3× plain", ratio <= 1.3
			case "first":
				goal, ok = "none (std cached, module not)", true
			case "warm":
				goal, ok = "≤ plain + 0.2 s", i-p <= 200*time.Millisecond
			case "edit":
				goal, ok = "≤ 3× plain", ratio <= 3
			}
			verdict := "met"
			switch {
			case kind == "first":
				verdict = "-"
			case !ok:
				verdict = "NOT met"
			}
			fmt.Printf("%-20s plain %7.3fs  instrumented %7.3fs  %5.2f×  %+.3fs  goal %s: %s\n",
				name, p.Seconds(), i.Seconds(), ratio, (i - p).Seconds(), goal, verdict)
			if kind == "warm" {
				fmt.Printf("%-20s of which gohttpdbg's own work (gohttpdbg overlay, plan reused): %.3fs\n", "", median(medians[fmt.Sprintf("Build/%s/prepare instrumented", modName)]).Seconds())
			}
		}
	}
	return nil
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func uniq(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func sh(dir string, env []string, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, buf.String())
	}
	return nil
}

func output(dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return string(b), nil
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
