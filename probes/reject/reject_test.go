package reject

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gohttpdbg/gohttpdbg/probes"
)

// readErr returns the error net/http's request parser gives for raw, as
// the server's readRequest would see it.
func readErr(t *testing.T, raw string) string {
	t.Helper()
	_, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err == nil {
		t.Fatalf("request accepted: %q", raw)
	}
	return err.Error()
}

func TestClassifyRealErrors(t *testing.T) {
	tests := []struct {
		name, raw  string
		code       string
		line, text string // substrings expected in Line and Text
	}{
		{"missing colon", "GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", "missing_colon", `"NoColonHere"`, "no colon"},
		{"missing colon bare LF", "GET / HTTP/1.1\nHost: x\nNoColonHere\n\n", "missing_colon", `"NoColonHere"`, "bare LF"},
		{"second request line", "GET / HTTP/1.1\r\nHost: x\r\nGET /b HTTP/1.1\r\n\r\n", "missing_colon", `"GET /b HTTP/1.1"`, "second request line"},
		{"bad name", "GET / HTTP/1.1\r\nHost: x\r\nX(Foo): bar\r\n\r\n", "invalid_field_name", `X(Foo)`, "not allowed in a token"},
		{"bare CR", "GET / HTTP/1.1\r\nHost: x\r\nX-Foo: a\rb\r\n\r\n", "bare_cr", `X-Foo`, "bare CR"},
		{"control char", "GET / HTTP/1.1\r\nHost: x\r\nX-Foo: a\x01b\r\n\r\n", "invalid_field_value", `X-Foo`, "control character"},
		{"leading space", "GET / HTTP/1.1\r\n Host: x\r\n\r\n", "leading_space", ``, "starts with a space"},
		{"request line", "GET /\r\nHost: x\r\n\r\n", "malformed_request_line", `"GET /"`, "space is missing"},
		{"bad version", "GET / HTTX/1.1\r\nHost: x\r\n\r\n", "bad_version", ``, "not HTTP/x.y"},
		{"bad te", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", "unsupported_te", ``, "chunked"},
		{"double cl", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", "bad_content_length", ``, "Content-Length"},
		{"token in query", "GET /a?token=s3cret\r\nHost: x\r\n\r\n", "malformed_request_line", `"GET /a?[REDACTED]"`, "request line"},
		{"authorization without colon", "GET / HTTP/1.1\r\nHost: x\r\nAuthorization Bearer s3cret\r\n\r\n", "missing_colon", `[REDACTED]`, "no colon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Classify(readErr(t, tt.raw), []byte(tt.raw), 400, 0)
			if r.Code != tt.code || !strings.Contains(`"`+r.Line+`"`, tt.line) || !strings.Contains(r.Text, tt.text) || r.Status != 400 {
				t.Errorf("Classify = %+v\nwant code %s, line ~%q, text ~%q", r, tt.code, tt.line, tt.text)
			}
			if strings.Contains(r.Line+r.Text, "s3cret") {
				t.Errorf("secret not redacted: %+v", r)
			}
		})
	}
}

func TestClassifyServerErrors(t *testing.T) {
	tests := []struct {
		err    string
		status int
		code   string
	}{
		{"http: request too large", 431, "too_large"},
		{`missing required Host header`, 400, "missing_host"},
		{`malformed Host header`, 400, "bad_host"},
		{`too many Host headers`, 400, "bad_host"},
		{`invalid header name`, 400, "invalid_field_name"},
		{`invalid header value`, 400, "invalid_field_value"},
		{`unsupported protocol version`, 505, "unsupported_version"},
		{`malformed HTTP request "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"`, 400, "tls_to_http"},
		{`malformed HTTP request "PRI * HTTP/2.0"`, 400, "h2_preface"},
		{`net/http: server response headers exceeded 1024 bytes; aborted`, 0, "too_large"},
		{`malformed HTTP response "Broken header"`, 0, "malformed_status_line"},
		{`something new`, 400, "other"},
		{`malformed MIME header line: "X-Foo : bar"`, 400, "invalid_field_name"},
		{`malformed MIME header line: ": bar"`, 400, "invalid_field_name"},
	}
	for _, tt := range tests {
		if r := Classify(tt.err, nil, tt.status, 0); r.Code != tt.code {
			t.Errorf("Classify(%q) = %+v, want %s", tt.err, r, tt.code)
		}
	}
	big := "X-Big: " + strings.Repeat("a", 2000) + "\r\n"
	r := Classify("http: request too large", []byte(big), 431, 0)
	if r.Status != 431 || !strings.Contains(r.Line, "X-Big") || len(r.Line) > MaxLine+20 {
		t.Errorf("too large: %+v", r)
	}
}

type fakeConn struct{ net.Conn }

func (fakeConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4242} }
func (fakeConn) LocalAddr() net.Addr  { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80} }

func TestServerRejectEvent(t *testing.T) {
	old := probes.SetSink(probes.NewTextSink(io.Discard))
	defer probes.SetSink(old)
	defer probes.SetLevel(probes.Header, probes.SetLevel(probes.Header, 1))
	sub := probes.Subscribe(16)
	defer sub.Close()
	c := &fakeConn{}
	ServerReject(c, errors.New(`malformed MIME header: missing colon: "NoColonHere"`), 400, nil, 1<<20)
	ServerReject(c, errors.New("http: request too large"), 431, nil, 8192)
	ClientReadError(c, io.EOF, nil) // not a header problem
	ClientReadError(c, errors.New("net/http: server response headers exceeded 10 bytes; aborted"), nil)
	e := <-sub.C()
	if e.Name != "header.reject" || e.Sev != probes.Warn || !strings.Contains(e.Msg, "127.0.0.1:4242") ||
		!strings.Contains(e.Msg, "rejected with 400") || !strings.Contains(e.Msg, `"NoColonHere"`) {
		t.Fatalf("event %+v", e)
	}
	if a, _ := e.Attr("reason"); a.Str != "missing_colon" {
		t.Fatalf("reason %+v", a)
	}
	if _, ok := e.Attr("limit"); ok {
		t.Fatalf("a missing colon has no limit: %+v", e)
	}
	// A 431 names the limit in force, not the default.
	e = <-sub.C()
	if a, _ := e.Attr("limit"); e.Name != "header.reject" || a.Num != 8192 || !strings.Contains(e.Msg, "MaxHeaderBytes 8192") {
		t.Fatalf("431: %+v", e)
	}
	if a, _ := e.Attr("limit_name"); a.Str != "MaxHeaderBytes" {
		t.Fatalf("431 limit_name %+v", a)
	}
	e = <-sub.C()
	if e.Name != "header.limit" || !strings.Contains(e.Msg, "MaxResponseHeaderBytes") {
		t.Fatalf("event %+v", e)
	}
	if a, _ := e.Attr("limit"); a.Kind != probes.KindInt || a.Num != 10 {
		t.Errorf("client header.limit limit %+v, want the number net/http named", a)
	}
	if a, _ := e.Attr("limit_name"); a.Str != "MaxResponseHeaderBytes" {
		t.Errorf("client header.limit limit_name %+v", a)
	}
}

// FuzzRejectReason: Classify never panics, always explains, and keeps the
// line capped and valid.
func FuzzRejectReason(f *testing.F) {
	for _, s := range []string{
		`malformed MIME header: missing colon: "NoColonHere"`,
		`malformed MIME header line: "X-Foo : bar"`,
		`malformed MIME header line: "X-Foo: a\rb"`,
		`malformed HTTP request "GET /"`,
		`malformed HTTP request "\x16\x03\x01"`,
		`http: request too large`,
		`unsupported transfer encoding: "gzip"`,
		`malformed MIME header line: "\"unterminated`,
		`"`,
		`malformed MIME header line: "Authorization Bearer x"`,
	} {
		f.Add(s, []byte("GET / HTTP/1.1\nHost: x\n\n"), 400)
	}
	f.Add("", []byte{}, 431)
	f.Fuzz(func(t *testing.T, errText string, buffered []byte, status int) {
		r := Classify(errText, buffered, status, 0)
		if r.Code == "" || r.Text == "" {
			t.Fatalf("no reason: %+v", r)
		}
		if r.Line != "" && (len(r.Line) > 6*MaxLine+16 || !utf8.ValidString(r.Line)) {
			t.Fatalf("line not capped or invalid: %q", r.Line)
		}
	})
}
