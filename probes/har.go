package probes

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) of journal
// records. Values come from the records as they are: redacted URLs,
// redacted headers (only kept at header level 2 or under a capture
// rule), captured bodies with their fields redacted. Cookies are never
// listed: their values are secrets, and the headers carry them redacted.

// HARLog is a HAR file's content.
type HARLog struct {
	Log HARBody `json:"log"`
}

// HARBody is a HAR file's "log".
type HARBody struct {
	Version string     `json:"version"`
	Creator HARCreator `json:"creator"`
	Entries []HAREntry `json:"entries"`
	Comment string     `json:"comment,omitempty"`
}

// HARCreator names the program that made the file.
type HARCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// HAREntry is one exchange. The fields starting with an underscore are
// gohttpdbg's own, as HAR allows.
type HAREntry struct {
	StartedDateTime string      `json:"startedDateTime"`
	Time            float64     `json:"time"`
	Request         HARRequest  `json:"request"`
	Response        HARResponse `json:"response"`
	Cache           struct{}    `json:"cache"`
	Timings         Timings     `json:"timings"`
	ServerIPAddress string      `json:"serverIPAddress,omitempty"`
	Connection      string      `json:"connection,omitempty"`
	Stream          uint32      `json:"_stream,omitempty"`
	ID              uint64      `json:"_id"`
	Side            string      `json:"_side"`
	Site            string      `json:"_site,omitempty"`
	Via             string      `json:"_via,omitempty"`
	Reused          bool        `json:"_reused"`
	Error           string      `json:"_error,omitempty"`
	Diagnostics     []string    `json:"_diagnostics,omitempty"`
}

// HARNV is a name and a value.
type HARNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// HARRequest is an entry's request.
type HARRequest struct {
	Method      string       `json:"method"`
	URL         string       `json:"url"`
	HTTPVersion string       `json:"httpVersion"`
	Cookies     []HARNV      `json:"cookies"`
	Headers     []HARNV      `json:"headers"`
	QueryString []HARNV      `json:"queryString"`
	PostData    *HARPostData `json:"postData,omitempty"`
	HeadersSize int          `json:"headersSize"`
	BodySize    int64        `json:"bodySize"`
}

// HARPostData is a captured request body.
type HARPostData struct {
	MimeType string  `json:"mimeType"`
	Text     string  `json:"text"`
	Params   []HARNV `json:"params"`
}

// HARResponse is an entry's response.
type HARResponse struct {
	Status      int        `json:"status"`
	StatusText  string     `json:"statusText"`
	HTTPVersion string     `json:"httpVersion"`
	Cookies     []HARNV    `json:"cookies"`
	Headers     []HARNV    `json:"headers"`
	Content     HARContent `json:"content"`
	RedirectURL string     `json:"redirectURL"`
	HeadersSize int        `json:"headersSize"`
	BodySize    int64      `json:"bodySize"`
}

// HARContent is a response's body: its size, and its text when captured.
type HARContent struct {
	Size     int64  `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

// HAR renders exchanges as a HAR 1.2 log; version is gohttpdbg's.
func HAR(xs []Exchange, version string) HARLog {
	h := HARLog{Log: HARBody{Version: "1.2", Creator: HARCreator{Name: "gohttpdbg", Version: version}, Entries: []HAREntry{}}}
	for i := range xs {
		h.Log.Entries = append(h.Log.Entries, harEntry(&xs[i]))
	}
	return h
}

func harNV(fs []HeaderField) []HARNV {
	out := []HARNV{}
	for _, f := range fs {
		out = append(out, HARNV(f))
	}
	return out
}

func harVersion(p string) string {
	switch p {
	case "h2", "h2c":
		return "HTTP/2.0"
	case "":
		return "unknown"
	}
	return p
}

func harEntry(x *Exchange) HAREntry {
	e := HAREntry{StartedDateTime: x.Start.UTC().Format(time.RFC3339Nano), Time: x.Time, Timings: x.Timings,
		ID: x.ID, Side: x.Side, Site: x.Site, Via: x.Via, Reused: x.Reused, Error: x.Error, Diagnostics: x.Diagnostics,
		Stream: x.Stream}
	if x.Conn != 0 {
		e.Connection = uitoa(x.Conn)
	}
	if x.Side == "client" {
		e.ServerIPAddress = hostOnly(x.Remote)
	}
	q := []HARNV{}
	if u, err := url.Parse(x.URL); err == nil {
		for k, vs := range u.Query() {
			for _, v := range vs {
				q = append(q, HARNV{Name: k, Value: v})
			}
		}
	}
	e.Request = HARRequest{Method: x.Method, URL: x.URL, HTTPVersion: harVersion(x.Proto), Cookies: []HARNV{},
		Headers: harNV(x.RequestHeaders), QueryString: q, HeadersSize: x.RequestHeaderSize, BodySize: x.RequestBodySize}
	if b := x.RequestBody; b != nil && b.Size > 0 {
		e.Request.PostData = &HARPostData{MimeType: orWord(b.MimeType, "application/octet-stream"), Text: b.Text, Params: []HARNV{}}
	}
	e.Response = HARResponse{Status: x.Status, StatusText: http.StatusText(x.Status), HTTPVersion: harVersion(x.Proto),
		Cookies: []HARNV{}, Headers: harNV(x.ResponseHeaders), RedirectURL: "", HeadersSize: x.ResponseHeaderSize, BodySize: x.ResponseBodySize}
	if x.Status == 0 {
		e.Response.HeadersSize, e.Response.BodySize = -1, -1
	}
	e.Response.Content = HARContent{Size: maxI64(x.ResponseBodySize, 0), MimeType: "x-unknown"}
	for _, f := range x.ResponseHeaders {
		if strings.EqualFold(f.Name, "Content-Type") {
			e.Response.Content.MimeType = f.Value
		}
	}
	if b := x.ResponseBody; b != nil {
		e.Response.Content.Text = b.Text
		if b.MimeType != "" {
			e.Response.Content.MimeType = b.MimeType
		}
		if b.Truncated {
			e.Response.Content.Comment = "truncated at the capture's cap"
		}
	}
	return e
}

func uitoa(n uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}
