package toolexec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gohttpdbg/gohttpdbg/rewrite"
	"github.com/gohttpdbg/gohttpdbg/rewrite/callsite"
)

// runCover runs the real cover tool on pristine sources, then applies the
// call-site edits to its outputs: the go command hands cover the original
// files even when an overlay replaces them (golang/go#73802), and cover's
// profile must describe the original lines anyway.
func (st *State) runCover(tool string, args []string, stdout, stderr io.Writer) int {
	outList := ""
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "-outfilelist" {
			outList = args[i+1]
		}
	}
	first := firstSourceArg(args)
	inputs := append([]string{}, args[first:]...)
	run := append([]string{}, args...)
	for i, f := range inputs {
		if _, err := os.Stat(f); err != nil {
			if backing, ok := st.Overlay[f]; ok {
				// An overlay-only file (gohttpdbg's generated init file)
				// does not exist on disk; cover reads its backing file.
				run[first+i] = backing
			}
		}
	}
	if code := runTool(st, tool, run, stdout, stderr); code != 0 || outList == "" {
		return code
	}
	list, err := os.ReadFile(outList)
	if err != nil {
		fmt.Fprintf(stderr, "gohttpdbg toolexec: %v\n", err)
		return 1
	}
	outs := strings.Fields(string(list))
	// cover writes one output per input, after any extra outputs it puts
	// first (the package's coverage variables), so align from the end.
	off := len(outs) - len(inputs)
	if off < 0 {
		fmt.Fprintf(stderr, "gohttpdbg toolexec: cover wrote %d outputs for %d inputs\n", len(outs), len(inputs))
		return 1
	}
	for i, in := range inputs {
		edits, ok := st.Edits[in]
		if !ok {
			continue
		}
		outPath := outs[off+i]
		src, err := os.ReadFile(outPath)
		if err != nil {
			fmt.Fprintf(stderr, "gohttpdbg toolexec: %v\n", err)
			return 1
		}
		patched, err := rewriteCoverOutput(outPath, src, edits)
		if err != nil {
			fmt.Fprintf(stderr, "gohttpdbg toolexec: rewriting cover output of %s: %v\n", in, err)
			return 1
		}
		if !bytes.Equal(patched, src) {
			if err := os.WriteFile(outPath, patched, 0o644); err != nil {
				fmt.Fprintf(stderr, "gohttpdbg toolexec: %v\n", err)
				return 1
			}
		}
	}
	return 0
}

// rewriteCoverOutput re-applies a file's edits to cover's output for it
// (the file at path): the edits name nodes by their positions in the
// original file, which the //line directives of cover's output preserve.
func rewriteCoverOutput(path string, src []byte, editsJSON []byte) ([]byte, error) {
	var edits []callsite.Edit
	if err := json.Unmarshal(editsJSON, &edits); err != nil {
		return nil, err
	}
	return rewrite.RewriteFile(path, src, edits)
}
