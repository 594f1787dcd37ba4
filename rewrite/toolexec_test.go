package rewrite

import (
	"io"
	"slices"
	"testing"
)

// The runtime's packages are compiled optimized even when the user asks
// for -N -l (a debugger's build), marker stripped; other packages keep
// the flags they were given.
func TestCompileArgsRuntimeOptimized(t *testing.T) {
	var st ToolexecState
	in := []string{"-o", "x.a", "-p", "github.com/gohttpdbg/gohttpdbg/probes/frame", "-N", "-l", "-lang=go1.21", patchMarkerFlag + "id", "a.go"}
	got, err := st.compileArgs(in, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"-o", "x.a", "-p", "github.com/gohttpdbg/gohttpdbg/probes/frame", "-lang=go1.21", "a.go"}; !slices.Equal(got, want) {
		t.Errorf("runtime package: got %q, want %q", got, want)
	}
	user := []string{"-p", "example.com/app", "-N", "-l", "main.go"}
	if got, _ := st.compileArgs(slices.Clone(user), io.Discard); !slices.Equal(got, user) {
		t.Errorf("user package: got %q, want %q", got, user)
	}
}
