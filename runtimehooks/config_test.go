package runtimehooks

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gohttpdbg/gohttpdbg/probes"
)

// TestChildProcess is the child of TestEnvConfig: it runs with the
// environment under test, which Start read during init.
func TestChildProcess(t *testing.T) {
	if os.Getenv("GOHTTPDBG_TEST_CHILD") != "1" {
		t.Skip("helper process")
	}
	st := CurrentStatus()
	fmt.Printf("config=%s\nout=%s\nadmin=%s\nerrors=%d\n", probes.CurrentConfig(), st.Out, st.Admin, len(st.Errors))
	fmt.Printf("redacted=%s\n", probes.RedactHeader("X-User", "alice@example.com"))
	e := probes.Event{Probe: probes.Body, Sev: probes.Warn, Name: "body.leak", Site: "child.go:1", Msg: "test"}
	probes.Emit(&e)
	os.Exit(0) // diagnostics are already written: nothing to flush
}

func TestEnvConfig(t *testing.T) {
	out := filepath.Join(t.TempDir(), "events.jsonl")
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildProcess$")
	cmd.Env = append(os.Environ(), "GOHTTPDBG_TEST_CHILD=1",
		"GOHTTPDBG=all=0,body=2,dial=1,slow.dns=5ms,nonsense=3",
		"GOHTTPDBG_OUT="+out,
		"GOHTTPDBG_REDACT=x-user:mask",
		"GOHTTPDBG_ADMIN=off")
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, b)
	}
	got := string(b)
	for _, want := range []string{"frame=0,header=0,body=2,dial=1,gc=0,admin=0,", "slow.dns=5ms", "out=" + out,
		"admin=off", "errors=1", "redacted=ali***om"} {
		if !strings.Contains(got, want) {
			t.Errorf("child output lacks %q:\n%s", want, got)
		}
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var ev struct{ Event, Site string }
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("bad NDJSON line %q: %v", sc.Text(), err)
		}
		names = append(names, ev.Event+"@"+ev.Site)
	}
	// admin.config is reported only when the admin probe is on; here the
	// file must hold the diagnostic, written before os.Exit.
	if !strings.Contains(strings.Join(names, " "), "body.leak@child.go:1") {
		t.Errorf("events in %s: %v", out, names)
	}
}

func TestBadAdminAndOut(t *testing.T) {
	var errs []string
	note := func(what string, err error) {
		if err != nil {
			errs = append(errs, what)
		}
	}
	for in, want := range map[string]string{"": "on", "ro": "ro", "off": "off", "/tmp/x.sock": "/tmp/x.sock", "bogus": "on"} {
		if got := parseAdmin(in, note); got != want {
			t.Errorf("parseAdmin(%q) = %q, want %q", in, got, want)
		}
	}
	if len(errs) != 1 {
		t.Errorf("errors %v, want one for bogus", errs)
	}
}

// setBuild is how the generated build file hands over its values; Start
// reads buildProbes and buildStamp.
func TestSetBuild(t *testing.T) {
	p, s := buildProbes, buildStamp
	t.Cleanup(func() { buildProbes, buildStamp = p, s })
	if !setBuild("body=2", "stamp", "", "") || buildProbes != "body=2" || buildStamp != "stamp" {
		t.Errorf("setBuild: buildProbes %q, buildStamp %q", buildProbes, buildStamp)
	}
}
