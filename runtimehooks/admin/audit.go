//go:build linux

package admin

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"
)

// Entry is one audit record. The JSON field names are in sorted order and
// none is omitted, so the canonical form of an entry (its JSON without
// "hash") is the same whether it is marshalled from this struct or from a
// generic map a client decoded it into: VerifyChain and `gohttpdbg ctl
// audit --verify` compute the same hashes.
type Entry struct {
	Action string            `json:"action"` // probes, godebug, keylog, expired, refused, connect
	After  map[string]string `json:"after"`
	Before map[string]string `json:"before"`
	Hash   string            `json:"hash"` // SHA-256 of Prev + "\n" + canonical JSON
	Peer   Peer              `json:"peer"`
	Prev   string            `json:"prev"` // Hash of the previous entry, 64 zeros for the first
	Result string            `json:"result"`
	Seq    int64             `json:"seq"`
	Time   string            `json:"time"` // RFC 3339, nanoseconds, UTC
	TTL    string            `json:"ttl"`
}

const genesis = "0000000000000000000000000000000000000000000000000000000000000000"

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

// hashEntry returns the hash of e chained to prev.
func hashEntry(prev string, canonical []byte) string {
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write([]byte{'\n'})
	h.Write(canonical)
	return hex.EncodeToString(h.Sum(nil))
}

func canonical(e Entry) []byte {
	e.Hash = ""
	if e.Before == nil {
		e.Before = map[string]string{}
	}
	if e.After == nil {
		e.After = map[string]string{}
	}
	b, _ := json.Marshal(e)
	return b
}

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

// VerifyChain checks that each entry's hash matches its content and that
// each links to the one before it. The first entry must be the genesis
// (seq 1, prev all zeros) unless earlier entries were rotated out of
// memory, in which case the chain is checked from there.
func VerifyChain(entries []Entry) error {
	for i, e := range entries {
		if got := hashEntry(e.Prev, canonical(e)); got != e.Hash {
			return fmt.Errorf("entry %d: content does not match its hash", e.Seq)
		}
		if i == 0 {
			if e.Seq == 1 && e.Prev != genesis {
				return errors.New("entry 1: does not start the chain")
			}
			continue
		}
		if e.Prev != entries[i-1].Hash || e.Seq != entries[i-1].Seq+1 {
			return fmt.Errorf("entry %d: does not follow entry %d", e.Seq, entries[i-1].Seq)
		}
	}
	return nil
}
