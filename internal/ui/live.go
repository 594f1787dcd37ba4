package ui

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// The live stream (GET /api/live?t=TARGET) is one server-sent-events
// stream per page. It follows the process's admin socket and relays, as
// SSE events:
//
//	state      {"state":"waiting"|"attached"|"lost","pid","program","msg"}
//	status     /v1/status (on attach, then every 5 s)
//	exchanges  {"records":[…],"skipped":N}: completed exchanges, batched
//	events     [event, …]: gc.* and frame.stall (GC bands, stalls)
//	conns      /v1/conns, streams /v1/streams (every second, when changed)
//
// A busy process (the soak example at level 2 completes thousands of
// exchanges a second) must not flood the page: the relay sends a batch
// every flushEvery, at most maxPerFlush exchanges, a uniform sample
// (reservoir sampling) of those completed since the last batch; the rest
// are counted in "skipped" and shown as such. Neither this server nor the
// page buffers without bound; the admin socket drops for this reader, as
// for any slow reader, if even the sampling falls behind.
const (
	flushEvery  = 250 * time.Millisecond
	maxPerFlush = 100
	pollEvery   = time.Second
	statusEvery = 5 * time.Second
)

// sampler keeps a uniform sample of at most maxPerFlush of the records
// added since the last take.
type sampler struct {
	mu   sync.Mutex
	kept []json.RawMessage
	seen int64
}

func (s *sampler) add(b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen++
	if len(s.kept) < maxPerFlush {
		s.kept = append(s.kept, b)
	} else if j := rand.Int64N(s.seen); j < maxPerFlush {
		s.kept[j] = b
	}
}

// take returns the sample and how many records it left out.
func (s *sampler) take() (kept []json.RawMessage, skipped int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept, skipped = s.kept, s.seen-int64(len(s.kept))
	s.kept, s.seen = nil, 0
	return kept, skipped
}

// liveEvents are the events the page draws (admin ?event= syntax).
const liveEvents = "gc.,frame.stall,frame.goaway"

type sse struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func (s *sse) send(name string, data []byte) error {
	s.rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	var b bytes.Buffer
	b.WriteString("event: ")
	b.WriteString(name)
	b.WriteString("\ndata: ")
	b.Write(bytes.ReplaceAll(bytes.TrimSpace(data), []byte{'\n'}, nil))
	b.WriteString("\n\n")
	if _, err := s.w.Write(b.Bytes()); err != nil {
		return err
	}
	return s.rc.Flush()
}

func (s *sse) sendJSON(name string, v any) error {
	b, _ := json.Marshal(v)
	return s.send(name, b)
}

type stateMsg struct {
	State   string `json:"state"`
	PID     int    `json:"pid,omitempty"`
	Program string `json:"program,omitempty"`
	Msg     string `json:"msg,omitempty"`
}

func (s *Server) serveLive(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	out := &sse{w: w, rc: http.NewResponseController(w)}
	// EventSource reconnects after this when the ui server goes away.
	io.WriteString(w, "retry: 1000\n\n")
	target := r.URL.Query().Get("t")
	ctx := r.Context()
	lastMsg := ""
	for i := 0; ctx.Err() == nil; i++ {
		p, err := s.resolve(target)
		if err != nil {
			if err.Error() != lastMsg {
				lastMsg = err.Error()
				if out.sendJSON("state", stateMsg{State: "waiting", Msg: lastMsg}) != nil {
					return
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
			continue
		}
		lastMsg = ""
		err = s.attach(ctx, p, out)
		if ctx.Err() != nil {
			return
		}
		msg := "the process is gone or its admin socket closed; waiting for it to come back"
		if err != nil {
			msg = err.Error() + "; waiting for the process to come back"
		}
		if out.sendJSON("state", stateMsg{State: "lost", PID: p.PID, Program: p.Program, Msg: msg}) != nil {
			return
		}
		// The same pid is not asked again at once: its socket may linger
		// until someone finds the process dead.
		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// attach relays one process until its socket goes away or the page does.
func (s *Server) attach(ctx context.Context, p Proc, out *sse) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c := adminClient(p.Socket, 10*time.Second)
	get := func(path string) ([]byte, error) {
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://gohttpdbg"+path, nil)
		resp, err := c.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("%s: %s", path, bytes.TrimSpace(b))
		}
		return b, err
	}
	status, err := get("/v1/status")
	if err != nil {
		return err
	}
	if err := out.sendJSON("state", stateMsg{State: "attached", PID: p.PID, Program: p.Program}); err != nil {
		return err
	}
	if err := out.send("status", status); err != nil {
		return err
	}

	// The followers start before the backlog is read, so nothing falls
	// between the two; the page drops a record it already has (by id).
	var sample sampler
	errc := make(chan error, 2)
	follow := func(path string, deliver func([]byte)) {
		stream := &http.Client{Transport: c.Transport} // no timeout: it lasts
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://gohttpdbg"+path, nil)
		resp, err := stream.Do(req)
		if err != nil {
			errc <- err
			return
		}
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			if b := sc.Bytes(); json.Valid(b) {
				deliver(bytes.Clone(b))
			}
		}
		errc <- fmt.Errorf("%s ended", path)
	}
	go follow("/v1/requests?follow=1", sample.add)
	evc := make(chan []byte, 64)
	go follow("/v1/events?follow=1&event="+liveEvents, func(b []byte) {
		select {
		case evc <- b:
		default:
		}
	})

	// The backlog: the journal's completed exchanges (the newest of them,
	// at most a page's window), then the kept events the page draws.
	if b, err := get("/v1/requests"); err == nil {
		var all struct {
			Requests []json.RawMessage `json:"requests"`
		}
		if json.Unmarshal(b, &all) == nil {
			recs := all.Requests
			if len(recs) > s.cfg.Window {
				recs = recs[len(recs)-s.cfg.Window:]
			}
			for len(recs) > 0 {
				n := min(len(recs), 500)
				if err := out.sendJSON("exchanges", map[string]any{"records": recs[:n], "backlog": true}); err != nil {
					return err
				}
				recs = recs[n:]
			}
		}
	}
	if b, err := get("/v1/events?event=" + liveEvents); err == nil {
		var evs []json.RawMessage
		for _, l := range bytes.Split(b, []byte{'\n'}) {
			if json.Valid(l) {
				evs = append(evs, l)
			}
		}
		if len(evs) > 0 {
			if err := out.sendJSON("events", evs); err != nil {
				return err
			}
		}
	}

	flush := time.NewTicker(flushEvery)
	defer flush.Stop()
	poll := time.NewTicker(pollEvery)
	defer poll.Stop()
	var lastConns, lastStreams []byte
	lastStatus := time.Now()
	pollOnce := func() error {
		for _, x := range []struct {
			path, name string
			last       *[]byte
		}{{"/v1/conns", "conns", &lastConns}, {"/v1/streams", "streams", &lastStreams}} {
			b, err := get(x.path)
			if err != nil {
				return err
			}
			if !bytes.Equal(b, *x.last) {
				*x.last = b
				if err := out.send(x.name, b); err != nil {
					return err
				}
			}
		}
		if time.Since(lastStatus) >= statusEvery {
			lastStatus = time.Now()
			b, err := get("/v1/status")
			if err != nil {
				return err
			}
			return out.send("status", b)
		}
		return nil
	}
	if err := pollOnce(); err != nil {
		return err
	}
	// A poll that fails while the streams still flow is a process too
	// busy to answer in time (the soak example at level 2), not a lost
	// one: it is retried, and only a run of failures detaches.
	failed := 0
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-errc:
			return err
		case <-poll.C:
			if err := pollOnce(); err == nil {
				failed = 0
			} else if failed++; failed >= 5 {
				return err
			}
		case <-flush.C:
			recs, n := sample.take()
			var evs []json.RawMessage
		events:
			for {
				select {
				case b := <-evc:
					evs = append(evs, b)
				default:
					break events
				}
			}
			if len(recs) > 0 || n > 0 {
				if err := out.sendJSON("exchanges", map[string]any{"records": recs, "skipped": n}); err != nil {
					return err
				}
			}
			if len(evs) > 0 {
				if err := out.sendJSON("events", evs); err != nil {
					return err
				}
			}
		}
	}
}
