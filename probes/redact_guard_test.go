package probes

import (
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// readsRequestData lists the functions of the runtime, outside redact*.go,
// allowed to read the parts of a request or response that carry secrets
// (a URL's path, query, fragment and user info, header values, cookies,
// forms), each with why it does not need Redact. Any other reader fails
// TestOneRedactionEntry: a new output has to render through Redact,
// RedactHeader or RedactURL, or be added here with its reason.
var readsRequestData = map[string]string{
	// Copy a header's fields for AddHeader, which renders them through
	// formatFields → RedactHeader.
	"probes/header.go:headerFields":       "copies the fields that formatFields redacts",
	"probes/header.go:appendHeaderFields": "copies the fields that formatFields redacts",
	"probes/event.go:AddHeader":           "packs the fields that formatFields redacts once unpacked",
	"probes/event.go:AddHeaderKeep":       "packs the fields that formatFields redacts once unpacked, and keeps them for the journal, which redacts at export",
	"probes/event.go:AddSizedHeader":      "packs the fields that formatFields redacts once unpacked (and sizes them)",
	// Sizes, not values.
	"probes/header.go:HeaderSize":         "sums lengths",
	"probes/exchange.go:ServedHeaderSize": "the request's size: len(RequestURI)",
	// The admin socket's own requests (filters, the writable check), not
	// the program's traffic.
	"runtimehooks/admin/events.go:handleEvents": "reads its own query's filters",
	"runtimehooks/admin/server.go:writable":     "reads its own request's path",
	"runtimehooks/admin/server.go:routes":       "routes its own request's path",
	// Hands the form to net/http, shows nothing.
	"runtimehooks/gohttpdbgrt/client.go:ClientPostForm": "encodes the body it sends",
	// The journal: sizes, a capture rule's matching and the body's
	// Content-Type, never shown; headers kept go through RedactHeader.
	"probes/exchange.go:JournalClientStart":    "copies the URL's parts into the record, which export renders",
	"probes/exchange.go:JournalServerStart":    "sizes; copies the target into the record, which export renders",
	"probes/exchange.go:clientStartRareLocked": "copies the URL's parts into the record; the capture rule's match on the path, the Content-Type",
	"probes/exchange.go:clientResponseRare":    "sizes; the response's Content-Type, for a capture",
	"probes/exchange.go:clientLineSize":        "sizes",
	"probes/exchange.go:serverEndRareLocked":   "the response's Content-Type, for a capture",
	"probes/exchange.go:serverStartRareLocked": "copies the target into the record; the capture rule's match on the path, the Content-Type",
	"probes/exchange.go:appendFields":          "copies the fields that export redacts (exportFields)",
	"probes/exchange.go:appendFieldsSized":     "copies the fields that export redacts (exportFields), and sums their size",
	"probes/exchange.go:export":                "renders the URL and the path through RedactURL",
	"probes/exchange.go:setURL":                "copies the URL's parts into the record, which export renders",
	"probes/exchange.go:setURLRare":            "copies the URL's parts into the record, which export renders",
	"probes/exchange.go:url":                   "rebuilds the record's URL for export, which renders it",
	// Parse a URL that RedactURL already rendered.
	"probes/curl.go:curlURL": "parses the record's redacted URL to make its redacted values variables",
	"probes/har.go:harEntry": "parses the record's redacted URL for HAR's queryString",
	// Applies the capture rule's field redaction to a form body.
	"probes/bodycapture.go:redactForm": "redacts a captured form body field by field",
	// The OTLP sink: trace context, and spans rendered through RedactURL.
	"probes/otlpsink.go:FillSpan":        "renders url.full, url.path and url.query through RedactURL",
	"probes/otlpsink.go:EndServerSpan":   "keeps the path and query for FillSpan, which redacts them",
	"probes/otlpsink.go:StartClientSpan": "reads and sets traceparent only",
	"probes/otlpsink.go:headerValue":     "reads traceparent only",
	"probes/otlp/export.go:post":         "the Collector's own Retry-After",
	// The admin socket's own requests.
	"runtimehooks/admin/requests.go:handleRequest":  "reads its own request's path (the id)",
	"runtimehooks/admin/requests.go:handleRequests": "reads its own query's filters",
	"runtimehooks/admin/requests.go:parseFilter":    "reads its own query's filters",
}

// TestOneRedactionEntry type-checks the runtime (probes, runtimehooks and
// their sub-packages) and fails on any function, outside redact*.go and
// readsRequestData, that reads what carries secrets: the path, query,
// fragment, user info or String of a net/url.URL, url.Values and
// url.Userinfo, http.Header's values (Get, Values, indexing, ranging),
// http.Cookie, a Request's RequestURI and forms; or hands one of those
// types to fmt or log, which would print it.
func TestOneRedactionEntry(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks the runtime")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	g := &guard{root: root, fset: token.NewFileSet(), pkgs: map[string]*types.Package{},
		std: importer.ForCompiler(token.NewFileSet(), "gc", nil), found: map[string]bool{}}
	var dirs []string
	for _, top := range []string{"probes", "runtimehooks"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	checked := 0
	for _, dir := range dirs {
		bp, err := build.Default.ImportDir(dir, 0)
		if err != nil {
			continue // no Go files
		}
		if err := g.check(dir, bp.GoFiles); err != nil {
			t.Fatal(err)
		}
		checked++
	}
	if checked < 5 {
		t.Fatalf("checked %d packages: the walk found too few", checked)
	}
	var bad []string
	for k := range g.found {
		if _, ok := readsRequestData[strings.SplitN(k, " ", 2)[0]]; !ok {
			bad = append(bad, k)
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Errorf("%s: render it through probes.Redact (or RedactHeader, RedactURL), or list the function in readsRequestData with why it need not", b)
	}
	for k := range readsRequestData {
		used := false
		for f := range g.found {
			used = used || strings.HasPrefix(f, k+" ")
		}
		if !used {
			t.Errorf("readsRequestData lists %s, which reads nothing any more: drop it", k)
		}
	}
}

type guard struct {
	root  string
	fset  *token.FileSet
	pkgs  map[string]*types.Package // by import path, the module's own
	std   types.Importer
	found map[string]bool // "file:Func what"
}

const modulePath = "github.com/gohttpdbg/gohttpdbg"

func (g *guard) Import(path string) (*types.Package, error) {
	if p, ok := g.pkgs[path]; ok {
		return p, nil
	}
	if rel, ok := strings.CutPrefix(path, modulePath+"/"); ok {
		dir := filepath.Join(g.root, filepath.FromSlash(rel))
		bp, err := build.Default.ImportDir(dir, 0)
		if err != nil {
			return nil, err
		}
		if err := g.check(dir, bp.GoFiles); err != nil {
			return nil, err
		}
		return g.pkgs[path], nil
	}
	return g.std.Import(path)
}

// check type-checks the package in dir (once) and records what its
// functions read.
func (g *guard) check(dir string, names []string) error {
	rel, _ := filepath.Rel(g.root, dir)
	path := modulePath + "/" + filepath.ToSlash(rel)
	if _, ok := g.pkgs[path]; ok {
		return nil
	}
	var files []*ast.File
	for _, n := range names {
		f, err := parser.ParseFile(g.fset, filepath.Join(dir, n), nil, 0)
		if err != nil {
			return err
		}
		files = append(files, f)
	}
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Selections: map[*ast.SelectorExpr]*types.Selection{}, Uses: map[*ast.Ident]types.Object{}}
	conf := types.Config{Importer: g}
	pkg, err := conf.Check(path, g.fset, files, info)
	if err != nil {
		return fmt.Errorf("type-checking %s: %v", path, err)
	}
	g.pkgs[path] = pkg
	for i, f := range files {
		file := filepath.ToSlash(filepath.Join(rel, names[i]))
		if filepath.ToSlash(rel) == "probes" && strings.HasPrefix(names[i], "redact") {
			continue // the implementation
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			where := file + ":" + fd.Name.Name
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if what := g.reads(n, info); what != "" {
					g.found[where+" "+what] = true
				}
				return true
			})
		}
	}
	return nil
}

// secretTypes are the types whose values carry secrets, by package and
// name; for url.URL and http.Request only the members listed are.
var secretTypes = map[string]map[string]bool{
	"net/url.URL": {"Path": true, "RawPath": true, "RawQuery": true, "Fragment": true, "RawFragment": true, "User": true,
		"Opaque": true, "String": true, "Redacted": true, "RequestURI": true, "EscapedPath": true, "EscapedFragment": true,
		"Query": true, "JoinPath": true, "MarshalBinary": true, "ResolveReference": true},
	"net/url.Values":    nil, // every member
	"net/url.Userinfo":  nil,
	"net/http.Header":   {"Get": true, "Values": true, "Clone": true, "Write": true, "WriteSubset": true},
	"net/http.Cookie":   nil,
	"net/http.Request":  {"RequestURI": true, "Form": true, "PostForm": true, "MultipartForm": true, "Cookies": true, "Cookie": true, "FormValue": true, "PostFormValue": true, "BasicAuth": true, "Referer": true, "Write": true, "WriteProxy": true},
	"net/http.Response": {"Cookies": true, "Location": true, "Write": true},
}

func typeName(t types.Type) string {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	if n, ok := t.(*types.Named); ok && n.Obj().Pkg() != nil {
		return n.Obj().Pkg().Path() + "." + n.Obj().Name()
	}
	return ""
}

func isSecretType(t types.Type) bool {
	_, ok := secretTypes[typeName(t)]
	return ok
}

// reads says what n reads of a secret-carrying type, "" if nothing.
func (g *guard) reads(n ast.Node, info *types.Info) string {
	switch n := n.(type) {
	case *ast.SelectorExpr:
		sel, ok := info.Selections[n]
		if !ok {
			return ""
		}
		tn := typeName(sel.Recv())
		members, secret := secretTypes[tn]
		if secret && (members == nil || members[n.Sel.Name]) {
			return tn + "." + n.Sel.Name
		}
	case *ast.IndexExpr:
		if tn := typeName(info.TypeOf(n.X)); tn == "net/http.Header" || tn == "net/url.Values" {
			return tn + "[…]"
		}
	case *ast.RangeStmt:
		if tn := typeName(info.TypeOf(n.X)); tn == "net/http.Header" || tn == "net/url.Values" {
			return "range " + tn
		}
	case *ast.CallExpr:
		fn, ok := n.Fun.(*ast.SelectorExpr)
		if !ok {
			return ""
		}
		obj := info.Uses[fn.Sel]
		if obj == nil || obj.Pkg() == nil || (obj.Pkg().Path() != "fmt" && obj.Pkg().Path() != "log") {
			return ""
		}
		for _, a := range n.Args {
			if isSecretType(info.TypeOf(a)) {
				return obj.Pkg().Path() + "." + obj.Name() + "(" + typeName(info.TypeOf(a)) + ")"
			}
		}
	}
	return ""
}
