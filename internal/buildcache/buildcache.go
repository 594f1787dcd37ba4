// Package buildcache owns gohttpdbg's cache directory, where everything a
// build generates is kept (the unpacked runtime, rewritten files, go.mod
// copies, the overlay, the toolexec state, stored plans), each file
// addressed by its content so that equal inputs give equal paths.
package buildcache

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

// Dir is where gohttpdbg keeps what it generates: the unpacked runtime,
// rewritten files, go.mod copies, overlay and toolexec state. Everything in
// it is content-addressed, so two builds of the same input produce the same
// paths and the go command's own cache hits. GOHTTPDBG_CACHE overrides it.
func Dir() (string, error) {
	if d := os.Getenv("GOHTTPDBG_CACHE"); d != "" {
		return filepath.Abs(d)
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory (set GOHTTPDBG_CACHE): %v", err)
	}
	return filepath.Join(base, "gohttpdbg"), nil
}

// Hash returns the hex SHA-256 of parts, each prefixed by its length so
// that no two lists of parts hash alike.
func Hash(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:", len(p))
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// WriteAddressed stores content at dir/<hash>/name and returns the path. The
// base name is kept because it shows up in coverage profiles and messages.
// A file already there has the same content by construction.
func WriteAddressed(dir, name string, content []byte) (string, error) {
	h := Hash([]byte(name), content)
	p := filepath.Join(dir, h[:2], h[2:20], name)
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", err
	}
	if err := WriteFileAtomic(p, content, 0o644); err != nil {
		return "", err
	}
	return p, nil
}

// WriteFileAtomic writes through a temporary file and a rename, so that a
// concurrent build never reads half a file.
func WriteFileAtomic(p string, content []byte, perm os.FileMode) error {
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
