package modgraph

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"

	gohttpdbg "github.com/gohttpdbg/gohttpdbg"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// readCopy returns the content of the copy at path, which err made.
func readCopy(t *testing.T, path string, err error) []byte {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// The go.mod copy requires the runtime, replaced by its directory, and
// replaces each copied module by its copy in place of the user's own
// replace; go.sum goes beside it; the user's files are left as they were.
func TestModfileCopy(t *testing.T) {
	t.Parallel()
	user, cache := t.TempDir(), t.TempDir()
	gomod := filepath.Join(user, "go.mod")
	const mod = "module example.com/app\n\ngo 1.22\n\nrequire example.com/dep v1.0.0\n\nreplace example.com/dep v1.0.0 => example.com/fork v1.0.1\n"
	writeFile(t, gomod, mod)
	writeFile(t, filepath.Join(user, "go.sum"), "example.com/fork v1.0.1 h1:x\n")
	copies := []*Copy{{Path: "example.com/dep", Orig: "/mc/example.com/fork@v1.0.1", Dir: "/c/modsrc/dep"}}
	got, err := ModfileCopy(cache, gomod, "/rt", copies)
	data := readCopy(t, got, err)
	f, err := modfile.Parse(got, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	replaced := map[string]string{}
	for _, r := range f.Replace {
		replaced[r.Old.Path+"@"+r.Old.Version] = r.New.Path + "@" + r.New.Version
	}
	want := map[string]string{gohttpdbg.ModulePath + "@": "/rt@", "example.com/dep@": "/c/modsrc/dep@"}
	if len(replaced) != len(want) || replaced[gohttpdbg.ModulePath+"@"] != "/rt@" || replaced["example.com/dep@"] != "/c/modsrc/dep@" {
		t.Errorf("replaces %v, want %v", replaced, want)
	}
	if !strings.Contains(string(data), gohttpdbg.ModulePath+" "+runtimeVersion) {
		t.Errorf("go.mod copy does not require the runtime:\n%s", data)
	}
	if sum, _ := os.ReadFile(filepath.Join(filepath.Dir(got), "go.sum")); string(sum) != "example.com/fork v1.0.1 h1:x\n" {
		t.Errorf("go.sum beside the copy: %q", sum)
	}
	if b, _ := os.ReadFile(gomod); string(b) != mod {
		t.Errorf("the user's go.mod changed:\n%s", b)
	}
	writeFile(t, gomod, mod+"\nrequire "+gohttpdbg.ModulePath+" v1.0.0\n")
	if _, err := ModfileCopy(cache, gomod, "/rt", nil); err == nil || !strings.Contains(err.Error(), "already requires") {
		t.Errorf("a go.mod that requires gohttpdbg: err %v", err)
	}
}

// The go.work copy uses the workspace's modules by absolute path, and the
// runtime's directory; with nothing to add there is no copy.
func TestWorkfileCopy(t *testing.T) {
	t.Parallel()
	user, cache := t.TempDir(), t.TempDir()
	gowork := filepath.Join(user, "go.work")
	writeFile(t, gowork, "go 1.22\n\nuse ./app\n")
	writeFile(t, filepath.Join(user, "app", "go.mod"), "module example.com/app\n")
	got, err := WorkfileCopy(cache, gowork, "/rt", nil)
	data := readCopy(t, got, err)
	wf, err := modfile.ParseWork(got, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	var uses []string
	for _, u := range wf.Use {
		uses = append(uses, u.Path)
	}
	if want := filepath.Join(user, "app") + " /rt"; strings.Join(uses, " ") != want {
		t.Errorf("uses %q, want %q", uses, want)
	}
	if got, err := WorkfileCopy(cache, gowork, "", nil); got != "" || err != nil {
		t.Errorf("nothing to add: %q, %v", got, err)
	}
}

// The unpacked runtime is a module at the language version it is written
// for, without tests or testdata, unpacked once per content.
func TestUnpack(t *testing.T) {
	t.Parallel()
	cache := t.TempDir()
	dir, err := Unpack(cache)
	if err != nil {
		t.Fatal(err)
	}
	gomod, _ := os.ReadFile(filepath.Join(dir, "go.mod"))
	if want := "module " + gohttpdbg.ModulePath + "\n\ngo " + runtimeGoLine + "\n"; string(gomod) != want {
		t.Errorf("go.mod %q, want %q", gomod, want)
	}
	n := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, "_test.go") || d.Name() == "testdata" {
			t.Errorf("unpacked: %s", p)
		}
		if strings.HasSuffix(p, ".go") {
			n++
		}
		return nil
	})
	if _, err := os.Stat(filepath.Join(dir, "runtimehooks", "gohttpdbgrt")); err != nil || n < 10 {
		t.Errorf("runtime not unpacked (%d files): %v", n, err)
	}
	if again, err := Unpack(cache); again != dir || err != nil {
		t.Errorf("second unpack: %q, %v; want %q", again, err, dir)
	}
}

func TestIsRuntimePackage(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]bool{
		gohttpdbg.ModulePath + "/probes":                   true,
		gohttpdbg.ModulePath + "/probes/frame_test":        true,
		gohttpdbg.ModulePath + "/runtimehooks/gohttpdbgrt": true,
		gohttpdbg.ModulePath + "/probesx":                  false,
		gohttpdbg.ModulePath + "/rewrite":                  false,
		"example.com/probes":                               false,
	} {
		if got := IsRuntimePackage(path); got != want {
			t.Errorf("IsRuntimePackage(%q) = %v", path, got)
		}
	}
	if rel, ok := Under("/a/b/c", "/a/b"); rel != "c" || !ok {
		t.Errorf("Under(/a/b/c, /a/b) = %q, %v", rel, ok)
	}
	if _, ok := Under("/a/bc", "/a/b"); ok {
		t.Error("Under(/a/bc, /a/b): a sibling counted as beneath")
	}
}
