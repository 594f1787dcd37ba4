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
	"unsafe"
)

// RedactMode says how a sensitive value is rendered.
type RedactMode uint8

// Redaction modes, docs/DESIGN.md §4.
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
	paths       []pathRule   // GOHTTPDBG_REDACT path: rules, checked before the built-in ones
	defaultMode RedactMode   // for the built-in list
	salt        []byte

	// modes caches headerRule per header name: a program sends the
	// same few names over and over, and the rules cut names into words.
	// Names come from the network, so it is bounded.
	modes  sync.Map // string → *redactEntry
	modesN atomic.Int32
	// recent is a direct-mapped cache in front of modes, looked up without
	// a lock, a hash of an interface or an allocation: every header field
	// of every event goes through RedactModeFor.
	recent [256]atomic.Pointer[redactEntry]
}

type redactEntry struct {
	name string
	nameRule
}

const maxRedactModes = 4096

var redactCfg atomic.Pointer[redactConfig]

func init() {
	redactCfg.Store(&redactConfig{defaultMode: RedactRedact, salt: randomSalt()})
}

func randomSalt() []byte {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return b
}

// builtinMode is the mode of the built-in rules: never none.
func (c *redactConfig) builtinMode() RedactMode {
	if c.defaultMode == RedactNone {
		return RedactRedact // the built-in list is never shown in clear
	}
	return c.defaultMode
}

// SetRedactRules applies a GOHTTPDBG_REDACT string: a comma-separated list
// of "name:mode" rules for a header or parameter name (mode redact, mask,
// hash or none) that take precedence over the built-in list,
// "path:PATTERN[:mode]" rules hiding path segments (see parsePathRule),
// "*:mode" to change the mode of the built-in list, and "salt=VALUE" to
// fix the hash salt (random per process otherwise). Rules replace those
// of a previous call; bad items are reported and skipped.
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
		if pat, ok := strings.CutPrefix(item, "path:"); ok && strings.HasPrefix(pat, "/") {
			var mode RedactMode
			if i := strings.LastIndexByte(pat, ':'); i >= 0 {
				m, known := parseRedactMode(pat[i+1:])
				if !known || m == RedactNone {
					errs = append(errs, fmt.Errorf("%q: want path:/PATTERN or path:/PATTERN:redact|mask|hash", item))
					continue
				}
				pat, mode = pat[:i], m
			}
			r, err := parsePathRule(pat)
			if err != nil {
				errs = append(errs, fmt.Errorf("%q: %v (segments: literal, *, prefix*, {name}, prefix{name})", item, err))
				continue
			}
			r.mode = mode
			c.paths = append(c.paths, r)
			continue
		}
		name, m, ok := strings.Cut(item, ":")
		mode, known := parseRedactMode(strings.TrimSpace(m))
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || !known || name == "" {
			errs = append(errs, fmt.Errorf("%q: want header:redact|mask|hash|none or path:/PATTERN", item))
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
func RedactModeFor(name string) RedactMode { return redactCfg.Load().headerRule(name).mode }

// headerRule is what the rules say of a header name: its mode, and
// whether its value is a URL to redact as one. Cached: see recent.
func (c *redactConfig) headerRule(name string) nameRule {
	// Two slots a name may sit in, from the hash's high bytes: the low
	// bits of FNV-1a depend only on the low bits of the bytes hashed, so a
	// name and its other case ("accept-encoding" from an HTTP/2 header
	// block, "Accept-Encoding" from an http.Header) share a low byte, and
	// at level 2 on HTTP/2 they evicted each other on every request.
	h := nameHash(name)
	sa, sb := &c.recent[h>>24], &c.recent[h>>16&0xff] // len(recent) == 256
	if e := sa.Load(); e != nil && e.name == name {
		return e.nameRule
	}
	if e := sb.Load(); e != nil && e.name == name {
		return e.nameRule
	}
	// A miss allocates only for a name never seen: modes keeps each name's
	// entry, which the slots share.
	var e *redactEntry
	if v, ok := c.modes.Load(name); ok {
		e = v.(*redactEntry)
	} else {
		var r nameRule
		r.mode = c.modeFor(name)
		if _, user := c.userRule(name); !user && r.mode == RedactNone {
			r.url = isURLHeader(name)
		}
		if c.modesN.Add(1) > maxRedactModes {
			return r
		}
		e = &redactEntry{name: strings.Clone(name), nameRule: r} // name may alias a larger buffer
		c.modes.Store(e.name, e)
	}
	// The first slot when it is free, else the second: of two names that
	// share the first, the later one lives in its second.
	if sa.Load() == nil {
		sa.Store(e)
	} else {
		sb.Store(e)
	}
	return e.nameRule
}

type nameRule struct {
	mode RedactMode
	url  bool // the value is a URL (Location, Referer)
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
		return c.builtinMode()
	}
	return RedactNone
}

// Field says what kind of value Redact is given.
type Field uint8

const (
	FieldHeader Field = iota // a header field's value; name is the field's name (HTTP/2 pseudo-headers too)
	FieldParam               // a query or form parameter's value; name is the parameter's name
	FieldTarget              // a URL or a request target (/path?query#fragment); name unused
	FieldForm                // an application/x-www-form-urlencoded body; name unused
	FieldLine                // a line a peer sent that net/http rejected (request or header line); name unused
)

// Redact is the one redaction function. Every value an output shows that
// came from a request or a response (a URL, a header field, a parameter,
// a body, a raw line) goes through it, or through RedactHeader and
// RedactURL, its shorthands for the two commonest cases, which apply the
// same rules: events (text, NDJSON), the admin API, the http2debug lines.
// The rules (docs/PROBES.md, "Redaction"):
//   - names: the built-in list, matched by whole words of the name, and
//     the GOHTTPDBG_REDACT name rules, matched by the whole name;
//   - paths: the built-in webhook and bot shapes, JWT-shaped segments, and
//     the GOHTTPDBG_REDACT path: rules;
//   - queries, fragments and forms: each parameter by its name, code and
//     state on an OAuth callback, and JWT-shaped values;
//   - user info: the password, and a lone user name long enough to be a
//     token.
func Redact(f Field, name, value string) string {
	c := redactCfg.Load()
	switch f {
	case FieldHeader:
		return RedactHeader(name, value)
	case FieldParam:
		return RedactValue(c.paramMode(name, value, false), value)
	case FieldTarget:
		return c.redactTarget(value)
	case FieldForm:
		if value == "" {
			return ""
		}
		return string(c.appendQuery(make([]byte, 0, len(value)+16), value, ""))
	case FieldLine:
		return c.redactLine(value)
	}
	return Redacted
}

// RedactHeader returns value as it may appear in events for header name
// (Redact with FieldHeader). Every probe that records a header value
// (client and server headers, HTTP/2 header fields) passes it through
// here.
func RedactHeader(name, value string) string {
	if strings.HasPrefix(name, ":") {
		return redactPseudo(name, value)
	}
	c := redactCfg.Load()
	switch r := c.headerRule(name); {
	case r.mode != RedactNone:
		return RedactValue(r.mode, value)
	case r.url:
		return c.redactTarget(value)
	}
	return value
}

// userRule returns the mode of the GOHTTPDBG_REDACT rule naming name.
func (c *redactConfig) userRule(name string) (RedactMode, bool) {
	for _, r := range c.rules {
		if strings.EqualFold(r.name, name) {
			return r.mode, true
		}
	}
	return RedactNone, false
}

// redactPseudo renders an HTTP/2 pseudo-header field. They are not headers
// anyone names at will: :authority is a host (shown, as any word of the
// built-in list must be whole), :method, :scheme, :status and :protocol
// are protocol words, and :path is a request target, redacted as a URL's
// path and query. A GOHTTPDBG_REDACT rule naming one still applies.
func redactPseudo(name, value string) string {
	c := redactCfg.Load()
	if m, ok := c.userRule(name); ok {
		return RedactValue(m, value)
	}
	if name != ":path" {
		return value
	}
	return c.redactTarget(value)
}

// paramMode is the mode for a query or form parameter: the name rules,
// then the names that are secret only as parameters, OAuth's code and
// state when oauth says the query is an authorization response, and a
// JWT-shaped value whatever its name.
func (c *redactConfig) paramMode(name, value string, oauth bool) RedactMode {
	if m, ok := c.userRule(name); ok {
		return m
	}
	if m := RedactModeFor(name); m != RedactNone {
		return m
	}
	if isQueryOnlySensitive(name) || looksLikeJWT(value) || looksLikeJWT(name) ||
		oauth && (strings.EqualFold(name, "code") || strings.EqualFold(name, "state")) {
		return c.builtinMode()
	}
	return RedactNone
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

// RedactURL renders u without secrets (Redact with FieldTarget): the
// password in the user info, the hidden path segments, and the values of
// sensitive query and fragment parameters are redacted.
func RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	return redactCfg.Load().redactTarget(u.String())
}

// requestLine is RequestLine: the method and RedactURL(u). The common
// URLs (a server's path, a client's scheme, host and path, neither with a
// query) are rendered in one allocation, where u.String and the
// concatenation took two or three, and in none when seen before
// (plainLine).
func requestLine(method string, u *url.URL) string {
	if plainURL(u) {
		line, _ := plainLine(method, u)
		return line
	}
	return method + " " + RedactURL(u)
}

// plainURL: u is not nil, and has no user info, query or fragment
// (plainLine renders its line).
func plainURL(u *url.URL) bool {
	return u != nil && u.User == nil && u.Opaque == "" && u.RawQuery == "" && !u.ForceQuery && u.Fragment == "" &&
		(u.Scheme == "") == (u.Host == "")
}

// plainLine is requestLine for a URL without user info, query or
// fragment, through lineCache: a program sends and serves the same few
// lines over and over, and each costs a concatenation and a pass of the
// path rules (most of the request line's cost) when rendered anew. It
// also returns the line's entry in lineCache, nil when it has none yet.
func plainLine(method string, u *url.URL) (string, *lineEntry) {
	cfg := redactCfg.Load()
	h := lineHash(method, u)
	slot := &lineCache[h%lineCacheSize]
	if c := slot.Load(); c != nil && c.cfg == cfg && c.method == method && c.scheme == u.Scheme && c.host == u.Host &&
		c.path == u.Path && c.rawPath == u.RawPath {
		return c.line, c
	}
	line := renderPlainLine(cfg, method, u)
	// Kept from a line's second sighting on, so that a program whose
	// every path differs (an id in it) allocates no entry it never reads.
	if p := &lineSeen[h%lineCacheSize]; p.Load() == h {
		c := &lineEntry{cfg: cfg, method: method, scheme: u.Scheme, host: u.Host, path: u.Path, rawPath: u.RawPath, line: line}
		slot.Store(c)
		return line, c
	}
	lineSeen[h%lineCacheSize].Store(h)
	return line, nil
}

// LineMemo is the request line rendered last at one place that renders
// the same line request after request (a client's host, a server's
// connection): the next request there compares its parts with the
// entry's, with no hash of the path, nor lineCache's lookup. A client's
// URLs parsed from one string share their bytes with the entry's, which
// SameString then does not read. Its zero value is ready to use.
type LineMemo struct{ last atomic.Pointer[lineEntry] }

// Line returns RequestLine(method, u).
func (m *LineMemo) Line(method string, u *url.URL) string {
	// plainURL's test, its scheme and host's part left to a miss: the
	// entry's, the same, are a plain URL's.
	if u != nil && u.User == nil && u.Opaque == "" && u.RawQuery == "" && !u.ForceQuery && u.Fragment == "" {
		if c := m.last.Load(); c != nil && c.cfg == redactCfg.Load() && SameString(c.path, u.Path) && SameString(c.method, method) &&
			SameString(c.host, u.Host) && SameString(c.scheme, u.Scheme) && SameString(c.rawPath, u.RawPath) {
			return c.line
		}
		if (u.Scheme == "") == (u.Host == "") {
			line, c := plainLine(method, u)
			if c != nil {
				m.last.Store(c) // an entry of lineCache's: no allocation of the memo's own
			}
			return line
		}
	}
	return method + " " + RedactURL(u)
}

// SameString is a == b, without the call to compare the bytes when
// both are empty or the same bytes (a request's host or path parsed from the same
// URL string as the latest request's mostly is), nor for 8 to 16 bytes
// (a host and port), compared as two overlapping 8-byte arrays. An array
// of bytes has alignment 1, whatever the strings' addresses: where
// unaligned loads are allowed (the compiler's CanMergeLoads: amd64,
// arm64, 386, ppc64, s390x, loong64) the compiler compares each with a
// word load of each side, inline, with no call to memequal, whose code is
// cold on every request; elsewhere (mips, riscv64, arm, wasm) it calls
// memequal, with no unaligned load. (A case for 4 to 7 bytes makes it
// too large to inline.)
func SameString(a, b string) bool {
	n := len(a)
	if n != len(b) {
		return false
	}
	pa, pb := unsafe.StringData(a), unsafe.StringData(b)
	if n == 0 || pa == pb {
		return true
	}
	if n < 8 || n > 16 {
		return a == b
	}
	// The first and the last 8 bytes: both within the strings.
	return *(*[8]byte)(unsafe.Pointer(pa)) == *(*[8]byte)(unsafe.Pointer(pb)) &&
		*(*[8]byte)(unsafe.Add(unsafe.Pointer(pa), n-8)) == *(*[8]byte)(unsafe.Add(unsafe.Pointer(pb), n-8))
}

// lineEntry is a request line rendered, with what it was rendered from:
// the method, the URL's parts that requestLine's plain form reads, and
// the redaction rules (a line is redacted with the rules in force).
type lineEntry struct {
	cfg                                 *redactConfig
	method, scheme, host, path, rawPath string
	line                                string
}

const lineCacheSize = 64

var (
	lineCache [lineCacheSize]atomic.Pointer[lineEntry]
	lineSeen  [lineCacheSize]atomic.Uint64 // the hash of each slot's last miss
)

// lineHash hashes what a plain request line is made of (FNV-1a of the
// path, the host's and method's lengths mixed in): cheap for the short
// strings these are; lineCache compares every part on a hit.
func lineHash(method string, u *url.URL) uint64 {
	h := uint64(14695981039346656037)
	p := u.Path
	for i := 0; i < len(p); i++ {
		h = (h ^ uint64(p[i])) * 1099511628211
	}
	h ^= uint64(len(u.Host))<<32 | uint64(len(method))<<16 | uint64(len(u.RawPath))
	h *= 1099511628211
	h ^= h >> 32 // the slot is the low bits, which a product takes from the factors' low bits only
	if h == 0 {  // lineSeen's zero means none
		h = 1
	}
	return h
}

// renderPlainLine renders a plain request line (see plainLine) with the
// rules cfg.
func renderPlainLine(cfg *redactConfig, method string, u *url.URL) string {
	if plainHost(u.Host) {
		// u.String() is then scheme://host followed by the escaped path,
		// or the path alone, which must start with a slash (else String
		// may add one, or "./").
		p := u.EscapedPath()
		if u.Scheme == "" && len(p) > 0 && p[0] == '/' {
			if cfg.redactTarget(p) == p {
				return method + " " + p
			}
		} else if u.Scheme != "" && (p == "" || p[0] == '/') {
			line := method + " " + u.Scheme + "://" + u.Host + p
			if t := line[len(method)+1:]; cfg.redactTarget(t) == t {
				return line
			}
		}
	}
	return method + " " + cfg.redactTarget(u.String())
}

// plainHost reports whether u.String() writes host as it is: letters,
// digits, dots, hyphens, and a port's colon.
func plainHost(host string) bool {
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !(isLower(c) || isUpper(c) || isDigit(c) || c == '.' || c == '-' || c == ':') {
			return false
		}
	}
	return true
}

// redactTarget renders s, a URL or a request target, without secrets. It
// returns s itself, without allocating, when there is nothing to hide.
func (c *redactConfig) redactTarget(s string) string {
	authority, rest := splitAuthority(s)
	path, query, hasQuery, frag, hasFrag := splitTarget(rest)
	var h hidden
	c.hidePath(path, &h)
	if h.mask == 0 && !hasQuery && !hasFrag && strings.IndexByte(authority, '@') < 0 {
		return s
	}
	return c.renderTarget(s, authority, path, query, hasQuery, frag, hasFrag, &h)
}

// renderTarget is redactTarget's work when there may be something to
// hide, out of line: events are often built on goroutines with a small
// stack (HTTP/2 runs each handler and each request write on a fresh one),
// where a larger frame means a stack copy.
//
//go:noinline
func (c *redactConfig) renderTarget(s, authority, path, query string, hasQuery bool, frag string, hasFrag bool, h *hidden) string {
	b := make([]byte, 0, len(s)+24)
	b = c.appendAuthority(b, authority)
	b = appendPath(b, path, h)
	if hasQuery {
		b = c.appendQuery(append(b, '?'), query, path)
	}
	if hasFrag {
		// An implicit-flow redirect puts id_token and access_token in
		// the fragment: it is read as a query.
		b = c.appendQuery(append(b, '#'), frag, path)
	}
	if string(b) == s {
		return s
	}
	return string(b)
}

// splitAuthority cuts "scheme://userinfo@host" (or "//host") off s.
func splitAuthority(s string) (authority, rest string) {
	i := strings.Index(s, "//")
	if i < 0 {
		return "", s
	}
	if i > 0 {
		if s[i-1] != ':' {
			return "", s // "//" inside a path
		}
		for j := 0; j < i-1; j++ {
			c := s[j]
			if !(isLower(c) || isUpper(c) || j > 0 && (isDigit(c) || c == '+' || c == '-' || c == '.')) {
				return "", s // not a scheme
			}
		}
	}
	end := len(s)
	if k := strings.IndexAny(s[i+2:], "/?#"); k >= 0 {
		end = i + 2 + k
	}
	return s[:end], s[end:]
}

func splitTarget(s string) (path, query string, hasQuery bool, frag string, hasFrag bool) {
	path = s
	if i := strings.IndexByte(path, '#'); i >= 0 {
		path, frag, hasFrag = path[:i], path[i+1:], true
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path, query, hasQuery = path[:i], path[i+1:], true
	}
	return
}

// minTokenUser is the length from which a user name alone in a URL
// (https://TOKEN@host, as Git hosts accept) is taken for a token.
const minTokenUser = 20

// appendAuthority appends authority with the user info's password, or a
// lone user name that looks like a token, redacted.
func (c *redactConfig) appendAuthority(b []byte, authority string) []byte {
	at := strings.LastIndexByte(authority, '@')
	if at < 0 {
		return append(b, authority...)
	}
	start := strings.Index(authority, "//") + 2
	user := authority[start:at]
	b = append(b, authority[:start]...)
	if name, pass, ok := strings.Cut(user, ":"); ok {
		b = append(append(b, name...), ':')
		b = appendEscaped(b, RedactValue(c.builtinMode(), unescapeQuery(pass)))
	} else if len(user) >= minTokenUser {
		b = appendEscaped(b, RedactValue(c.builtinMode(), unescapeQuery(user)))
	} else {
		b = append(b, user...)
	}
	return append(b, authority[at:]...)
}

// appendQuery appends raw, a query (or a form body, or a fragment in the
// same form), with the values of sensitive parameters redacted, the rest
// byte for byte in its order. path is the target's path, which may mark
// the query as an OAuth callback.
func (c *redactConfig) appendQuery(b []byte, raw, path string) []byte {
	// code and state are an OAuth authorization response together, or
	// with grant_type or redirect_uri (a token request's form), or on a
	// callback path.
	var hasCode, hasState, hasGrant bool
	for rest := raw; rest != ""; {
		var part string
		part, rest = nextParam(rest)
		k, _, _ := strings.Cut(part, "=")
		switch k = unescapeQuery(k); {
		case strings.EqualFold(k, "code"):
			hasCode = true
		case strings.EqualFold(k, "state"):
			hasState = true
		case strings.EqualFold(k, "grant_type"), strings.EqualFold(k, "redirect_uri"):
			hasGrant = true
		}
	}
	oauth := hasCode && (hasState || hasGrant) || (hasCode || hasState) && path != "" && isOAuthPath(path)
	for rest := raw; rest != ""; {
		var part string
		part, rest = nextParam(rest)
		k, v, hasEq := strings.Cut(part, "=")
		value := unescapeQuery(v)
		switch m := c.paramMode(unescapeQuery(k), value, oauth); {
		case m == RedactNone:
			b = append(b, part...)
		case hasEq:
			b = appendEscaped(append(append(b, k...), '='), RedactValue(m, value))
		default: // a name without a value: only a JWT would be hidden
			b = appendEscaped(b, RedactValue(m, unescapeQuery(k)))
		}
		if rest != "" {
			b = append(b, raw[len(raw)-len(rest)-1])
		}
	}
	return b
}

// nextParam cuts the first parameter off a query ("&" or ";" separated).
func nextParam(s string) (part, rest string) {
	if i := strings.IndexAny(s, "&;"); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

func unescapeQuery(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// appendEscaped appends a redacted value ("[REDACTED]", "sha256:…",
// "abc***yz") so that it stays readable and cannot end its parameter or
// segment: what a mask keeps is percent-escaped if need be.
func appendEscaped(b []byte, s string) []byte {
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isLower(c) || isUpper(c) || isDigit(c) || strings.IndexByte("-._~*:[]", c) >= 0 {
			b = append(b, c)
		} else {
			b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
		}
	}
	return b
}

// redactLine redacts a line of a message net/http rejected: a header
// line's value by its name (the name may also be the first word of a
// line without a colon), and any request target in it, whose query is
// hidden whole (a line net/http could not parse may not split where a
// parser would).
func (c *redactConfig) redactLine(line string) string {
	name, value, ok := strings.Cut(line, ":")
	sep := ":"
	if !ok {
		name, value, ok = strings.Cut(line, " ")
		sep = " "
	}
	if ok {
		v := strings.TrimSpace(value)
		if rv := RedactHeader(strings.TrimSpace(name), v); rv != v {
			if sep == ":" {
				sep = ": "
			}
			line = name + sep + rv
		}
	}
	if !strings.ContainsAny(line, "/?") {
		return line
	}
	f := strings.Split(line, " ")
	for i, w := range f {
		if strings.HasPrefix(w, "/") || strings.Contains(w, "://") {
			target, query, hasQuery := w, "", false
			if j := strings.IndexAny(w, "?#"); j >= 0 {
				target, query, hasQuery = w[:j], w[j:], true
			}
			w = c.redactTarget(target)
			if hasQuery && len(query) > 1 {
				query = query[:1] + Redacted
			}
			w += query
		} else if j := strings.IndexByte(w, '?'); j >= 0 && j+1 < len(w) {
			w = w[:j+1] + Redacted
		}
		f[i] = w
	}
	return strings.Join(f, " ")
}

// redactEventText redacts the URLs an event's free text quotes: an error
// from net/http's client reads `Get "https://host/p?token=…": dial tcp …`
// (url.Error quotes the URL as sent, the query and path included), and
// the probes put such errors in the err attribute, scanned once per event
// (see Event.textDone). The message and the other attributes are not: the
// probes render them from URLs and headers through Redact already (a
// frame.headers message quotes a redacted :path, which must not be hashed
// twice).
func redactEventText(e *Event) {
	e.textDone = true
	for i := 0; i < e.NumAttrs(); i++ {
		if a := e.AttrAt(i); a.Kind == KindString && a.Key == KeyErr {
			a.Str = redactQuoted(a.Str)
		}
	}
}

// redactQuoted redacts, in s, each double-quoted URL or request target
// ("https://…", "//…", "/…") as Redact does with FieldTarget.
func redactQuoted(s string) string {
	if strings.IndexByte(s, '"') < 0 {
		return s
	}
	c := redactCfg.Load()
	var b []byte
	last := 0
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '"')
		if j < 0 {
			break
		}
		j += i
		k := strings.IndexByte(s[j+1:], '"')
		if k < 0 {
			break
		}
		k += j + 1
		if inner := s[j+1 : k]; quotedTarget(inner) {
			if r := c.redactTarget(inner); r != inner {
				b = append(append(b, s[last:j+1]...), r...)
				last = k
			}
		}
		i = k + 1
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}

func quotedTarget(s string) bool {
	if strings.HasPrefix(s, "/") {
		return true
	}
	a, _ := splitAuthority(s)
	return a != ""
}
