package rewrite

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

// CacheDir is where gohttpdbg keeps what it generates: the unpacked runtime,
// rewritten files, go.mod copies, overlay and toolexec state. Everything in
// it is content-addressed, so two builds of the same input produce the same
// paths and the go command's own cache hits. GOHTTPDBG_CACHE overrides it.
func CacheDir() (string, error) {
	if d := os.Getenv("GOHTTPDBG_CACHE"); d != "" {
		return filepath.Abs(d)
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory (set GOHTTPDBG_CACHE): %v", err)
	}
	return filepath.Join(base, "gohttpdbg"), nil
}

func hashBytes(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:", len(p))
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// writeAddressed stores content at dir/<hash>/name and returns the path. The
// base name is kept because it shows up in coverage profiles and messages.
// A file already there has the same content by construction.
func writeAddressed(dir, name string, content []byte) (string, error) {
	h := hashBytes([]byte(name), content)
	p := filepath.Join(dir, h[:2], h[2:20], name)
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", err
	}
	if err := writeFileAtomic(p, content, 0o644); err != nil {
		return "", err
	}
	return p, nil
}

// writeFileAtomic writes through a temporary file and a rename, so that a
// concurrent build never reads half a file.
func writeFileAtomic(p string, content []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), perm); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), p)
}
