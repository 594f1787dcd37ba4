package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseBenchArgs(t *testing.T) {
	for _, tc := range []struct {
		args                     string
		build, run, patterns     string
		bench                    string
		count                    int
		variants                 string
		json                     bool
		out, dir, binArgs, probe string
	}{
		{
			args:  "",
			run:   "-test.run=^$ -test.timeout=10m",
			bench: ".", count: 6, patterns: ".",
			variants: "plain: level1:all=1",
		},
		{
			args:     "--levels=0,1,2 -count 3 -bench=HTTP -benchtime=2s -benchmem -tags foo -race --json --out=raw ./bench/...",
			build:    "-tags=foo -race",
			run:      "-test.benchtime=2s -test.benchmem=true -test.run=^$ -test.timeout=10m",
			bench:    "HTTP",
			count:    3,
			patterns: "./bench/...",
			variants: "plain: level0:all=0 level1:all=1 level2:all=2",
			json:     true, out: "raw",
		},
		{
			args:  "-C sub --probes body=1,dial=2,ring=64 --levels 2 -run=TestX -test.timeout=1m . -args -x",
			run:   "-test.run=TestX -test.timeout=1m",
			bench: ".", count: 6, patterns: ".",
			variants: "plain: level2:all=0,body=2,dial=2,ring=64",
			dir:      "sub", binArgs: "-x",
		},
		{
			// Single-dash spellings of bench's own flags, as go test's are written.
			args:  "-json -levels 0,2 -out=d -count=2 ./x",
			run:   "-test.run=^$ -test.timeout=10m",
			bench: ".", count: 2, patterns: "./x",
			variants: "plain: level0:all=0 level2:all=2",
			json:     true, out: "d",
		},
		{
			args:  "--probes=frame=2 ./x",
			run:   "-test.run=^$ -test.timeout=10m",
			bench: ".", count: 6, patterns: "./x",
			variants: "plain: probes:frame=2",
		},
		{
			args:  "--levels=0,1 --spin=1700ns,3us --http2debug=2 ./bench",
			run:   "-test.run=^$ -test.timeout=10m",
			bench: ".", count: 6, patterns: "./bench",
			variants: "plain: spin=1700ns: spin=3us: http2debug=2: level0:all=0 level1:all=1",
		},
		{
			args:  "--probes=all=2,slow=1ms --levels=1",
			run:   "-test.run=^$ -test.timeout=10m",
			bench: ".", count: 6, patterns: ".",
			variants: "plain: level1:all=1,slow=1ms",
		},
	} {
		ba, err := parseBenchArgs(&globals{}, strings.Fields(tc.args))
		if err != nil {
			t.Errorf("%q: %v", tc.args, err)
			continue
		}
		var vs []string
		for _, v := range ba.variants() {
			vs = append(vs, v.name+":"+v.gohttpdbg)
		}
		got := []string{strings.Join(ba.build, " "), strings.Join(ba.run, " "), strings.Join(ba.patterns, " "), ba.bench, strings.Join(vs, " "), ba.out, ba.dir, strings.Join(ba.binArgs, " ")}
		want := []string{tc.build, tc.run, tc.patterns, tc.bench, tc.variants, tc.out, tc.dir, tc.binArgs}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%q: field %d = %q, want %q", tc.args, i, got[i], want[i])
			}
		}
		if ba.count != tc.count || ba.json != tc.json {
			t.Errorf("%q: count %d json %v", tc.args, ba.count, ba.json)
		}
	}
}

func TestParseBenchArgsErrors(t *testing.T) {
	for _, args := range []string{"-o x", "-c", "--levels=3", "--levels=", "-count=0", "--out", "-cover", "-json -exec foo",
		"--spin=x", "--spin=1us,-2us", "--spin=0s", "--http2debug=3", "--http2debug=0"} {
		_, err := parseBenchArgs(&globals{}, strings.Fields(args))
		if !errors.Is(err, errUsage) {
			t.Errorf("%q: err %v, want a usage error", args, err)
		}
	}
}

func TestBenchVariantsEnv(t *testing.T) {
	t.Setenv("GODEBUG", "madvdontneed=1")
	ba, err := parseBenchArgs(&globals{}, strings.Fields("--spin=2us --http2debug=1"))
	if err != nil {
		t.Fatal(err)
	}
	vs := ba.variants()
	if len(vs) != 4 || !vs[1].plain || !vs[2].plain || vs[3].plain {
		t.Fatalf("variants %+v: want plain, spin, http2debug (plain builds) and level1", vs)
	}
	if got := strings.Join(vs[1].env, " "); got != "GOHTTPDBG_BENCH_SPIN=2us" || vs[1].noStderr {
		t.Errorf("spin variant: env %q, stderr discarded %v", got, vs[1].noStderr)
	}
	if got := strings.Join(vs[2].env, " "); got != "GODEBUG=madvdontneed=1,http2debug=1" || !vs[2].noStderr {
		t.Errorf("http2debug variant: env %q (the caller's GODEBUG kept), stderr discarded %v", got, vs[2].noStderr)
	}
}

func TestRoundOrder(t *testing.T) {
	for _, tc := range []struct {
		round int
		want  string
	}{{1, "[0 1 2]"}, {2, "[2 1 0]"}, {3, "[0 1 2]"}, {6, "[2 1 0]"}} {
		if got := fmt.Sprint(roundOrder(tc.round, 3)); got != tc.want {
			t.Errorf("round %d: %s, want %s (ABC CBA ABC…)", tc.round, got, tc.want)
		}
	}
}

func TestBenchEnv(t *testing.T) {
	none := func(string) string { return "" }
	if got := strings.Join(benchEnv([]string{"A=1"}, none), " "); got != "A=1 GOHTTPDBG_OUT=off GOHTTPDBG_BREAKER=0" {
		t.Errorf("defaults: %q", got)
	}
	set := func(k string) string {
		return map[string]string{"GOHTTPDBG_OUT": "x.jsonl", "GOHTTPDBG_BREAKER": "1000"}[k]
	}
	if got := strings.Join(benchEnv([]string{"GOHTTPDBG_OUT=x.jsonl", "GOHTTPDBG_BREAKER=1000"}, set), " "); got != "GOHTTPDBG_OUT=x.jsonl GOHTTPDBG_BREAKER=1000" {
		t.Errorf("the caller's settings: %q", got)
	}
}
