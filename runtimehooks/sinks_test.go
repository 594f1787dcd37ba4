package runtimehooks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// GOHTTPDBG_OUT with several sinks: each item is opened; a bad item fails
// the whole value (start then falls back to stderr and reports it).
func TestOpenSinks(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.log")
	s, err := openSinks(a + "," + b)
	if err != nil || s == nil {
		t.Fatalf("openSinks(two files) = %v, %v", s, err)
	}
	for _, p := range []string{a, b} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s not opened: %v", p, err)
		}
	}
	if s, err := openSinks("off"); s != nil || err != nil {
		t.Errorf(`openSinks("off") = %v, %v; want no sink`, s, err)
	}
	for _, bad := range []string{"off,stderr", "stderr,", "stderr," + filepath.Join(dir, "nodir", "x.log")} {
		if _, err := openSinks(bad); err == nil {
			t.Errorf("openSinks(%q): no error", bad)
		}
	}
	// A bad OTLP variable fails the otlp item, with the variable named.
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
	if _, err := openSinks("stderr,otlp"); err == nil || !strings.Contains(err.Error(), "OTEL_EXPORTER_OTLP_PROTOCOL") {
		t.Errorf("openSinks with a bad OTLP protocol: %v", err)
	}
}
