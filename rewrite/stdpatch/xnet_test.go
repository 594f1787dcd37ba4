package stdpatch

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// xnetVersions are the golang.org/x/net releases whose http2 the patch is
// checked against: the oldest supported, the versions on each side of a
// change to a hook point (readMetaFrame's result v0.25, serveConn v0.26,
// ReadFrameForHeader v0.47), vegeta's pin (v0.27), the project's pin and
// the newest known.
var xnetVersions = []string{
	"v0.17.0", "v0.20.0", "v0.23.0", "v0.24.0", "v0.25.0", "v0.26.0", "v0.27.0", "v0.30.0",
	"v0.35.0", "v0.40.0", "v0.46.0", "v0.47.0", "v0.50.0", "v0.62.0", "v0.63.0",
}

// downloadXNet puts the given x/net versions in the module cache (a no-op
// for those already there) and returns each one's directory.
func downloadXNet(t *testing.T, versions []string) map[string]string {
	t.Helper()
	args := []string{"mod", "download", "-json"}
	for _, v := range versions {
		args = append(args, "golang.org/x/net@"+v)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = t.TempDir() // outside any module: the versions are explicit
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	dec := json.NewDecoder(strings.NewReader(string(out)))
	dirs := map[string]string{}
	for {
		var m struct{ Version, Dir, Error string }
		if dec.Decode(&m) != nil {
			break
		}
		if m.Error != "" {
			t.Fatalf("go mod download golang.org/x/net@%s: %s", m.Version, m.Error)
		}
		dirs[m.Version] = m.Dir
	}
	if err != nil || len(dirs) != len(versions) {
		t.Fatalf("go %s: %v (%d of %d versions)", strings.Join(args, " "), err, len(dirs), len(versions))
	}
	return dirs
}

// goFilesFor lists the non-test Go files of dir that a build on linux/amd64
// with Go 1.minor and the build tags compiles (x/net's files are split by
// Go release tags).
func goFilesFor(t *testing.T, dir string, minor int, tags []string) []string {
	t.Helper()
	ctx := build.Default
	ctx.GOOS, ctx.GOARCH, ctx.CgoEnabled = "linux", "amd64", false
	ctx.BuildTags = tags
	ctx.ReleaseTags = nil
	for i := 1; i <= minor; i++ {
		ctx.ReleaseTags = append(ctx.ReleaseTags, fmt.Sprintf("go1.%d", i))
	}
	p, err := ctx.ImportDir(dir, 0)
	if err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	var files []string
	for _, f := range p.GoFiles {
		files = append(files, filepath.Join(dir, f))
	}
	return files
}

// TestPatchXNetVersions runs the patch over x/net/http2 of every version in
// xnetVersions, as Go 1.26 and Go 1.27 (with and without -tags
// http2legacy) compile it, and checks that every hook point is found (the
// helpers and each hook's call are there), that the replaced files keep
// their lines, and that Module names the version.
func TestPatchXNetVersions(t *testing.T) {
	dirs := downloadXNet(t, xnetVersions)
	builds := []struct {
		minor int
		tags  []string
	}{{26, nil}, {27, nil}, {27, []string{"http2legacy"}}}
	for _, v := range xnetVersions {
		for _, b := range builds {
			files := goFilesFor(t, filepath.Join(dirs[v], "http2"), b.minor, b.tags)
			goVersion := fmt.Sprintf("go1.%d.0", b.minor)
			name := fmt.Sprintf("%s on %s %v", v, goVersion, b.tags)
			r, err := Patch(pkgXNetH2, files, goVersion)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if len(r.Missing) > 0 {
				t.Errorf("%s: %s", name, r.Warning(pkgXNetH2, goVersion))
			}
			if want := "golang.org/x/net " + v; r.Module != want {
				t.Errorf("%s: Module = %q, want %q", name, r.Module, want)
			}
			// x/net v0.17 compiles at go1.17: nothing the patch adds may
			// need a later language version (the predeclared any).
			go117 := goLineBefore118(t, dirs[v])
			var patched strings.Builder
			for path, content := range r.Replace {
				checkLineFidelity(t, path, content)
				patched.Write(content)
				if go117 && usesAny(t, path, content) {
					t.Errorf("%s: %s uses any, which needs go1.18", name, filepath.Base(path))
				}
			}
			added := string(r.Add[AddedFile])
			if _, err := parser.ParseFile(token.NewFileSet(), AddedFile, added, 0); err != nil {
				t.Errorf("%s: added file: %v", name, err)
			} else if go117 && usesAny(t, AddedFile, []byte(added)) {
				t.Errorf("%s: the added file uses any, which needs go1.18", name)
			}
			if !strings.Contains(added, "func (fr *Framer) gohttpdbgRead(") || !strings.Contains(added, "HTTP2Debug = level") {
				t.Errorf("%s: added file lacks the helpers or the http2debug takeover", name)
			}
			// Each hook point really got its call, whatever the version's
			// shape: the frame read before the parser, the trampolines, the
			// binding of client and server conns. x/net v0.62 on Go 1.27
			// wraps std's client and server (transport_wrap.go), which std's
			// patch binds: there only the Framer is x/net's own.
			want := []string{".gohttpdbgRead(", "fr.gohttpdbgNew(", ".gohttpdbgReadError(err)", ".gohttpdbgWrote(err)", ".gohttpdbgHeaders("}
			bind := []string{"cc.fr.gohttpdbgBind(", "fr.gohttpdbgBind(c, false); defer fr.gohttpdbgDone()", ".cc.fr.gohttpdbgDone()"}
			p := patched.String()
			if hasFile(files, "transport_wrap.go") {
				for _, w := range bind {
					if strings.Contains(p, w) {
						t.Errorf("%s: std's wrapper bound in x/net: %q", name, w)
					}
				}
			} else {
				want = append(want, bind...)
			}
			for _, w := range want {
				if !strings.Contains(p, w) {
					t.Errorf("%s: patched files lack %q", name, w)
				}
			}
		}
	}
}

// goLineBefore118 reports whether the module in dir declares a Go version
// before 1.18 in its go.mod.
func goLineBefore118(t *testing.T, dir string) bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "go" {
			var minor int
			fmt.Sscanf(f[1], "1.%d", &minor)
			return minor < 18
		}
	}
	return true
}

// usesAny reports whether a Go file names the identifier any.
func usesAny(t *testing.T, name string, src []byte) bool {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Name == "any" {
			found = true
		}
		return !found
	})
	return found
}

func hasFile(files []string, base string) bool {
	for _, f := range files {
		if filepath.Base(f) == base {
			return true
		}
	}
	return false
}

// TestXNetWarningNamesVersion: an x/net whose hook points cannot be found
// is named by its module version in the warning, not by the Go release,
// with what goes unseen.
func TestXNetWarningNamesVersion(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mod", "golang.org", "x", "net@v0.99.0", "http2")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// A Framer with its state fields but neither ReadFrameForHeader nor
	// ReadFrame, and no endWrite.
	src := "package http2\n\nimport (\n\t\"io\"\n\t\"net/http\"\n)\n\nvar _ = http.MethodGet\n\n" +
		"type Framer struct {\n\terrDetail error\n\twbuf []byte\n\tw io.Writer\n\tr io.Reader\n}\n\n" +
		"func NewFramer(w io.Writer, r io.Reader) *Framer { return &Framer{w: w, r: r} }\n"
	p := filepath.Join(dir, "frame.go")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Patch(pkgXNetH2, []string{p}, "go1.26.8")
	if err != nil {
		t.Fatal(err)
	}
	w := r.Warning(pkgXNetH2, "go1.26.8")
	for _, want := range []string{"gohttpdbg: golang.org/x/net v0.99.0: http2 has no ", "(*Framer).ReadFrame", "frames read are not seen",
		"(*Framer).endWrite", "frames written are not seen"} {
		if !strings.Contains(w, want) {
			t.Errorf("warning %q lacks %q", w, want)
		}
	}
	if strings.Contains(w, "go1.26") {
		t.Errorf("warning names the Go release: %q", w)
	}
	if len(r.Lost) != len(r.Missing) {
		t.Errorf("Lost %v does not match Missing %v", r.Lost, r.Missing)
	}
	// std's warning still names the Go release.
	sr := &Result{Missing: []string{"(*conn).readRequest"}, Lost: []string{""}}
	if got, want := sr.Warning("net/http", "go1.26.8"), "gohttpdbg: net/http of go1.26.8 has no (*conn).readRequest; building without that hook"; got != want {
		t.Errorf("std warning %q, want %q", got, want)
	}
}

func TestXNetModule(t *testing.T) {
	vendor := t.TempDir()
	if err := os.MkdirAll(filepath.Join(vendor, "vendor"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(vendor, "vendor", "modules.txt"), []byte("# golang.org/x/net v0.27.0\n## explicit; go 1.18\ngolang.org/x/net/http2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"/root/go/pkg/mod/golang.org/x/net@v0.27.0/http2/frame.go":                "golang.org/x/net v0.27.0",
		filepath.Join(vendor, "vendor/golang.org/x/net/http2/frame.go"):           "golang.org/x/net v0.27.0 (vendored)",
		"/src/net/http2/frame.go":                                                 "golang.org/x/net (/src/net)",
		"/root/go/pkg/mod/golang.org/x/net@v0.0.0-20230101-abcdef/http2/frame.go": "golang.org/x/net v0.0.0-20230101-abcdef",
	}
	var keys []string
	for k := range cases {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if got := xnetModule(filepath.FromSlash(k)); got != cases[k] {
			t.Errorf("xnetModule(%q) = %q, want %q", k, got, cases[k])
		}
	}
}
