package probes

import (
	"net/http"
	"net/url"
	"sort"
)

// HeaderSize returns the wire size of h in HTTP/1 form ("Key: value\r\n"
// per value).
func HeaderSize(h http.Header) int {
	n := 0
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// FormatHeader renders h, redacted, as "Key: value; Key: value" in sorted
// key order.
func FormatHeader(h http.Header) string { return formatFields(headerFields(h)) }

// headerFields returns h's fields as name, value, name, value…, the
// values of a name in their order.
func headerFields(h http.Header) []string {
	n := 0
	for _, vs := range h {
		n += 2 * len(vs)
	}
	f := make([]string, 0, n)
	for k, vs := range h {
		for _, v := range vs {
			f = append(f, k, v)
		}
	}
	return f
}

// formatFields renders fields (see headerFields) sorted by name, values
// redacted. The buffer is sized up front, with slack for what redaction
// adds ("[REDACTED]", "sha256:…"), not grown per field.
func formatFields(f []string) string {
	pairs := make([]int, len(f)/2)
	n := 0
	for i := range pairs {
		pairs[i] = 2 * i
		n += len(f[2*i]) + len(f[2*i+1]) + 4 + redactSlack
	}
	sort.SliceStable(pairs, func(a, b int) bool { return f[pairs[a]] < f[pairs[b]] })
	b := make([]byte, 0, n)
	for _, i := range pairs {
		b = AppendHeaderField(b, f[i], f[i+1])
	}
	return string(b)
}

// redactSlack is what a redacted value may need beyond the original's
// length, per field, when a buffer is sized for a header.
const redactSlack = 20

// AppendHeaderField appends the field k: v, its value redacted, to b, a
// header being rendered "k: v; k2: v2".
func AppendHeaderField(b []byte, k, v string) []byte {
	if len(b) > 0 {
		b = append(b, "; "...)
	}
	b = append(b, k...)
	b = append(b, ": "...)
	return append(b, RedactHeader(k, v)...)
}

// RequestLine is a request line for events: the method and the redacted
// URL.
func RequestLine(method string, u *url.URL) string { return method + " " + RedactURL(u) }

// RenderedLine returns line, a request line rendered up front, or
// renders it now when there is none.
func RenderedLine(line, method string, u *url.URL) string {
	if line != "" {
		return line
	}
	return RequestLine(method, u)
}
