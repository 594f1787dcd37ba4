package toolexec

import (
	"path/filepath"
	"sort"
	"strings"

	"github.com/gohttpdbg/gohttpdbg/modgraph"
)

// trimCopies maps, in a compile command of a package copied out of the
// module cache, the copy's directory back to the module cache's through
// -trimpath, so that the object names its files as a plain build does.
// The go command's own rules are kept and mapped: a rule whose result is
// in the copy gets the module cache's name instead, and a rule from a
// directory of the copy gets a twin from the same directory in the module
// cache, for the //line directives of rewritten files, which name it. The
// compiler applies the first rule that matches, so the catch-all rule from
// the copy's root comes last.
func (st *State) trimCopies(args []string) []string {
	if len(st.Copies) == 0 {
		return args
	}
	roots := make([]string, 0, len(st.Copies))
	for c := range st.Copies {
		roots = append(roots, c)
	}
	sort.Strings(roots)
	moved := func(p string) (string, bool) {
		for _, c := range roots {
			if rel, ok := modgraph.Under(p, c); ok {
				if rel == "." {
					return st.Copies[c], true
				}
				return filepath.Join(st.Copies[c], rel), true
			}
		}
		return p, false
	}
	touched := false
	for _, f := range args[firstSourceArg(args):] {
		if _, ok := moved(f); ok {
			touched = true
		}
	}
	at := -1
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "-trimpath" {
			at = i + 1
		}
	}
	var rules []string
	if at >= 0 {
		for _, r := range strings.Split(args[at], ";") {
			from, to, ok := strings.Cut(r, "=>")
			if !ok {
				if r != "" {
					rules = append(rules, r)
				}
				continue
			}
			to2, toCopy := moved(to)
			rules = append(rules, from+"=>"+to2)
			from2, fromCopy := moved(from)
			if fromCopy {
				rules = append(rules, from2+"=>"+to2)
			}
			touched = touched || toCopy || fromCopy
		}
	}
	if !touched {
		return args
	}
	for _, c := range roots {
		rules = append(rules, c+"=>"+st.Copies[c])
	}
	if at < 0 {
		return append([]string{"-trimpath", strings.Join(rules, ";")}, args...)
	}
	out := append([]string{}, args...)
	out[at] = strings.Join(rules, ";")
	return out
}
