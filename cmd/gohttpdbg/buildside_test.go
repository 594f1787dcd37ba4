package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// buildSide are the packages of the build-time side (every package below
// each directory, testdata aside) and the files of this command that run
// builds.
var (
	buildSideDirs  = []string{"buildplan", "goflags", "modgraph", "toolexec", "internal/buildcache", "rewrite"}
	buildSideFiles = []string{"cmd/gohttpdbg/build.go"}
)

// maxFuncLines is how long a function of the build side may be, from its
// func line to its closing brace: a step longer than that does more than
// one thing, and is split into named steps (as buildplan.Prepare is).
const maxFuncLines = 80

// buildSidePackages parses the non-test files of the build side, by
// package directory (relative to the repository).
func buildSidePackages(t *testing.T) (*token.FileSet, map[string][]*ast.File) {
	t.Helper()
	fset := token.NewFileSet()
	pkgs := map[string][]*ast.File{}
	add := func(path string) {
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(repoRoot, filepath.Dir(path))
		pkgs[filepath.ToSlash(rel)] = append(pkgs[filepath.ToSlash(rel)], f)
	}
	for _, dir := range buildSideDirs {
		err := filepath.WalkDir(filepath.Join(repoRoot, dir), func(path string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case d.IsDir() && d.Name() == "testdata":
				return filepath.SkipDir
			case !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go"):
				add(path)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, file := range buildSideFiles {
		add(filepath.Join(repoRoot, filepath.FromSlash(file)))
	}
	return fset, pkgs
}

// TestBuildSideFunctionsShort: no function of the build side is longer
// than maxFuncLines.
func TestBuildSideFunctionsShort(t *testing.T) {
	t.Parallel()
	fset, pkgs := buildSidePackages(t)
	n := 0
	for _, files := range pkgs {
		for _, f := range files {
			for _, decl := range f.Decls {
				fd, ok := decl.(*ast.FuncDecl)
				if !ok || fd.Body == nil {
					continue
				}
				n++
				start, end := fset.Position(fd.Pos()), fset.Position(fd.End())
				if lines := end.Line - start.Line + 1; lines > maxFuncLines {
					rel, _ := filepath.Rel(repoRoot, start.Filename)
					t.Errorf("%s:%d: %s is %d lines (at most %d): split it into named steps", rel, start.Line, fd.Name.Name, lines, maxFuncLines)
				}
			}
		}
	}
	if n < 200 {
		t.Fatalf("only %d functions found in the build side: the directories moved?", n)
	}
}

// TestBuildSidePackagesSayWhatTheyOwn: each build-side package has a doc
// comment, and its first sentence names the package ("Package x ...").
func TestBuildSidePackagesSayWhatTheyOwn(t *testing.T) {
	t.Parallel()
	_, pkgs := buildSidePackages(t)
	for dir, files := range pkgs {
		if dir == "cmd/gohttpdbg" {
			continue // a command: its doc is main.go's, checked by go vet's rules
		}
		name, doc := files[0].Name.Name, ""
		for _, f := range files {
			if f.Doc != nil {
				if doc != "" {
					t.Errorf("%s: more than one package doc comment", dir)
				}
				doc = f.Doc.Text()
			}
		}
		if !strings.HasPrefix(doc, "Package "+name+" ") {
			t.Errorf("%s: package doc comment should start %q, got %q", dir, "Package "+name+" ", firstLine(doc))
		}
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
