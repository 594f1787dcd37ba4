package toolexec

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gohttpdbg/gohttpdbg/internal/buildcache"
	"github.com/gohttpdbg/gohttpdbg/rewrite/stdpatch"
)

// State is everything the -toolexec program needs from the build
// driver. It is written once per distinct build input (content-addressed),
// and read by each tool invocation.
type State struct {
	Exe          string            // the gohttpdbg binary
	GoVersion    string            // go version of the toolchain doing the build
	Overlay      map[string]string // the overlay's Replace map (original → backing file)
	Edits        map[string][]byte // original file → its serialized call-site edits
	StdPatch     []string          // std import paths to patch when marked
	PatchID      string            // value of the cache marker on patched packages
	UserToolexec []string          // the user's own -toolexec, chained
	// Copies maps the directory of each module copied out of the module
	// cache (see modgraph.Copy) to its directory there.
	Copies map[string]string
}

// Install stores the state and a two-line script that hands every tool
// invocation to `gohttpdbg toolexec STATE`. The script exists so that the
// -toolexec value is a single word: `go test $(gohttpdbg overlay .)` splits
// on spaces and would break a quoted command.
func Install(cache string, st *State) (script, state string, err error) {
	data, err := json.Marshal(st)
	if err != nil {
		return "", "", err
	}
	state, err = buildcache.WriteAddressed(filepath.Join(cache, "toolexec"), "state.json", data)
	if err != nil {
		return "", "", err
	}
	text := fmt.Sprintf("#!/bin/sh\nexec %s toolexec %s \"$@\"\n", shellQuote(st.Exe), shellQuote(state))
	if len(st.UserToolexec) == 0 {
		// What Run would pass through unchanged is run here
		// directly: the go command asks every tool's identity (-V=full,
		// and gcc -### for cgo) on every build, and starting gohttpdbg for
		// each answer was most of what a no-change rebuild added.
		text = fmt.Sprintf("#!/bin/sh\ncase \"$2\" in -V*) exec \"$@\";; esac\n"+
			"case \"${1##*/}\" in compile|compile.exe|cover|cover.exe) exec %s toolexec %s \"$@\";; esac\n"+
			"exec \"$@\"\n", shellQuote(st.Exe), shellQuote(state))
	}
	script, err = buildcache.WriteAddressed(filepath.Join(cache, "toolexec"), "gohttpdbg-toolexec", []byte(text))
	if err != nil {
		return "", "", err
	}
	return script, state, os.Chmod(script, 0o755)
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// PatchID identifies the std patch: it changes with the gohttpdbg binary,
// so a rebuilt tool never reuses objects patched by an older one.
func PatchID(exe string) string {
	h := sha256.New()
	if f, err := os.Open(exe); err == nil {
		io.Copy(h, f)
		f.Close()
	}
	h.Write([]byte(stdpatch.ID()))
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// SelfTestSuffix on the patch marker asks for the std patch's self-test
// hooks (see stdpatch.SelfTestFile); being part of the marker, it is part of
// the cache key.
const SelfTestSuffix = "-selftest"
