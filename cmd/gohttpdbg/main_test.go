package main

import (
	"bytes"
	"strings"
	"testing"
)

// runCLI runs the command line in-process and returns its exit status
// and outputs.
func runCLI(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

// TestUnknownFlagIsNamed: a flag gohttpdbg (or one of its commands) does
// not know is named, with the usage, and exit status 2, as the go command
// does; a go flag given before the command says where it belongs.
func TestUnknownFlagIsNamed(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--bogus", "build", "."}, []string{"gohttpdbg: unknown flag: --bogus", "usage: gohttpdbg [gohttpdbg flags] <command>", "--probes"}},
		{[]string{"--probez=1", "version"}, []string{"unknown flag: --probez", "usage: gohttpdbg"}},
		{[]string{"-x", "build", "."}, []string{"-x", "go flags go after the command: gohttpdbg build -x .", "usage: gohttpdbg"}},
		{[]string{"ps", "--bogus"}, []string{"gohttpdbg ps: unknown flag: --bogus", "usage: gohttpdbg ps [--json]", "Run 'gohttpdbg help ps'"}},
		{[]string{"tail", "--bogus", "1"}, []string{"gohttpdbg tail: unknown flag: --bogus", "usage: gohttpdbg tail PID"}},
		{[]string{"ctl", "--bogus", "1", "status"}, []string{"gohttpdbg ctl: unknown flag: --bogus", "usage: gohttpdbg ctl PID"}},
	} {
		code, _, stderr := runCLI(tc.args...)
		if code != 2 {
			t.Errorf("%q: exit %d, want 2", tc.args, code)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%q: stderr lacks %q:\n%s", tc.args, w, stderr)
			}
		}
	}
}

// TestHelpLinesComplete: 'gohttpdbg help' shows one whole sentence per
// command, never the first line of a longer text cut off mid-sentence,
// and 'gohttpdbg help VERB' shows the rest.
func TestHelpLinesComplete(t *testing.T) {
	code, stdout, _ := runCLI("help")
	if code != 0 {
		t.Fatalf("help: exit %d", code)
	}
	lines := strings.Split(stdout, "\n")
	for _, v := range verbs {
		if strings.Contains(v.short, "\n") || !strings.HasSuffix(v.short, ".") {
			t.Errorf("%s: short %q is not one sentence on one line", v.name, v.short)
		}
		found := false
		for _, l := range lines {
			if f := strings.Fields(l); len(f) > 1 && f[0] == v.name && strings.HasPrefix(l, "  ") {
				found = true
				if !strings.HasSuffix(l, ".") {
					t.Errorf("help line of %s is cut: %q", v.name, l)
				}
			}
		}
		if !found {
			t.Errorf("help lists no line for %s", v.name)
		}
		code, out, _ := runCLI("help", v.name)
		if code != 0 || !strings.Contains(out, "usage: gohttpdbg [gohttpdbg flags] "+v.usage) || !strings.Contains(out, v.short) {
			t.Errorf("help %s: exit %d:\n%s", v.name, code, out)
		}
		if v.long != "" && !strings.Contains(out, v.long) {
			t.Errorf("help %s does not show the long help:\n%s", v.name, out)
		}
	}
}

// TestBadProbesRefusedAtBuild: --probes is checked when the build is
// asked for, not warned about at every start of the program it built.
// Nothing is built: the refusal comes before the go command runs.
func TestBadProbesRefusedAtBuild(t *testing.T) {
	for _, args := range [][]string{
		{"--probes=bogus=7,body=9", "build", "./nonexistent"},
		{"--probes=bogus=7,body=9", "test", "./nonexistent"},
		{"--probes=bogus=7,body=9", "overlay", "./nonexistent"},
		{"bench", "--probes=bogus=7,body=9", "./nonexistent"},
	} {
		code, _, stderr := runCLI(args...)
		if code != 2 {
			t.Errorf("%q: exit %d, want 2:\n%s", args, code, stderr)
		}
		for _, w := range []string{`"bogus=7"`, `"body=9"`, "level must be 0, 1 or 2", "frame, header, body, dial, gc, admin"} {
			if !strings.Contains(stderr, w) {
				t.Errorf("%q: stderr lacks %q:\n%s", args, w, stderr)
			}
		}
		if strings.Contains(stderr, "nonexistent") {
			t.Errorf("%q: the build went ahead:\n%s", args, stderr)
		}
	}
	// A good spec is taken.
	if code, _, stderr := runCLI("--probes=all=0,body=2,slow.ttfb=2s", "help"); code != 0 || stderr != "" {
		t.Errorf("good --probes: exit %d:\n%s", code, stderr)
	}
}

// TestUIListensOnLoopbackOnly: the page changes probes of the user's
// processes; --addr is refused before anything listens when other hosts
// could reach it.
func TestUIListensOnLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.0.2.1:0", "example.com:0"} {
		code, stdout, stderr := runCLI("ui", "--addr", addr)
		if code != 2 || !strings.Contains(stderr, "loopback only") || stdout != "" {
			t.Errorf("ui --addr %s: exit %d, want 2 and the reason:\n%s%s", addr, code, stdout, stderr)
		}
	}
	if code, _, stderr := runCLI("ui", "a", "b"); code != 2 || !strings.Contains(stderr, "usage: gohttpdbg ui") {
		t.Errorf("ui a b: exit %d:\n%s", code, stderr)
	}
}
