package main

import (
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gohttpdbg/gohttpdbg/probes"
)

// designSections returns the section numbers ("3", "3a") of docs/DESIGN.md
// and each section's text.
func designSections(t *testing.T) map[string]string {
	t.Helper()
	design := string(readRepoFile(t, "docs/DESIGN.md"))
	secs := map[string]string{}
	heads := regexp.MustCompile(`(?m)^## ([0-9]+[a-z]?)\. `).FindAllStringSubmatchIndex(design, -1)
	for i, h := range heads {
		end := len(design)
		if i+1 < len(heads) {
			end = heads[i+1][0]
		}
		secs[design[h[2]:h[3]]] = design[h[0]:end]
	}
	if len(secs) < 8 {
		t.Fatalf("docs/DESIGN.md: %d numbered sections", len(secs))
	}
	return secs
}

// TestDesignReferencesExist: every "DESIGN §N" a comment, doc or script
// of the repository cites names a section docs/DESIGN.md has.
func TestDesignReferencesExist(t *testing.T) {
	t.Parallel()
	secs := designSections(t)
	ref := regexp.MustCompile(`(\S*)DESIGN(?:\.md)? §([0-9]+[a-z]?)`)
	n := 0
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".md", ".txtar":
		default:
			return nil
		}
		rel, _ := filepath.Rel(repoRoot, path)
		if filepath.ToSlash(rel) == "docs/DESIGN.md" {
			return nil
		}
		b := readRepoFile(t, filepath.ToSlash(rel))
		for _, m := range ref.FindAllStringSubmatch(string(b), -1) {
			n++
			if _, ok := secs[m[2]]; !ok {
				t.Errorf("%s cites %q: docs/DESIGN.md has no section %s", rel, m[0], m[2])
			}
			if !strings.Contains(m[0], "docs/DESIGN.md §") {
				t.Errorf("%s cites %q: say docs/DESIGN.md §%s, the file a reader can open", rel, m[0], m[2])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no DESIGN § reference found: the pattern no longer matches how they are written")
	}
}

// TestDesignNamesEveryProbe: the contract's event-name table and
// docs/PROBES.md's GOHTTPDBG syntax list the probes the runtime has.
func TestDesignNamesEveryProbe(t *testing.T) {
	t.Parallel()
	runtime := designSections(t)["4"]
	probesDoc := string(readRepoFile(t, "docs/PROBES.md"))
	for _, p := range probes.Names() {
		if !strings.Contains(runtime, "\n| "+p+" |") {
			t.Errorf("docs/DESIGN.md §4: no event-name row for probe %s", p)
		}
		if !strings.Contains(runtime, "**"+p+"**") {
			t.Errorf("docs/DESIGN.md §4: probe %s is not described", p)
		}
		if !regexp.MustCompile(`\b`+p+`\|`).MatchString(probesDoc) && !strings.Contains(probesDoc, "|"+p+"=") {
			t.Errorf("docs/PROBES.md: GOHTTPDBG syntax does not list probe %s", p)
		}
	}
}
