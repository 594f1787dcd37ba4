package godebugclass

import (
	"go/parser"
	"go/token"
	"os/exec"
	"strings"
	"testing"
)

// The classes of keys whose behaviour docs/DESIGN.md §3a measured on this machine.
func TestClassifyKnownKeys(t *testing.T) {
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	keys, err := Classify(strings.TrimSpace(string(goroot)))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, k := range keys {
		got[k.Name] = k.Class
	}
	for name, want := range map[string]string{
		"httplaxcontentlength": "dynamic",
		"urlmaxqueryparams":    "dynamic",
		"asynctimerchan":       "dynamic",
		"netdns":               "start-only",
		"httpmuxgo121":         "start-only",
		"gctrace":              "start-only",
	} {
		if got[name] != want {
			t.Errorf("%s: class %q, want %q", name, got[name], want)
		}
	}
}

func TestAdminSourceParses(t *testing.T) {
	src, err := AdminSource("go1.99.0", []Key{{"netdns", "net", "start-only"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parser.ParseFile(token.NewFileSet(), "x.go", src, 0); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), `godebugSource = "go1.99.0"`) {
		t.Errorf("source does not set godebugSource:\n%s", src)
	}
}
