package buildplan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/gohttpdbg/gohttpdbg/goflags"
	"github.com/gohttpdbg/gohttpdbg/modgraph"
)

// goEnv is the part of `go env` the driver needs.
type goEnv struct {
	GOMOD, GOWORK, GOVERSION, GOROOT, GOMODCACHE, GOFLAGS string
}

// readEnv runs go env alongside the go list that keys the plan, and
// refuses what gohttpdbg does not build: GOPATH mode and vendor mode. It
// returns the plan's key, "" when the build is not keyed (see planKey).
func (b *build) readEnv() (string, error) {
	waitListed := listForPlan(b.gc, b.opt, b.dir, b.env) // runs alongside go env
	ge, err := readGoEnv(b.dir, b.env)
	listed := waitListed()
	if err != nil {
		return "", err
	}
	if !ge.workspace() && (ge.GOMOD == "" || ge.GOMOD == os.DevNull) {
		return "", fmt.Errorf("no go.mod found from %s: gohttpdbg builds module-mode programs only (run go mod init)", b.dir)
	}
	if !ge.workspace() && vendorMode(b.gc, ge) {
		return "", fmt.Errorf("vendor mode is not supported: the injected runtime would have to be added to vendor/modules.txt, which gohttpdbg never edits.\n" +
			"\tRun 'go mod download' once, then build with '-mod=mod' (gohttpdbg build -mod=mod ...)")
	}
	b.ge = ge
	b.plan = &Plan{GoVersion: ge.GOVERSION}
	return planKey(listed, b.gc, b.opt, b.dir, b.env, ge), nil
}

// workspace reports whether the build is in workspace mode.
func (ge *goEnv) workspace() bool { return ge.GOWORK != "" && ge.GOWORK != "off" }

// goModFile returns the go.mod the build reads: -modfile's, or the module's.
func goModFile(gc *goflags.GoCommand, ge *goEnv, dir string) string {
	if m := gc.Last("modfile"); m != "" {
		return absFrom(dir, m)
	}
	return ge.GOMOD
}

// readGoEnv runs go env in dir for the variables the build reads.
func readGoEnv(dir string, env []string) (*goEnv, error) {
	cmd := exec.Command("go", "env", "-json", "GOMOD", "GOWORK", "GOVERSION", "GOROOT", "GOMODCACHE", "GOFLAGS")
	cmd.Dir = dir
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go env: %v\n%s", err, strings.TrimSpace(stderr.String()))
	}
	var ge goEnv
	if err := json.Unmarshal(out, &ge); err != nil {
		return nil, fmt.Errorf("go env: %v", err)
	}
	return &ge, nil
}

// isInModCache reports whether p's files lie in the module cache.
func isInModCache(p *packages.Package, ge *goEnv) bool {
	return len(p.GoFiles) > 0 && inModCache(p.GoFiles[0], ge)
}

// inModCache reports whether path lies in the module cache.
func inModCache(path string, ge *goEnv) bool {
	return modgraph.InModCache(path, ge.GOMODCACHE)
}

// vendorMode reports whether the go command would build in vendor mode:
// -mod=vendor, in the command or GOFLAGS, or a vendor/modules.txt with no
// -mod at all.
func vendorMode(gc *goflags.GoCommand, ge *goEnv) bool {
	mod := gc.Last("mod")
	if mod == "" {
		for _, f := range strings.Fields(ge.GOFLAGS) {
			if strings.HasPrefix(f, "-mod=") {
				mod = strings.TrimPrefix(f, "-mod=")
			}
		}
	}
	if mod != "" {
		return mod == "vendor"
	}
	_, err := os.Stat(filepath.Join(filepath.Dir(ge.GOMOD), "vendor", "modules.txt"))
	return err == nil
}

// absFrom returns p, made absolute against dir when it is relative.
func absFrom(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}
