package stdpatch

import (
	"go/ast"
	"go/token"
	"strings"
	"text/template"

	"github.com/dave/dst"
)

// hookPoint is one place of a patched package: where it is (receiver type
// and function, found by name), what is checked before anything is changed
// (the signature, the fields and declarations the inserted code uses), what
// goes unseen without it, and what is inserted (a template). The tables
// (h2Hooks, http1Hooks) list them in the order applyHooks applies them;
// adding a hook point is one entry there and one golden file per release
// (testdata/golden).
//
// Names and types are templates too: {{.P}} is the HTTP/2 implementation's
// prefix ("http2" in Go 1.26's h2_bundle.go, "" elsewhere).
type hookPoint struct {
	kind hookKind
	recv string // receiver's base type, "" for a function
	fn   string // the function
	// alt is the function's name in older shapes (x/net before v0.47 reads
	// frames in ReadFrame, before v0.26 makes the server's framer in
	// ServeConn), tried when fn is absent.
	alt string
	// value: the receiver is a value, not a pointer.
	value bool
	// extra (wrapFunc): a parameter ("name type") the renamed original
	// gets after its own, for state the trampoline hands to code inserted
	// in the original (see srcFile.wrap).
	extra string
	// params and results are the signature checked before a wrap (nil: no
	// parameters, or no results); results may list older shapes after the
	// first, any of which is accepted.
	params  []string
	results [][]string
	// needs: declarations the inserted code uses, as "Type{field,…}" (a
	// struct with those fields), "(Type).method" or a top-level name. One
	// absent: the point is reported missing and nothing is changed.
	needs []string
	// when, if set, says whether the point exists in this package at all
	// (x/net's client on Go 1.27 delegates to std: its code is not built).
	when func(pk *pkgFiles, n h2Names) bool
	// requires names a group (below) that must be complete for the point to
	// be tried; otherwise it is skipped without being reported.
	requires string
	// group: points whose helper is added only when all of them applied.
	group string
	// label overrides the name the warnings give the point.
	label string
	// field (appendFields): the code goes right after this field, on its
	// line, when the struct has it — to fill the padding after a small
	// field, where appending would grow the struct into a larger size
	// class — else before the closing brace.
	field string
	// lost says what goes unseen without the point ("" says nothing more).
	lost string
	// code is what is inserted (see hookKind for its data).
	code *template.Template
	// find locates the statement beforeStmt and afterStmt splice next to,
	// and the values the code refers to as .V.
	find finder
	// call is the logging call whose argument replaceArg replaces.
	call logCall
}

// hookKind is how a hook point changes its function.
type hookKind uint8

const (
	// wrapFunc renames the function in place (same line) and appends a
	// trampoline with its name and signature; code is the trampoline's
	// body: .R the receiver, .A the parameters, .Call the original's call.
	wrapFunc hookKind = iota
	// beforeStmt inserts code on the line of the statement find returns,
	// before it (with a /*line*/ directive restoring its column).
	beforeStmt
	// afterStmt inserts code on the line of the statement, after it.
	afterStmt
	// replaceArg replaces one argument of the logging call find returns by
	// code (.A: the call's arguments).
	replaceArg
	// appendFields appends code before the closing brace of struct recv.
	appendFields
	// replaceCall replaces the call find returns by code (.A: the call's
	// arguments), on its line.
	replaceCall
	// declsOnly changes nothing: the point is the presence of needs, which
	// an added helper uses.
	declsOnly
)

// finder locates a statement (or, for replaceArg, a call: stmt nil) in
// fd. ok false: not found. V holds the text the code uses.
type finder func(f *srcFile, fd *dst.FuncDecl, sig signature, d *hookData) (stmt dst.Stmt, call *ast.CallExpr, ok bool)

// hookData is what a hook point's templates see.
type hookData struct {
	P    string            // HTTP/2 name prefix
	H    string            // expression of the HTTP/2 hook set
	R    string            // the trampoline's receiver, or the function's own receiver name
	A    []string          // the trampoline's parameters, or the found call's arguments
	Call string            // the original's call, in a trampoline
	V    map[string]string // what find found
	Top  bool              // the statement is in the function's top-level block
	xnet bool              // golang.org/x/net/http2
}

// HTTP qualifies a name of net/http in the package's code: "http." in
// golang.org/x/net/http2, "" in net/http and its internal/http2 (whose
// names, such as ConnState, are its own).
func (d *hookData) HTTP() string {
	if d.xnet {
		return "http."
	}
	return ""
}

// helper is a piece of the added file, emitted when the hook points it
// calls into applied.
type helper struct {
	code *template.Template
	// after lists groups (or labels) of which all (any, if anyOf) must have
	// applied; empty: always.
	after []string
	anyOf bool
	// not emits the helper when the condition above does not hold: the
	// stand-in for a helper the hook points it needs did not allow.
	not bool
}

// hookSet is one table applied to one package.
type hookSet struct {
	points  []hookPoint
	helpers []helper
}

// tmpl parses a template of the patch; the tables are package variables,
// so a bad template fails at init, in every test.
func tmpl(s string) *template.Template {
	return template.Must(template.New("").Option("missingkey=error").Parse(s))
}

func run(t *template.Template, d any) string {
	var b strings.Builder
	if err := t.Execute(&b, d); err != nil {
		panic(err) // a template of the tables refers to data it does not get
	}
	return b.String()
}

// expand fills {{.P}} in a name or type.
func (n h2Names) expand(s string) string {
	if !strings.Contains(s, "{{") {
		return s
	}
	return run(tmpl(s), &hookData{P: n.p, H: n.hooks})
}

// appliedHook records what one hook point changed, for the golden tests.
type appliedHook struct {
	name  string // the hook point's name in the table ({{.P}} not expanded)
	label string // its name in this package
	file  *srcFile
	edits []edit
	tail  string
}

// labelOf names a hook point in warnings: "(*Framer).ReadFrame",
// "serverHandler.ServeHTTP", "cloneTLSConfig".
func labelOf(recv, fn string, value bool) string {
	switch {
	case recv == "":
		return fn
	case value:
		return recv + "." + fn
	}
	return "(*" + recv + ")." + fn
}

// applyHooks applies one table to pk, recording what is missing in st, and
// returns the helpers' source for the added file.
func applyHooks(pk *pkgFiles, set hookSet, n h2Names, st *patchState) (string, error) {
	done := map[string]bool{}   // labels and groups applied
	failed := map[string]bool{} // groups with a missing member
	for _, h := range set.points {
		if h.when != nil && !h.when(pk, n) {
			continue
		}
		if h.requires != "" && (failed[h.requires] || !done[h.requires]) {
			continue
		}
		name := h.label
		if name == "" {
			name = labelOf(h.recv, h.fn, h.value)
		}
		if h.kind == replaceArg {
			name += " " + h.call.fun
		}
		label := n.expand(name)
		ok, err := applyHook(pk, h, n, &label, name, st)
		if err != nil {
			return "", err
		}
		group := h.group
		if group == "" {
			group = name
		}
		if !ok {
			st.lose(h.lost, label)
			failed[group] = true
			continue
		}
		done[name] = true
		done[group] = !failed[group]
	}
	var b strings.Builder
	d := &hookData{P: n.p, H: n.hooks, xnet: n.xnet}
	for _, hp := range set.helpers {
		emit := !hp.anyOf
		for _, g := range hp.after {
			if hp.anyOf {
				emit = emit || (done[g] && !failed[g])
			} else {
				emit = emit && done[g] && !failed[g]
			}
		}
		if emit != hp.not {
			b.WriteString(run(hp.code, d))
		}
	}
	return b.String(), nil
}

// fieldNamed returns st's field of that name, if it declares it alone
// ("name T", not "a, name T"); nil if name is "".
func fieldNamed(st *ast.StructType, name string) *ast.Field {
	if name == "" {
		return nil
	}
	for _, f := range st.Fields.List {
		if len(f.Names) == 1 && f.Names[0].Name == name {
			return f
		}
	}
	return nil
}

// applyHook applies h; false if it is missing. label is updated when an
// alternative name was tried.
func applyHook(pk *pkgFiles, h hookPoint, n h2Names, label *string, name string, st *patchState) (bool, error) {
	for _, need := range h.needs {
		if !pk.has(n.expand(need)) {
			return false, nil
		}
	}
	recv := n.expand(h.recv)
	if h.kind == declsOnly {
		return true, nil
	}
	if h.kind == appendFields {
		sf, stype, err := pk.structType(recv)
		if err != nil || stype == nil {
			return false, err
		}
		at, text := stype.Fields.Closing, run(h.code, &hookData{P: n.p, H: n.hooks})
		if f := fieldNamed(stype, h.field); f != nil {
			at, text = f.End(), "; "+strings.TrimSuffix(strings.TrimSpace(text), ";")
		}
		e := edit{off: sf.off(at), end: sf.off(at), text: text}
		sf.edits = append(sf.edits, e)
		st.record(name, *label, sf, []edit{e}, "")
		return true, nil
	}
	fn := n.expand(h.fn)
	f, fd, err := pk.funcDecl(recv, fn)
	if err == nil && fd == nil && h.alt != "" {
		fn = n.expand(h.alt)
		*label = labelOf(recv, fn, h.value)
		if h.kind == replaceArg {
			*label += " " + h.call.fun
		}
		f, fd, err = pk.funcDecl(recv, fn)
	}
	if err != nil {
		if h.kind == wrapFunc || h.kind == replaceArg {
			return false, nil // as missing: the compiler reports the source's error
		}
		return false, err
	}
	if fd == nil {
		return false, nil
	}
	sig := f.signature(fd)
	d := &hookData{P: n.p, H: n.hooks, V: map[string]string{}, xnet: n.xnet}
	nEdits, nTail := len(f.edits), f.tail.Len()
	switch h.kind {
	case wrapFunc:
		if !h.signatureOK(sig, recv, n) {
			return false, nil
		}
		f.wrap(fd, sig, h.extra, func(r string, a []string, call string) string {
			d.R, d.A, d.Call = r, a, call
			return run(h.code, d)
		})
	case beforeStmt, afterStmt:
		d.R = sig.recvName
		stmt, _, ok := h.find(f, fd, sig, d)
		if !ok {
			return false, nil
		}
		if stmt == nil { // nothing to insert here, or the finder made its own edits
			if len(f.edits) > nEdits {
				st.record(name, *label, f, f.edits[nEdits:], f.tail.String()[nTail:])
			}
			return true, nil
		}
		if h.kind == beforeStmt {
			f.insertBefore(stmt, run(h.code, d))
		} else {
			f.insertAfter(stmt, run(h.code, d))
		}
	case replaceCall, replaceArg:
		if !h.replaceInCall(f, fd, sig, d) {
			return false, nil
		}
	}
	st.record(name, *label, f, f.edits[nEdits:], f.tail.String()[nTail:])
	return true, nil
}

// replaceInCall applies a replaceCall or replaceArg point: the call its
// finder returns, or the argument of it, is replaced by the code; false if
// the call is missing.
func (h hookPoint) replaceInCall(f *srcFile, fd *dst.FuncDecl, sig signature, d *hookData) bool {
	find := h.find
	if h.kind == replaceArg {
		find = h.call.finder()
	} else {
		d.R = sig.recvName
	}
	_, call, ok := find(f, fd, sig, d)
	if !ok || call == nil {
		return false
	}
	for _, a := range call.Args {
		d.A = append(d.A, f.text(a))
	}
	var n ast.Node = call
	if h.kind == replaceArg {
		n = call.Args[h.call.arg]
	}
	f.edits = append(f.edits, edit{off: f.off(n.Pos()), end: f.off(n.End()), text: run(h.code, d)})
	return true
}

// signatureOK checks a function found by name against the signature its
// trampoline was written for.
func (h hookPoint) signatureOK(sig signature, recv string, n h2Names) bool {
	want := ""
	if recv != "" {
		want = "*" + recv
		if h.value {
			want = recv
		}
	}
	if sig.recvType != want {
		return false
	}
	params := make([]string, len(h.params))
	for i, p := range h.params {
		params[i] = n.expand(p)
	}
	if len(h.results) == 0 {
		return sig.matches(params, nil)
	}
	for _, rs := range h.results {
		res := make([]string, len(rs))
		for i, r := range rs {
			res[i] = n.expand(r)
		}
		if sig.matches(params, res) {
			return true
		}
	}
	return false
}

// has reports whether the package declares what a hook point needs:
// "Type{f1,f2}", "(Type).method" or a top-level name.
func (p *pkgFiles) has(need string) bool {
	if i := strings.IndexByte(need, '{'); i > 0 && strings.HasSuffix(need, "}") {
		return p.hasFields(need[:i], strings.Split(need[i+1:len(need)-1], ",")...)
	}
	if strings.HasPrefix(need, "(") {
		recv, fn, _ := strings.Cut(need[1:], ").")
		_, fd, err := p.funcDecl(recv, fn)
		return err == nil && fd != nil
	}
	return p.hasDecl(need)
}

// record keeps what a hook point changed when the golden tests ask.
func (s *patchState) record(name, label string, f *srcFile, edits []edit, tail string) {
	if s.trace {
		s.applied = append(s.applied, appliedHook{name: name, label: label, file: f, edits: append([]edit(nil), edits...), tail: tail})
	}
}

// logCall finds, in a function, the call of fun (its text, or the end of it
// when fun starts with ".") whose format literal contains format, on one
// line; arg is the argument replaceArg replaces.
type logCall struct {
	fun, format string
	arg         int
}

func (lc logCall) finder() finder {
	return func(f *srcFile, fd *dst.FuncDecl, _ signature, _ *hookData) (dst.Stmt, *ast.CallExpr, bool) {
		afd := f.astOf(fd).(*ast.FuncDecl)
		var call *ast.CallExpr
		ast.Inspect(afd.Body, func(nd ast.Node) bool {
			c, ok := nd.(*ast.CallExpr)
			if !ok || call != nil || len(c.Args) <= lc.arg {
				return call == nil
			}
			callee := f.text(c.Fun)
			if callee != lc.fun && !(strings.HasPrefix(lc.fun, ".") && strings.HasSuffix(callee, lc.fun)) {
				return true
			}
			for _, a := range c.Args {
				if lit, ok := a.(*ast.BasicLit); ok && lit.Kind == token.STRING && strings.Contains(lit.Value, lc.format) {
					call = c
					return false
				}
			}
			return true
		})
		if call == nil || strings.Contains(f.text(call), "\n") {
			return nil, nil, false
		}
		return nil, call, true
	}
}
