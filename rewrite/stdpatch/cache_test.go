package stdpatch

import (
	"bytes"
	"encoding/gob"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// The patch's ID covers the package's whole source, finders included: two
// gohttpdbg builds whose patches differ in any file (not only in the
// tables' templates) have different IDs, and so different cache keys.
func TestIDCoversItsSource(t *testing.T) {
	disk := os.DirFS(".")
	if got := hashSources(disk); got != sourcesID() {
		t.Fatal("the embedded source differs from the package's files: a source file is not part of ID")
	}
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	copyFS := fstest.MapFS{}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		copyFS[n] = &fstest.MapFile{Data: b}
	}
	base := hashSources(copyFS)
	for _, n := range names {
		f := copyFS[n]
		orig := f.Data
		f.Data = append(bytes.Clone(orig), '\n')
		changed := hashSources(copyFS) != base
		f.Data = orig
		if test := strings.HasSuffix(n, "_test.go"); changed == test {
			t.Errorf("%s: a change changes the ID: %v, want %v", n, changed, !test)
		}
	}
}

// A cache key changes with each thing that determines the patched source:
// the patch, the tool's build, the package, the Go release, GOROOT and the
// files; it does not change otherwise.
func TestCacheKeyDeterminants(t *testing.T) {
	files := func(root, content string) *pkgFiles {
		return &pkgFiles{files: []*srcFile{{path: root + "/src/net/http/transport.go", src: []byte(content)}}}
	}
	key := func(patch, tool, pkg, ver, root, content string) string {
		pk := files(root, content)
		return cacheKeyOf(patch, tool, pkg, ver, goroot(pkg, pk), pk)
	}
	base := key("sp1-a", "go1.26.8", "net/http", "go1.26.8", "/usr/local/go", "package http")
	if again := key("sp1-a", "go1.26.8", "net/http", "go1.26.8", "/usr/local/go", "package http"); again != base {
		t.Fatal("the key of the same inputs changed")
	}
	for name, k := range map[string]string{
		"patch":      key("sp1-b", "go1.26.8", "net/http", "go1.26.8", "/usr/local/go", "package http"),
		"tool build": key("sp1-a", "go1.27.3", "net/http", "go1.26.8", "/usr/local/go", "package http"),
		"package":    key("sp1-a", "go1.26.8", "net/http/internal/http2", "go1.26.8", "/usr/local/go", "package http"),
		"Go release": key("sp1-a", "go1.26.8", "net/http", "go1.27.3", "/usr/local/go", "package http"),
		"GOROOT":     key("sp1-a", "go1.26.8", "net/http", "go1.26.8", "/opt/go", "package http"),
		"content":    key("sp1-a", "go1.26.8", "net/http", "go1.26.8", "/usr/local/go", "package http // x"),
	} {
		if k == base {
			t.Errorf("another %s gives the same key", name)
		}
	}
	if got := goroot("net/http", files("/opt/go", "")); got != "/opt/go" {
		t.Errorf("goroot = %q, want /opt/go", got)
	}
	xnet := &pkgFiles{files: []*srcFile{{path: "/m/golang.org/x/net@v0.40.0/http2/frame.go"}}}
	if got := goroot("golang.org/x/net/http2", xnet); got != "" {
		t.Errorf("goroot of x/net = %q, want none", got)
	}
}

// The results are kept in gohttpdbg's cache directory (GOHTTPDBG_CACHE),
// and a result stored for one Go release is not read for another.
func TestDiskCacheByRelease(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("GOHTTPDBG_CACHE", dir)
	cacheDisabled = false
	defer func() { cacheDisabled = true }()
	e := goEnv{name: "local"}
	files := listFiles(t, e, "net/http")
	v := goVersion(t, e)
	if _, err := Patch("net/http", files, v); err != nil {
		t.Fatal(err)
	}
	ents, _ := filepath.Glob(filepath.Join(dir, "stdpatch", "*.gob"))
	if len(ents) != 1 {
		t.Fatalf("%d results in GOHTTPDBG_CACHE, want 1", len(ents))
	}
	// Mark the stored result: a Patch that reads it says so.
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(&Result{Missing: []string{"marked"}, Lost: []string{""}}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ents[0], b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Patch("net/http", files, v)
	if err != nil || len(r.Missing) != 1 || r.Missing[0] != "marked" {
		t.Fatalf("the same release does not read its stored result: %v %v", r, err)
	}
	r, err = Patch("net/http", files, v+".1")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Missing) > 0 {
		t.Fatalf("another release read the stored result: missing %v", r.Missing)
	}
}
