package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// repoRoot is the repository, from this package's directory.
var repoRoot = filepath.Join("..", "..")

// readRepoFile returns the repository's file name (a slash path).
func readRepoFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReadmeSitesExist keeps the README's sample events true: every
// site=FILE:LINE it shows must name a line of that file that makes an
// HTTP call, as the probes would report it.
func TestReadmeSitesExist(t *testing.T) {
	t.Parallel()
	readme := readRepoFile(t, "README.md")
	sites := regexp.MustCompile(`site=(\S+\.go):(\d+)`).FindAllStringSubmatch(string(readme), -1)
	if len(sites) == 0 {
		t.Fatal("README shows no event with a site")
	}
	for _, m := range sites {
		src, err := os.ReadFile(filepath.Join(repoRoot, m[1]))
		if err != nil {
			t.Errorf("README: site=%s:%s: %v", m[1], m[2], err)
			continue
		}
		n, _ := strconv.Atoi(m[2])
		lines := strings.Split(string(src), "\n")
		if n < 1 || n > len(lines) || !strings.Contains(lines[n-1], "http.") {
			t.Errorf("README: site=%s:%s is not an HTTP call of that file", m[1], m[2])
		}
	}
}

// TestEveryExampleIsShownAndChecked: each program under examples/ has a
// row in the README's table and is built and run by the examples script
// (or, for the long ones, by a script of its own).
func TestEveryExampleIsShownAndChecked(t *testing.T) {
	t.Parallel()
	readme := readRepoFile(t, "README.md")
	scripts, err := filepath.Glob(filepath.Join("testdata", "script", "*.txtar"))
	if err != nil || len(scripts) == 0 {
		t.Fatalf("scripts: %v %v", scripts, err)
	}
	var all strings.Builder
	for _, s := range scripts {
		b, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
	}
	dirs, err := os.ReadDir(filepath.Join(repoRoot, "examples"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		n++
		if _, err := os.Stat(filepath.Join(repoRoot, "examples", d.Name(), "go.mod")); err == nil {
			checkExampleModule(t, string(readme), all.String(), d.Name())
			continue
		}
		if !strings.Contains(string(readme), "| `"+d.Name()+"` |") {
			t.Errorf("examples/%s has no row in the README's examples table", d.Name())
		}
		if !strings.Contains(all.String(), "./examples/"+d.Name()+"\n") && !strings.Contains(all.String(), "./examples/"+d.Name()+" ") {
			t.Errorf("examples/%s is built by no script in testdata/script", d.Name())
		}
	}
	if n == 0 {
		t.Fatal("no example found")
	}
}

// checkExampleModule: a module of examples (examples/NAME with its own
// go.mod, for programs that need third-party libraries) has a README row
// per program, `NAME/PROG`, and each program is built from the module's
// directory by a script.
func checkExampleModule(t *testing.T, readme, scripts, name string) {
	t.Helper()
	progs, err := os.ReadDir(filepath.Join(repoRoot, "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range progs {
		if !p.IsDir() {
			continue
		}
		if !strings.Contains(readme, "| `"+name+"/"+p.Name()+"` |") {
			t.Errorf("examples/%s/%s has no row in the README's examples table", name, p.Name())
		}
		if !strings.Contains(scripts, "-C $REPO/examples/"+name+" ") || !strings.Contains(scripts, " ./"+p.Name()+"\n") {
			t.Errorf("examples/%s/%s is built by no script in testdata/script", name, p.Name())
		}
	}
}

// TestArchitectureListsEveryPackage: docs/ARCHITECTURE.md's package table
// names every package of the module (examples and testdata aside).
func TestArchitectureListsEveryPackage(t *testing.T) {
	out, err := exec.Command("go", "list", "-C", repoRoot, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	arch := string(readRepoFile(t, "docs/ARCHITECTURE.md"))
	for _, p := range strings.Fields(string(out)) {
		rel := strings.TrimPrefix(strings.TrimPrefix(p, "github.com/gohttpdbg/gohttpdbg"), "/")
		if rel == "" || rel == "examples" || strings.HasPrefix(rel, "examples/") || strings.Contains(rel, "testdata") {
			continue
		}
		if !strings.Contains(arch, "`"+rel+"`") {
			t.Errorf("docs/ARCHITECTURE.md does not name package %s", rel)
		}
	}
}
