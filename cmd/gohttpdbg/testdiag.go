package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// diagDirEnv is runtimehooks.DiagDirEnv (the CLI does not link the
// runtime, whose init would start an admin socket): under `gohttpdbg test`
// each instrumented test binary appends its diagnostics to a file of its
// own in that directory, because go test shows a passing package's output
// only with -v.
const diagDirEnv = "GOHTTPDBG_DIAG_DIR"

// maxDiagKinds is how many kinds of diagnostic (event and site) a
// package's summary line names before "+N more".
const maxDiagKinds = 4

// summarizeDiagnostics prints, after go test, one line per package whose
// test binary reported diagnostics: how many, and which events at which
// sites, most frequent first. It prints nothing when there were none.
func summarizeDiagnostics(w io.Writer, dir string) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	type kind struct{ event, site string }
	counts := map[string]map[kind]int{} // package → kind → count
	for _, f := range files {
		fd, err := os.Open(f)
		if err != nil {
			continue
		}
		pkg := "pid " + strings.TrimSuffix(filepath.Base(f), ".jsonl")
		sc := bufio.NewScanner(fd)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			var line struct {
				Program string `json:"gohttpdbg_diagnostics"`
				Event   string `json:"event"`
				Site    string `json:"site"`
			}
			if json.Unmarshal(sc.Bytes(), &line) != nil {
				continue
			}
			if line.Program != "" {
				pkg = strings.TrimSuffix(line.Program, ".test")
				continue
			}
			if line.Event == "" {
				continue
			}
			if counts[pkg] == nil {
				counts[pkg] = map[kind]int{}
			}
			counts[pkg][kind{line.Event, line.Site}]++
		}
		fd.Close()
	}
	if len(counts) == 0 {
		return
	}
	pkgs := make([]string, 0, len(counts))
	for p := range counts {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	for _, p := range pkgs {
		kinds := make([]kind, 0, len(counts[p]))
		total := 0
		for k, n := range counts[p] {
			kinds = append(kinds, k)
			total += n
		}
		sort.Slice(kinds, func(i, j int) bool {
			a, b := kinds[i], kinds[j]
			if na, nb := counts[p][a], counts[p][b]; na != nb {
				return na > nb
			}
			if a.event != b.event {
				return a.event < b.event
			}
			return a.site < b.site
		})
		var parts []string
		for i, k := range kinds {
			if i == maxDiagKinds {
				parts = append(parts, fmt.Sprintf("+%d more", len(kinds)-i))
				break
			}
			s := k.event
			if n := counts[p][k]; n > 1 {
				s += " ×" + strconv.Itoa(n)
			}
			if k.site != "" {
				s += " at " + k.site
			}
			parts = append(parts, s)
		}
		noun := "diagnostics"
		if total == 1 {
			noun = "diagnostic"
		}
		fmt.Fprintf(w, "gohttpdbg: %s: %d %s (%s)\n", p, total, noun, strings.Join(parts, ", "))
	}
	fmt.Fprintln(w, "gohttpdbg: go test shows a passing package's output only with -v: go test -v shows them in full, GOHTTPDBG_OUT=FILE.jsonl keeps them")
}
