package probes

import (
	"bufio"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Sink is where events end up. The runtime calls a sink from one goroutine
// at a time (Emit and the background writer share a lock), so sinks need
// no locking of their own. WriteEvent may buffer; Flush makes the written
// events durable (written to the file descriptor).
type Sink interface {
	WriteEvent(e *Event) error
	Flush() error
}

// lineSink renders each event with a render function into a buffered writer.
type lineSink struct {
	w      *bufio.Writer
	buf    []byte
	render func([]byte, *Event) []byte
	c      io.Closer

	// Text sinks only: repeated diagnostics are summarised (repeats). mu
	// guards everything above and below against the summary timer; the
	// runtime's own calls are already serialised by sinkMu.
	coalesce bool
	mu       sync.Mutex
	repeats  map[repeatKey]*repeatState
	timer    *time.Timer
}

// A person reads the text sink: a diagnostic that repeats at one site
// (203 body.leak lines for 203 calls) is shown in full repeatShown times,
// then summarised once per repeatInterval:
//
//	gohttpdbg: warn body.leak site=main.go:35 ×200 more in 10s (first at 15:04:05.000000)
//
// with exact counts; what is pending when the program flushes at exit
// (Flush) is summarised then. An (event, site) quiet for a whole interval
// starts afresh. NDJSON sinks, subscribers (/v1/events) and Recent get
// every event; so do level-2 events (asked for one by one) and the admin
// probe's.
const (
	repeatShown    = 3
	repeatInterval = 10 * time.Second
)

type repeatKey struct{ name, site string }

type repeatState struct {
	probe   Probe
	sev     Sev   // the highest of the pending ones
	shown   int   // shown in full since the key (re)started
	last    int64 // time of the latest event, Unix ns
	pending int   // not shown since the window started
	first   int64 // time of the first pending one
	window  int64 // start of the window: the last summary, or the last shown in full
}

// WriteEvent hands the file whole lines only: a line that does not fit in
// what is left of the buffer is preceded by a flush, instead of being
// split across two writes. A process that dies before the next flush (a
// test binary ends with os.Exit, which nothing can hook) then leaves an
// NDJSON file whose last line is whole, not half an event.
func (s *lineSink) WriteEvent(e *Event) error {
	if !s.coalesce {
		return s.write(e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.Sev >= Warn && e.Probe != Admin && s.repeated(e) {
		return nil
	}
	return s.write(e)
}

// repeated records e and reports whether it is one too many to show;
// s.mu is held.
func (s *lineSink) repeated(e *Event) bool {
	k := repeatKey{e.Name, e.Site}
	st := s.repeats[k]
	if st == nil || st.pending == 0 && e.Time-st.last > int64(repeatInterval) {
		if s.repeats == nil {
			s.repeats = map[repeatKey]*repeatState{}
		}
		st = &repeatState{probe: e.Probe}
		s.repeats[k] = st
	}
	st.last = e.Time
	if st.shown < repeatShown {
		st.shown++
		st.window = e.Time
		return false
	}
	if st.pending == 0 {
		st.first, st.sev = e.Time, e.Sev
	}
	if e.Sev > st.sev {
		st.sev = e.Sev
	}
	st.pending++
	if s.timer == nil {
		s.timer = time.AfterFunc(repeatInterval, s.tick)
	}
	return true
}

// tick writes the summaries due and forgets the keys that were quiet.
func (s *lineSink) tick() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timer = nil
	if s.summarizeLocked(Now()) && s.timer == nil {
		s.timer = time.AfterFunc(repeatInterval, s.tick)
	}
	_ = s.w.Flush()
}

// Summarize writes a summary line for each (event, site) with diagnostics
// not shown yet, and flushes; Flush calls it at exit.
func (s *lineSink) Summarize() error {
	if !s.coalesce {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.summarizeLocked(Now())
	return s.w.Flush()
}

// summarizeLocked writes the pending summaries and reports whether any
// was written; s.mu is held.
func (s *lineSink) summarizeLocked(now int64) bool {
	var due []repeatKey
	for k, st := range s.repeats {
		if st.pending > 0 {
			due = append(due, k)
		} else if now-st.last > int64(repeatInterval) {
			delete(s.repeats, k)
		}
	}
	sort.Slice(due, func(i, j int) bool { return s.repeats[due[i]].first < s.repeats[due[j]].first })
	for _, k := range due {
		st := s.repeats[k]
		var b []byte
		b = append(b, "×"...)
		b = strconv.AppendInt(b, int64(st.pending), 10)
		b = append(b, " more in "...)
		b = append(b, time.Duration(now-st.window).Round(time.Millisecond).String()...)
		b = append(b, " (first at "...)
		b = appendClock(b, st.first)
		b = append(b, ')')
		e := Event{Time: now, Probe: st.probe, Sev: st.sev, Name: k.name, Site: k.site, Msg: string(b)}
		_ = s.write(&e)
		st.pending, st.window = 0, now
	}
	return len(due) > 0
}

func (s *lineSink) write(e *Event) error {
	s.buf = s.render(s.buf[:0], e)
	if len(s.buf) > s.w.Available() && s.w.Buffered() > 0 {
		if err := s.w.Flush(); err != nil {
			return err
		}
	}
	_, err := s.w.Write(s.buf)
	return err
}

func (s *lineSink) Flush() error {
	if s.coalesce {
		s.mu.Lock()
		defer s.mu.Unlock()
	}
	return s.w.Flush()
}

// Close summarises what is pending, flushes the sink and closes its file,
// if it owns one.
func (s *lineSink) Close() error {
	err := s.Summarize()
	if s.c != nil {
		if cerr := s.c.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// NewTextSink returns a sink that writes the text rendering (AppendText).
func NewTextSink(w io.Writer) Sink {
	return &lineSink{w: bufio.NewWriterSize(w, 32<<10), render: AppendText, coalesce: true}
}

// NewJSONSink returns a sink that writes NDJSON (AppendJSON).
func NewJSONSink(w io.Writer) Sink {
	return &lineSink{w: bufio.NewWriterSize(w, 32<<10), render: AppendJSON}
}

// OpenSink returns the sink GOHTTPDBG_OUT names: "stderr" (or ""), "off"
// (nil sink), or a file path, appended to, NDJSON if it ends in ".jsonl"
// and text otherwise.
func OpenSink(out string) (Sink, error) {
	switch out {
	case "", "stderr":
		return NewTextSink(os.Stderr), nil
	case "off":
		return nil, nil
	}
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(out, ".jsonl") {
		return &lineSink{w: bufio.NewWriterSize(f, 32<<10), render: AppendJSON, c: f}, nil
	}
	return &lineSink{w: bufio.NewWriterSize(f, 32<<10), render: AppendText, c: f, coalesce: true}, nil
}

var (
	sinkMu  sync.Mutex
	sink    Sink = NewTextSink(os.Stderr)
	sinkErr bool // the sink failed once; stop retrying on every event
)

// SetSink installs s (nil: events are dropped after subscribers saw them)
// and returns the previous sink, flushed, so that tests can restore it.
func SetSink(s Sink) Sink {
	var old Sink
	readerArrived(func() { old = setSink(s) })
	return old
}

func setSink(s Sink) Sink {
	sinkMu.Lock()
	defer sinkMu.Unlock()
	old := sink
	if old != nil {
		summarize(old)
		_ = old.Flush()
	}
	sink, sinkErr = s, false
	return old
}

// writeLocked writes one event to the sink; sinkMu is held.
func writeLocked(e *Event) {
	if sink == nil || sinkErr {
		return
	}
	if err := sink.WriteEvent(e); err != nil {
		sinkErr = true
	}
}

// summarizer is a sink that holds back repeated diagnostics (the text
// sink) and can write what it held back.
type summarizer interface{ Summarize() error }

func summarize(s Sink) {
	if sm, ok := s.(summarizer); ok {
		_ = sm.Summarize()
	}
}

func flushLocked() {
	if sink == nil || sinkErr {
		return
	}
	if err := sink.Flush(); err != nil {
		sinkErr = true
	}
}
