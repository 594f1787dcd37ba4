package client

import (
	"net/http"
	"unsafe"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/internal/table"
)

// With the std patch's capture hooks (probes.StdCapture), every client
// request is followed in (*Transport).roundTrip, whoever made it
// (StdStart, StdEnd). A rewritten call site only hands its
// site to the request (MarkSite); any other request is attributed from
// its stack (probes.CallerSite).

// clientSites holds the site a rewritten call site gave a client request
// while it is being sent, keyed by the request's Header map: the copies
// http.Client makes share it. A request sent with another Header (a
// redirect, a RoundTripper that clones) is attributed from its stack,
// which names the same line: rewritten files keep their lines.
var clientSites table.KeyTable[probes.CallSite]

// MarkSite names the call site of req until the returned mark is passed
// to UnmarkSite (after the request was sent).
func MarkSite(req *http.Request, site string) uintptr {
	if req == nil || probes.Level(probes.Dial)|probes.Level(probes.Header)|probes.Level(probes.Body)|probes.Level(probes.GC) == 0 {
		// Off: StdStart follows nothing. A probe switched on before
		// StdStart runs attributes the request from its stack, which names
		// the same line.
		return 0
	}
	k := table.HeaderKey(req.Header)
	if !clientSites.Put(k, probes.InternSite(site, "")) {
		return 0
	}
	return k
}

// UnmarkSite ends a MarkSite.
func UnmarkSite(k uintptr) { clientSites.Remove(k) }

// StdStart is the std patch's ClientStart hook.
// Its state, which net/http hands back to the hooks below, is the
// *Request, as an unsafe.Pointer: net/http keeps it in a field every
// request pays for, probes on or off, where an interface takes twice the
// bytes.
func StdStart(t *http.Transport, req *http.Request) (*http.Request, unsafe.Pointer) {
	if req == nil || req.URL == nil || probes.Level(probes.Dial)|probes.Level(probes.Header)|probes.Level(probes.Body)|probes.Level(probes.GC) == 0 || probes.IgnoredTransport(t) {
		return req, nil
	}
	var si probes.CallSite
	if p := clientSites.Get(table.HeaderKey(req.Header)); p != nil {
		si = *p
	} else {
		si = probes.CallerSite(2)
	}
	cr := startRequest(t, req, si.Site, true)
	if cr == nil {
		return req, nil
	}
	cr.body.Via = si.Via
	return cr.Request(), unsafe.Pointer(cr)
}

// StdEnd is the std patch's ClientEnd hook.
func StdEnd(state unsafe.Pointer, resp *http.Response, err error) {
	cr := (*Request)(state)
	cr.Finish(resp, err)
	cr.recycle()
}
