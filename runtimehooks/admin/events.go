//go:build linux

package admin

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/runtimehooks/admin/api"
)

// eventFilter selects events by probe and event name. An event name
// ending in "." or "*" is a prefix ("frame." or "frame.*").
type eventFilter struct {
	probes []string
	events []string
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (f *eventFilter) match(e *probes.Event) bool {
	if len(f.probes) > 0 {
		ok := false
		for _, p := range f.probes {
			if e.Probe.String() == p {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if len(f.events) > 0 {
		ok := false
		for _, n := range f.events {
			if strings.HasSuffix(n, "*") || strings.HasSuffix(n, ".") {
				ok = strings.HasPrefix(e.Name, strings.TrimSuffix(n, "*"))
			} else {
				ok = e.Name == n
			}
			if ok {
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

type eventKey struct {
	t      int64
	name   string
	conn   uint64
	stream uint32
	req    uint64
}

func keyOf(e *probes.Event) eventKey {
	return eventKey{e.Time, e.Name, e.Conn, e.Stream, e.Req}
}

// handleEvents serves GET /v1/events: NDJSON, one event a line.
// ?probe=P[,P] and ?event=E[,E] filter; ?recent=N sends at most the N
// last matching events the runtime kept (default: all kept without
// follow, none with it); ?follow=1 then streams new events until the
// client goes away.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := eventFilter{probes: splitList(q.Get("probe")), events: splitList(q.Get("event"))}
	for _, p := range f.probes {
		if _, ok := probes.ProbeByName(p); !ok {
			writeError(w, http.StatusBadRequest, "unknown probe "+strconv.Quote(p), &api.Error{Probes: probeNames()})
			return
		}
	}
	follow := q.Get("follow") == "1" || q.Get("follow") == "true"
	recent := 1 << 30
	if follow {
		recent = 0
	}
	if v := q.Get("recent"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "recent: want a count", nil)
			return
		}
		recent = n
	}
	var sub *probes.Subscription
	if follow {
		sub = probes.Subscribe(1024)
		defer sub.Close()
	}
	var kept []probes.Event
	if recent > 0 {
		for _, e := range probes.Recent(nil) {
			e := e
			if f.match(&e) {
				kept = append(kept, e)
			}
		}
		if len(kept) > recent {
			kept = kept[len(kept)-recent:]
		}
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	var buf []byte
	seen := map[eventKey]bool{}
	for i := range kept {
		buf = probes.AppendJSON(buf, &kept[i])
		if sub != nil {
			seen[keyOf(&kept[i])] = true
		}
	}
	if _, err := w.Write(buf); err != nil || !follow {
		return
	}
	// A stream outlives the request's read deadline and each write has
	// its own deadline, so a client that stops reading is cut off.
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if err := rc.Flush(); err != nil {
		return
	}
	ctx, cancel := s.reqContext(r)
	defer cancel()
	var dropped uint64
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-sub.C():
			if !ok {
				return
			}
			buf = buf[:0]
			if len(seen) > 0 && seen[keyOf(&e)] {
				delete(seen, keyOf(&e))
			} else if f.match(&e) {
				buf = probes.AppendJSON(buf, &e)
			}
			for len(buf) < 32<<10 {
				select {
				case e2, ok := <-sub.C():
					if !ok {
						break
					}
					if f.match(&e2) && !seen[keyOf(&e2)] {
						buf = probes.AppendJSON(buf, &e2)
					}
					continue
				default:
				}
				break
			}
			if d := sub.Dropped(); d > dropped {
				de := probes.Event{Time: probes.Now(), Probe: probes.Admin, Sev: probes.Warn, Name: "admin.dropped",
					Msg: "this event stream lost events: the client reads slower than the probes emit"}
				de.Add(probes.Int(probes.KeyCount, int64(d-dropped)), probes.Int(probes.KeyTotal, int64(d)))
				buf = probes.AppendJSON(buf, &de)
				dropped = d
			}
			if len(buf) == 0 {
				continue
			}
			_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if _, err := w.Write(buf); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
	}
}
