// Package linemap keeps every original token of a rewritten Go file at its
// original file:line:column, by inserting //line and /*line*/ directives.
//
// Pipeline position: load → find call sites → rewrite → **line map** →
// patch std → inject → go build. Package rewrite reprints a whole file with
// dave/dst (gofmt layout, an added import, wrapper calls), which moves
// tokens. [Apply] compares the token streams of the file before and after
// the rewrite and adds directives wherever an original token would
// otherwise be reported somewhere else, so the compiler, panics,
// runtime.Caller, coverage and debuggers all see the original positions.
// Positions of the input are taken after its own directives (the output of
// `go tool cover` maps back to the pristine file that way), so the result
// keeps whatever mapping the input had.
package linemap

import (
	"bytes"
	"fmt"
	"go/scanner"
	"go/token"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// item is a token (or comment) of a file.
type item struct {
	tok      token.Token
	text     string
	key      string // kind and text: what must be equal to align two tokens
	off, end int    // byte offsets
	pos      token.Position
	comment  bool
	fresh    bool // only in the output: never aligned
}

// significant tokens carry names and values; they are aligned first, and
// operators and delimiters only between them, so that a receiver moved
// into an argument list still finds its original.
func (it item) significant() bool { return it.tok.IsLiteral() || it.tok.IsKeyword() }

// scan returns the tokens of src (and its comments when withComments), with
// positions honouring src's line directives. Semicolons are dropped: the
// printer adds and removes them freely and they carry no position anyone
// reports.
func scan(filename string, src []byte, withComments bool) ([]item, error) {
	fset := token.NewFileSet()
	file := fset.AddFile(filename, -1, len(src))
	var errs scanner.ErrorList
	var s scanner.Scanner
	mode := scanner.Mode(0)
	if withComments {
		mode = scanner.ScanComments
	}
	s.Init(file, src, func(pos token.Position, msg string) { errs.Add(pos, msg) }, mode)
	var items []item
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		if tok == token.SEMICOLON {
			continue
		}
		off := file.Offset(pos)
		text := lit
		p := fset.Position(pos)
		p.Offset = 0 // positions are compared by file, line and column
		if text == "" {
			text = tok.String()
		}
		items = append(items, item{
			tok:     tok,
			text:    text,
			key:     strconv.Itoa(int(tok)) + " " + text,
			off:     off,
			end:     off + len(text),
			pos:     p,
			comment: tok == token.COMMENT,
		})
	}
	if len(errs) > 0 {
		return nil, errs.Err()
	}
	return items, nil
}

// StripDirectives returns a copy of src in which every comment that go/scanner
// would take as a line directive is blanked out with spaces. Offsets are
// unchanged, so positions in the stripped source still name the same bytes.
func StripDirectives(src []byte) []byte {
	out := bytes.Clone(src)
	fset := token.NewFileSet()
	file := fset.AddFile("", -1, len(src))
	var s scanner.Scanner
	s.Init(file, src, func(token.Position, string) {}, scanner.ScanComments)
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		if tok != token.COMMENT {
			continue
		}
		off := file.Offset(pos)
		lineStart := off == 0 || src[off-1] == '\n'
		if isDirective(lit, lineStart) {
			for i := off; i < off+len(lit); i++ {
				if out[i] != '\n' && out[i] != '\r' {
					out[i] = ' '
				}
			}
		}
	}
	return out
}

// isDirective mirrors go/scanner: "//line" only at the start of a line,
// "/*line" anywhere, and a ":line" (or ":line:col") suffix.
func isDirective(comment string, lineStart bool) bool {
	var text string
	switch {
	case strings.HasPrefix(comment, "//line ") && lineStart:
		text = comment[len("//line "):]
	case strings.HasPrefix(comment, "/*line ") && strings.HasSuffix(comment, "*/"):
		text = comment[len("/*line ") : len(comment)-2]
	default:
		return false
	}
	i := strings.LastIndexByte(text, ':')
	if i < 0 {
		return false
	}
	if _, err := strconv.Atoi(text[i+1:]); err != nil {
		return false
	}
	return true
}

// Apply returns out, a rewrite of orig, with the line directives that give
// every token of orig that is still present in out the position it had in
// orig (after orig's own directives). filename is orig's path; it must be
// absolute, since directives carry absolute paths. Directives already in out
// are dropped first: the ones Apply writes replace them.
//
// Tokens only in out (inserted code) get whatever position the directives
// around them give, which is always a line of the rewritten original.
//
// newNames are identifiers that occur in out only (the import names of the
// wrapper packages); they and the name selected from them are never
// aligned with a token of orig. This keeps a wrapper named like an original
// token (gohttpdbgrt.Client(&Client{…}) under a dot import) from taking
// that token's place.
func Apply(filename string, orig, out []byte, newNames ...string) ([]byte, error) {
	if !filepath.IsAbs(filename) {
		return nil, fmt.Errorf("linemap: %s: path is not absolute", filename)
	}
	a, err := scan(filename, orig, false)
	if err != nil {
		return nil, fmt.Errorf("linemap: original: %w", err)
	}
	out, hints, err := takeHints(filename, StripDirectives(out))
	if err != nil {
		return nil, err
	}
	all, err := scan(filename, out, true)
	if err != nil {
		return nil, fmt.Errorf("linemap: rewritten: %w", err)
	}
	b, prevEnd := codeTokens(all, newNames)
	match := align(a, b)

	first := filename
	if len(a) > 0 {
		first = a[0].pos.Filename
	}
	w := newDirectiveWriter(first, out)
	nextHint := hintQueue(hints)
	var placed []placement
	for j, it := range b {
		var want token.Position
		if h, ok := nextHint(it.off); ok {
			want = h
		} else if ai := match[j]; ai >= 0 {
			want = a[ai].pos
		} else {
			continue
		}
		placed = append(placed, w.place(it, prevEnd[j], want))
	}
	res := w.finish()
	if err := verify(filename, res, placed); err != nil {
		return nil, err
	}
	return res, nil
}

// codeTokens returns the tokens of all that are not comments, with, for
// each, the end offset of the item (comment or not) before it; an
// identifier of newNames, and the name selected from it, is marked fresh.
func codeTokens(all []item, newNames []string) (b []item, prevEnd []int) {
	last := -1
	for _, it := range all {
		if !it.comment {
			b = append(b, it)
			prevEnd = append(prevEnd, last)
		}
		last = it.end
	}
	fresh := map[string]bool{}
	for _, n := range newNames {
		fresh[n] = true
	}
	for j := 0; j < len(b); j++ {
		if b[j].tok == token.IDENT && fresh[b[j].text] {
			b[j].fresh = true
			if j+2 < len(b) && b[j+1].tok == token.PERIOD && b[j+2].tok == token.IDENT {
				b[j+2].fresh = true
			}
		}
	}
	return b, prevEnd
}

// hintQueue returns a function that, for the offset of each token in
// turn, returns the first unused hint at or before it, and uses up every
// hint up to it.
func hintQueue(hints map[int]token.Position) func(off int) (token.Position, bool) {
	offs := make([]int, 0, len(hints))
	for off := range hints {
		offs = append(offs, off)
	}
	sort.Ints(offs)
	return func(off int) (token.Position, bool) {
		if len(offs) == 0 || offs[0] > off {
			return token.Position{}, false
		}
		h := hints[offs[0]]
		for len(offs) > 0 && offs[0] <= off {
			offs = offs[1:]
		}
		return h, true
	}
}

// placement is where a token lands in Apply's result and the position
// it must have there.
type placement struct {
	off  int
	want token.Position
}

// directiveWriter copies the rewritten file into buf, adding directives,
// and follows the position go/token gives each byte it writes.
type directiveWriter struct {
	out        []byte
	lineStarts []int // offsets in out of each line's start
	buf        bytes.Buffer
	st         state
	lineShift  int // lines inserted so far
	shiftLine  int // raw out line that carries insertions
	colShift   int // bytes inserted so far on shiftLine
	copied     int // bytes of out already in buf
}

func newDirectiveWriter(first string, out []byte) *directiveWriter {
	w := &directiveWriter{out: out, lineStarts: []int{0},
		st: state{file: first, line: 1, col: 1, rawLine: 2, rawCol: 1}, lineShift: 1, shiftLine: -1}
	for i, c := range out {
		if c == '\n' {
			w.lineStarts = append(w.lineStarts, i+1)
		}
	}
	fmt.Fprintf(&w.buf, "//line %s:1:1\n", first)
	return w
}

// place copies out up to the token it and, when go/token would not give
// the token want there, a directive that does; prevEnd is the end offset
// of the item before the token.
func (w *directiveWriter) place(it item, prevEnd int, want token.Position) placement {
	outLine := it.pos.Line
	if outLine != w.shiftLine {
		w.shiftLine, w.colShift = outLine, 0
	}
	r, c := outLine+w.lineShift, it.pos.Column+w.colShift
	if w.st.at(r, c) != want {
		w.buf.Write(w.out[w.copied:it.off])
		w.copied = it.off
		lineCol := want.Column - (it.pos.Column - 1)
		firstOnLine := w.colShift == 0 && (prevEnd < w.lineStarts[outLine-1])
		if firstOnLine && (want.Column == 0 || lineCol >= 1) {
			w.lineDirective(it, outLine, r, lineCol, want)
		} else {
			w.inlineDirective(it, r, c, want)
		}
	}
	return placement{off: w.buf.Len() + (it.off - w.copied), want: want}
}

// lineDirective writes a //line directive on a line of its own, before
// the indentation of the token's line (r in the result). The indentation
// was already copied, so it is taken back and written after it.
func (w *directiveWriter) lineDirective(it item, outLine, r, lineCol int, want token.Position) {
	start := w.lineStarts[outLine-1]
	indent := w.buf.Len() - (it.off - start)
	tail := bytes.Clone(w.buf.Bytes()[indent:])
	w.buf.Truncate(indent)
	if want.Column == 0 {
		fmt.Fprintf(&w.buf, "//line %s:%d\n", want.Filename, want.Line)
	} else {
		fmt.Fprintf(&w.buf, "//line %s:%d:%d\n", want.Filename, want.Line, lineCol)
	}
	w.buf.Write(tail)
	w.lineShift++
	w.st = state{file: want.Filename, line: want.Line, col: lineCol, rawLine: r + 1, rawCol: 1}
	if want.Column == 0 {
		w.st.col = 0
	}
}

// inlineDirective writes a /*line*/ directive right before the token, at
// row r, column c of the result.
func (w *directiveWriter) inlineDirective(it item, r, c int, want token.Position) {
	var d string
	if want.Column == 0 {
		d = fmt.Sprintf("/*line %s:%d*/", want.Filename, want.Line)
	} else {
		d = fmt.Sprintf("/*line %s:%d:%d*/", want.Filename, want.Line, want.Column)
	}
	if it.off > 0 && w.out[it.off-1] == '/' {
		d = " " + d // "//*line" would open a line comment
	}
	w.buf.WriteString(d)
	w.colShift += len(d)
	w.st = state{file: want.Filename, line: want.Line, col: want.Column, rawLine: r, rawCol: c + len(d)}
}

// finish copies the rest of out and returns the result.
func (w *directiveWriter) finish() []byte {
	w.buf.Write(w.out[w.copied:])
	return w.buf.Bytes()
}

// verify checks the result against go/scanner itself: the writer follows
// go/token's rules, and a mistake there must be an error, not a silently
// wrong line.
func verify(filename string, res []byte, placed []placement) error {
	got, err := scan(filename, res, false)
	if err != nil {
		return fmt.Errorf("linemap: result: %w", err)
	}
	byOff := make(map[int]token.Position, len(got))
	for _, it := range got {
		byOff[it.off] = it.pos
	}
	for _, p := range placed {
		if pos := byOff[p.off]; pos != p.want {
			return fmt.Errorf("linemap: internal error: token at offset %d maps to %s, want %s", p.off, pos, p.want)
		}
	}
	return nil
}

const hintPrefix = "/*linemap:hint "

// Hint returns a comment that, placed in a rewritten file right before a
// token, makes Apply give that token position p (of the original). The
// rewriter uses it for tokens it creates whose position matters and that
// have no counterpart in the original: the parenthesis of a wrapper call
// that replaces a method call split over lines, which the compiler takes
// as the line of the call. Apply removes the comment.
func Hint(p token.Position) string {
	return fmt.Sprintf("%s%s:%d:%d*/", hintPrefix, p.Filename, p.Line, p.Column)
}

// takeHints removes the Hint comments from out and returns, by offset in
// the result, the positions they ask for; a hint applies to the first token
// at or after its offset.
func takeHints(filename string, out []byte) ([]byte, map[int]token.Position, error) {
	if !bytes.Contains(out, []byte(hintPrefix)) {
		return out, nil, nil
	}
	items, err := scan(filename, out, true)
	if err != nil {
		return nil, nil, fmt.Errorf("linemap: rewritten: %w", err)
	}
	var res []byte
	hints := map[int]token.Position{}
	copied := 0
	for _, it := range items {
		if !it.comment || !strings.HasPrefix(it.text, hintPrefix) {
			continue
		}
		text := strings.TrimSuffix(strings.TrimPrefix(it.text, hintPrefix), "*/")
		var p token.Position
		i := strings.LastIndexByte(text, ':')
		j := strings.LastIndexByte(text[:max(i, 0)], ':')
		if j < 0 {
			return nil, nil, fmt.Errorf("linemap: malformed hint %q", it.text)
		}
		p.Filename = text[:j]
		p.Line, err = strconv.Atoi(text[j+1 : i])
		if err == nil {
			p.Column, err = strconv.Atoi(text[i+1:])
		}
		if err != nil {
			return nil, nil, fmt.Errorf("linemap: malformed hint %q", it.text)
		}
		// The printer puts blanks around the comment; drop them too when
		// the next token is a delimiter, which needs no separation.
		start, end := it.off, it.end
		for end < len(out) && out[end] == ' ' {
			end++
		}
		if end < len(out) && strings.IndexByte("()[]{},;.", out[end]) >= 0 {
			for start > copied && out[start-1] == ' ' {
				start--
			}
		} else {
			end = it.end
		}
		res = append(res, out[copied:start]...)
		copied = end
		hints[len(res)] = p
	}
	return append(res, out[copied:]...), hints, nil
}

// state is the mapping in force after the last directive: the character
// at raw (rawLine, rawCol) of the result is file:line:col.
type state struct {
	file            string
	line, col       int
	rawLine, rawCol int
}

// at returns the position go/token gives the character at raw line r,
// column c (same rules as token.File.PositionFor).
func (s state) at(r, c int) token.Position {
	p := token.Position{Filename: s.file, Line: s.line + r - s.rawLine, Column: c}
	switch {
	case s.col == 0:
		p.Column = 0
	case r == s.rawLine:
		p.Column = s.col + c - s.rawCol
	}
	return p
}

// align returns, for each token of b, the index of the token of a it is,
// or -1 for an inserted token.
func align(a, b []item) []int {
	match := make([]int, len(b))
	for i := range match {
		match[i] = -1
	}
	var sa, sb []int // indices of significant tokens
	for i, it := range a {
		if it.significant() {
			sa = append(sa, i)
		}
	}
	for j, it := range b {
		if it.significant() && !it.fresh {
			sb = append(sb, j)
		}
	}
	anchors := [][2]int{{-1, -1}}
	for _, p := range diff(keys(a, sa), keys(b, sb)) {
		i, j := sa[p[0]], sb[p[1]]
		match[j] = i
		anchors = append(anchors, [2]int{i, j})
	}
	anchors = append(anchors, [2]int{len(a), len(b)})
	// Operators and delimiters: aligned only between two consecutive
	// significant anchors.
	for k := 1; k < len(anchors); k++ {
		lo, hi := anchors[k-1], anchors[k]
		var ga, gb []int
		for i := lo[0] + 1; i < hi[0]; i++ {
			if !a[i].significant() {
				ga = append(ga, i)
			}
		}
		for j := lo[1] + 1; j < hi[1]; j++ {
			if !b[j].significant() && !b[j].fresh {
				gb = append(gb, j)
			}
		}
		if len(ga) == 0 || len(gb) == 0 {
			continue
		}
		for _, p := range diff(keys(a, ga), keys(b, gb)) {
			match[gb[p[1]]] = ga[p[0]]
		}
	}
	return match
}

func keys(items []item, idx []int) []string {
	k := make([]string, len(idx))
	for n, i := range idx {
		k[n] = items[i].key
	}
	return k
}
