package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/gohttpdbg/gohttpdbg/buildplan"
	"github.com/gohttpdbg/gohttpdbg/goflags"
	"github.com/gohttpdbg/gohttpdbg/toolexec"
)

func init() {
	for _, name := range []string{"build", "run", "test"} {
		name := name
		register(&verb{
			name:  name,
			short: fmt.Sprintf("go %s with HTTP debug probes: every go flag and argument is passed through unchanged.", name),
			usage: name + " [go " + name + " flags] [packages]" + map[string]string{"run": " [arguments]", "test": " [test binary flags]"}[name],
			run:   func(g *globals, args []string) int { return goVerb(g, name, args) },
		})
	}
	register(&verb{
		name:  "overlay",
		short: "print the go flags that reproduce the instrumented build (for dlv --build-flags, IDEs, CI).",
		long:  "Environment lines, when needed (workspace mode), go to stderr; --json prints both.",
		usage: "overlay [--json] [go build flags] [packages]",
		run:   overlayVerb,
	})
}

func options(g *globals) (buildplan.Options, error) {
	exe, err := os.Executable()
	if err != nil {
		return buildplan.Options{}, err
	}
	return buildplan.Options{
		Probes:      g.probes,
		Instrument:  g.instrument,
		NoStdPatch:  g.noStdPatch,
		StdSelfTest: g.selfTest,
		Exe:         exe,
		Version:     toolVersion(),
		Warn:        func(s string) { fmt.Fprintf(g.stderr, "gohttpdbg: %s\n", s) },
	}, nil
}

func prepare(g *globals, verbName string, args []string) (*goflags.GoCommand, *buildplan.Plan, int) {
	gc, err := goflags.ParseGoCommand(verbName, args)
	if err != nil {
		fmt.Fprintf(g.stderr, "gohttpdbg %s: %v\n", verbName, err)
		return nil, nil, 2
	}
	opt, err := options(g)
	if err != nil {
		fmt.Fprintf(g.stderr, "gohttpdbg: %v\n", err)
		return nil, nil, 2
	}
	plan, err := buildplan.Prepare(gc, opt)
	if err != nil {
		fmt.Fprintf(g.stderr, "gohttpdbg: %v\n", err)
		return nil, nil, 1
	}
	if g.verbose {
		if plan.Cached {
			fmt.Fprintln(g.stderr, "gohttpdbg: sources unchanged since an earlier build: its plan is reused, nothing loaded")
		}
		for _, f := range plan.Rewritten {
			fmt.Fprintf(g.stderr, "gohttpdbg: rewrote %s\n", f)
		}
	}
	return gc, plan, 0
}

func goVerb(g *globals, verbName string, args []string) int {
	gc, plan, code := prepare(g, verbName, args)
	if code != 0 {
		return code
	}
	argv := plan.Command(gc)
	if g.verbose {
		fmt.Fprintf(g.stderr, "gohttpdbg: %s go %s\n", strings.Join(plan.Env, " "), strings.Join(argv, " "))
	}
	cmd := exec.Command("go", argv...)
	cmd.Env = append(os.Environ(), plan.Env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, g.stdout, g.stderr
	if verbName == "test" {
		if dir, err := os.MkdirTemp("", "gohttpdbg-test-"); err == nil {
			defer os.RemoveAll(dir)
			defer summarizeDiagnostics(g.stderr, dir)
			cmd.Env = append(cmd.Env, diagDirEnv+"="+dir)
		}
	}
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		fmt.Fprintf(g.stderr, "gohttpdbg: %v\n", err)
		return 1
	}
	return 0
}

func overlayVerb(g *globals, args []string) int {
	asJSON := false
	var rest []string
	for _, a := range args {
		if a == "--json" || a == "-json" {
			asJSON = true
			continue
		}
		rest = append(rest, a)
	}
	_, plan, code := prepare(g, "overlay", rest)
	if code != 0 {
		return code
	}
	if asJSON {
		out, _ := json.MarshalIndent(struct {
			Flags []string `json:"flags"`
			Env   []string `json:"env"`
		}{plan.Flags, plan.Env}, "", "  ")
		fmt.Fprintln(g.stdout, string(out))
		return 0
	}
	fmt.Fprintln(g.stdout, strings.Join(plan.Flags, " "))
	for _, e := range plan.Env {
		fmt.Fprintf(g.stderr, "gohttpdbg: also set in the environment: %s\n", e)
	}
	return 0
}

func runToolexec(args []string, stdout, stderr io.Writer) int {
	return toolexec.Run(args, stdout, stderr)
}
