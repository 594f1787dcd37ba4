//go:build linux

package admin

import (
	"encoding/json"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/gohttpdbg/gohttpdbg/runtimehooks/admin/api"
)

// Entry is one audit record (see api.Entry).
type Entry = api.Entry

const genesis = api.Genesis

// auditKeep bounds the entries kept in memory; the mirror file, when
// configured, has them all.
const auditKeep = 1024

type auditLog struct {
	mu      sync.Mutex
	entries []Entry
	seq     int64
	last    string
	mirror  *os.File
}

func newAuditLog(mirror string) (*auditLog, error) {
	a := &auditLog{last: genesis}
	if mirror == "" {
		return a, nil
	}
	f, err := os.OpenFile(mirror, os.O_WRONLY|os.O_CREATE|os.O_APPEND|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, err
	}
	a.mirror = f
	return a, nil
}

func hashEntry(prev string, canonical []byte) string { return api.HashEntry(prev, canonical) }

func canonical(e Entry) []byte { return api.Canonical(e) }

func (a *auditLog) append(e Entry) Entry {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seq++
	e.Seq = a.seq
	e.Time = time.Now().UTC().Format(time.RFC3339Nano)
	if e.Before == nil {
		e.Before = map[string]string{}
	}
	if e.After == nil {
		e.After = map[string]string{}
	}
	e.Prev = a.last
	e.Hash = hashEntry(e.Prev, canonical(e))
	a.last = e.Hash
	if len(a.entries) >= auditKeep {
		copy(a.entries, a.entries[1:])
		a.entries = a.entries[:len(a.entries)-1]
	}
	a.entries = append(a.entries, e)
	if a.mirror != nil {
		b, _ := json.Marshal(e)
		a.mirror.Write(append(b, '\n'))
	}
	return e
}

func (a *auditLog) list() []Entry {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Entry(nil), a.entries...)
}

func (a *auditLog) close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.mirror != nil {
		a.mirror.Close()
		a.mirror = nil
	}
}

// VerifyChain checks the audit log's hash chain (api.VerifyChain).
func VerifyChain(entries []Entry) error { return api.VerifyChain(entries) }
