//go:build linux

package admin

import (
	"net/http"
	"os"
	"path/filepath"
	"syscall"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/runtimehooks/admin/api"
)

// PUT /v1/keylog {"file":"/abs/keys.log","ttl":"1h"} sends the TLS keys
// of connections made from now on to the file (NSS key log format, for
// Wireshark); DELETE /v1/keylog stops. The file is opened by this process
// (O_APPEND, 0600, not through a symlink), so it is readable by its uid.
func (s *Server) handleKeyLog(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		s.mu.Lock()
		p := s.keyLogPath
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, api.KeyLog{File: p, Active: p != ""})
		return
	case http.MethodPut, http.MethodDelete:
		if !s.writable(w, r) {
			return
		}
	default:
		w.Header().Set("Allow", "GET, PUT, DELETE")
		writeError(w, http.StatusMethodNotAllowed, r.Method+" not allowed; use PUT or DELETE", nil)
		return
	}
	if r.Method == http.MethodDelete {
		s.commit(w, r, "keylog", []change{{kindKeyLog, "file", ""}}, defaultTTL)
		return
	}
	var req api.KeyLogPut
	ttl, ok := readChange(w, r, &req, &req.TTL)
	if !ok {
		return
	}
	if !filepath.IsAbs(req.File) {
		writeError(w, http.StatusBadRequest, `file: want an absolute path, e.g. {"file":"/tmp/keys.log"}`, nil)
		return
	}
	f, err := os.OpenFile(req.File, os.O_WRONLY|os.O_CREATE|os.O_APPEND|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		writeError(w, http.StatusBadRequest, "opening the key log: "+err.Error(), nil)
		return
	}
	s.mu.Lock()
	if s.keyLogNext != nil {
		s.keyLogNext.Close()
	}
	s.keyLogNext = f
	s.mu.Unlock()
	s.commit(w, r, "keylog", []change{{kindKeyLog, "file", req.File}}, ttl)
}

// setKeyLogLocked switches the key log to path ("" off); s.mu is held.
func (s *Server) setKeyLogLocked(path string) {
	var f *os.File
	if path != "" {
		if s.keyLogNext != nil && s.keyLogNext.Name() == path {
			f, s.keyLogNext = s.keyLogNext, nil
		} else {
			var err error
			f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND|syscall.O_NOFOLLOW, 0o600)
			if err != nil {
				path = ""
			}
		}
	}
	if f != nil {
		probes.SetKeyLog(f)
	} else {
		probes.SetKeyLog(nil)
	}
	if s.keyLogFile != nil {
		s.keyLogFile.Close()
	}
	s.keyLogFile, s.keyLogPath = f, path
}
