package stdpatch

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"sort"
	"strings"

	"github.com/dave/dst"
	"github.com/dave/dst/decorator"
)

// srcFile is one Go file of the package being patched, parsed on demand,
// with the byte-offset edits decided so far.
type srcFile struct {
	path  string
	src   []byte
	fset  *token.FileSet
	file  *ast.File
	tfile *token.File
	dec   *decorator.Decorator

	edits []edit
	tail  bytes.Buffer // trampolines, appended after the original code
}

// edit replaces src[off:end] by text (end == off: insertion).
type edit struct {
	off, end int
	text     string
}

func loadFile(path string) (*srcFile, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return &srcFile{path: path, src: src}, nil
}

func (f *srcFile) parse() error {
	if f.file != nil {
		return nil
	}
	f.fset = token.NewFileSet()
	file, err := parser.ParseFile(f.fset, f.path, f.src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return err
	}
	f.file = file
	f.tfile = f.fset.File(file.Pos())
	f.dec = decorator.NewDecorator(f.fset)
	return nil
}

func (f *srcFile) off(p token.Pos) int { return f.tfile.Offset(p) }

// text returns the source text of an ast node.
func (f *srcFile) text(n ast.Node) string {
	return string(f.src[f.off(n.Pos()):f.off(n.End())])
}

// astOf maps a dst node of this file back to the ast node it was decorated from.
func (f *srcFile) astOf(n dst.Node) ast.Node { return f.dec.Ast.Nodes[n] }

// posDirective returns an inline /*line*/ directive that makes the token
// following it keep its original position p.
func (f *srcFile) posDirective(p token.Pos) string {
	pos := f.fset.Position(p)
	return fmt.Sprintf("/*line %s:%d:%d*/", f.path, pos.Line, pos.Column)
}

// content returns the patched file: a leading //line directive, the
// original source with the edits applied (no line added or removed), and the
// trampolines under a synthetic file name.
func (f *srcFile) content() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "//line %s:1:1\n", f.path)
	edits := append([]edit(nil), f.edits...)
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].off < edits[j].off })
	last := 0
	for _, e := range edits {
		b.Write(f.src[last:e.off])
		b.WriteString(e.text)
		last = e.end
	}
	b.Write(f.src[last:])
	if f.tail.Len() > 0 {
		if !bytes.HasSuffix(b.Bytes(), []byte("\n")) {
			b.WriteByte('\n')
		}
		// Trampolines get a synthetic file beside the original, so that
		// -trimpath rewrites it like the original and no temporary
		// directory of the build leaks into the binary.
		fmt.Fprintf(&b, "\n//line %s:1\n", syntheticPath(f.path))
		b.Write(f.tail.Bytes())
	}
	return b.Bytes()
}

// syntheticPath names the trampolines appended to the file at path.
func syntheticPath(path string) string {
	return path[:len(path)-len(baseName(path))] + "gohttpdbg_stdpatch_" + baseName(path)
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// pkgFiles is the set of files of one compile invocation, parsed lazily:
// only files whose text mentions a wanted name are parsed.
type pkgFiles struct {
	files []*srcFile
}

func loadPkg(paths []string) (*pkgFiles, error) {
	p := &pkgFiles{}
	for _, path := range paths {
		f, err := loadFile(path)
		if err != nil {
			return nil, err
		}
		p.files = append(p.files, f)
	}
	return p, nil
}

// funcDecl finds the top-level function or method named name whose receiver
// base type is recv ("" for a plain function) and returns it decorated.
func (p *pkgFiles) funcDecl(recv, name string) (*srcFile, *dst.FuncDecl, error) {
	needle := []byte(name + "(")
	for _, f := range p.files {
		if !bytes.Contains(f.src, needle) {
			continue
		}
		if err := f.parse(); err != nil {
			return nil, nil, err
		}
		for _, d := range f.file.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Name.Name != name || recvBase(fd) != recv {
				continue
			}
			n, err := f.dec.DecorateNode(fd)
			if err != nil {
				return nil, nil, err
			}
			return f, n.(*dst.FuncDecl), nil
		}
	}
	return nil, nil, nil
}

// structType finds the struct type declaration named name.
func (p *pkgFiles) structType(name string) (*srcFile, *ast.StructType, error) {
	needle := []byte("type " + name + " struct")
	for _, f := range p.files {
		if !bytes.Contains(f.src, needle) {
			continue
		}
		if err := f.parse(); err != nil {
			return nil, nil, err
		}
		for _, d := range f.file.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, s := range gd.Specs {
				ts := s.(*ast.TypeSpec)
				if st, ok := ts.Type.(*ast.StructType); ok && ts.Name.Name == name && ts.TypeParams == nil {
					return f, st, nil
				}
			}
		}
	}
	return nil, nil, nil
}

// hasFields reports whether struct type name declares all the fields.
func (p *pkgFiles) hasFields(name string, fields ...string) bool {
	_, st, err := p.structType(name)
	if err != nil || st == nil {
		return false
	}
	have := map[string]bool{}
	for _, fl := range st.Fields.List {
		for _, n := range fl.Names {
			have[n.Name] = true
		}
		if len(fl.Names) == 0 { // embedded
			t := fl.Type
			if s, ok := t.(*ast.StarExpr); ok {
				t = s.X
			}
			if id, ok := t.(*ast.Ident); ok {
				have[id.Name] = true
			}
		}
	}
	for _, f := range fields {
		if !have[f] {
			return false
		}
	}
	return true
}

// hasDecl reports whether a top-level func, var, const or type named name
// exists in the package.
func (p *pkgFiles) hasDecl(name string) bool {
	needle := []byte(name)
	for _, f := range p.files {
		if !bytes.Contains(f.src, needle) {
			continue
		}
		if err := f.parse(); err != nil {
			return false
		}
		for _, d := range f.file.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.Name == name {
					return true
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.Name == name {
							return true
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.Name == name {
								return true
							}
						}
					}
				}
			}
		}
	}
	return false
}

func (p *pkgFiles) touched() []*srcFile {
	var out []*srcFile
	for _, f := range p.files {
		if len(f.edits) > 0 || f.tail.Len() > 0 {
			out = append(out, f)
		}
	}
	return out
}

func recvBase(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return ""
	}
	t := fd.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	switch t := t.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.IndexExpr:
		if id, ok := t.X.(*ast.Ident); ok {
			return id.Name
		}
	}
	return ""
}

// signature is a function's shape as source text, for checking that a
// function found by name is the one the trampoline was written for.
type signature struct {
	recvName, recvType string // recvType with its star, "" for a function
	params             []param
	results            []string
}

type param struct{ name, typ string }

func (f *srcFile) signature(fd *dst.FuncDecl) signature {
	afd := f.astOf(fd).(*ast.FuncDecl)
	var s signature
	if afd.Recv != nil && len(afd.Recv.List) == 1 {
		r := afd.Recv.List[0]
		s.recvType = compact(f.text(r.Type))
		if len(r.Names) == 1 {
			s.recvName = r.Names[0].Name
		}
	}
	for _, fl := range afd.Type.Params.List {
		t := compact(f.text(fl.Type))
		if len(fl.Names) == 0 {
			s.params = append(s.params, param{"", t})
		}
		for _, n := range fl.Names {
			s.params = append(s.params, param{n.Name, t})
		}
	}
	if afd.Type.Results != nil {
		for _, fl := range afd.Type.Results.List {
			t := compact(f.text(fl.Type))
			k := len(fl.Names)
			if k == 0 {
				k = 1
			}
			for i := 0; i < k; i++ {
				s.results = append(s.results, t)
			}
		}
	}
	return s
}

// compact removes the blanks a type expression's text may have, so that
// "func( string)" and "func(string)" compare equal.
func compact(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func (s signature) matches(params, results []string) bool {
	if len(s.params) != len(params) || len(s.results) != len(results) {
		return false
	}
	for i, p := range params {
		if s.params[i].typ != p {
			return false
		}
	}
	for i, r := range results {
		if s.results[i] != r {
			return false
		}
	}
	return true
}
