package rewrite

import (
	"encoding/json"
	"os"

	"golang.org/x/tools/go/packages"

	"github.com/gohttpdbg/gohttpdbg/rewrite/callsite"
)

// fileEdits is what the rewrite engine produces for one package: for each
// absolute file name, the rewritten content, plus the serialized edits the
// toolexec program re-applies to `go tool cover` output.
type fileEdits struct {
	content map[string][]byte
	edits   map[string][]byte // file → JSON of its []callsite.Edit
}

// rewritePackage runs the call-site rules on one type-checked package and
// rewrites each file that has a site; the others are not in the result.
func rewritePackage(pkg *packages.Package) (*fileEdits, error) {
	edits, err := callsite.Find(pkg, nil)
	if err != nil {
		return nil, err
	}
	byFile := map[string][]callsite.Edit{}
	var order []string
	for _, e := range edits {
		if _, ok := byFile[e.File]; !ok {
			order = append(order, e.File)
		}
		byFile[e.File] = append(byFile[e.File], e)
	}
	fe := &fileEdits{content: map[string][]byte{}, edits: map[string][]byte{}}
	for _, file := range order {
		src, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		out, err := RewriteFile(file, src, byFile[file])
		if err != nil {
			return nil, err
		}
		js, err := json.Marshal(byFile[file])
		if err != nil {
			return nil, err
		}
		fe.content[file] = out
		fe.edits[file] = js
	}
	return fe, nil
}

// rewriteCoverOutput re-applies a file's edits to cover's output for it
// (the file at path): the edits name nodes by their positions in the
// original file, which the //line directives of cover's output preserve.
func rewriteCoverOutput(path string, src []byte, editsJSON []byte) ([]byte, error) {
	var edits []callsite.Edit
	if err := json.Unmarshal(editsJSON, &edits); err != nil {
		return nil, err
	}
	return RewriteFile(path, src, edits)
}
