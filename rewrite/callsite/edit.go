package callsite

import (
	"go/ast"
	"go/token"
	"strconv"
)

// Import paths of the wrapper packages that rewritten code calls.
const (
	RuntimePath  = "github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt"
	HTTPTestPath = "github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt/httptestrt"
)

// Shape says how an edit rewrites its node. Shapes only need the syntax of
// the node, never its type, so that an edit can be replayed on a file that
// was never type-checked (the output of `go tool cover`).
type Shape string

const (
	// ShapeCall replaces the callee of a call and appends the site:
	// F(args) → W(args, site).
	ShapeCall Shape = "call"
	// ShapeMethodCall moves the receiver in front of the arguments:
	// x.M(args) → W(recv, args, site), recv built from x with RecvPath/RecvAddr.
	ShapeMethodCall Shape = "method-call"
	// ShapeMethodValue turns an uncalled method value into a wrapper call
	// that returns a func: x.M → W(recv, site).
	ShapeMethodValue Shape = "method-value"
	// ShapeWrap wraps an expression: e → W(e, site).
	ShapeWrap Shape = "wrap"
	// ShapeDerefWrap wraps a value composite literal through its address:
	// T{…} → *W(&T{…}, site).
	ShapeDerefWrap Shape = "deref-wrap"
	// ShapeDeferFlush puts `defer W()` first in func main's body, so that
	// events still in the probes' ring reach the sink when main returns.
	ShapeDeferFlush Shape = "defer-flush"
	// ShapeBlankImport renames an import to _ when the file's other edits
	// remove its last use (h.Get → gohttpdbgrt.Get): the package stays
	// linked, as before, and the compiler does not report it unused.
	ShapeBlankImport Shape = "blank-import"
)

// Shapes lists every shape; the rewriter has one builder for each
// (rewrite.TestEveryShapeBuilt).
var Shapes = []Shape{ShapeCall, ShapeMethodCall, ShapeMethodValue, ShapeWrap, ShapeDerefWrap, ShapeDeferFlush, ShapeBlankImport}

// Node kinds an Edit can name (the go/ast type of the rewritten node).
const (
	NodeCall     = "CallExpr"
	NodeSelector = "SelectorExpr"
	NodeIdent    = "Ident"
	NodeUnary    = "UnaryExpr"
	NodeLit      = "CompositeLit"
	NodeImport   = "ImportSpec"
	NodeFunc     = "FuncDecl"
)

// Pos is a position as go/token reports it after honouring //line
// directives (token.FileSet.Position), 1-based.
type Pos struct {
	Line    int `json:"line"`
	Col     int `json:"col"`
	EndLine int `json:"end_line"`
	EndCol  int `json:"end_col"`
}

// Wrapper names the function the rewritten code calls.
type Wrapper struct {
	Path  string `json:"path"`  // import path of the wrapper package
	Name  string `json:"name"`  // exported function name
	Alias string `json:"alias"` // import name used in the rewritten file
}

// Edit is one rewrite of one node, described without types. In JSON:
//
//	{"file":"/src/app/client.go","pos":{"line":16,"col":9,"end_line":16,"end_col":17},
//	 "node":"CallExpr","key":"Do","ordinal":0,"rule":"(*http.Client).Do",
//	 "shape":"method-call","wrapper":{"path":"github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt",
//	 "name":"ClientDo","alias":"gohttpdbgrt"},"site":"client.go:16","recv_path":["Client"],"recv_addr":true}
//
// The node is found again by (Pos, Node); when columns moved (cover inserts
// counter statements in front of statements on the same line) by
// (Pos.Line, Node, Key, Ordinal), Ordinal counting the nodes of the same
// kind and key that start on that line, in source order.
type Edit struct {
	File    string  `json:"file"` // absolute path of the source file
	Pos     Pos     `json:"pos"`
	Node    string  `json:"node"`
	Key     string  `json:"key"`
	Ordinal int     `json:"ordinal"`
	Rule    string  `json:"rule"`
	Shape   Shape   `json:"shape"`
	Wrapper Wrapper `json:"wrapper"`
	Site    string  `json:"site"`
	// RecvPath lists the embedded fields between the written receiver and
	// the net/http value (x.M where x embeds *http.Client → ["Client"]).
	RecvPath []string `json:"recv_path,omitempty"`
	// RecvAddr is set when the receiver is an addressable value whose
	// address the wrapper needs (c.Do with c an http.Client → &c).
	RecvAddr bool `json:"recv_addr,omitempty"`
}

// NodeKey returns the kind and key that identify n in an Edit, and ok=false
// for nodes no edit can name. It is the single definition shared by Find
// and by the rewriter, which only has syntax.
func NodeKey(n ast.Node) (kind, key string, ok bool) {
	switch n := n.(type) {
	case *ast.CallExpr:
		return NodeCall, nameOf(ast.Unparen(n.Fun)), true
	case *ast.SelectorExpr:
		return NodeSelector, n.Sel.Name, true
	case *ast.Ident:
		return NodeIdent, n.Name, true
	case *ast.UnaryExpr:
		if lit, ok := n.X.(*ast.CompositeLit); ok && n.Op == token.AND {
			return NodeUnary, nameOf(lit.Type), true
		}
	case *ast.CompositeLit:
		return NodeLit, nameOf(n.Type), true
	case *ast.FuncDecl:
		return NodeFunc, n.Name.Name, true
	case *ast.ImportSpec:
		path, err := strconv.Unquote(n.Path.Value)
		return NodeImport, path, err == nil
	}
	return "", "", false
}

// nameOf is the last name of a (possibly qualified or instantiated) name.
func nameOf(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return e.Sel.Name
	case *ast.IndexExpr:
		return nameOf(e.X)
	case *ast.IndexListExpr:
		return nameOf(e.X)
	case *ast.ParenExpr:
		return nameOf(e.X)
	}
	return ""
}
