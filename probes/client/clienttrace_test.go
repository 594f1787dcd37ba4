package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"testing"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/internal/probetest"
)

// header.request keeps the fields net/http wrote and leaves redacting and
// joining them to its reader: its headers attribute is what rendering
// each field as it was written says (wire order, values redacted), on a
// new connection and a reused one, HTTP/1.1 and HTTP/2.
func TestHeaderRequestFieldsRenderedAsWritten(t *testing.T) {
	sink := probetest.Record(t)
	probetest.Configure(t, "all=2")
	for _, h2 := range []bool{false, true} {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		srv.EnableHTTP2 = h2
		if h2 {
			srv.StartTLS()
		} else {
			srv.Start()
		}
		c := srv.Client()
		for i := 0; i < 2; i++ {
			req, _ := http.NewRequest("GET", srv.URL+"/p?token=s3cr3t", nil)
			req.Header.Set("Authorization", "Bearer hunter2")
			req.Header.Set("X-Plain", "visible")
			req.Header.Add("Cookie", "sid=xyz")
			var written []string
			cr := Start(c, req, "trace_test.go:1")
			tr := cr.Request()
			// What net/http writes, seen by a trace of the test's own, beside the probes'.
			tr = tr.WithContext(withFieldRecorder(tr.Context(), &written))
			resp, err := c.Transport.RoundTrip(tr)
			cr.Finish(resp, err)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			probes.Flush()
			var got probes.Event
			for _, e := range sink.Named("header.request") {
				if e.Req == cr.ID() {
					got = e
				}
			}
			a, ok := got.Attr("headers")
			var want []byte
			for j := 0; j+1 < len(written); j += 2 {
				want = probes.AppendHeaderField(want, written[j], written[j+1])
			}
			if !ok || a.Str != string(want) || len(written) < 6 {
				t.Errorf("h2=%v request %d: headers\n got %q\nwant %q", h2, i, a.Str, want)
			}
			for _, secret := range []string{"hunter2", "xyz"} {
				if strings.Contains(a.Str, secret) {
					t.Errorf("secret %q in %q", secret, a.Str)
				}
			}
		}
		srv.Close()
	}
}

// withFieldRecorder adds to ctx a trace that appends each header field
// written to *fields (name, value, name, value…).
func withFieldRecorder(ctx context.Context, fields *[]string) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteHeaderField: func(k string, vs []string) {
		for _, v := range vs {
			*fields = append(*fields, k, v)
		}
	}})
}
