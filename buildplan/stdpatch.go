package buildplan

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/gohttpdbg/gohttpdbg/rewrite/stdpatch"
)

// stdPatchFor returns the std packages to patch for a Go version and the
// wiring file added to runtimehooks; none when disabled.
func stdPatchFor(goVersion string, disabled bool) ([]string, []byte) {
	if disabled {
		return nil, nil
	}
	targets := stdpatch.Targets(goVersion)
	if len(targets) == 0 {
		return nil, nil
	}
	return targets, stdpatch.Wiring(goVersion)
}

// StdPatchSupport says, in words, whether net/http of the go command's Go
// can be patched: it runs the patch on that toolchain's sources, as a
// build would, and lists the hook points it could not find.
func StdPatchSupport(goVersion string) string {
	var missing []string
	for _, pkg := range stdpatch.Targets(goVersion) {
		if !strings.HasPrefix(pkg, "net/") {
			continue // x/net/http2 is patched when a build uses it
		}
		out, err := exec.Command("go", "list", "-f", "{{.Dir}}\n{{join .GoFiles \"\\n\"}}", pkg).Output()
		if err != nil {
			return fmt.Sprintf("unknown (go list %s: %v)", pkg, err)
		}
		lines := strings.Fields(string(out))
		var files []string
		for _, f := range lines[1:] {
			files = append(files, filepath.Join(lines[0], f))
		}
		r, err := stdpatch.Patch(pkg, files, goVersion)
		if err != nil {
			return fmt.Sprintf("no (%v); builds use call-site probes only", err)
		}
		missing = append(missing, r.Missing...)
	}
	if len(missing) > 0 {
		return "partial: missing " + strings.Join(missing, ", ")
	}
	return "yes (" + strings.Join(stdpatch.Targets(goVersion), ", ") + ")"
}
