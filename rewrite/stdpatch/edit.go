package stdpatch

import (
	"fmt"
	"go/ast"
	"strings"

	"github.com/dave/dst"
)

// Names used by the patch inside the patched packages. Everything the patch
// declares starts with "gohttpdbg" (or "Gohttpdbg") so it cannot collide
// with std's own identifiers.
const (
	origPrefix = "gohttpdbgOrig"
	recvName   = "gohttpdbgR"
)

// wrap renames the function fd in place to origPrefix+name (same line, so
// every line of the original keeps its number) and appends a trampoline
// with the original name and signature whose body is produced by body. body
// gets the receiver name, the parameter names and the call of the renamed
// original ("gohttpdbgR.gohttpdbgOrigReadFrame(gohttpdbgP0)").
//
// extra, if set, is a parameter ("name type") the renamed original gets
// after its own, on the same line: the trampoline's call passes nil, a
// template that wants to hand it a value calls the original itself.
func (f *srcFile) wrap(fd *dst.FuncDecl, sig signature, extra string, body func(recv string, args []string, call string) string) {
	afd := f.astOf(fd).(*ast.FuncDecl)
	name := afd.Name.Name
	orig := origPrefix + name
	f.edits = append(f.edits, edit{off: f.off(afd.Name.Pos()), end: f.off(afd.Name.End()), text: orig})
	if extra != "" {
		sep := ", "
		if len(sig.params) == 0 {
			sep = ""
		}
		closing := f.off(afd.Type.Params.Closing)
		f.edits = append(f.edits, edit{off: closing, end: closing, text: sep + extra})
	}

	var b strings.Builder
	b.WriteString("func ")
	recv := ""
	if sig.recvType != "" {
		recv = recvName
		fmt.Fprintf(&b, "(%s %s) ", recv, sig.recvType)
	}
	b.WriteString(name)
	b.WriteString("(")
	args := make([]string, len(sig.params))
	for i, p := range sig.params {
		args[i] = fmt.Sprintf("gohttpdbgP%d", i)
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s", args[i], p.typ)
	}
	b.WriteString(")")
	switch len(sig.results) {
	case 0:
	case 1:
		b.WriteString(" " + sig.results[0])
	default:
		b.WriteString(" (" + strings.Join(sig.results, ", ") + ")")
	}
	callArgs := args
	if extra != "" {
		callArgs = append(append([]string(nil), args...), "nil")
	}
	call := orig + "(" + strings.Join(callArgs, ", ") + ")"
	if recv != "" {
		call = recv + "." + call
	}
	b.WriteString(" {\n")
	depth := 1
	for _, line := range strings.Split(strings.TrimSpace(body(recv, args, call)), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "}") {
			depth--
		}
		b.WriteString(strings.Repeat("\t", depth) + line + "\n")
		if strings.HasSuffix(line, "{") {
			depth++
		}
	}
	b.WriteString("}\n\n")
	f.tail.WriteString(b.String())
}

// insertBefore inserts text on the line of stmt, just before it, followed by
// an inline //line directive that restores stmt's original column.
func (f *srcFile) insertBefore(stmt dst.Node, text string) {
	a := f.astOf(stmt)
	f.edits = append(f.edits, edit{off: f.off(a.Pos()), end: f.off(a.Pos()), text: text + "; " + f.posDirective(a.Pos())})
}

// insertAfter inserts text on the line of stmt, just after it.
func (f *srcFile) insertAfter(stmt dst.Node, text string) {
	a := f.astOf(stmt)
	f.edits = append(f.edits, edit{off: f.off(a.End()), end: f.off(a.End()), text: "; " + text})
}

// findStmt walks fd's body (dst) and returns the first statement for which
// match is true, and whether it sits directly in the function's top-level
// block.
func findStmt(fd *dst.FuncDecl, match func(dst.Stmt) bool) (dst.Stmt, bool) {
	if fd.Body == nil {
		return nil, false
	}
	for _, s := range fd.Body.List {
		if match(s) {
			return s, true
		}
	}
	var found dst.Stmt
	dst.Inspect(fd.Body, func(n dst.Node) bool {
		if found != nil {
			return false
		}
		if s, ok := n.(dst.Stmt); ok && match(s) {
			found = s
			return false
		}
		return true
	})
	return found, false
}

// callOf returns the function name of a call expression "name(...)", or "".
func callOf(e dst.Expr) (string, *dst.CallExpr) {
	c, ok := e.(*dst.CallExpr)
	if !ok {
		return "", nil
	}
	if id, ok := c.Fun.(*dst.Ident); ok {
		return id.Name, c
	}
	return "", c
}

// methodCallStmt returns s's call when s is a statement "x.method(…)"
// with nargs arguments, else nil.
func methodCallStmt(s dst.Stmt, method string, nargs int) *dst.CallExpr {
	es, ok := s.(*dst.ExprStmt)
	if !ok {
		return nil
	}
	c, ok := es.X.(*dst.CallExpr)
	if !ok || len(c.Args) != nargs {
		return nil
	}
	if sel, ok := c.Fun.(*dst.SelectorExpr); !ok || sel.Sel.Name != method {
		return nil
	}
	return c
}

// assignFromCall matches "lhs := name(...)" / "lhs = name(...)".
func assignFromCall(name string) func(dst.Stmt) bool {
	return func(s dst.Stmt) bool {
		as, ok := s.(*dst.AssignStmt)
		if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
			return false
		}
		n, _ := callOf(as.Rhs[0])
		return n == name
	}
}

// exprText renders a dst expression from the original source text.
func (f *srcFile) exprText(e dst.Expr) string { return f.text(f.astOf(e)) }
