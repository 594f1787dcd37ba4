package benchcmp

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the current output")

func readInputs(t *testing.T, names ...string) []Input {
	t.Helper()
	var in []Input
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join("testdata", n+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, Input{Name: n, Data: data})
	}
	return in
}

func TestCompareText(t *testing.T) {
	rep, err := Compare(readInputs(t, "plain", "level1"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "plain_level1.golden")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if buf.String() != string(want) {
		t.Errorf("text output differs from %s (run with -update to accept):\n%s", golden, buf.String())
	}
}

func TestCompareValues(t *testing.T) {
	rep, err := Compare(readInputs(t, "plain", "level1"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rep.Variants, ","); got != "plain,level1" {
		t.Errorf("variants %s", got)
	}
	cfg := map[string]string{}
	for _, kv := range rep.Config {
		cfg[kv.Key] = kv.Value
	}
	if cfg["goos"] != "linux" || cfg["cpu"] != "Test CPU" {
		t.Errorf("config %v", rep.Config)
	}
	var sec *Table
	units := map[string]bool{}
	for _, tb := range rep.Tables {
		units[tb.Unit] = true
		if tb.Unit == "sec/op" {
			sec = tb
		}
		if tb.Pkg != "example.com/m" {
			t.Errorf("table %s: pkg %q", tb.Unit, tb.Pkg)
		}
	}
	for _, u := range []string{"sec/op", "B/op", "allocs/op"} {
		if !units[u] {
			t.Errorf("no %s table", u)
		}
	}
	if sec == nil || len(sec.Rows) != 3 {
		t.Fatalf("sec/op table: %+v", sec)
	}
	if sec.Better != -1 || sec.Summary != "median" {
		t.Errorf("better %d summary %q", sec.Better, sec.Summary)
	}
	a := sec.Rows[0]
	if a.Name != "A-2" {
		t.Errorf("first row %q", a.Name)
	}
	base, l1 := a.Cells[0], a.Cells[1]
	if base.N != 6 || l1.N != 6 {
		t.Errorf("n = %d, %d", base.N, l1.N)
	}
	// Six clearly separated samples each: the U-test's smallest p-value.
	if l1.P == nil || *l1.P > 0.01 || !l1.Significant {
		t.Errorf("A: p %v significant %v", l1.P, l1.Significant)
	}
	if l1.Delta == nil || *l1.Delta < 0.09 || *l1.Delta > 0.11 {
		t.Errorf("A: delta %v, want ~+10%%", l1.Delta)
	}
	if base.Lo == nil || base.Hi == nil || *base.Lo > base.Center || *base.Hi < base.Center {
		t.Errorf("A: interval %v..%v around %v", base.Lo, base.Hi, base.Center)
	}
	only := sec.Rows[2]
	if only.Name != "OnlyBase-2" || only.Cells[1] != nil {
		t.Errorf("row only in the baseline: %+v", only)
	}
	g := sec.Geomean
	if g == nil || g.Cells[1] == nil || g.Cells[1].Delta == nil {
		t.Fatalf("geomean %+v", g)
	}
	if d := *g.Cells[1].Delta; d < 0.04 || d > 0.06 {
		t.Errorf("geomean delta %v, want ~+5%% (10%% and 1%%)", d)
	}
	if len(g.Cells[1].Warnings) == 0 {
		t.Errorf("geomean over different benchmark sets: no warning")
	}
}

func TestCompareJSON(t *testing.T) {
	rep, err := Compare(readInputs(t, "plain", "level1"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Tables) != len(rep.Tables) || back.Tables[0].Rows[0].Cells[1].P == nil {
		t.Errorf("JSON round trip lost data: %s", data)
	}
}

func TestCompareErrors(t *testing.T) {
	if _, err := Compare(readInputs(t, "plain"), Options{}); err == nil {
		t.Error("one input: no error")
	}
	rep, err := Compare([]Input{{Name: "a", Data: []byte("PASS\n")}, {Name: "b", Data: nil}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Tables) != 0 {
		t.Errorf("no results: tables %+v", rep.Tables)
	}
}
