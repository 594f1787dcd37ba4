// Package api is the admin socket's API as Go types: the server
// (runtimehooks/admin) encodes them and `gohttpdbg ctl` decodes them, so
// that both read one definition. It holds the table of endpoints (the
// server's mux, its 404 message and the documentation test are made from
// it) and the one implementation of the audit log's hash chain. Like the
// rest of the runtime it imports the standard library only.
package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gohttpdbg/gohttpdbg/probes"
)

// Endpoint is one path of the admin socket.
type Endpoint struct {
	Path    string // as documented in docs/ADMIN.md
	Pattern string // the ServeMux pattern serving it
	Methods string // e.g. "GET" or "GET, PUT"
}

// Endpoints are the admin socket's paths.
var Endpoints = []Endpoint{
	{"/v1/status", "/v1/status", "GET"},
	{"/v1/probes", "/v1/probes", "GET, PUT"},
	{"/v1/godebug", "/v1/godebug", "GET, PUT"},
	{"/v1/events", "/v1/events", "GET"},
	{"/v1/bodies", "/v1/bodies", "GET"},
	{"/v1/conns", "/v1/conns", "GET"},
	{"/v1/streams", "/v1/streams", "GET"},
	{"/v1/keylog", "/v1/keylog", "GET, PUT, DELETE"},
	{"/v1/audit", "/v1/audit", "GET"},
	{"/v1/requests", "/v1/requests", "GET"},
	{"/v1/requests/ID", "/v1/requests/", "GET"},
	{"/v1/requests/ID/curl", "/v1/requests/", "GET"},
	{"/v1/har", "/v1/har", "GET"},
	{"/v1/capture", "/v1/capture", "GET, PUT, DELETE"},
}

// NotFound is the message of a path no endpoint serves.
func NotFound() string {
	var paths []string
	for _, e := range Endpoints {
		paths = append(paths, e.Path)
	}
	return "no such endpoint; see " + strings.Join(paths, ", ")
}

// Error is every error answer's body: the message, and what the request
// could have named instead when it named something unknown.
type Error struct {
	Error   string   `json:"error"`
	Known   []string `json:"known,omitempty"`   // GODEBUG keys of this Go (an unknown key)
	Probes  []string `json:"probes,omitempty"`  // probe names (an unknown probe, or none)
	Restart string   `json:"restart,omitempty"` // a start-only GODEBUG key (409): "GODEBUG=k=v,…"
}

// Peer is the process on the other end of an admin connection.
type Peer struct {
	PID int `json:"pid"`
	UID int `json:"uid"`
}

// Entry is one audit record. The JSON field names are in sorted order and
// none is omitted: the canonical form of an entry is its JSON with "hash"
// empty.
type Entry struct {
	Action string            `json:"action"` // probes, godebug, keylog, capture, expired, refused, connect
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

// Genesis is the Prev of the first entry.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Canonical returns the JSON an entry's hash covers.
func Canonical(e Entry) []byte {
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

// HashEntry returns the hash of an entry (its canonical JSON) chained to
// prev.
func HashEntry(prev string, canonical []byte) string {
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write([]byte{'\n'})
	h.Write(canonical)
	return hex.EncodeToString(h.Sum(nil))
}

// VerifyChain checks that each entry's hash matches its content and that
// each links to the one before it. The first entry must be the genesis
// (seq 1, prev all zeros) unless earlier entries were rotated out of
// memory, in which case the chain is checked from there.
func VerifyChain(entries []Entry) error {
	for i, e := range entries {
		if got := HashEntry(e.Prev, Canonical(e)); got != e.Hash {
			return fmt.Errorf("entry %d: content does not match its hash", e.Seq)
		}
		if i == 0 {
			if e.Seq == 1 && e.Prev != Genesis {
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

// Audit is GET /v1/audit.
type Audit struct {
	Entries     []Entry `json:"entries"`
	Verified    bool    `json:"verified"`
	VerifyError string  `json:"verify_error,omitempty"`
}

// Exchange is one request of the journal (probes.Exchange).
type Exchange = probes.Exchange

// Requests is GET /v1/requests (without follow).
type Requests struct {
	Requests []Exchange `json:"requests"`
	Size     int        `json:"journal_size"`
	Dropped  uint64     `json:"dropped"` // records the journal evicted since the start
}

// CaptureRule and FieldRule are a capture's rule (probes').
type (
	CaptureRule = probes.CaptureRule
	FieldRule   = probes.FieldRule
)

// CapturePut is PUT /v1/capture's body.
type CapturePut struct {
	Rule CaptureRule `json:"rule"`
	TTL  string      `json:"ttl,omitempty"` // default 15m, at most 24h
}

// Capture is GET, PUT and DELETE /v1/capture's answer: the rule in force.
type Capture struct {
	Rule    *CaptureRule `json:"rule"`              // nil: none
	Expires string       `json:"expires,omitempty"` // RFC 3339
	Audit   int64        `json:"audit,omitempty"`   // the change's audit seq
}
