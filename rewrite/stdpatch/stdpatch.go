package stdpatch

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/gohttpdbg/gohttpdbg/internal/buildcache"
)

// Import paths of the packages the patch knows.
const (
	pkgNetHTTP    = "net/http"
	pkgInternalH2 = "net/http/internal/http2"
	pkgXNetH2     = "golang.org/x/net/http2"
)

// AddedFile is the base name of the file Patch adds to each patched package.
const AddedFile = "zz_gohttpdbg_stdpatch.go"

// patchRevision changes whenever the patch logic changes in a way the
// templates below do not show; it is part of ID.
const patchRevision = "stdpatch/2"

// Result is the patched form of one package's compile invocation.
type Result struct {
	// Replace maps an original absolute file path to its new content. The
	// content starts with a //line directive naming the original path and
	// keeps every original line at its number.
	Replace map[string][]byte
	// Add maps a new file's base name to its content, to be compiled into
	// the package. It imports only packages the package already imports.
	Add map[string][]byte
	// Missing lists the hook points not found ("(*http2Framer).ReadFrame");
	// the build goes on without them.
	Missing []string
	// Lost says, for each entry of Missing, what goes unseen without it
	// ("frames read are not seen"), or "".
	Lost []string
	// Module names the module and version patched when the package is not
	// part of the Go release ("golang.org/x/net v0.27.0"), from its source
	// paths.
	Module string
}

// Warning is the build's message for the hook points the package lacks,
// naming the Go release for std and the module version for x/net; "" when
// nothing is missing.
func (r *Result) Warning(pkgPath, goVersion string) string {
	if len(r.Missing) == 0 {
		return ""
	}
	subject := pkgPath + " of " + goVersion
	if r.Module != "" {
		mod, _, _ := strings.Cut(r.Module, " ")
		subject = r.Module + ": " + strings.TrimPrefix(strings.TrimPrefix(pkgPath, mod), "/")
	}
	var effects []string
	seen := map[string]bool{}
	said := 0
	for i := range r.Missing {
		if i < len(r.Lost) && r.Lost[i] != "" {
			said++
			if e := r.Lost[i]; !seen[e] {
				seen[e] = true
				effects = append(effects, e)
			}
		}
	}
	if said < len(r.Missing) {
		effects = append(effects, map[bool]string{true: "building without that hook", false: "building without those hooks"}[len(r.Missing) == 1])
	}
	return "gohttpdbg: " + subject + " has no " + strings.Join(r.Missing, ", ") + "; " + strings.Join(effects, "; ")
}

// Targets lists the import paths whose compile step is patched for the Go
// release goVersion ("go1.26.8", "go1.27.3", "devel go1.28-…").
func Targets(goVersion string) []string {
	if goMinor(goVersion) >= 27 {
		return []string{pkgNetHTTP, pkgInternalH2, pkgXNetH2}
	}
	return []string{pkgNetHTTP, pkgXNetH2}
}

// goMinor returns the minor version of a Go release string, or 0.
func goMinor(v string) int {
	i := strings.Index(v, "go1.")
	if i < 0 {
		return 0
	}
	v = v[i+len("go1."):]
	j := 0
	for j < len(v) && v[j] >= '0' && v[j] <= '9' {
		j++
	}
	n, _ := strconv.Atoi(v[:j])
	return n
}

// sources is this package's own source: its hook point tables, templates,
// and the finders that place them (code, which the tables cannot show).
//
//go:embed *.go
var sources embed.FS

// ID identifies the patch logic: the templates and revision, and the
// package's own source (sourcesID), so that two gohttpdbg builds whose
// patches differ in any way have different IDs.
func ID() string {
	h := sha256.New()
	h.Write([]byte(sourcesID()))
	h.Write([]byte{0})
	for _, s := range []string{patchRevision, h2Helpers, h2HookSet, http1HookSet, captureHelper, serverRejectHelper,
		clientReadErrorHelper, clientHookedHelper, peekHelper, answerH1Helper, answerH2Helper, wiringSource, SelfTestSource,
		bodyReadHelper, bodyCloseHelper, bodyUseHelper, bodyStateHelper, h2BodyHelper, ptrHelper, connIDHelper, h2EventsHelper, h2EventsHookedHelper, altHelper, connStateHelper} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	for _, set := range []hookSet{h2Hooks, http1Hooks} {
		for _, p := range set.points {
			fmt.Fprintf(h, "%d %s %s %s %t %q %q %q %q %s %s %s %+v\x00", p.kind, p.recv, p.fn, p.alt, p.value, p.params, p.results, p.needs,
				p.lost, p.requires, p.group, p.label, p.call)
			h.Write([]byte(p.field + "\x00"))
			if p.code != nil {
				h.Write([]byte(p.code.Tree.Root.String()))
			}
		}
	}
	return "sp1-" + hex.EncodeToString(h.Sum(nil))[:16]
}

// patchState collects the missing hook points of one Patch call.
type patchState struct {
	miss []string
	lost []string // what each missing point costs, or ""

	trace   bool          // record what each hook point changed (golden tests)
	applied []appliedHook // what each hook point changed, when trace
}

func (s *patchState) missing(names ...string) { s.lose("", names...) }

// lose records missing hook points and what goes unseen without them.
func (s *patchState) lose(effect string, names ...string) {
	for _, n := range names {
		s.miss = append(s.miss, n)
		s.lost = append(s.lost, effect)
	}
}

// Patch patches one compile invocation of package pkgPath whose Go files are
// goFiles (absolute paths, read-only). A package that is not a target gets
// an empty Result. Results are cached on disk by file content and ID.
func Patch(pkgPath string, goFiles []string, goVersion string) (*Result, error) {
	switch pkgPath {
	case pkgNetHTTP, pkgInternalH2, pkgXNetH2:
	default:
		return &Result{}, nil
	}
	pk, err := loadPkg(goFiles)
	if err != nil {
		return nil, fmt.Errorf("stdpatch: %v", err)
	}
	key := cacheKey(pkgPath, goVersion, pk)
	if r := cacheGet(key); r != nil {
		return r, nil
	}
	r, err := patch(pkgPath, pk, &patchState{})
	if err != nil {
		return nil, fmt.Errorf("stdpatch: %s: %v", pkgPath, err)
	}
	cachePut(key, r)
	return r, nil
}

func patch(pkgPath string, pk *pkgFiles, st *patchState) (*Result, error) {
	var add strings.Builder
	switch pkgPath {
	case pkgNetHTTP:
		add.WriteString(http1HookSet)
		h, err := patchHTTP1(pk, st)
		if err != nil {
			return nil, err
		}
		add.WriteString(h)
		if pk.hasFile("h2_bundle.go") {
			add.WriteString(run(tmpl(h2HookSet), struct{ N string }{"GohttpdbgH2HookSet"}))
			add.WriteString("\nvar gohttpdbgH2Hooks GohttpdbgH2HookSet\n\n// GohttpdbgH2 is the HTTP/2 hook set.\nvar GohttpdbgH2 = &gohttpdbgH2Hooks\n")
			h, err := patchH2(pk, h2Names{p: "http2", hooks: "gohttpdbgH2Hooks"}, st)
			if err != nil {
				return nil, err
			}
			add.WriteString(h)
		} else if pk.imports(pkgInternalH2) {
			add.WriteString("\n// GohttpdbgH2 is the HTTP/2 hook set (in net/http/internal/http2).\nvar GohttpdbgH2 = &http2.GohttpdbgHooks\n")
			if pk.hasFields("http2ServerConfig", "s") {
				add.WriteString(h2ServerConfigHelper)
			}
		} else {
			// No HTTP/2 here: keep the hook set so the wiring compiles.
			add.WriteString(run(tmpl(h2HookSet), struct{ N string }{"GohttpdbgH2HookSet"}))
			add.WriteString("\n// GohttpdbgH2 is the HTTP/2 hook set.\nvar GohttpdbgH2 = new(GohttpdbgH2HookSet)\n")
			st.missing("HTTP/2 (built with -tags nethttpomithttp2?)")
		}
	case pkgInternalH2:
		add.WriteString(run(tmpl(h2HookSet), struct{ N string }{"GohttpdbgHookSet"}))
		add.WriteString("\n// GohttpdbgHooks is the HTTP/2 hook set; net/http exports it as GohttpdbgH2.\nvar GohttpdbgHooks GohttpdbgHookSet\n")
		h, err := patchH2(pk, h2Names{hooks: "GohttpdbgHooks"}, st)
		if err != nil {
			return nil, err
		}
		add.WriteString(h)
	case pkgXNetH2:
		h, err := patchH2(pk, h2Names{hooks: "http.GohttpdbgH2", xnet: true}, st)
		if err != nil {
			return nil, err
		}
		if h != "" && !pk.imports("net/http") {
			return nil, fmt.Errorf("package does not import net/http")
		}
		add.WriteString(h)
	}
	r := &Result{Missing: st.miss, Lost: st.lost}
	if pkgPath == pkgXNetH2 && len(pk.files) > 0 {
		r.Module = xnetModule(pk.files[0].path)
	}
	for _, f := range pk.touched() {
		if r.Replace == nil {
			r.Replace = map[string][]byte{}
		}
		r.Replace[f.path] = f.content()
	}
	if add.Len() > 0 && len(pk.files) > 0 {
		// Positions in the added file name the package directory, wherever
		// the toolexec program writes it.
		p0 := pk.files[0].path
		dir := p0[:len(p0)-len(baseName(p0))]
		r.Add = map[string][]byte{AddedFile: addedFile(pkgName(pk), dir+AddedFile, add.String())}
	}
	return r, nil
}

func pkgName(pk *pkgFiles) string {
	for _, f := range pk.files {
		if f.file != nil {
			return f.file.Name.Name
		}
	}
	if len(pk.files) > 0 {
		if err := pk.files[0].parse(); err == nil {
			return pk.files[0].file.Name.Name
		}
	}
	return "http"
}

// addedFile assembles the added file, importing the packages its body
// refers to (found by parsing it: only selectors of the known names count).
func addedFile(pkg, path, body string) []byte {
	used := map[string]bool{}
	if f, err := parser.ParseFile(token.NewFileSet(), "", "package p\n"+body, parser.SkipObjectResolution); err == nil {
		ast.Inspect(f, func(n ast.Node) bool {
			if se, ok := n.(*ast.SelectorExpr); ok {
				if id, ok := se.X.(*ast.Ident); ok {
					used[id.Name] = true
				}
			}
			return true
		})
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "//line %s:1:1\n", path)
	b.WriteString("// Code generated by gohttpdbg (rewrite/stdpatch). DO NOT EDIT.\n\n")
	fmt.Fprintf(&b, "package %s\n\n", pkg)
	var imps []string
	for _, c := range []struct{ name, path string }{
		{"bufio", "bufio"}, {"context", "context"}, {"tls", "crypto/tls"}, {"io", "io"}, {"net", "net"}, {"atomic", "sync/atomic"}, {"time", "time"}, {"unsafe", "unsafe"},
		{"strconv", "strconv"}, {"slices", "slices"}, {"textproto", "net/textproto"}, {"httpguts", "golang.org/x/net/http/httpguts"},
		{"http", "net/http"}, {"httptrace", "net/http/httptrace"}, {"http2", pkgInternalH2},
	} {
		if used[c.name] && !(c.name == pkg) {
			imps = append(imps, strconv.Quote(c.path))
		}
	}
	if len(imps) > 0 {
		b.WriteString("import (\n\t" + strings.Join(imps, "\n\t") + "\n)\n")
	}
	b.WriteString(body)
	return b.Bytes()
}

func (p *pkgFiles) hasFile(base string) bool {
	for _, f := range p.files {
		if baseName(f.path) == base {
			return true
		}
	}
	return false
}

// imports reports whether a file of the package imports path.
func (p *pkgFiles) imports(path string) bool {
	q := []byte(strconv.Quote(path))
	for _, f := range p.files {
		if !bytes.Contains(f.src, q) {
			continue
		}
		if f.parse() != nil {
			continue
		}
		for _, im := range f.file.Imports {
			if im.Path.Value == string(q) {
				return true
			}
		}
	}
	return false
}

// sourcesID hashes the package's non-test source files (sources).
var sourcesID = sync.OnceValue(func() string { return hashSources(sources) })

func hashSources(fsys fs.FS) string {
	names, _ := fs.Glob(fsys, "*.go")
	sort.Strings(names)
	h := sha256.New()
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			continue
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// The disk cache: Patch runs inside a compile step, and decorating
// h2_bundle.go is the slow part (a few hundred ms), so results are kept by
// what determines them: the patch (ID, the modules and Go release
// gohttpdbg was built with: the parser and dst that find the hook points),
// the package, the Go release and GOROOT it is compiled for, and its
// files' paths and contents. Two gohttpdbg builds share an entry only if
// they patch alike; another Go or GOROOT never reads this one's.
var cacheDisabled = os.Getenv("GOHTTPDBG_STDPATCH_NOCACHE") != ""

// toolID is what of the running gohttpdbg build the patch depends on
// beyond its own source: the Go release it was built with and its
// modules' versions and sums.
var toolID = sync.OnceValue(func() string {
	var b strings.Builder
	b.WriteString(runtime.Version())
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Replace != nil {
				m = m.Replace
			}
			fmt.Fprintf(&b, "\x00%s@%s %s", m.Path, m.Version, m.Sum)
		}
	}
	return b.String()
})

func cacheKey(pkgPath, goVersion string, pk *pkgFiles) string {
	return cacheKeyOf(ID(), toolID(), pkgPath, goVersion, goroot(pkgPath, pk), pk)
}

func cacheKeyOf(patchID, tool, pkgPath, goVersion, goroot string, pk *pkgFiles) string {
	h := sha256.New()
	for _, s := range []string{patchID, tool, pkgPath, goVersion, goroot} {
		fmt.Fprintf(h, "%d:%s\x00", len(s), s)
	}
	for _, f := range pk.files {
		s := sha256.Sum256(f.src)
		fmt.Fprintf(h, "%s\x00%x\x00", f.path, s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// goroot is the GOROOT a std package's files are in ("" for x/net's).
func goroot(pkgPath string, pk *pkgFiles) string {
	if len(pk.files) == 0 {
		return ""
	}
	dir := filepath.ToSlash(filepath.Dir(pk.files[0].path))
	if root, ok := strings.CutSuffix(dir, "/src/"+pkgPath); ok {
		return root
	}
	return ""
}

// cacheDir is the results' directory in gohttpdbg's cache (GOHTTPDBG_CACHE,
// else the user's cache directory).
func cacheDir() string {
	d, err := buildcache.Dir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "stdpatch")
}

func cacheGet(key string) *Result {
	dir := cacheDir()
	if cacheDisabled || dir == "" {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(dir, key+".gob"))
	if err != nil {
		return nil
	}
	var r Result
	if gob.NewDecoder(bytes.NewReader(b)).Decode(&r) != nil {
		return nil
	}
	return &r
}

func cachePut(key string, r *Result) {
	dir := cacheDir()
	if cacheDisabled || dir == "" {
		return
	}
	var b bytes.Buffer
	if gob.NewEncoder(&b).Encode(r) != nil {
		return
	}
	if os.MkdirAll(dir, 0o755) != nil {
		return
	}
	tmp, err := os.CreateTemp(dir, key+".*.tmp")
	if err != nil {
		return
	}
	_, werr := tmp.Write(b.Bytes())
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), filepath.Join(dir, key+".gob")) != nil {
		os.Remove(tmp.Name())
	}
}
