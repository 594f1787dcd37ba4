package probes

import (
	"sort"
	"strings"
	"testing"
)

func TestKeyTable(t *testing.T) {
	t.Parallel()
	names := keyNames[1:]
	if !sort.StringsAreSorted(names) {
		t.Errorf("keyNames not in name order")
	}
	for k := Key(1); k < numStaticKeys; k++ {
		name := k.String()
		if name == "" || (k > 1 && keyNames[k-1] == name) {
			t.Errorf("key %d: name %q empty or repeated", k, name)
		}
		if got := KeyOf(name); got != k {
			t.Errorf("KeyOf(%q) = %d, want the constant %d", name, got, k)
		}
	}
	if KeyErr.String() != "err" || Key(0).String() != "" {
		t.Errorf("KeyErr = %q, Key(0) = %q", KeyErr, Key(0))
	}
}

func TestKeyOfDynamic(t *testing.T) {
	t.Parallel()
	k := KeyOf("key_test.no_probe_uses_this")
	if k < numStaticKeys || k.String() != "key_test.no_probe_uses_this" {
		t.Fatalf("KeyOf = %d (%q)", k, k)
	}
	if KeyOf("key_test.no_probe_uses_this") != k {
		t.Errorf("KeyOf not stable")
	}
	var e Event
	e.AddInt(k, 3)
	if a, ok := e.Attr("key_test.no_probe_uses_this"); !ok || a.Num != 3 {
		t.Errorf("Attr by name: %+v, %v", a, ok)
	}
	if got := string(AppendJSON(nil, &e)); !strings.Contains(got, `"key_test.no_probe_uses_this":3`) {
		t.Errorf("NDJSON %s lacks the dynamic key", got)
	}
	if got := string(AppendLine(nil, &e)); !strings.Contains(got, " key_test.no_probe_uses_this=3") {
		t.Errorf("text %q lacks the dynamic key", got)
	}
}
