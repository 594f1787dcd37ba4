package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestModules checks that the generated modules build and that an edit is
// one line and undoes cleanly, so the timings measure what they say.
func TestModules(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two generated modules")
	}
	dir := t.TempDir()
	small, medium := filepath.Join(dir, "small"), filepath.Join(dir, "medium")
	if err := writeSmall(small); err != nil {
		t.Fatal(err)
	}
	if err := writeMedium(medium, 7); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{small, medium} {
		cmd := exec.Command("go", "build", "-o", os.DevNull, ".")
		cmd.Dir = m
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", m, err, out)
		}
	}
	file := filepath.Join(medium, "p03", "http.go")
	before, _ := os.ReadFile(file)
	if err := editLine(medium, "medium", 7, 0); err != nil {
		t.Fatal(err)
	}
	edited, _ := os.ReadFile(file)
	if string(edited) != string(before)+"const editMarker = 1\n" {
		t.Errorf("edit of %s:\n%s", file, edited)
	}
	if err := editLine(medium, "medium", 7, -1); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(file); string(after) != string(before) {
		t.Errorf("edit not undone:\n%s", after)
	}
}
