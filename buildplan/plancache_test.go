package buildplan

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// A stored plan is reused only while every file it names is in the cache:
// a cache cleaned by hand, or in part, sends the build the long way.
func TestLoadPlanNeedsItsFiles(t *testing.T) {
	cache := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(cache, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rewritten := write("main.go", "package main")
	ov, _ := json.Marshal(struct{ Replace map[string]string }{map[string]string{"/src/main.go": rewritten}})
	overlay := write("overlay.json", string(ov))
	modfile := write("go.mod", "module m")
	script := write("toolexec", "#!/bin/sh")
	state := write("state.json", "{}")
	work := write("go.work", "go 1.26")
	plan := &Plan{Flags: []string{"-overlay=" + overlay, "-modfile=" + modfile, "-toolexec=" + script},
		Env: []string{"GOWORK=" + work}, Rewritten: []string{"/src/main.go"}}
	const key = "0123456789abcdef"
	var warned []string
	warn := func(s string) { warned = append(warned, s) }

	storePlan(cache, key, plan, []string{"a warning"}, []string{state})
	got := loadPlan(cache, key, warn)
	if got == nil || !got.Cached || len(got.Rewritten) != 1 || len(warned) != 1 || warned[0] != "a warning" {
		t.Fatalf("stored plan not reused as it was: %+v, warnings %q", got, warned)
	}
	for _, gone := range []string{rewritten, overlay, modfile, script, state, work} {
		data, _ := os.ReadFile(gone)
		os.Remove(gone)
		if loadPlan(cache, key, warn) != nil {
			t.Errorf("plan reused without %s", filepath.Base(gone))
		}
		os.WriteFile(gone, data, 0o644)
	}
	if loadPlan(cache, "fedcba9876543210", warn) != nil {
		t.Error("a plan found under another key")
	}
}
