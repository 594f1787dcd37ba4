package stdpatch

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The test binary doubles as a minimal -toolexec program (the real one is
// package toolexec): with GOHTTPDBG_TEST_TOOLEXEC set it patches the
// compile of each target package with Patch, exactly as the contract says,
// and strips the per-package cache marker the test adds with -gcflags.
const (
	envToolexec  = "GOHTTPDBG_TEST_TOOLEXEC"
	envGoVersion = "GOHTTPDBG_TEST_GOVERSION"
	markerFlag   = "-gohttpdbgtestmark="
	// envSizes ("patched" or "plain") adds a file reporting the sizes of
	// the structs the patch appends fields to (TestPatchedSizes) to
	// net/http (and Go 1.27's net/http/internal/http2); "plain" leaves
	// them unpatched.
	envSizes = "GOHTTPDBG_TEST_SIZES"
)

func TestMain(m *testing.M) {
	if os.Getenv(envToolexec) != "" {
		os.Exit(toolexecMain(os.Args[1:]))
	}
	os.Exit(m.Run())
}

func toolexecMain(args []string) int {
	tool, args := args[0], args[1:]
	var kept []string
	for _, a := range args {
		if !strings.HasPrefix(a, markerFlag) {
			kept = append(kept, a)
		}
	}
	args = kept
	if strings.TrimSuffix(filepath.Base(tool), ".exe") == "compile" {
		var err error
		args, err = patchCompile(args, os.Getenv(envGoVersion))
		if err != nil {
			fmt.Fprintln(os.Stderr, "toolexec:", err)
			return 2
		}
	}
	cmd := exec.Command(tool, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		fmt.Fprintln(os.Stderr, "toolexec:", err)
		return 2
	}
	return 0
}

func patchCompile(args []string, goVersion string) ([]string, error) {
	pkg := ""
	for i, a := range args {
		if a == "-p" && i+1 < len(args) {
			pkg = args[i+1]
		}
	}
	target := false
	for _, t := range Targets(goVersion) {
		target = target || t == pkg
	}
	if !target {
		return args, nil
	}
	var files []string
	for _, a := range args {
		if strings.HasSuffix(a, ".go") && !strings.HasPrefix(a, "-") {
			files = append(files, a)
		}
	}
	sizes := os.Getenv(envSizes)
	r := &Result{Replace: map[string][]byte{}, Add: map[string][]byte{}}
	if sizes != "plain" {
		var err error
		if r, err = Patch(pkg, files, goVersion); err != nil {
			return nil, err
		}
	}
	if src := sizesSource(pkg, Targets(goVersion)); sizes != "" && src != "" {
		if r.Add == nil {
			r.Add = map[string][]byte{}
		}
		r.Add["zz_gohttpdbg_sizes.go"] = []byte(src)
	}
	if lf := os.Getenv("GOHTTPDBG_TEST_TOOLEXEC_LOG"); lf != "" {
		if f, err := os.OpenFile(lf, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprintf(f, "%s replaced=%d added=%d missing=%v\n", pkg, len(r.Replace), len(r.Add), r.Missing)
			f.Close()
		}
	}
	dir, err := os.MkdirTemp("", "stdpatch-toolexec-")
	if err != nil {
		return nil, err
	}
	for i, a := range args {
		if c, ok := r.Replace[a]; ok {
			p := filepath.Join(dir, fmt.Sprintf("%d_%s", i, filepath.Base(a)))
			if err := os.WriteFile(p, c, 0o644); err != nil {
				return nil, err
			}
			args[i] = p
		}
	}
	for name, c := range r.Add {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, c, 0o644); err != nil {
			return nil, err
		}
		args = append(args, p)
	}
	if w := r.Warning(pkg, goVersion); w != "" {
		fmt.Fprintln(os.Stderr, w)
	}
	return args, nil
}

// goEnv describes one toolchain to test against.
type goEnv struct {
	name string
	env  []string
}

func toolchains(t *testing.T) []goEnv {
	envs := []goEnv{{name: "local"}}
	if testing.Short() {
		return envs
	}
	e := goEnv{name: "go1.27.3", env: []string{"GOTOOLCHAIN=go1.27.3"}}
	cmd := exec.Command("go", "env", "GOVERSION")
	cmd.Env = append(os.Environ(), e.env...)
	if out, err := cmd.Output(); err != nil || !strings.HasPrefix(string(out), "go1.27") {
		t.Logf("go1.27.3 not available (%v); testing the local toolchain only", err)
		return envs
	}
	return append(envs, e)
}

func goVersion(t *testing.T, e goEnv) string {
	cmd := exec.Command("go", "env", "GOVERSION")
	cmd.Env = append(os.Environ(), e.env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// buildPatched builds pkg (a path relative to the module root) with the std
// patch applied through the test's toolexec and returns the binary.
func buildPatched(t *testing.T, e goEnv, pkg string, extra ...string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	version := goVersion(t, e)
	nonce := make([]byte, 6)
	rand.Read(nonce)
	mark := markerFlag + ID() + hex.EncodeToString(nonce)
	out := filepath.Join(t.TempDir(), "prog")
	args := []string{"build", "-o", out, "-toolexec=" + exe}
	for _, tp := range Targets(version) {
		args = append(args, "-gcflags="+tp+"="+mark)
	}
	args = append(args, extra...)
	args = append(args, pkg)
	cmd := exec.Command("go", args...)
	cmd.Dir = moduleRoot(t)
	cmd.Env = append(os.Environ(), e.env...)
	cmd.Env = append(cmd.Env, envToolexec+"=1", envGoVersion+"="+version, "GOFLAGS=-mod=mod")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: go %s: %v\n%s", e.name, strings.Join(args, " "), err, stderr.String())
	}
	if strings.Contains(stderr.String(), " has no ") {
		t.Errorf("%s: hook points missing:\n%s", e.name, stderr.String())
	}
	return out
}

func moduleRoot(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}
