package goflags

import (
	"slices"
	"testing"
)

// The go command's own reading: value flags take the next word, -C is
// taken out, go run's program arguments and go test's -args are not read.
func TestParseGoCommand(t *testing.T) {
	t.Parallel()
	gc, err := ParseGoCommand("run", []string{"-C", "d", "-tags", "x", "-race", "main.go", "util.go", "-tags", "y"})
	if err != nil {
		t.Fatal(err)
	}
	if gc.Dir != "d" || gc.Last("tags") != "x" || !gc.Bool("race") {
		t.Errorf("flags: dir %q tags %q race %v", gc.Dir, gc.Last("tags"), gc.Bool("race"))
	}
	if want := []string{"main.go", "util.go"}; !slices.Equal(gc.Patterns, want) {
		t.Errorf("patterns %q, want %q", gc.Patterns, want)
	}
	if want := []string{"-tags", "x", "-race", "main.go", "util.go", "-tags", "y"}; !slices.Equal(gc.Args, want) {
		t.Errorf("args %q, want %q", gc.Args, want)
	}
	gc, err = ParseGoCommand("test", []string{"-run=X", "./...", "-args", "-v"})
	if err != nil || !gc.LoadsTests() || gc.Last("run") != "X" || gc.Last("v") != "" {
		t.Errorf("test: %+v, %v", gc, err)
	}
	if want := []string{"-race"}; !slices.Equal(mustParse(t, "build", "-race", "-o", "x", ".").LoadFlags(), want) {
		t.Errorf("load flags of -race -o x: want %q", want)
	}
	for _, bad := range [][]string{{"-o"}, {"-C", "a", "-C", "b"}} {
		if _, err := ParseGoCommand("build", bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func mustParse(t *testing.T, verb string, args ...string) *GoCommand {
	t.Helper()
	gc, err := ParseGoCommand(verb, args)
	if err != nil {
		t.Fatal(err)
	}
	return gc
}

func TestLeadingAndDroppedFlags(t *testing.T) {
	t.Parallel()
	args := []string{"-o", "x", "-overlay", "o.json", "-race", "./cmd", "-args", "-overlay", "y"}
	if n := LeadingFlags(args); n != 5 {
		t.Errorf("LeadingFlags = %d, want 5", n)
	}
	if got, want := DropFlags(args, "overlay"), []string{"-o", "x", "-race", "./cmd", "-args", "-overlay", "y"}; !slices.Equal(got, want) {
		t.Errorf("DropFlags = %q, want %q", got, want)
	}
	if n := GoFileArgs([]string{"a.go", "b.go", "-x", "c.go"}); n != 2 {
		t.Errorf("GoFileArgs = %d, want 2", n)
	}
	if got, want := SplitQuoted(`a 'b c' "d"  e`), []string{"a", "b c", "d", "e"}; !slices.Equal(got, want) {
		t.Errorf("SplitQuoted = %q, want %q", got, want)
	}
}

// The marker rides on the user's per-package flags for the package, and
// comes off again before the compiler sees it.
func TestMarker(t *testing.T) {
	t.Parallel()
	got := MarkerGcflags([]string{"-N", "all=-N -l", "net/...=-m"}, []string{"net/http", "example.com/x"}, "id")
	want := []string{"-gcflags=net/http=-m " + PatchMarkerFlag + "id", "-gcflags=example.com/x=-N -l " + PatchMarkerFlag + "id"}
	if !slices.Equal(got, want) {
		t.Errorf("MarkerGcflags = %q, want %q", got, want)
	}
	args, id := StripMarker([]string{"-p", "net/http", PatchMarkerFlag + "id", "a.go"})
	if id != "id" || !slices.Equal(args, []string{"-p", "net/http", "a.go"}) {
		t.Errorf("StripMarker = %q, %q", args, id)
	}
	for _, c := range []struct {
		pattern, pkg string
		match        bool
	}{
		{"std", "net/http", true}, {"std", "example.com/x", false}, {"all", "example.com/x", true},
		{"example.com/x/...", "example.com/x", true}, {"example.com/x/...", "example.com/xy", false},
		{"example.com/x/...", "example.com/x/y", true}, {"net/http", "net/http/httptest", false},
	} {
		if got := MatchPackagePattern(c.pattern, c.pkg); got != c.match {
			t.Errorf("MatchPackagePattern(%q, %q) = %v", c.pattern, c.pkg, got)
		}
	}
}
