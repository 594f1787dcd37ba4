package runtimehooks

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
)

// /v1/status's config has named fields: levels by probe name, durations in
// Go syntax, the build stamp as its JSON object (no markers).
func TestStatusJSON(t *testing.T) {
	cfg := probes.DefaultConfig()
	cfg.Levels[probes.Frame] = 2
	st := Status{Build: "gohttpdbg:" + `stamp={"tool":"v1","go":"go1.26.8","probes":"all=1","std_patch":["net/http"],"note":"x"}` + "#" + "end",
		Default: "all=1", Config: cfg, Out: "stderr", Admin: "on", Started: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	build, _ := m["build"].(map[string]any)
	start, _ := m["start"].(map[string]any)
	levels, _ := start["levels"].(map[string]any)
	if build["tool"] != "v1" || build["go"] != "go1.26.8" || strings.Contains(string(b), "#"+"end") {
		t.Errorf("build: %s", b)
	}
	if levels["frame"] != 2.0 || levels["body"] != 1.0 || len(levels) != int(probes.NumProbes) {
		t.Errorf("levels: %v", start["levels"])
	}
	if start["slow_dns"] != "100ms" || start["slow_ttfb"] != "1s" || start["gc_delay"] != "1ms" || start["ring"] != 4096.0 {
		t.Errorf("thresholds: %v", start)
	}
	if m["build_probes"] != "all=1" || m["started"] != "2026-11-27T10:00:00Z" || m["errors"] == nil {
		t.Errorf("status: %s", b)
	}
	// A build gohttpdbg did not make has no stamp: null.
	if b, _ := json.Marshal(Status{}); !strings.Contains(string(b), `"build":null`) {
		t.Errorf("no stamp: %s", b)
	}
}
