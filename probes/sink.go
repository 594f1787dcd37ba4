package probes

import (
	"bufio"
	"io"
	"os"
	"strings"
	"sync"
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
}

// WriteEvent hands the file whole lines only: a line that does not fit in
// what is left of the buffer is preceded by a flush, instead of being
// split across two writes. A process that dies before the next flush (a
// test binary ends with os.Exit, which nothing can hook) then leaves an
// NDJSON file whose last line is whole, not half an event.
func (s *lineSink) WriteEvent(e *Event) error {
	s.buf = s.render(s.buf[:0], e)
	if len(s.buf) > s.w.Available() && s.w.Buffered() > 0 {
		if err := s.w.Flush(); err != nil {
			return err
		}
	}
	_, err := s.w.Write(s.buf)
	return err
}

func (s *lineSink) Flush() error { return s.w.Flush() }

// Close flushes the sink and closes its file, if it owns one.
func (s *lineSink) Close() error {
	err := s.w.Flush()
	if s.c != nil {
		if cerr := s.c.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// NewTextSink returns a sink that writes the text rendering (AppendText).
func NewTextSink(w io.Writer) Sink {
	return &lineSink{w: bufio.NewWriterSize(w, 32<<10), render: AppendText}
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
	render := AppendText
	if strings.HasSuffix(out, ".jsonl") {
		render = AppendJSON
	}
	return &lineSink{w: bufio.NewWriterSize(f, 32<<10), render: render, c: f}, nil
}

var (
	sinkMu  sync.Mutex
	sink    Sink = NewTextSink(os.Stderr)
	sinkErr bool // the sink failed once; stop retrying on every event
)

// SetSink installs s (nil: events are dropped after subscribers saw them)
// and returns the previous sink, flushed, so that tests can restore it.
func SetSink(s Sink) Sink {
	sinkMu.Lock()
	defer sinkMu.Unlock()
	old := sink
	if old != nil {
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

func flushLocked() {
	if sink == nil || sinkErr {
		return
	}
	if err := sink.Flush(); err != nil {
		sinkErr = true
	}
}
