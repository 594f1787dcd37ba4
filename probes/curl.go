package probes

import (
	"net/url"
	"sort"
	"strings"
)

// Curl renders a curl command that sends x's request again: method, URL,
// headers (those the journal kept: header level 2 or a capture rule), the
// body when it was captured, and the protocol it was sent with. A value
// the redaction hides is never shown: it becomes a shell variable named
// after its header or parameter ($AUTHORIZATION), and the command starts
// with a comment listing the variables to set. A captured body keeps its
// redacted fields as they were rendered.
func Curl(x *Exchange) string {
	vars := map[string]bool{}
	varFor := func(name string) string {
		v := shellVar(name)
		vars[v] = true
		return "$" + v
	}
	var args []string
	args = append(args, "curl")
	switch x.Proto {
	case "h2":
		args = append(args, "--http2")
	case "h2c":
		args = append(args, "--http2-prior-knowledge")
	case "HTTP/1.0":
		args = append(args, "--http1.0")
	default:
		args = append(args, "--http1.1")
	}
	if x.Method != "GET" || x.RequestBody != nil && x.RequestBody.Size > 0 && x.Method != "POST" {
		args = append(args, "-X", shellWord(x.Method))
	}
	args = append(args, curlURL(x.URL, varFor))
	for _, f := range x.RequestHeaders {
		switch strings.ToLower(f.Name) {
		case "host", "content-length", "connection", "transfer-encoding", "accept-encoding", "te", "upgrade":
			continue // curl sets them itself, from the URL and the body
		}
		if RedactModeFor(strings.ToLower(f.Name)) != RedactNone {
			args = append(args, "-H", `"`+shellEscapeDQ(f.Name+": ")+varFor(f.Name)+`"`)
			continue
		}
		args = append(args, "-H", shellQuote(f.Name+": "+f.Value))
	}
	if b := x.RequestBody; b != nil && b.Size > 0 {
		args = append(args, "--data-binary", shellQuote(b.Text))
	} else if x.RequestBodySize > 0 {
		args = append(args, "--data-binary", "@-")
	}
	var head []string
	if len(vars) > 0 {
		names := make([]string, 0, len(vars))
		for v := range vars {
			names = append(names, v)
		}
		sort.Strings(names)
		head = append(head, "# redacted values: set "+strings.Join(names, " ")+" before running this command")
	}
	if x.RequestBodySize > 0 && (x.RequestBody == nil || x.RequestBody.Size == 0) {
		head = append(head, "# the request had a body of "+itoa64(x.RequestBodySize)+" bytes, not captured: give it on standard input (a capture rule keeps it)")
	} else if x.RequestBody != nil && x.RequestBody.Truncated {
		head = append(head, "# the body was truncated at the capture's cap")
	}
	if len(x.RequestHeaders) == 0 {
		head = append(head, "# no headers were recorded (header level 2 or a capture rule records them)")
	}
	return strings.Join(append(head, strings.Join(args, " ")), "\n") + "\n"
}

// curlURL quotes the URL, with the values of redacted query parameters
// as variables.
func curlURL(raw string, varFor func(string) string) string {
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery == "" {
		return shellQuote(raw)
	}
	q := u.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	hasVar := false
	for _, k := range keys {
		for _, v := range q[k] {
			if RedactModeFor(strings.ToLower(k)) != RedactNone {
				parts = append(parts, shellEscapeDQ(url.QueryEscape(k)+"=")+varFor(k))
				hasVar = true
				continue
			}
			parts = append(parts, shellEscapeDQ(url.QueryEscape(k)+"="+url.QueryEscape(v)))
		}
	}
	if !hasVar {
		return shellQuote(raw)
	}
	u.RawQuery = ""
	return `"` + shellEscapeDQ(u.String()) + "?" + strings.Join(parts, "&") + `"`
}

// shellVar turns a header or parameter name into a variable name:
// Authorization → AUTHORIZATION, X-Api-Key → X_API_KEY.
func shellVar(name string) string {
	b := []byte(strings.ToUpper(name))
	for i, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) == 0 || b[0] >= '0' && b[0] <= '9' {
		return "V_" + string(b)
	}
	return string(b)
}

// shellWord leaves a plain word (a method) as it is, and quotes anything
// else.
func shellWord(s string) string {
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return shellQuote(s)
		}
	}
	if s == "" {
		return "''"
	}
	return s
}

// shellQuote quotes s for a POSIX shell: single quotes, nothing expanded.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shellEscapeDQ escapes s for the inside of double quotes.
func shellEscapeDQ(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "`", "\\`")
	return r.Replace(s)
}

func itoa64(n int64) string {
	if n < 0 {
		return "-" + uitoa(uint64(-n))
	}
	return uitoa(uint64(n))
}
