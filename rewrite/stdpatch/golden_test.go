package stdpatch

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the patch's output")

// release is one supported source of a patched package: a Go release's
// std, or a golang.org/x/net version as a Go release builds it.
type release struct {
	name      string // testdata/golden/<name>
	goVersion string
	pkgs      map[string][]string // import path → Go files
}

// supportedReleases lists the sources the patch must find every hook
// point in: the local Go 1.26, Go 1.27.3 (downloaded by GOTOOLCHAIN; not
// with -short), and every x/net version TestPatchXNetVersions covers, as
// Go 1.26 builds it, and the versions whose HTTP/2 delegates to std as Go
// 1.27 builds them.
func supportedReleases(t *testing.T) []release {
	t.Helper()
	var rs []release
	for _, e := range toolchains(t) {
		gv := goVersion(t, e)
		r := release{name: fmt.Sprintf("go1.%d", goMinor(gv)), goVersion: gv, pkgs: map[string][]string{}}
		for _, pkg := range Targets(gv) {
			if pkg != pkgXNetH2 {
				r.pkgs[pkg] = listFiles(t, e, pkg)
			}
		}
		rs = append(rs, r)
	}
	dirs := downloadXNet(t, xnetVersions)
	for _, v := range xnetVersions {
		rs = append(rs, release{name: "x-net-" + v, goVersion: "go1.26.0",
			pkgs: map[string][]string{pkgXNetH2: goFilesFor(t, filepath.Join(dirs[v], "http2"), 26, nil)}})
		if v >= "v0.62.0" {
			rs = append(rs, release{name: "x-net-" + v + "-go1.27", goVersion: "go1.27.0",
				pkgs: map[string][]string{pkgXNetH2: goFilesFor(t, filepath.Join(dirs[v], "http2"), 27, nil)}})
		}
	}
	return rs
}

// patchTraced patches one package recording what each hook point changed.
func patchTraced(t *testing.T, pkgPath string, files []string) (*Result, []appliedHook) {
	t.Helper()
	pk, err := loadPkg(files)
	if err != nil {
		t.Fatal(err)
	}
	st := &patchState{trace: true}
	r, err := patch(pkgPath, pk, st)
	if err != nil {
		t.Fatalf("%s: %v", pkgPath, err)
	}
	return r, st.applied
}

// TestHookPointsFound: in every supported release, every hook point of the
// tables that exists in that release's shape is found and applied.
func TestHookPointsFound(t *testing.T) {
	t.Parallel()
	for _, rel := range supportedReleases(t) {
		for pkg, files := range rel.pkgs {
			r, applied := patchTraced(t, pkg, files)
			for i, m := range r.Missing {
				t.Errorf("%s %s: hook point %s not found (%s)", rel.name, pkg, m, r.Lost[i])
			}
			if len(applied) == 0 {
				t.Errorf("%s %s: no hook point applied", rel.name, pkg)
			}
		}
	}
}

// TestHookPointsGolden compares, per release and hook point, what the
// point changed (each edited line before and after, the trampoline it
// appended) with testdata/golden/<release>/<hook point>.golden. -update
// rewrites them.
func TestHookPointsGolden(t *testing.T) {
	t.Parallel()
	for _, rel := range supportedReleases(t) {
		dir := filepath.Join("testdata", "golden", rel.name)
		got := map[string][]byte{}
		for pkg, files := range rel.pkgs {
			_, applied := patchTraced(t, pkg, files)
			for _, a := range applied {
				name := goldenName(a.name)
				if _, dup := got[name]; dup {
					t.Errorf("%s: two hook points named %s", rel.name, name)
				}
				got[name] = excerpt(pkg, a)
			}
		}
		if *update {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for name, b := range got {
				if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			continue
		}
		have, _ := filepath.Glob(filepath.Join(dir, "*.golden"))
		for _, p := range have {
			if _, ok := got[filepath.Base(p)]; !ok {
				t.Errorf("%s: no hook point applied for %s (stale golden file? -update removes it)", rel.name, p)
			}
		}
		for name, b := range got {
			want, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Errorf("%s: %v (run go test -run TestHookPointsGolden -update)", rel.name, err)
				continue
			}
			if !bytes.Equal(b, want) {
				t.Errorf("%s/%s differs from the patch's output:\n--- got\n%s\n--- want\n%s", rel.name, name, b, want)
			}
		}
	}
}

// goldenName is a hook point's file name: "(*Framer).endWrite" →
// "Framer.endWrite.golden"; the {{.P}} prefix is dropped, so a point has
// one name in every release.
func goldenName(label string) string {
	s := strings.NewReplacer("{{.P}}", "", "(*", "", ")", "", " ", "_", "/", "_").Replace(label)
	return s + ".golden"
}

// excerpt renders what one hook point changed: each edited line (or run
// of lines, for an edit over several) of the original with only this
// point's edits applied, and its trampoline.
// Directory names are dropped so that the files do not depend on where
// GOROOT or the module cache is.
func excerpt(pkg string, a appliedHook) []byte {
	base := filepath.Base(a.file.path)
	strip := strings.NewReplacer(filepath.Dir(a.file.path)+string(filepath.Separator), "")
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: %s in %s\n", pkg, a.label, base)
	edits := append([]edit(nil), a.edits...)
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].off < edits[j].off })
	src := a.file.src
	for i := 0; i < len(edits); {
		start := bytes.LastIndexByte(src[:edits[i].off], '\n') + 1
		end := bytes.IndexByte(src[edits[i].off:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += edits[i].off
		}
		line := bytes.Count(src[:start], []byte("\n")) + 1
		var patched strings.Builder
		last := start
		for ; i < len(edits) && edits[i].off <= end; i++ {
			patched.Write(src[last:edits[i].off])
			patched.WriteString(edits[i].text)
			last = edits[i].end
			if last > end { // an edit over several lines (a call replaced whole): to the end of its last
				if e := bytes.IndexByte(src[last:], '\n'); e >= 0 {
					end = last + e
				} else {
					end = len(src)
				}
			}
		}
		patched.Write(src[last:end])
		fmt.Fprintf(&b, "\n@@ %s:%d\n-%s\n+%s\n", base, line, src[start:end], strip.Replace(patched.String()))
	}
	if a.tail != "" {
		fmt.Fprintf(&b, "\n@@ appended\n%s", strip.Replace(a.tail))
	}
	return []byte(b.String())
}
