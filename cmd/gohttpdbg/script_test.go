package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "rewrite the scripts' cmp files with what the commands printed")

// binDir holds a gohttpdbg binary built from this tree: the scripts run the
// real executable, exactly as a user would, because the binary also serves
// as its own -toolexec program.
var binDir string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "gohttpdbg-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "gohttpdbg"), ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building gohttpdbg: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// goEnvVars are passed from the test's environment to the scripts so that
// the go command finds its caches and the module proxy.
var goEnvVars = []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOPROXY", "GOFLAGS", "GONOSUMDB", "GOSUMDB", "GOTOOLCHAIN", "CGO_ENABLED", "CC"}

func TestScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end scripts build real programs")
	}
	goenv := map[string]string{}
	for _, k := range goEnvVars {
		out, err := exec.Command("go", "env", k).Output()
		if err == nil {
			goenv[k] = strings.TrimSpace(string(out))
		}
	}
	repo, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(os.TempDir(), "gohttpdbg-script-cache")
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", binDir+string(os.PathListSeparator)+env.Getenv("PATH"))
			for k, v := range goenv {
				if v != "" {
					env.Setenv(k, v)
				}
			}
			env.Setenv("HOME", env.Getenv("WORK")+"/home")
			env.Setenv("GOHTTPDBG_CACHE", cache)
			env.Setenv("REPO", repo)
			// npm (journal.txtar fetches the HAR schema) trusts the CAs the
			// machine adds for node.
			if v := os.Getenv("NODE_EXTRA_CA_CERTS"); v != "" {
				env.Setenv("NODE_EXTRA_CA_CERTS", v)
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"treehash":     cmdTreehash,
			"cmpframes":    cmdCmpFrames,
			"jsonl":        cmdJSONL,
			"jsondistinct": cmdJSONDistinct,
			"jsonsame":     cmdJSONSame,
			"waitfile":     cmdWaitFile,
			"h2shapes":     cmdH2Shapes,
			"cmptests":     cmdCmpTests,
		},
	})
}

// treehash DIR NAME: record (first use) or compare (later uses) a hash of
// every file under DIR, names and contents, so a script can prove that a
// build left the user's tree byte-identical.
func cmdTreehash(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: treehash DIR NAME")
	}
	root := ts.MkAbs(args[0])
	h := sha256.New()
	var names []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	ts.Check(err)
	sort.Strings(names)
	for _, n := range names {
		data, err := os.ReadFile(n)
		ts.Check(err)
		fmt.Fprintf(h, "%s %d\n", strings.TrimPrefix(n, root), len(data))
		h.Write(data)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	key := "TREEHASH_" + args[1]
	if prev := ts.Getenv(key); prev != "" {
		if (prev == sum) == neg {
			ts.Fatalf("tree %s: hash %s, recorded %s (files: %d)", args[0], sum[:12], prev[:12], len(names))
		}
		return
	}
	ts.Setenv(key, sum)
}

// waitfile FILE REGEXP: wait until FILE exists and matches REGEXP, for a
// file a background program writes (a key log). It gives up after 60s: a
// wait, not a timing assertion.
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitfile FILE REGEXP")
	}
	re, err := regexp.Compile(args[1])
	ts.Check(err)
	path := ts.MkAbs(args[0])
	for end := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if data, err := os.ReadFile(path); err == nil && re.Match(data) {
			return
		}
		if time.Now().After(end) {
			ts.Fatalf("%s: no match for %q after 60s", args[0], args[1])
		}
	}
}

var frameRE = regexp.MustCompile(`[^\s]+\.go:\d+`)

// cmpframes A B [KEEP]: the file:line references in two outputs (panics,
// runtime.Caller) are the same, in the same order; addresses, goroutine
// ids and pointer values may differ. With KEEP (a regexp), only the
// references it matches are compared: the instrumented program runs more
// goroutines (probes), which a traceback of all goroutines shows.
func cmdCmpFrames(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 && len(args) != 3 {
		ts.Fatalf("usage: cmpframes FILE1 FILE2 [KEEP]")
	}
	keep := regexp.MustCompile(".")
	if len(args) == 3 {
		keep = regexp.MustCompile(args[2])
	}
	filter := func(refs []string) []string {
		var out []string
		for _, r := range refs {
			if keep.MatchString(r) {
				out = append(out, r)
			}
		}
		return out
	}
	a := filter(frameRE.FindAllString(ts.ReadFile(args[0]), -1))
	b := filter(frameRE.FindAllString(ts.ReadFile(args[1]), -1))
	if len(a) == 0 {
		ts.Fatalf("%s has no file:line reference", args[0])
	}
	same := strings.Join(a, "\n") == strings.Join(b, "\n")
	if same == neg {
		ts.Fatalf("file:line references differ:\n%s:\n%s\n%s:\n%s", args[0], strings.Join(a, "\n"), args[1], strings.Join(b, "\n"))
	}
}

// jsonl FILE EVENT [KEY=VALUE...]: FILE (NDJSON events) has a line whose
// "event" is EVENT and whose top-level or attrs fields match each KEY=VALUE
// (VALUE is a regexp).
func cmdJSONL(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: jsonl FILE EVENT [KEY=REGEXP...]")
	}
	f, err := os.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	found := false
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() && !found {
		found = eventMatches(sc.Text(), args[1], args[2:])
	}
	if found == neg {
		ts.Fatalf("%s: event %s %v: found=%v", args[0], args[1], args[2:], found)
	}
}

// jsonsame FILE KEY EVENT...: FILE has each EVENT at least once, and all
// of them have one and the same KEY field, not empty: e.g. a connection's
// id as two reports that get it from different places give it.
func cmdJSONSame(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: jsonsame FILE KEY EVENT...")
	}
	lines := strings.Split(ts.ReadFile(args[0]), "\n")
	var first string
	for _, event := range args[2:] {
		n := 0
		for _, line := range lines {
			if !eventMatches(line, event, nil) {
				continue
			}
			n++
			v := eventField(line, args[1])
			if first == "" {
				first = v
			}
			if v == "" || v != first {
				ts.Fatalf("%s: %s %s=%q, want %q as every %v event has\n%s", args[0], event, args[1], v, first, args[2:], line)
			}
		}
		if n == 0 {
			ts.Fatalf("%s: no %s event", args[0], event)
		}
	}
}

// jsondistinct FILE EVENT KEY N: FILE has exactly N events called EVENT,
// and their KEY fields (top-level or attrs) are N different values: each
// event names a different request, connection...
func cmdJSONDistinct(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 4 {
		ts.Fatalf("usage: jsondistinct FILE EVENT KEY N")
	}
	want, err := strconv.Atoi(args[3])
	ts.Check(err)
	n, seen := 0, map[string]bool{}
	for _, line := range strings.Split(ts.ReadFile(args[0]), "\n") {
		if !eventMatches(line, args[1], nil) {
			continue
		}
		n++
		seen[eventField(line, args[2])] = true
	}
	if n != want || len(seen) != want {
		ts.Fatalf("%s: %d %s events with %d different %s, want %d and %d", args[0], n, args[1], len(seen), args[2], want, want)
	}
}

// h2shapes PLAIN,… INSTR,…: every line shape that each of the PLAIN
// outputs (comma-separated files; GODEBUG=http2debug output of a plain
// build) prints is printed by at least one of the INSTR outputs. Shapes
// (h2Shape) leave out what differs between runs: addresses, numbers,
// values, the text of a read error. Taking the shapes every plain run
// shows and any instrumented run's keeps out those that depend on timing
// (a SETTINGS ACK read or not before the connection closes).
func cmdH2Shapes(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: h2shapes PLAIN,... INSTR,...")
	}
	shapes := func(file string) map[string]bool {
		m := map[string]bool{}
		for _, line := range strings.Split(ts.ReadFile(file), "\n") {
			if sh := h2Shape(line); sh != "" {
				m[sh] = true
			}
		}
		return m
	}
	var plain map[string]bool
	for _, f := range strings.Split(args[0], ",") {
		m := shapes(f)
		if plain == nil {
			plain = m
			continue
		}
		for sh := range plain {
			if !m[sh] {
				delete(plain, sh)
			}
		}
	}
	instr := map[string]bool{}
	for _, f := range strings.Split(args[1], ",") {
		for sh := range shapes(f) {
			instr[sh] = true
		}
	}
	if len(plain) == 0 {
		ts.Fatalf("%s: no http2debug line", args[0])
	}
	var missing []string
	for sh := range plain {
		if !instr[sh] {
			missing = append(missing, sh)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		ts.Fatalf("%d of %d line shapes the plain build prints are missing:\n%s", len(missing), len(plain), strings.Join(missing, "\n"))
	}
	ts.Logf("%d line shapes, all printed", len(plain))
}

var (
	h2LogPrefix = regexp.MustCompile(`^.*?(http2: )`)
	h2Quoted    = regexp.MustCompile(`(= |data=)"(?:[^"\\]|\\.)*"`)
	h2ConnErr   = regexp.MustCompile(`(error on conn 0x_): .*`)
	h2Hex       = regexp.MustCompile(`0x[0-9a-f]+`)
	h2Digits    = regexp.MustCompile(`[0-9]+`)
)

// h2Shape returns the shape of one http2debug line ("" for another line):
// from "http2: " on, addresses, quoted values, a read error's text and
// numbers replaced.
func h2Shape(line string) string {
	m := h2LogPrefix.FindStringSubmatchIndex(line)
	if m == nil {
		return ""
	}
	s := line[m[2]:]
	s = h2Quoted.ReplaceAllString(s, `$1"_"`)
	s = h2Hex.ReplaceAllString(s, "0x_")
	s = h2ConnErr.ReplaceAllString(s, "$1: _")
	return h2Digits.ReplaceAllString(s, "N")
}

var testResultRE = regexp.MustCompile(`(?m)^(ok|FAIL|\?|--- FAIL:)\s+(\S+)`)

// cmptests A B: two go test outputs give the same result per package (ok,
// FAIL, no test files) and fail the same tests, in the same order; the
// timings and anything else printed may differ. A has at least one
// result.
func cmdCmpTests(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: cmptests FILE1 FILE2")
	}
	results := func(file string) string {
		var out []string
		for _, m := range testResultRE.FindAllStringSubmatch(ts.ReadFile(file), -1) {
			out = append(out, m[1]+" "+m[2])
		}
		return strings.Join(out, "\n")
	}
	a, b := results(args[0]), results(args[1])
	if a == "" {
		ts.Fatalf("%s has no test result", args[0])
	}
	if (a == b) == neg {
		ts.Fatalf("test results differ:\n%s:\n%s\n%s:\n%s", args[0], a, args[1], b)
	}
}
