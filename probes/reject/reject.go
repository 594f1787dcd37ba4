// Package reject explains HTTP/1 messages that net/http refuses before any
// handler (or caller) sees them: the header probe's header.reject and
// header.limit diagnostics.
//
// Pipeline position: run time, behind the std patch (rewrite/stdpatch).
// The patched (*conn).readRequest calls ServerReject with the read error,
// the status net/http answers and the bytes still buffered; the patched
// (*persistConn).readResponse calls ClientReadError. Classify turns the
// error text (and those bytes) into a reason in words and the offending
// line, redacted and capped.
package reject

import (
	"bytes"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/gohttpdbg/gohttpdbg/probes"
)

// Reason is the explanation of one rejected message.
type Reason struct {
	Code   string // short key: "missing_colon", "too_large", "bare_cr", … (see Classify and errorReasons)
	Text   string // the reason in words
	Line   string // the offending line, redacted, capped, escaped as in a Go string but not quoted; "" if unknown
	Status int    // the status the server answered (0 on the client side)
	// Limit and LimitName, for a header block over a limit: the limit in
	// bytes when known (0 otherwise) and what sets it ("" when unknown).
	Limit     int64
	LimitName string
}

// MaxLine caps the offending line shown in events.
const MaxLine = 160

// Classify explains a rejected request (status != 0, the status net/http
// answered) or response (status 0) from the error text and the bytes that
// were still buffered; maxHeaderBytes is the server's limit in force (0
// on the client side, or when unknown). It never panics, whatever its
// input.
func Classify(errText string, buffered []byte, status, maxHeaderBytes int) Reason {
	r := Reason{Status: status}
	line, hasLine := quotedPart(errText)
	switch {
	case status == 431 || strings.Contains(errText, "request too large") || strings.Contains(errText, "message too large"):
		r.Code, r.Text = "too_large", "the header block is larger than the server's limit (Server.MaxHeaderBytes, default 1 MiB)"
		if status == 0 {
			r.Status = 431
		}
		line, hasLine = firstLine(buffered), len(buffered) > 0
	case strings.Contains(errText, "headers exceeded"):
		r.Code, r.Text = "too_large", "the response header block is larger than the client's limit (Transport.MaxResponseHeaderBytes, default 1 MiB)"
	default:
		r.Code, r.Text = explainError(errText, line)
	}
	if hasLine {
		r.Line = redactLine(line)
	}
	if bareLF(buffered) && r.Code != "too_large" {
		r.Text += "; the message also uses bare LF line endings (no CR)"
	}
	if r.Code == "too_large" {
		r.limit(errText, status, maxHeaderBytes)
	}
	return r
}

// errorReasons explains net/http's error texts by a fragment of each,
// tried in this order (the first that the text contains wins). refine,
// when set, reads the offending line for a closer reason than code and
// text.
var errorReasons = []struct {
	fragment, code, text string
	refine               func(line, code, text string) (string, string)
}{
	{"missing colon", "missing_colon", "a header line has no colon (name: value)", lineProblem},
	{"malformed MIME header initial line", "leading_space", "the first header line starts with a space or tab (obsolete line folding is not allowed there)", nil},
	{"malformed MIME header line", "invalid_field", "a header line is malformed", lineProblem},
	{"invalid header name", "invalid_field_name", "a header name has characters that are not allowed in a token", nil},
	{"invalid header value", "invalid_field_value", "a header value has a control character (CR, LF or NUL)", nil},
	{"malformed HTTP request", "malformed_request_line", "the request line is not METHOD SP TARGET SP VERSION", requestLineProblem},
	{"malformed HTTP response", "malformed_status_line", "the status line is not HTTP-VERSION SP CODE SP REASON", nil},
	{"malformed HTTP status code", "malformed_status_line", "the status code is not three digits", nil},
	{"invalid method", "invalid_method", "the method is not a token", nil},
	{"malformed HTTP version", "bad_version", "the protocol version is not HTTP/x.y", nil},
	{"unsupported protocol version", "unsupported_version", "the protocol version is not HTTP/1.x", nil},
	{"missing required Host header", "missing_host", "an HTTP/1.1 request has no Host header", nil},
	{"too many Host headers", "bad_host", "the request has more than one Host header", nil},
	{"malformed Host header", "bad_host", "the Host header is not a valid host[:port]", nil},
	{"transfer encoding", "unsupported_te", "Transfer-Encoding is not \"chunked\" (or lists several codings); net/http answers 501", nil},
	{"Content-Length", "bad_content_length", "Content-Length is missing a value, not a number, or repeated with different values", nil},
	{"short response", "malformed_status_line", "the status line is malformed", nil},
	{"invalid response code", "malformed_status_line", "the status line is malformed", nil},
}

// explainError explains errText by the first entry of errorReasons it
// matches, or as "other" with the text itself.
func explainError(errText, line string) (string, string) {
	for _, e := range errorReasons {
		if !strings.Contains(errText, e.fragment) {
			continue
		}
		if e.refine != nil {
			return e.refine(line, e.code, e.text)
		}
		return e.code, e.text
	}
	return "other", "the message could not be parsed: " + capString(errText, MaxLine)
}

// lineProblem refines the explanation of a bad header line from its bytes.
func lineProblem(line, code, text string) (string, string) {
	if strings.IndexByte(line, '\r') >= 0 {
		return "bare_cr", "a header line contains a bare CR (CR/LF confusion: CR not followed by LF)"
	}
	name, value, ok := strings.Cut(line, ":")
	if !ok {
		if strings.HasPrefix(strings.ToUpper(line), "HTTP/") || looksLikeRequestLine(line) {
			return "missing_colon", "a header line has no colon; it looks like a second request line (a missing blank line, or CR/LF confusion)"
		}
		return "missing_colon", "a header line has no colon (name: value)"
	}
	switch {
	case name == "":
		return "invalid_field_name", "a header line has an empty name"
	case strings.TrimRight(name, " \t") != name:
		return "invalid_field_name", "whitespace between the header name and the colon (RFC 9112 §5.1 forbids it)"
	case strings.TrimLeft(name, " \t") != name:
		return "invalid_field_name", "the header name starts with whitespace"
	case !isToken(name):
		return "invalid_field_name", "the header name " + strconv.Quote(capString(name, 40)) + " has characters not allowed in a token"
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return "invalid_field_value", "the value of header " + strconv.Quote(capString(name, 40)) + " has a control character (0x" + strconv.FormatUint(uint64(c), 16) + ")"
		}
	}
	return code, text
}

// requestLineProblem refines the explanation of a bad request line from
// its bytes.
func requestLineProblem(line, code, text string) (string, string) {
	switch {
	case len(line) > 0 && line[0] == 0x16:
		return "tls_to_http", "the request starts like a TLS handshake: the client speaks HTTPS to a plain HTTP port"
	case strings.HasPrefix(line, "PRI * HTTP/2"):
		return "h2_preface", "an HTTP/2 prior-knowledge preface reached a server that does not accept unencrypted HTTP/2"
	case strings.IndexByte(line, '\r') >= 0:
		return "bare_cr", "the request line contains a bare CR (CR/LF confusion)"
	case strings.Count(line, " ") < 2:
		return "malformed_request_line", "the request line is not METHOD SP TARGET SP VERSION (a space is missing)"
	}
	return code, text
}

func looksLikeRequestLine(line string) bool {
	f := strings.Fields(line)
	return len(f) == 3 && strings.HasPrefix(f[2], "HTTP/")
}

// isToken reports whether s is an RFC 9110 token.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || c <= ' ' || c == 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return s != ""
}

// quotedPart extracts the %q-quoted part Go's errors end with
// ("malformed MIME header line: \"…\"") and unquotes it.
func quotedPart(s string) (line string, ok bool) {
	i := strings.IndexByte(s, '"')
	if i < 0 {
		return "", false
	}
	q := s[i:]
	// Find the closing quote of a Go-quoted string.
	for j := 1; j < len(q); j++ {
		switch q[j] {
		case '\\':
			j++
		case '"':
			u, err := strconv.Unquote(q[:j+1])
			if err != nil {
				return "", false
			}
			return u, true
		}
	}
	return "", false
}

func firstLine(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	if len(b) > 4*MaxLine {
		b = b[:4*MaxLine]
	}
	return strings.TrimSuffix(string(b), "\r")
}

// bareLF reports whether b has a LF not preceded by CR.
func bareLF(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i] == '\n' && (i == 0 || b[i-1] != '\r') {
			return true
		}
	}
	return false
}

// redactLine redacts a line with the probes' rules and caps it.
func redactLine(line string) string {
	q := strconv.Quote(capString(probes.Redact(probes.FieldLine, "", line), MaxLine)) // control bytes and invalid UTF-8 escaped
	return q[1 : len(q)-1]
}

func capString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Do not split a UTF-8 sequence.
	for n > 0 && n < len(s) && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

func remote(conn net.Conn) string {
	if conn == nil {
		return ""
	}
	if ra := conn.RemoteAddr(); ra != nil {
		return ra.String()
	}
	return ""
}

// ServerReject is the hook for a request the server rejected before any
// handler ran, maxHeaderBytes the server's limit in force. It emits
// header.reject.
func ServerReject(conn net.Conn, err error, status int, buffered []byte, maxHeaderBytes int) {
	if err == nil || probes.Level(probes.Header) < 1 || probes.Ignored(conn) {
		return
	}
	r := Classify(err.Error(), buffered, status, maxHeaderBytes)
	ra := remote(conn)
	msg := "request from " + ra + " rejected with " + strconv.Itoa(r.Status) + " before any handler ran: " + r.Text + r.lineSuffix()
	e := probes.Event{Probe: probes.Header, Sev: probes.Warn, Name: "header.reject", Conn: probes.ConnID(conn), Msg: msg}
	e.AddString(probes.KeySide, "server")
	e.AddInt(probes.KeyStatus, int64(r.Status))
	r.emit(&e, ra)
}

// lineSuffix is what a message says after the reason: the offending line,
// quoted, when it is known.
func (r *Reason) lineSuffix() string {
	if r.Line == "" {
		return ""
	}
	return ": \"" + r.Line + "\""
}

// emit adds what both sides' events say of r (reason, remote address ra,
// line, limit) after their own attributes, and emits e.
func (r *Reason) emit(e *probes.Event, ra string) {
	e.AddString(probes.KeyReason, r.Code)
	e.AddString(probes.KeyRemote, ra)
	if r.Line != "" {
		e.AddString(probes.KeyLine, r.Line)
	}
	r.addLimit(e)
	probes.Emit(e)
}

// limit names the limit a header block over it hit: on the server side
// (status != 0) the MaxHeaderBytes in force, when known; on the client
// side MaxResponseHeaderBytes, with the number net/http's error gives.
func (r *Reason) limit(errText string, status, maxHeaderBytes int) {
	switch {
	case status == 0:
		r.LimitName = "MaxResponseHeaderBytes"
		if n, ok := exceededLimit(errText); ok {
			r.Limit = n
		}
	case maxHeaderBytes > 0:
		r.Limit, r.LimitName = int64(maxHeaderBytes), "MaxHeaderBytes"
		r.Text = fmt.Sprintf("the header block is larger than the server's limit: MaxHeaderBytes %d (net/http reads up to %d bytes beyond it)", maxHeaderBytes, serverHeaderSlop)
	}
}

// addLimit adds r's limit to e, when r names one.
func (r *Reason) addLimit(e *probes.Event) {
	if r.LimitName == "" {
		return
	}
	if r.Limit > 0 {
		e.AddInt(probes.KeyLimit, r.Limit)
	}
	e.AddString(probes.KeyLimitName, r.LimitName)
}

// exceededLimit reads the limit from net/http's "server response headers
// exceeded N bytes; aborted".
func exceededLimit(errText string) (int64, bool) {
	_, rest, ok := strings.Cut(errText, "exceeded ")
	if !ok {
		return 0, false
	}
	num, _, ok := strings.Cut(rest, " bytes")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(num, 10, 64)
	return n, err == nil
}

// serverHeaderSlop is what net/http's server reads beyond MaxHeaderBytes
// before it answers 431 (Server.initialReadLimitSize).
const serverHeaderSlop = 4096

// ClientReadError is the hook for a client's failure to read a response.
// A response header block over the limit is a header.limit, a malformed
// response a header.reject; connection errors belong to the dial probe.
func ClientReadError(conn net.Conn, err error, buffered []byte) {
	if err == nil || probes.Level(probes.Header) < 1 || probes.IsNetError(err) {
		return
	}
	r := Classify(err.Error(), buffered, 0, 0)
	ra := remote(conn)
	e := probes.Event{Probe: probes.Header, Sev: probes.Warn, Conn: probes.ConnID(conn)}
	if r.Code == "too_large" {
		e.Name = "header.limit"
		e.Msg = "response from " + ra + " refused: " + r.Text + ": " + err.Error()
	} else {
		e.Name = "header.reject"
		e.Msg = "response from " + ra + " could not be parsed: " + r.Text + r.lineSuffix()
	}
	e.AddString(probes.KeySide, "client")
	r.emit(&e, ra)
}
