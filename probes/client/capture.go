package client

import (
	"net/http"
	"sync/atomic"
	"unsafe"

	"github.com/gohttpdbg/gohttpdbg/probes"
)

// With the std patch's capture hooks (probes.StdCapture), every client
// request is followed in (*Transport).roundTrip, whoever made it
// (StdStart, StdEnd). A rewritten call site only hands its
// site to the request (MarkSite); any other request is attributed from
// its stack (probes.CallerSite).

// siteMarks are the patched net/http's MarkSite and UnmarkSite
// (UseSiteMarks): a rewritten call names its request's site on the
// request itself, where roundTrip reads it for StdStart, and the copies
// of the request made on the way (the Client's, WithContext, Clone) keep
// it. A request sent with another *Request that is not such a copy (a
// redirect) is attributed from its stack, which names the same line:
// rewritten files keep their lines.
var siteMarks struct {
	mark   func(*http.Request, unsafe.Pointer) bool
	unmark func(*http.Request)
}

// UseSiteMarks is called by the build's wiring with the patched
// net/http's MarkSite and UnmarkSite, before any request.
func UseSiteMarks(mark func(*http.Request, unsafe.Pointer) bool, unmark func(*http.Request)) {
	siteMarks.mark, siteMarks.unmark = mark, unmark
}

// MarkSite names the call site of req until UnmarkSite (after the
// request was sent), when it returns true.
func MarkSite(req *http.Request, site string) bool {
	if req == nil || siteMarks.mark == nil || !probes.ExchangeProbesOn() {
		// Off: StdStart follows nothing. A probe switched on before
		// StdStart runs attributes the request from its stack, which names
		// the same line.
		return false
	}
	// markOf's usual case, written out: a call costs a cold cache line
	// on every request.
	p := lastMark.Load()
	if p == nil || p.Site != site || p.Via != "" {
		p = markOf(site)
	}
	return siteMarks.mark(req, unsafe.Pointer(p))
}

// lastMark is the latest site MarkSite interned. probes.InternSite keeps
// its own latest answer, but the server's requests share it: a program
// that serves and sends (a proxy, a service calling another) would look
// its call site up in the interned sites' map on every request.
var lastMark atomic.Pointer[probes.CallSite]

//go:noinline
func markOf(site string) *probes.CallSite {
	if p := lastMark.Load(); p != nil && p.Site == site && p.Via == "" {
		return p
	}
	p := probes.InternSite(site, "")
	lastMark.Store(p)
	return p
}

// UnmarkSite ends a MarkSite that returned true.
func UnmarkSite(req *http.Request) { siteMarks.unmark(req) }

// StdStart is the std patch's ClientStart hook.
// Its state, which net/http hands back to the hooks below, is the
// *Request, as an unsafe.Pointer: net/http keeps it in a field every
// request pays for, probes on or off, where an interface takes twice the
// bytes.
// site is the request's mark (MarkSite's *probes.CallSite), nil when no
// rewritten call named it: it is then attributed from its stack.
// The probes' levels are read once, here.
func StdStart(t *http.Transport, req *http.Request, site unsafe.Pointer) (*http.Request, unsafe.Pointer) {
	lv := loadLevels()
	if req == nil || req.URL == nil || lv.off() || probes.IgnoredTransport(t) {
		return req, nil
	}
	var si probes.CallSite
	marked := (*probes.CallSite)(site)
	if marked != nil {
		si = *marked
	} else {
		si = probes.CallerSite(2)
	}
	cr := startRequest(t, req, si.Site, true, lv)
	if cr == nil {
		return req, nil
	}
	cr.body.Via = si.Via
	cr.site = marked
	return cr.Request(), unsafe.Pointer(cr)
}
