package probes

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
)

// RedactMode says how a sensitive value is rendered.
type RedactMode uint8

// Redaction modes, DESIGN §4.
const (
	RedactNone   RedactMode = iota // shown as is
	RedactRedact                   // "[REDACTED]"
	RedactMask                     // 3 first and 2 last characters kept
	RedactHash                     // "sha256:" + 12 hex of a salted SHA-256
)

var redactModeNames = [...]string{"none", "redact", "mask", "hash"}

func (m RedactMode) String() string { return redactModeNames[m] }

// Redacted is what RedactRedact renders.
const Redacted = "[REDACTED]"

type redactRule struct {
	name string // lower case
	mode RedactMode
}

type redactConfig struct {
	rules       []redactRule // explicit rules, checked first
	defaultMode RedactMode   // for the built-in list
	salt        []byte

	// modes caches RedactModeFor per header name: a program sends the
	// same few names over and over, and the rules scan case-folded
	// substrings. Names come from the network, so it is bounded.
	modes  sync.Map // string → RedactMode
	modesN atomic.Int32
	// recent is a direct-mapped cache in front of modes, looked up without
	// a lock, a hash of an interface or an allocation: every header field
	// of every event goes through RedactModeFor.
	recent [256]atomic.Pointer[redactEntry]
}

type redactEntry struct {
	name string
	mode RedactMode
}

const maxRedactModes = 4096

// Built-in sensitive headers: exact names, and substrings of names.
var (
	sensitiveNames     = []string{"authorization", "proxy-authorization", "cookie", "set-cookie"}
	sensitiveFragments = []string{"token", "secret", "key", "password", "session", "auth"}
)

var redactCfg atomic.Pointer[redactConfig]

func init() {
	redactCfg.Store(&redactConfig{defaultMode: RedactRedact, salt: randomSalt()})
}

func randomSalt() []byte {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return b
}

// SetRedactRules applies a GOHTTPDBG_REDACT string: a comma-separated list
// of "header:mode" rules (mode redact, mask, hash or none) that take
// precedence over the built-in list, "*:mode" to change the mode of the
// built-in list, and "salt=VALUE" to fix the hash salt (random per process
// otherwise). Rules replace those of a previous call; bad items are
// reported and skipped.
func SetRedactRules(spec string) error {
	c := &redactConfig{defaultMode: RedactRedact, salt: redactCfg.Load().salt}
	var errs []error
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if v, ok := strings.CutPrefix(item, "salt="); ok {
			c.salt = []byte(v)
			continue
		}
		name, m, ok := strings.Cut(item, ":")
		mode, known := parseRedactMode(strings.TrimSpace(m))
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || !known || name == "" {
			errs = append(errs, fmt.Errorf("%q: want header:redact|mask|hash|none", item))
			continue
		}
		if name == "*" {
			c.defaultMode = mode
			continue
		}
		c.rules = append(c.rules, redactRule{name: name, mode: mode})
	}
	redactCfg.Store(c)
	return errors.Join(errs...)
}

func parseRedactMode(s string) (RedactMode, bool) {
	for i, n := range redactModeNames {
		if strings.EqualFold(s, n) {
			return RedactMode(i), true
		}
	}
	return 0, false
}

// RedactModeFor returns the mode that applies to header name.
func RedactModeFor(name string) RedactMode {
	c := redactCfg.Load()
	slot := &c.recent[nameHash(name)%uint32(len(c.recent))]
	if e := slot.Load(); e != nil && e.name == name {
		return e.mode
	}
	var m RedactMode
	if v, ok := c.modes.Load(name); ok {
		m = v.(RedactMode)
	} else {
		m = c.modeFor(name)
		if c.modesN.Add(1) > maxRedactModes {
			return m
		}
		name = strings.Clone(name) // name may alias a larger buffer
		c.modes.Store(name, m)
	}
	slot.Store(&redactEntry{name: name, mode: m})
	return m
}

// nameHash is FNV-1a over name's bytes.
func nameHash(name string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(name); i++ {
		h ^= uint32(name[i])
		h *= 16777619
	}
	return h
}

func (c *redactConfig) modeFor(name string) RedactMode {
	for _, r := range c.rules {
		if strings.EqualFold(r.name, name) {
			return r.mode
		}
	}
	if isSensitive(name) {
		if c.defaultMode == RedactNone {
			return RedactRedact // the built-in list is never shown in clear
		}
		return c.defaultMode
	}
	return RedactNone
}

func isSensitive(name string) bool {
	for _, n := range sensitiveNames {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	for _, f := range sensitiveFragments {
		if containsFold(name, f) {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains the lower-case ASCII sub,
// ignoring ASCII case, without allocating.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		j := 0
		for ; j < len(sub); j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != sub[j] {
				break
			}
		}
		if j == len(sub) {
			return true
		}
	}
	return false
}

// RedactHeader returns value as it may appear in events for header name.
// Every probe that records a header value (client and server headers,
// HTTP/2 header fields) passes it through here.
func RedactHeader(name, value string) string {
	if strings.HasPrefix(name, ":") {
		return redactPseudo(name, value)
	}
	return RedactValue(RedactModeFor(name), value)
}

// redactPseudo renders an HTTP/2 pseudo-header field. They are not headers
// anyone names at will: :authority is a host (the built-in "auth" fragment
// must not hide it), :method, :scheme, :status and :protocol are protocol
// words, and :path carries the query string, whose sensitive parameters
// are redacted as in URLs. A GOHTTPDBG_REDACT rule naming one still applies.
func redactPseudo(name, value string) string {
	for _, r := range redactCfg.Load().rules {
		if strings.EqualFold(r.name, name) {
			return RedactValue(r.mode, value)
		}
	}
	if name != ":path" || !strings.Contains(value, "?") {
		return value
	}
	u, err := url.ParseRequestURI(value)
	if err != nil {
		return Redacted // a query the probes cannot read is not shown
	}
	return RedactURL(u)
}

// RedactValue renders value in mode m.
func RedactValue(m RedactMode, value string) string {
	switch m {
	case RedactNone:
		return value
	case RedactMask:
		if len(value) < 10 {
			return "***"
		}
		return value[:3] + "***" + value[len(value)-2:]
	case RedactHash:
		return redactHash(value)
	}
	return Redacted
}

// redactHash is out of line: its digest would weigh on every RedactValue
// frame, and header events are built on small goroutine stacks (see
// Event.AddString).
//
//go:noinline
func redactHash(value string) string {
	h := sha256.New()
	h.Write(redactCfg.Load().salt)
	h.Write([]byte(value))
	var sum [sha256.Size]byte
	return "sha256:" + hex.EncodeToString(h.Sum(sum[:0])[:6])
}

// RedactURL renders u without secrets: a password in the user info and the
// values of query parameters whose names look sensitive are redacted.
func RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	if u.User == nil && u.RawQuery == "" {
		return u.String()
	}
	return redactURL(u)
}

// redactURL is RedactURL's work on a URL with a user or a query, out of
// line: its frame (a copy of the URL, the parsed query) would otherwise
// weigh on every call, and events are often built on goroutines with a
// small stack (HTTP/2 runs each handler and each request write on a
// fresh one), where a larger frame means a stack copy.
//
//go:noinline
func redactURL(u *url.URL) string {
	c := *u
	if _, has := c.User.Password(); has {
		c.User = url.UserPassword(c.User.Username(), Redacted)
	}
	if c.RawQuery != "" {
		q, err := url.ParseQuery(c.RawQuery)
		if err != nil {
			c.RawQuery = Redacted
		} else {
			changed := false
			for k, vs := range q {
				if m := RedactModeFor(k); m != RedactNone {
					for i := range vs {
						vs[i] = RedactValue(m, vs[i])
					}
					changed = true
				}
			}
			if changed {
				c.RawQuery = q.Encode()
			}
		}
	}
	return c.String()
}
