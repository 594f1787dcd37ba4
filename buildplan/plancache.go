package buildplan

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/gohttpdbg/gohttpdbg/goflags"
	"github.com/gohttpdbg/gohttpdbg/internal/buildcache"
)

// A build whose sources have not changed since the last one needs the same
// plan: same rewritten files, same overlay, same flags. Loading and
// type-checking the packages again to find that out costs most of an
// instrumented no-change rebuild, so Prepare keys its plan by the content
// of everything the plan depends on and, when a plan of that key is in the
// cache (with every file it names), returns it without loading anything.
//
// What the key covers:
//   - gohttpdbg itself (the binary's identity) and its options;
//   - the command: verb, directory, patterns, and the flags that change
//     what is loaded or how it is built (LoadFlags, -gcflags, -modfile,
//     -toolexec);
//   - the Go toolchain and target (go env, GOOS, GOARCH, CGO_ENABLED,
//     GOEXPERIMENT): the standard library is the toolchain's;
//   - go.mod, go.sum, go.work and go.work.sum;
//   - every package the build imports, from one go list (names and files,
//     no types): a module-cache package by its module version, which
//     fixes its content; any other (the main modules, directories named by
//     replace) by the name and content of each of its Go files, tests
//     included. A file added, removed or edited, a build tag that selects
//     other files, changes the key.
//
// A user -overlay (whose files may be anywhere) or a package go list
// reports an error for is not keyed: Prepare takes the long way, which
// reports errors exactly as before.

const planCacheVersion = "plan/1"

// planListFields are the go list fields the key reads.
const planListFields = "ImportPath,Dir,Standard,Module,GoFiles,CgoFiles,TestGoFiles,XTestGoFiles,Error,DepsErrors"

type listedPackage struct {
	ImportPath string
	Dir        string
	Standard   bool
	Module     *struct {
		Path, Version, Sum string
		Replace            *struct{ Path, Version, Sum string }
	}
	GoFiles, CgoFiles, TestGoFiles, XTestGoFiles []string
	Error                                        *struct{ Err string }
	DepsErrors                                   []*struct{ Err string }
}

// listForPlan starts the go list that planKey reads, which needs nothing
// from go env, so that it runs alongside; the function returned waits for
// its output (nil when it failed, or when the build is not keyed).
func listForPlan(gc *goflags.GoCommand, opt Options, dir string, env []string) func() []byte {
	if gc.Last("overlay") != "" {
		return func() []byte { return nil }
	}
	args := []string{"list", "-e", "-deps", "-json=" + planListFields}
	if gc.LoadsTests() {
		args = append(args, "-test")
	}
	args = append(append(args, gc.LoadFlags()...), targetPatterns(gc, opt)...)
	cmd := exec.Command("go", args...)
	cmd.Dir, cmd.Env = dir, env
	var out bytes.Buffer
	cmd.Stdout = &out
	if cmd.Start() != nil {
		return func() []byte { return nil }
	}
	return func() []byte {
		if cmd.Wait() != nil {
			return nil
		}
		return out.Bytes()
	}
}

// planKey returns the key of the plan for this build, given the output of
// listForPlan, or "" when the build cannot be keyed.
func planKey(listed []byte, gc *goflags.GoCommand, opt Options, dir string, env []string, ge *goEnv) string {
	if listed == nil {
		return ""
	}
	h := sha256.New()
	field := func(parts ...string) {
		for _, p := range parts {
			fmt.Fprintf(h, "%d:%s;", len(p), p)
		}
		h.Write([]byte{'\n'})
	}
	field(planCacheVersion)
	st, err := os.Stat(opt.Exe)
	if err != nil {
		return ""
	}
	field("exe", opt.Exe, fmt.Sprint(st.Size()), st.ModTime().UTC().String(), opt.Version)
	field("opt", opt.Probes, fmt.Sprint(opt.NoStdPatch, opt.StdSelfTest))
	field(append([]string{"instrument"}, opt.Instrument...)...)
	field("cmd", gc.Verb, dir, gc.Last("modfile"), gc.Last("toolexec"))
	field(append([]string{"patterns"}, gc.Patterns...)...)
	field(append([]string{"loadflags"}, gc.LoadFlags()...)...)
	field(append([]string{"gcflags"}, gc.Values["gcflags"]...)...)
	field("goenv", ge.GOMOD, ge.GOWORK, ge.GOVERSION, ge.GOROOT, ge.GOMODCACHE, ge.GOFLAGS)
	field("target", envValue(env, "GOOS"), envValue(env, "GOARCH"), envValue(env, "CGO_ENABLED"), envValue(env, "GOEXPERIMENT"))
	gomod := goModFile(gc, ge, dir)
	for _, f := range []string{gomod, strings.TrimSuffix(gomod, ".mod") + ".sum", ge.GOWORK, ge.GOWORK + ".sum"} {
		if f == "" || f == os.DevNull || f == "off" {
			continue
		}
		field("file", f, fileHash(f))
	}

	dec := json.NewDecoder(bytes.NewReader(listed))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil || p.Error != nil || len(p.DepsErrors) > 0 {
			return ""
		}
		field("pkg", p.ImportPath, p.Dir)
		switch {
		case p.Standard:
			// The toolchain's, keyed above.
		case p.Module != nil && inModCache(p.Dir, ge):
			m := p.Module
			if r := m.Replace; r != nil {
				field("mod", m.Path, "=>", r.Path, r.Version, r.Sum)
			} else {
				field("mod", m.Path, m.Version, m.Sum)
			}
		default:
			for _, list := range [][]string{p.GoFiles, p.CgoFiles, p.TestGoFiles, p.XTestGoFiles} {
				for _, name := range list {
					path := name
					if !filepath.IsAbs(path) {
						path = filepath.Join(p.Dir, name)
					}
					sum := fileHash(path)
					if sum == "" {
						return ""
					}
					field("go", name, sum)
				}
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// envValue returns the last value of key in env ("" if unset).
func envValue(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

// fileHash returns the SHA-256 of a file's content, "" if it cannot be
// read.
func fileHash(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

// storedPlan is a plan as the cache keeps it, with the warnings its
// making printed (replayed on every use, as a rebuild would print them).
type storedPlan struct {
	Plan      Plan
	InitFiles map[string]string
	Warnings  []string
	Needs     []string // files and directories the plan uses that its flags do not name (the runtime module, the toolexec state)
}

func planPath(cache, key string) string {
	return filepath.Join(cache, "plans", key[:2], key[2:]+".json")
}

// loadPlan returns the plan stored under key, or nil when there is none or
// a file it names has left the cache.
func loadPlan(cache, key string, warn func(string)) *Plan {
	data, err := os.ReadFile(planPath(cache, key))
	if err != nil {
		return nil
	}
	var sp storedPlan
	if json.Unmarshal(data, &sp) != nil || !planFilesPresent(&sp.Plan) {
		return nil
	}
	for _, f := range sp.Needs {
		if _, err := os.Stat(f); err != nil {
			return nil
		}
	}
	for _, w := range sp.Warnings {
		warn(w)
	}
	p := sp.Plan
	p.initFiles = sp.InitFiles
	p.Cached = true
	return &p
}

// planFilesPresent checks that the files the plan's flags and environment
// name are there: the overlay (and every file it maps to), the go.mod or
// go.work copy, the toolexec program.
func planFilesPresent(p *Plan) bool {
	for _, kv := range p.Env {
		if k, path, ok := strings.Cut(kv, "="); ok && k == "GOWORK" && path != "off" {
			if _, err := os.Stat(path); err != nil {
				return false // the go.work copy of a workspace build
			}
		}
	}
	for _, f := range p.Flags {
		name, path, ok := strings.Cut(f, "=")
		if !ok || (name != "-overlay" && name != "-modfile" && name != "-toolexec") {
			continue
		}
		if _, err := os.Stat(path); err != nil {
			return false
		}
		if name != "-overlay" {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return false
		}
		var ov struct{ Replace map[string]string }
		if json.Unmarshal(data, &ov) != nil {
			return false
		}
		for _, to := range ov.Replace {
			if _, err := os.Stat(to); to != "" && err != nil {
				return false
			}
		}
	}
	return true
}

// storePlan keeps plan under key. A failure only costs the next build the
// long way.
func storePlan(cache, key string, plan *Plan, warnings, needs []string) {
	data, err := json.Marshal(storedPlan{Plan: *plan, InitFiles: plan.initFiles, Warnings: warnings, Needs: needs})
	if err != nil {
		return
	}
	p := planPath(cache, key)
	if os.MkdirAll(filepath.Dir(p), 0o755) == nil {
		buildcache.WriteFileAtomic(p, data, 0o644)
	}
}

// reuse returns the plan stored under key, nil when there is none.
func (b *build) reuse(key string) *Plan {
	if key == "" {
		return nil
	}
	return loadPlan(b.cache, key, b.warn)
}

// store keeps the plan under key, only if the sources did not change
// while they were loaded: the plan must be the one of the content its key
// names.
func (b *build) store(key string) {
	if key != "" && planKey(listForPlan(b.gc, b.opt, b.dir, b.env)(), b.gc, b.opt, b.dir, b.env, b.ge) == key {
		storePlan(b.cache, key, b.plan, b.warnings, b.needs)
	}
}
