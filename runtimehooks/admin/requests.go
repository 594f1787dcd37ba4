//go:build linux

package admin

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/runtimehooks/admin/api"
)

// The request journal's endpoints: /v1/requests, /v1/requests/ID,
// /v1/requests/ID/curl, /v1/har, and the capture rule, /v1/capture.

const kindCapture = "capture"

// parseFilter reads the journal filter of a query: side, site, host,
// status, method, path (a glob), min (a duration).
func parseFilter(r *http.Request) (probes.ExchangeFilter, error) {
	q := r.URL.Query()
	f := probes.ExchangeFilter{Side: q.Get("side"), Site: q.Get("site"), Host: q.Get("host"),
		Method: q.Get("method"), Path: q.Get("path")}
	switch f.Side {
	case "", "client", "server":
	default:
		return f, errf("side %q: want client or server", f.Side)
	}
	if v := q.Get("status"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 100 || n > 999 {
			return f, errf("status %q: want an HTTP status such as 503", v)
		}
		f.Status = n
	}
	if v := q.Get("min"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return f, errf("min %q: want a duration such as 250ms", v)
		}
		f.MinDur = d
	}
	if f.Path != "" && !strings.HasPrefix(f.Path, "/") {
		return f, errf("path glob %q cannot match: a request path starts with /", f.Path)
	}
	return f, nil
}

func (s *Server) handleRequests(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	if r.URL.Query().Get("follow") == "1" {
		s.followRequests(w, r, f)
		return
	}
	xs, dropped := probes.Exchanges(f)
	size := probes.JournalSize()
	if xs == nil {
		xs = []api.Exchange{}
	}
	writeJSON(w, http.StatusOK, api.Requests{Requests: xs, Size: size, Dropped: dropped})
}

// followRequests streams each exchange completed from now on that passes
// f, one JSON object a line, until the client goes or the server closes.
func (s *Server) followRequests(w http.ResponseWriter, r *http.Request, f probes.ExchangeFilter) {
	sub := probes.SubscribeExchanges(256)
	defer sub.Close()
	ctx, cancel := s.reqContext(r)
	defer cancel()
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	fl, _ := w.(http.Flusher)
	if fl != nil {
		fl.Flush()
	}
	rc := http.NewResponseController(w)
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for {
		select {
		case <-ctx.Done():
			return
		case x, ok := <-sub.C():
			if !ok {
				return
			}
			if !f.Match(&x) {
				continue
			}
			_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if enc.Encode(x) != nil || bw.Flush() != nil {
				return
			}
			if fl != nil {
				fl.Flush()
			}
		}
	}
}

// handleRequest serves /v1/requests/ID and /v1/requests/ID/curl.
func (s *Server) handleRequest(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/v1/requests/")
	idText, tail, _ := strings.Cut(rest, "/")
	id, err := strconv.ParseUint(idText, 10, 64)
	if err != nil || id == 0 || (tail != "" && tail != "curl") {
		writeError(w, http.StatusNotFound, "want /v1/requests/ID or /v1/requests/ID/curl, ID a request id from /v1/requests", nil)
		return
	}
	xs, _ := probes.Exchanges(probes.ExchangeFilter{ID: id})
	if len(xs) == 0 {
		writeError(w, http.StatusNotFound, "request "+idText+" is not in the journal (still in flight, or dropped: the journal keeps the latest; GOHTTPDBG journal=N)", nil)
		return
	}
	if tail == "curl" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte(probes.Curl(&xs[0])))
		return
	}
	writeJSON(w, http.StatusOK, xs[0])
}

func (s *Server) handleHAR(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	xs, _ := probes.Exchanges(f)
	writeJSON(w, http.StatusOK, probes.HAR(xs, buildVersion()))
}

// buildVersion is the HAR creator's version.
func buildVersion() string { return "1" }

func (s *Server) handleCaptureGet(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	o := s.overrides[okey(kindCapture, "rule")]
	var exp string
	if o != nil {
		exp = o.Expires.UTC().Format(time.RFC3339)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, api.Capture{Rule: probes.CurrentCaptureRule(), Expires: exp})
}

func (s *Server) handleCapturePut(w http.ResponseWriter, r *http.Request) {
	var req api.CapturePut
	ttl, ok := readChange(w, r, &req, &req.TTL)
	if !ok {
		return
	}
	if err := req.Rule.Check(); err != nil {
		writeError(w, http.StatusBadRequest, "capture rule: "+err.Error(), nil)
		return
	}
	b, _ := json.Marshal(req.Rule)
	s.commit(w, r, "capture", []change{{kindCapture, "rule", string(b)}}, ttl)
}

func (s *Server) handleCaptureDelete(w http.ResponseWriter, r *http.Request) {
	s.commit(w, r, "capture", []change{{kindCapture, "rule", ""}}, defaultTTL)
}

// currentCapture is the rule in force as an override's value: its JSON,
// unset when there is none.
func currentCapture() (string, bool) {
	r := probes.CurrentCaptureRule()
	if r == nil {
		return "", false
	}
	b, _ := json.Marshal(r)
	return string(b), true
}

func applyCapture(value string, unset bool) {
	if unset || value == "" {
		probes.SetCaptureRule(nil)
		return
	}
	var r probes.CaptureRule
	if json.Unmarshal([]byte(value), &r) == nil {
		_ = probes.SetCaptureRule(&r) // checked before it was committed
	}
}
