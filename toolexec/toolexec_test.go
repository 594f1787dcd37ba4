package toolexec

import (
	"io"
	"slices"
	"testing"

	"github.com/gohttpdbg/gohttpdbg/goflags"
)

// The runtime's packages are compiled optimized even when the user asks
// for -N -l (a debugger's build), marker stripped; other packages keep
// the flags they were given.
func TestCompileArgsRuntimeOptimized(t *testing.T) {
	var st State
	in := []string{"-o", "x.a", "-p", "github.com/gohttpdbg/gohttpdbg/probes/frame", "-N", "-l", "-lang=go1.21", goflags.PatchMarkerFlag + "id", "a.go"}
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

// A package compiled from a module copied out of the module cache names
// its files by their module cache paths: the go command's -trimpath rules
// are kept with the copy mapped back, the //line names (module cache
// paths) get the rule the copy's directory had, and a catch-all maps the
// rest. Other packages pass unchanged.
func TestTrimCopies(t *testing.T) {
	st := State{Copies: map[string]string{"/c/modsrc/m@v1": "/mc/m@v1"}}
	cases := []struct {
		name     string
		in, want []string
	}{{
		name: "plain build",
		in:   []string{"-p", "m/pkg", "-trimpath", "/w/b001=>;/ov/x.go=>/c/modsrc/m@v1/pkg/x.go", "/c/modsrc/m@v1/pkg/a.go", "/ov/x.go"},
		want: []string{"-p", "m/pkg", "-trimpath", "/w/b001=>;/ov/x.go=>/mc/m@v1/pkg/x.go;/c/modsrc/m@v1=>/mc/m@v1", "/c/modsrc/m@v1/pkg/a.go", "/ov/x.go"},
	}, {
		name: "-trimpath build",
		in:   []string{"-p", "m/pkg", "-trimpath", "/c/modsrc/m@v1/pkg=>m@v1/pkg;/w/b001=>", "/c/modsrc/m@v1/pkg/a.go"},
		want: []string{"-p", "m/pkg", "-trimpath", "/c/modsrc/m@v1/pkg=>m@v1/pkg;/mc/m@v1/pkg=>m@v1/pkg;/w/b001=>;/c/modsrc/m@v1=>/mc/m@v1", "/c/modsrc/m@v1/pkg/a.go"},
	}, {
		name: "no -trimpath",
		in:   []string{"-p", "m/pkg", "/c/modsrc/m@v1/pkg/a.go"},
		want: []string{"-trimpath", "/c/modsrc/m@v1=>/mc/m@v1", "-p", "m/pkg", "/c/modsrc/m@v1/pkg/a.go"},
	}, {
		name: "other package",
		in:   []string{"-p", "example.com/app", "-trimpath", "/w/b002=>", "/src/app/main.go"},
		want: []string{"-p", "example.com/app", "-trimpath", "/w/b002=>", "/src/app/main.go"},
	}, {
		name: "sibling path",
		in:   []string{"-p", "m2", "-trimpath", "/w/b003=>", "/c/modsrc/m@v12/a.go"},
		want: []string{"-p", "m2", "-trimpath", "/w/b003=>", "/c/modsrc/m@v12/a.go"},
	}}
	for _, c := range cases {
		if got := st.trimCopies(slices.Clone(c.in)); !slices.Equal(got, c.want) {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}
