package probes

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"
)

// A capture rule makes the journal keep the bodies of the exchanges it
// matches (one route, say), up to a size cap, with the fields of JSON and
// form bodies redacted before anybody can read them. Nothing else keeps a
// body: without a rule the journal has sizes only.

// MaxCaptureBody is the largest body cap a capture rule may set.
const MaxCaptureBody = 1 << 20

// CaptureRule selects exchanges whose bodies the journal keeps.
type CaptureRule struct {
	Side    string      `json:"side,omitempty"`   // "client", "server" or "" for both
	Method  string      `json:"method,omitempty"` // "" any
	Path    string      `json:"path,omitempty"`   // a glob (GlobMatch); "" any
	Host    string      `json:"host,omitempty"`   // exactly, with or without port; "" any
	MaxBody int64       `json:"max_body"`         // bytes kept per body, 1 to MaxCaptureBody
	Fields  []FieldRule `json:"fields,omitempty"`
}

// FieldRule redacts one field of a JSON or form body: by path
// ("card.number") when Field has a dot, else by name at any depth
// ("email"). Mode is "redact", "hash" (salted SHA-256, as headers) or
// "mask:A-B" (A first and B last characters kept).
type FieldRule struct {
	Field string `json:"field"`
	Mode  string `json:"mode"`
}

// ParseFieldRule parses "FIELD=MODE".
func ParseFieldRule(s string) (FieldRule, error) {
	f, m, ok := strings.Cut(s, "=")
	r := FieldRule{Field: strings.TrimSpace(f), Mode: strings.TrimSpace(m)}
	if !ok {
		return r, fmt.Errorf("field rule %q: want FIELD=MODE (mode redact, hash or mask:A-B)", s)
	}
	return r, r.check()
}

func (r FieldRule) check() error {
	if r.Field == "" || strings.HasPrefix(r.Field, ".") || strings.HasSuffix(r.Field, ".") || strings.Contains(r.Field, "..") {
		return fmt.Errorf("field rule %q: empty field or path segment", r.Field)
	}
	if _, _, err := r.mask(); err != nil {
		return err
	}
	return nil
}

// mask returns the characters mask:A-B keeps, (-1, -1) for another mode.
func (r FieldRule) mask() (int, int, error) {
	switch r.Mode {
	case "redact", "hash":
		return -1, -1, nil
	}
	spec, ok := strings.CutPrefix(r.Mode, "mask:")
	a, b, ok2 := strings.Cut(spec, "-")
	na, err1 := strconv.Atoi(a)
	nb, err2 := strconv.Atoi(b)
	if !ok || !ok2 || err1 != nil || err2 != nil || na < 0 || nb < 0 || na > 64 || nb > 64 {
		return 0, 0, fmt.Errorf("field %s: mode %q: want redact, hash or mask:A-B (A first and B last characters kept)", r.Field, r.Mode)
	}
	return na, nb, nil
}

func (r FieldRule) apply(v string) string {
	switch r.Mode {
	case "redact":
		return Redacted
	case "hash":
		return RedactValue(RedactHash, v)
	}
	a, b, _ := r.mask()
	rs := []rune(v)
	if a+b >= len(rs) {
		return strings.Repeat("*", len(rs))
	}
	return string(rs[:a]) + strings.Repeat("*", len(rs)-a-b) + string(rs[len(rs)-b:])
}

// Check validates r: a rule that cannot match, or a cap out of range, is
// an error.
func (r *CaptureRule) Check() error {
	switch r.Side {
	case "", "client", "server":
	default:
		return fmt.Errorf("side %q: want client, server or empty for both", r.Side)
	}
	if r.Method != "" {
		for _, c := range r.Method {
			if c < 'A' || c > 'Z' {
				return fmt.Errorf("method %q: want an upper-case HTTP method such as POST", r.Method)
			}
		}
	}
	if r.Path != "" {
		if !strings.HasPrefix(r.Path, "/") {
			return fmt.Errorf("path glob %q cannot match: a request path starts with /", r.Path)
		}
		for _, seg := range strings.Split(r.Path, "/") {
			if _, err := path.Match(seg, ""); err != nil {
				return fmt.Errorf("path glob %q: %v", r.Path, err)
			}
		}
	}
	if strings.ContainsAny(r.Host, "/ *?") {
		return fmt.Errorf("host %q: want a host name, with or without a port", r.Host)
	}
	if r.Method == "" && r.Path == "" && r.Host == "" {
		return errors.New("a capture rule names a method, a path glob or a host: capturing every body is not offered")
	}
	if r.MaxBody <= 0 || r.MaxBody > MaxCaptureBody {
		return fmt.Errorf("body cap %d: want 1 to %d bytes (1MiB)", r.MaxBody, MaxCaptureBody)
	}
	if len(r.Fields) > 64 {
		return errors.New("at most 64 field rules")
	}
	for _, f := range r.Fields {
		if err := f.check(); err != nil {
			return err
		}
	}
	return nil
}

func (r *CaptureRule) matches(server bool, method, host, p string) bool {
	if r.Side == "client" && server || r.Side == "server" && !server {
		return false
	}
	if r.Method != "" && r.Method != method {
		return false
	}
	if r.Host != "" && r.Host != host && r.Host != hostOnly(host) {
		return false
	}
	if r.Path != "" && !GlobMatch(r.Path, p) {
		return false
	}
	return true
}

var captureRule atomic.Pointer[CaptureRule]

// SetCaptureRule puts r in force (nil: none), after Check.
func SetCaptureRule(r *CaptureRule) error {
	if r == nil {
		captureRule.Store(nil)
		return nil
	}
	if err := r.Check(); err != nil {
		return err
	}
	c := *r
	c.Fields = append([]FieldRule(nil), r.Fields...)
	captureRule.Store(&c)
	return nil
}

// CurrentCaptureRule returns the rule in force, nil when none.
func CurrentCaptureRule() *CaptureRule {
	if r := captureRule.Load(); r != nil {
		c := *r
		return &c
	}
	return nil
}

// captureState is the bodies kept for one exchange. It is guarded by its
// journal slot's lock.
type captureState struct {
	rule              *CaptureRule
	req, resp         []byte
	reqN, respN       int64
	reqType, respType string
	reqOut, respOut   *CapturedBody // redacted, once the exchange is done
}

func captureFor(server bool, method, host, p string) *captureState {
	r := captureRule.Load()
	if r == nil || !r.matches(server, method, host, p) {
		return nil
	}
	return &captureState{rule: r}
}

func (c *captureState) add(resp bool, p []byte) {
	buf, n := &c.req, &c.reqN
	if resp {
		buf, n = &c.resp, &c.respN
	}
	*n += int64(len(p))
	if room := c.rule.MaxBody - int64(len(*buf)); room > 0 {
		if int64(len(p)) > room {
			p = p[:room]
		}
		*buf = append(*buf, p...)
	}
}

func (c *captureState) finish() {
	if c.reqOut == nil {
		c.reqOut = c.render(c.req, c.reqN, c.reqType)
		c.respOut = c.render(c.resp, c.respN, c.respType)
		c.req, c.resp = nil, nil
	}
}

func (c *captureState) bodies() (req, resp *CapturedBody) {
	if c.reqOut == nil {
		return nil, nil
	}
	a, b := *c.reqOut, *c.respOut
	return &a, &b
}

// render redacts a body: the rule's fields, and any field whose name the
// header redaction calls sensitive (password, token…), in a JSON or form
// body. A body that cannot be parsed as the one it claims to be
// (truncated), or of another type when the rule names fields, is not
// shown; another type's text is kept under a rule without fields.
func (c *captureState) render(b []byte, n int64, ctype string) *CapturedBody {
	out := &CapturedBody{MimeType: ctype, Size: n, Truncated: n > int64(len(b))}
	if len(b) == 0 {
		return out
	}
	mt, _, _ := mime.ParseMediaType(ctype)
	var text string
	var err error
	switch {
	case mt == "application/x-www-form-urlencoded":
		text, err = c.redactForm(string(b))
	case strings.HasSuffix(mt, "json") || mt == "" && (b[0] == '{' || b[0] == '['):
		text, err = c.redactJSON(b)
	case len(c.rule.Fields) == 0 && utf8.Valid(b):
		// Another type, and no field to redact in it: kept as text.
		text = string(b)
	default:
		err = errors.New("not JSON or a form")
	}
	if err != nil {
		text = fmt.Sprintf("[REDACTED: %d bytes of %s not shown: %v]", len(b), orWord(mt, "unknown type"), err)
	}
	out.Text = text
	return out
}

func orWord(s, w string) string {
	if s == "" {
		return w
	}
	return s
}

// ruleFor returns the rule for a field at path p (dotted) named name.
func (c *captureState) ruleFor(p, name string) (FieldRule, bool) {
	for _, r := range c.rule.Fields {
		if strings.Contains(r.Field, ".") && r.Field == p || !strings.Contains(r.Field, ".") && r.Field == name {
			return r, true
		}
	}
	if RedactModeFor(strings.ToLower(name)) != RedactNone {
		return FieldRule{Field: name, Mode: "redact"}, true
	}
	return FieldRule{}, false
}

func (c *captureState) redactJSON(b []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", errors.New("JSON unreadable (truncated?)")
	}
	v = c.walk(v, "", "")
	out, err := json.Marshal(v)
	return string(out), err
}

func (c *captureState) walk(v any, p, name string) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			kp := k
			if p != "" {
				kp = p + "." + k
			}
			t[k] = c.walk(x, kp, k)
		}
		return t
	case []any:
		for i, x := range t {
			t[i] = c.walk(x, p, name)
		}
		return t
	}
	if name == "" {
		return v
	}
	r, ok := c.ruleFor(p, name)
	if !ok {
		return v
	}
	switch t := v.(type) {
	case string:
		return r.apply(t)
	case json.Number:
		return r.apply(t.String())
	case bool:
		return r.apply(strconv.FormatBool(t))
	}
	return v
}

func (c *captureState) redactForm(s string) (string, error) {
	q, err := url.ParseQuery(s)
	if err != nil {
		return "", errors.New("form unreadable (truncated?)")
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if r, ok := c.ruleFor(k, k); ok {
			for i, v := range q[k] {
				q[k][i] = r.apply(v)
			}
		}
	}
	return q.Encode(), nil
}

// JournalBody adds p to exchange id's captured request or response body.
func JournalBody(id uint64, resp bool, p []byte) {
	if len(p) == 0 {
		return
	}
	if j, s := lockedSlot(id); s != nil {
		if c := j.capOf(s); c != nil && s.state == jOpen {
			c.add(resp, p)
		}
		s.mu.Unlock()
	}
}

// CaptureReader returns rc teeing what is read into client request id's
// capture.
func CaptureReader(rc io.ReadCloser, id uint64) io.ReadCloser {
	return &captureReader{rc: rc, id: id}
}

// captureReader tees a client request's body into its capture.
type captureReader struct {
	rc io.ReadCloser
	id uint64
}

func (r *captureReader) Read(p []byte) (int, error) {
	n, err := r.rc.Read(p)
	JournalBody(r.id, false, p[:n])
	return n, err
}

func (r *captureReader) Close() error { return r.rc.Close() }

// CaptureWriter returns a writer of server request id's response body
// into its capture.
func CaptureWriter(id uint64) io.Writer { return captureWriter{id} }

type captureWriter struct{ id uint64 }

func (w captureWriter) Write(p []byte) (int, error) {
	JournalBody(w.id, true, p)
	return len(p), nil
}

// JournalCaptures reports whether exchange id is under a capture rule.
// Without a rule it is one load, inlined.
func JournalCaptures(id uint64) bool {
	return captureRule.Load() != nil && journalCaptures(id)
}

func journalCaptures(id uint64) bool {
	j, s := lockedSlot(id)
	if s == nil {
		return false
	}
	c := j.capOf(s) != nil
	s.mu.Unlock()
	return c
}
