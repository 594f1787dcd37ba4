package buildcache

import (
	"os"
	"path/filepath"
	"testing"
)

// A file is stored under its name and content: the same pair gives the
// same path, another content another path, and the name is kept.
func TestWriteAddressed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, err := WriteAddressed(dir, "x.go", []byte("a"))
	if err != nil {
		t.Fatal(err)
	}
	again, _ := WriteAddressed(dir, "x.go", []byte("a"))
	b, _ := WriteAddressed(dir, "x.go", []byte("b"))
	if a != again || a == b || filepath.Base(a) != "x.go" {
		t.Errorf("paths %q, %q, %q", a, again, b)
	}
	if got, _ := os.ReadFile(b); string(got) != "b" {
		t.Errorf("content %q", got)
	}
	if Hash([]byte("ab"), []byte("c")) == Hash([]byte("a"), []byte("bc")) {
		t.Error("Hash does not separate its parts")
	}
}
