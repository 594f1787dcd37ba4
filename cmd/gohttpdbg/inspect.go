package main

import (
	"debug/buildinfo"
	"fmt"
	"os"
	"os/exec"
	"strings"

	gohttpdbg "github.com/gohttpdbg/gohttpdbg"
	"github.com/gohttpdbg/gohttpdbg/buildplan"
)

func init() {
	register(&verb{
		name:  "inspect",
		short: "tell whether a binary is instrumented, by which gohttpdbg, with which probes.",
		long:  "Exit status: 1 instrumented, 0 not instrumented, 2 error; a release pipeline can refuse exit 1.",
		usage: "inspect BINARY",
		run:   inspectVerb,
	})
	register(&verb{
		name:  "version",
		short: "print gohttpdbg's version, the Go version, and whether that Go's net/http can be patched.",
		usage: "version",
		run:   versionVerb,
	})
}

func inspectVerb(g *globals, args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(g.stderr, "usage: gohttpdbg inspect BINARY")
		return 2
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		fmt.Fprintf(g.stderr, "gohttpdbg inspect: %v\n", err)
		return 2
	}
	bi, err := buildinfo.ReadFile(args[0])
	if err != nil {
		fmt.Fprintf(g.stderr, "gohttpdbg inspect: %s is not a Go binary: %v\n", args[0], err)
		return 2
	}
	stamp, ok := buildplan.FindStamp(data)
	if !ok {
		fmt.Fprintf(g.stdout, "%s: not instrumented (%s)\n", args[0], bi.GoVersion)
		return 0
	}
	fmt.Fprintf(g.stdout, "%s: instrumented by gohttpdbg %s (%s)\n", args[0], stamp.Tool, stamp.Go)
	fmt.Fprintf(g.stdout, "\tdefault probes: %s\n", stamp.Probes)
	if len(stamp.StdPatch) > 0 {
		fmt.Fprintf(g.stdout, "\tstd patch: %s\n", strings.Join(stamp.StdPatch, ", "))
	} else {
		fmt.Fprintf(g.stdout, "\tstd patch: none (call-site probes only)\n")
	}
	for _, d := range bi.Deps {
		if d.Path == gohttpdbg.ModulePath && d.Replace != nil {
			fmt.Fprintf(g.stdout, "\truntime: %s => %s\n", d.Path, d.Replace.Path)
		}
	}
	fmt.Fprintf(g.stdout, "\tnot for release: rebuild with the go command\n")
	return 1
}

func versionVerb(g *globals, args []string) int {
	fmt.Fprintf(g.stdout, "gohttpdbg %s\n", toolVersion())
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		fmt.Fprintf(g.stderr, "gohttpdbg version: go env: %v\n", err)
		return 1
	}
	goVersion := strings.TrimSpace(string(out))
	fmt.Fprintf(g.stdout, "go: %s\n", goVersion)
	fmt.Fprintf(g.stdout, "std patch: %s\n", buildplan.StdPatchSupport(goVersion))
	return 0
}
