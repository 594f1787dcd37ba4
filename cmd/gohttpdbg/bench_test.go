package main

import (
	"errors"
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
	for _, args := range []string{"-o x", "-c", "--levels=3", "--levels=", "-count=0", "--out", "-cover", "-json -exec foo"} {
		_, err := parseBenchArgs(&globals{}, strings.Fields(args))
		if !errors.Is(err, errUsage) {
			t.Errorf("%q: err %v, want a usage error", args, err)
		}
	}
}
