//go:build linux

package admin

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Dir returns the directory that holds the admin sockets of this user's
// processes: $XDG_RUNTIME_DIR/gohttpdbg, else $TMPDIR/gohttpdbg-UID.
func Dir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "gohttpdbg")
	}
	return filepath.Join(os.TempDir(), "gohttpdbg-"+strconv.Itoa(os.Getuid()))
}

// DefaultPath returns the socket path of process pid: Dir()/PID.sock.
func DefaultPath(pid int) string {
	return filepath.Join(Dir(), strconv.Itoa(pid)+".sock")
}

// prepareDir makes sure dir exists, is a real directory (not a symlink),
// is owned by this process's uid and is accessible to that uid only. A
// directory it creates itself is 0700; one that exists with other
// permissions or another owner is refused, never repaired: someone else
// may have planted it. The directory of a socket path the user chose
// (create false) may be readable by others but not writable: the socket
// is 0600 and peers are checked, but nobody else may replace it.
func prepareDir(dir string, create bool) error {
	if create {
		if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
			return err
		}
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("%s is a symlink", dir)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("%s: cannot read its owner", dir)
	}
	if uid := os.Getuid(); int(st.Uid) != uid {
		return fmt.Errorf("%s is owned by uid %d, not by this process's uid %d", dir, st.Uid, uid)
	}
	if create && fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%s has mode %v; want 0700", dir, fi.Mode().Perm())
	}
	if !create && fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%s has mode %v: writable by others", dir, fi.Mode().Perm())
	}
	return nil
}

// removeStale removes the socket at path if it is left over from an
// earlier process (nobody accepts on it); a live socket is an error.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("%s exists and is not a socket", path)
	}
	if alive(path) {
		return fmt.Errorf("%s is in use by another process", path)
	}
	return os.Remove(path)
}

// cleanStale removes the sockets in dir whose process is gone; it is the
// same cleanup `gohttpdbg ps` does, run once at start.
func cleanStale(dir string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		name := e.Name()
		if filepath.Ext(name) != ".sock" {
			continue
		}
		pid, err := strconv.Atoi(name[:len(name)-len(".sock")])
		if err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			os.Remove(filepath.Join(dir, name))
		}
	}
}

// alive reports whether a process accepts connections on the socket.
func alive(path string) bool {
	c, err := net.DialTimeout("unix", path, 500*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
