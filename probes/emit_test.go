package probes

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// memSink records events; block, when set, makes WriteEvent wait on it.
type memSink struct {
	mu     sync.Mutex
	events []Event
	block  chan struct{}
}

func (s *memSink) WriteEvent(e *Event) error {
	if s.block != nil {
		<-s.block
	}
	s.mu.Lock()
	s.events = append(s.events, *e)
	s.mu.Unlock()
	return nil
}

func (s *memSink) Flush() error { return nil }

func (s *memSink) named(name string) []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Event
	for _, e := range s.events {
		if e.Name == name {
			out = append(out, e)
		}
	}
	return out
}

func useSink(t *testing.T, s Sink) {
	t.Helper()
	Flush()
	old := SetSink(s)
	t.Cleanup(func() { Flush(); SetSink(old) })
}

func TestEmitDiagnosticIsSynchronous(t *testing.T) {
	s := &memSink{}
	useSink(t, s)
	e := Event{Probe: Body, Sev: Warn, Name: "body.leak", Site: "a.go:1"}
	Emit(&e)
	if got := s.named("body.leak"); len(got) != 1 || got[0].Site != "a.go:1" || got[0].Time == 0 {
		t.Fatalf("diagnostic not written at once: %+v", got)
	}
}

func TestEmitLevel2ThroughRing(t *testing.T) {
	s := &memSink{}
	useSink(t, s)
	sub := Subscribe(16)
	defer sub.Close()
	for i := 0; i < 10; i++ {
		e := Event{Probe: Dial, Sev: Info, Name: "dial.conn", Req: uint64(i + 1)}
		Emit(&e)
	}
	Flush()
	got := s.named("dial.conn")
	if len(got) != 10 {
		t.Fatalf("got %d events, want 10", len(got))
	}
	for i, e := range got {
		if e.Req != uint64(i+1) {
			t.Fatalf("event %d has req %d: out of order", i, e.Req)
		}
	}
	n := 0
	for n < 10 {
		e := <-sub.C()
		if e.Name == "dial.conn" {
			n++
		}
	}
	if r := Recent(nil); len(r) == 0 || r[len(r)-1].Name != "dial.conn" {
		t.Fatalf("Recent = %d events", len(r))
	}
}

// A sink that blocks never blocks the producers: the ring drops the oldest
// events and admin.dropped reports how many.
func TestSlowSinkDropsAndReports(t *testing.T) {
	s := &memSink{block: make(chan struct{})}
	useSink(t, s)
	r := startRing()
	before := r.Dropped()
	n := r.Cap() * 3
	done := make(chan struct{})
	go func() {
		for i := 0; i < n; i++ {
			e := Event{Probe: Frame, Sev: Debug, Name: "frame.read", Req: uint64(i)}
			Emit(&e)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Emit blocked on a blocked sink")
	}
	close(s.block) // let the writer go
	Flush()
	if r.Dropped()-before < uint64(n-r.Cap()-len(drainBuf)-1) {
		t.Fatalf("dropped %d, want at least %d", r.Dropped()-before, n-r.Cap()-len(drainBuf)-1)
	}
	var reported int64
	for _, e := range s.named("admin.dropped") {
		a, _ := e.Attr("count")
		reported += a.Num
	}
	if uint64(reported) < r.Dropped()-before {
		t.Fatalf("admin.dropped reported %d, ring dropped %d", reported, r.Dropped()-before)
	}
}

func TestSubscriptionDropsOldest(t *testing.T) {
	sub := Subscribe(2)
	for i := 1; i <= 5; i++ {
		e := Event{Probe: Admin, Req: uint64(i)}
		sub.offer(&e)
	}
	if sub.Dropped() != 3 {
		t.Fatalf("Dropped = %d, want 3", sub.Dropped())
	}
	if e := <-sub.C(); e.Req != 4 {
		t.Fatalf("oldest kept is %d, want 4", e.Req)
	}
	sub.Close()
	sub.Close()
}

// A raw event is rendered only for a consumer that reads it: with no sink
// and no subscriber the drain keeps it raw, and Recent renders the copy
// it returns; with a sink it is rendered before the sink sees it.
func TestRawRenderedOnlyWhenRead(t *testing.T) {
	var renders atomic.Int32
	RegisterRaw(7, func(e *Event) {
		renders.Add(1)
		e.Name, e.Msg = "test.raw", "rendered"
	})
	t.Cleanup(func() { rawRenderers[7].Store(nil) })

	useSink(t, nil)
	emitRaw(7, 42)
	Flush()
	if n := renders.Load(); n != 0 {
		t.Fatalf("rendered %d times with no sink and no subscriber", n)
	}
	recent := Recent(nil)
	if last := recent[len(recent)-1]; last.Name != "test.raw" || last.Conn != 42 || last.RawKind != 0 {
		t.Fatalf("Recent's last event not rendered: %+v", last)
	}

	s := &memSink{}
	useSink(t, s)
	emitRaw(7, 43)
	Flush()
	if got := s.named("test.raw"); len(got) != 1 || got[0].Conn != 43 {
		t.Fatalf("sink got %+v", got)
	}
}

// AddHeader copies a header's fields; the attribute's text (sorted,
// redacted, as FormatHeader renders it) is made by the first reader, and
// every reader sees it: the sink, a subscriber, Recent.
func TestAddHeaderRenderedForReaders(t *testing.T) {
	h := http.Header{"X-B": {"2", "3"}, "Authorization": {"Bearer s3cr3t"}, "A": {"1"}}
	want := FormatHeader(h)
	if !strings.HasPrefix(want, "A: 1; Authorization: [REDACTED]; X-B: 2; X-B: 3") {
		t.Fatalf("FormatHeader = %q", want)
	}
	emit := func(req uint64) {
		e := Event{Probe: Header, Sev: Info, Name: "header.request", Req: req}
		e.AddInt(KeySize, 1)
		e.AddHeader(KeyHeaders, h)
		Emit(&e)
		Flush()
	}
	check := func(where string, e Event) {
		t.Helper()
		a, ok := e.Attr("headers")
		if !ok || a.Str != want || e.packed != nil {
			t.Errorf("%s: headers attr %q (rendered %v), want %q", where, a.Str, e.packed == nil, want)
		}
	}

	useSink(t, nil) // nobody reads: the drain leaves it, Recent renders its copy
	emit(901)
	recent := Recent(nil)
	check("Recent", recent[len(recent)-1])

	s := &memSink{}
	useSink(t, s)
	sub := Subscribe(4)
	defer sub.Close()
	emit(902)
	got := s.named("header.request")
	if len(got) != 1 {
		t.Fatalf("sink got %d events", len(got))
	}
	check("sink", got[0])
	select {
	case e := <-sub.C():
		check("subscriber", e)
	case <-time.After(5 * time.Second):
		t.Fatal("subscriber got nothing")
	}
}

// The writer is a timer: once the ring has stayed empty it schedules
// nothing, and the next event schedules a drain again, without Flush.
func TestWriterIdlesAndWakes(t *testing.T) {
	s := &memSink{}
	useSink(t, s)
	startRing()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("after 30s: %s", what)
			}
		}
	}
	for round := 1; round <= 3; round++ {
		waitFor("the writer never went idle", func() bool { return writerKick.Load() == 0 })
		e := Event{Probe: Dial, Sev: Info, Name: "dial.conn", Req: uint64(1000 + round)}
		Emit(&e)
		if writerKick.Load() != writerBusy {
			t.Fatalf("round %d: Emit left the writer idle", round)
		}
		waitFor("an event emitted to an idle writer was never drained", func() bool {
			for _, e := range s.named("dial.conn") {
				if e.Req == uint64(1000+round) {
					return true
				}
			}
			return false
		})
	}
}

// While nobody reads the events the writer is parked: nothing wakes it
// but the event that ends a quarter of the ring, and Recent and Emitted
// drain first. A subscriber arriving wakes it to poll again.
func TestWriterParksWhileUnread(t *testing.T) {
	useSink(t, nil)
	r := startRing()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("after 30s: %s", what)
			}
		}
	}
	emit := func(req uint64) {
		e := Event{Probe: Dial, Sev: Info, Name: "dial.parked", Req: req}
		Emit(&e)
	}
	emit(1)
	Flush()
	waitFor("the writer never parked", func() bool { return writerKick.Load() == kickMask })
	// Up to the event before the next quarter: still parked.
	pos := r.enq.Load()
	next := (pos | kickMask) + 1
	for p := pos; p < next-1; p++ {
		emit(100 + p)
	}
	time.Sleep(20 * time.Millisecond)
	if w, n := writerKick.Load(), r.Len(); w != kickMask || n != int(next-1-pos) {
		t.Fatalf("before a quarter: writer %d, %d waiting; want parked, %d", w, n, next-1-pos)
	}
	before := Emitted(Dial) // drains first
	if r.Len() != 0 {
		t.Fatalf("Emitted left %d events waiting", r.Len())
	}
	rec := Recent(nil)
	if last := rec[len(rec)-1]; last.Name != "dial.parked" || last.Req != 100+next-2 {
		t.Fatalf("Recent ends with %s %d", last.Name, last.Req)
	}
	for p := r.enq.Load(); p < next+kickMask+1; p++ { // to the quarter's end
		emit(1000 + p)
	}
	waitFor("a quarter's backlog never woke the writer", func() bool { return Emitted(Dial)-before >= kickMask+1 && r.Len() == 0 })

	s := Subscribe(16)
	defer s.Close()
	emit(7)
	select {
	case e := <-s.C():
		if e.Req != 7 {
			t.Fatalf("the subscriber got %s %d first, want dial.parked 7", e.Name, e.Req)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a subscriber arriving did not wake the parked writer")
	}
}

// With no sink and no subscriber the drain copies only the events Recent
// can still return: of more than recentCap waiting, Recent has the last
// recentCap in order, and every one of them is counted as emitted.
func TestDrainUnreadKeepsTheLastForRecent(t *testing.T) {
	useSink(t, nil)
	const n = recentCap + 100
	before := Emitted(GC)
	drainMu.Lock() // hold the writer off, so that all n wait in the ring
	for i := 1; i <= n; i++ {
		e := Event{Probe: GC, Sev: Debug, Name: "gc.test", Req: uint64(i)}
		Emit(&e)
	}
	drainMu.Unlock()
	Flush()
	if got := Emitted(GC) - before; got != n {
		t.Errorf("Emitted(GC) grew by %d, want %d", got, n)
	}
	recent := Recent(nil)
	if len(recent) != recentCap {
		t.Fatalf("Recent returned %d events, want %d", len(recent), recentCap)
	}
	for i, e := range recent {
		if want := uint64(n - recentCap + 1 + i); e.Name != "gc.test" || e.Req != want {
			t.Fatalf("Recent[%d] = %s req=%d, want gc.test req=%d", i, e.Name, e.Req, want)
		}
	}
}

// An event built in place (Reserve, Publish) reaches the sink as Emit's
// would, with its time set and nothing of the slot's previous event; the
// reader waits for a reserved slot, so events published after it do not
// pass it; with the ring full and its oldest slot still reserved,
// Reserve drops its event rather than wait.
func TestReservePublish(t *testing.T) {
	s := &memSink{}
	useSink(t, s)
	r := startRing()
	// Leave something in every slot: Reserve must hand out a zeroed one.
	drainMu.Lock()
	for i := 0; i < r.Cap(); i++ {
		e := Event{Probe: GC, Sev: Debug, Name: "gc.old", Msg: "old", Site: "old.go:1", More: []Attr{String(KeyOf("x"), "y")}}
		e.AddString(KeyOf("old"), "1")
		e.AddHeader(KeyHeaders, http.Header{"A": {"1"}})
		Emit(&e)
	}
	drainMu.Unlock()
	Flush()

	e, tk := Reserve()
	if e == nil {
		t.Fatal("Reserve: no slot in an empty ring")
	}
	if e.Name != "" || e.Msg != "" || e.Site != "" || e.NAttrs != 0 || e.More != nil || e.packed != nil || e.Time != 0 {
		t.Fatalf("Reserve returned a slot not zeroed: %+v", *e)
	}
	e.Probe, e.Sev, e.Name, e.Req = Header, Info, "header.response", 7
	e.AddInt(KeyStatus, 200)
	e.AddHeader(KeyHeaders, http.Header{"Authorization": {"Bearer s3cr3t"}})
	after := Event{Probe: Frame, Sev: Debug, Name: "frame.read", Req: 8}
	Emit(&after)
	Flush()
	if got := s.named("frame.read"); len(got) != 0 {
		t.Fatalf("an event published after a reserved slot passed it: %+v", got)
	}
	Publish(tk)
	Flush()
	got := s.named("header.response")
	if len(got) != 1 || got[0].Req != 7 || got[0].Time == 0 || got[0].NumAttrs() != 2 {
		t.Fatalf("sink got %+v", got)
	}
	if a, _ := got[0].Attr("headers"); a.Str != "Authorization: [REDACTED]" {
		t.Errorf("headers attr %q", a.Str)
	}
	if f := s.named("frame.read"); len(f) != 1 || f[0].Req != 8 {
		t.Errorf("the event after it: %+v", f)
	}

	// A reserved slot nobody publishes yet, then a full ring: Reserve
	// and Emit drop, they do not wait.
	drainMu.Lock()
	defer drainMu.Unlock()
	held, htk := Reserve()
	if held == nil {
		t.Fatal("Reserve: no slot")
	}
	before := r.Dropped()
	for i := 0; i < r.Cap(); i++ {
		e := Event{Probe: Frame, Sev: Debug, Name: "frame.read"}
		Emit(&e)
	}
	if e, _ := Reserve(); e != nil {
		t.Fatal("Reserve found a slot in a full ring")
	}
	if r.Dropped()-before < 2 {
		t.Errorf("dropped %d, want the overflowing Emit's and Reserve's", r.Dropped()-before)
	}
	held.Probe, held.Sev, held.Name = Header, Info, "header.request"
	Publish(htk)
}

// A raw event is put into a ring slot over what the slot's previous
// event left (its producer writes no pointer): a header left there for a
// reader to render must not reach the raw event's message or attributes.
func TestRawEventIgnoresPreviousHeaders(t *testing.T) {
	RegisterRaw(7, func(e *Event) {
		e.Name, e.Msg = "test.raw", "rendered"
		for i := 0; i < 4; i++ {
			e.AddString(KeyOf("k"), "v")
		}
	})
	t.Cleanup(func() { rawRenderers[7].Store(nil) })
	s := &memSink{}
	useSink(t, s)
	r := startRing()
	for round := 0; round < 2; round++ {
		for i := 0; i < r.Cap(); i++ {
			e := Event{Probe: Header, Sev: Info, Name: "header.old"}
			if round == 0 {
				e.AddInt(KeySize, 1)
				e.AddHeader(KeyHeaders, http.Header{"A": {"stale"}})
			} else {
				e.SetFieldsMsg([]string{"a", "stale"})
			}
			Emit(&e)
		}
		Flush()
		for i := 0; i < r.Cap(); i++ {
			emitRaw(7, uint64(i+1))
		}
		Flush()
		got := s.named("test.raw")
		if len(got) != r.Cap()*(round+1) {
			t.Fatalf("round %d: sink got %d raw events", round, len(got))
		}
		for _, e := range got {
			if e.Msg != "rendered" || e.NumAttrs() != 4 {
				t.Fatalf("round %d: raw event rendered with a previous event's header: %+v", round, e)
			}
			for i := 0; i < e.NumAttrs(); i++ {
				if a := e.AttrAt(i); a.Str != "v" {
					t.Fatalf("round %d: attribute %d = %q", round, i, a.Str)
				}
			}
		}
	}
}

// The header fields of an event built in a ring slot are made in the
// slot's buffer, which the slot's next events reuse: an event that left
// the ring keeps its own copy, in the sink's path as in Recent's, and a
// caller's slice given to SetFieldsMsg or AddFields can be reused at
// once. Each round fills every slot, so that each buffer is written again
// after its event left.
func TestReservedFieldsOutliveTheSlot(t *testing.T) {
	for _, sinkOn := range []bool{true, false} {
		s := &memSink{}
		if sinkOn {
			useSink(t, s)
		} else {
			useSink(t, nil)
		}
		r := startRing()
		for round := 0; round < 3; round++ {
			tag := strconv.Itoa(round)
			for i := 0; i < r.Cap(); i++ {
				e, tk := Reserve()
				if e == nil {
					t.Fatal("Reserve: no slot")
				}
				e.Probe, e.Sev, e.Name, e.Req = Header, Info, "test.fields", uint64(i+1)
				f := []string{"X-Round", tag, "Authorization", "Bearer s3cr3t"}
				switch i % 3 {
				case 0:
					e.AddHeader(KeyHeaders, http.Header{"X-Round": {tag}, "Authorization": {"Bearer s3cr3t"}})
				case 1:
					e.AddFields(KeyHeaders, f)
				case 2:
					e.SetFieldsMsg(f)
				}
				f[1], f[3] = "overwritten", "overwritten" // the event has its own copy
				Publish(tk)
				if i%500 == 499 {
					Flush()
				}
			}
			Flush()
			check := func(where string, e Event) {
				t.Helper()
				var got, want string
				switch e.Req % 3 {
				case 1:
					a, _ := e.Attr("headers")
					got, want = a.Str, "Authorization: [REDACTED]; X-Round: "+tag
				case 2:
					a, _ := e.Attr("headers")
					got, want = a.Str, "X-Round: "+tag+"; Authorization: [REDACTED]"
				case 0:
					got, want = e.Msg, `X-Round="`+tag+`" Authorization="[REDACTED]"`
				}
				if got != want {
					t.Fatalf("sink on %v, round %d, %s: event %d has %q, want %q", sinkOn, round, where, e.Req, got, want)
				}
			}
			if sinkOn {
				got := s.named("test.fields")
				if len(got) != r.Cap()*(round+1) {
					t.Fatalf("round %d: sink got %d events", round, len(got))
				}
				for _, e := range got[r.Cap()*round:] {
					check("sink", e)
				}
			}
			n := 0
			for _, e := range Recent(nil) {
				if e.Name == "test.fields" {
					check("Recent", e)
					n++
				}
			}
			if n == 0 {
				t.Fatalf("round %d: Recent has none of the events", round)
			}
		}
	}
}

// With nobody reading, the writer leaves the events Recent can still
// return in their ring slots (drainLocked with keep). An event read from
// there, or copied out because newer events needed its slot, is its own:
// header fields, attributes and message, never those of the event that
// took the slot after it. A diagnostic dispatched meanwhile comes after
// the kept events.
func TestRecentFromKeptSlots(t *testing.T) {
	useSink(t, nil)
	r := startRing()
	emit := func(i int) {
		e, tk := Reserve()
		if e == nil {
			t.Fatalf("Reserve %d: no slot", i)
		}
		defer Publish(tk)
		e.Probe, e.Sev, e.Name, e.Req = Header, Info, "header.kept", uint64(i)
		e.Msg = "event " + strconv.Itoa(i)
		e.AddInt(KeyOf("n"), int64(i))
		e.AddHeader(KeyHeaders, http.Header{"X-N": {strconv.Itoa(i)}})
	}
	check := func(recent []Event, from, to int) {
		t.Helper()
		var got []Event
		for _, e := range recent {
			if e.Name == "header.kept" && e.Req >= uint64(from) {
				got = append(got, e)
			}
		}
		if len(got) != to-from+1 {
			t.Fatalf("Recent has %d header.kept events from %d, want %d", len(got), from, to-from+1)
		}
		for k, e := range got {
			i := from + k
			h, _ := e.Attr("headers")
			n, _ := e.Attr("n")
			if e.Req != uint64(i) || e.Msg != "event "+strconv.Itoa(i) || n.Num != int64(i) || h.Str != "X-N: "+strconv.Itoa(i) {
				t.Fatalf("Recent event %d: req=%d msg=%q n=%d headers=%q", i, e.Req, e.Msg, n.Num, h.Str)
			}
		}
	}

	drainMu.Lock()
	defer drainMu.Unlock()
	for i := 1; i <= 10; i++ {
		emit(i)
	}
	before := Emitted(Header)
	if n, _ := drainLocked(r); n != 10 || r.keptLen() != 10 || Emitted(Header)-before != 10 {
		t.Fatalf("drain delivered %d, keeps %d, counts %d; want 10, 10, 10", n, r.keptLen(), Emitted(Header)-before)
	}
	before, dropped := Emitted(Header), r.Dropped()
	// A ring's worth more, undrained: the last ones take the slots of the
	// kept events (discarded, not dropped: they were delivered and
	// counted), then the drain skips all but the newest recentCap.
	base := 11
	last := base + r.Cap() - 1
	for i := base; i <= last; i++ {
		emit(i)
	}
	if got := Emitted(Header) - before; got != 0 || r.Dropped() != dropped {
		t.Fatalf("discarding the kept events: emitted %d more, dropped %d; want 0 and 0", got, r.Dropped()-dropped)
	}
	drainLocked(r)
	if r.keptLen() != recentCap {
		t.Fatalf("the ring keeps %d events, want %d", r.keptLen(), recentCap)
	}
	if got := Emitted(Header) - before; got != uint64(r.Cap()) {
		t.Errorf("Emitted grew by %d, want %d (every event delivered)", got, r.Cap())
	}
	check(Recent(nil), last-recentCap+1, last)
	if r.keptLen() != 0 {
		t.Fatalf("Recent left %d events in the ring", r.keptLen())
	}

	// Kept again, then a diagnostic: the kept events come before it.
	for i := last + 1; i <= last+5; i++ {
		emit(i)
	}
	drainLocked(r)
	diag := Event{Probe: Header, Sev: Warn, Name: "header.diag", Time: Now()}
	writeAndDispatch(&diag)
	recent := Recent(nil)
	if recent[len(recent)-1].Name != "header.diag" {
		t.Fatalf("the diagnostic is not the last of Recent: %s", recent[len(recent)-1].Name)
	}
	check(recent[:len(recent)-1], last+1, last+5)
}

// AddSizedHeader gives the attributes AddInt(HeaderSize) and AddHeader
// give, in an event from Reserve (one walk) as in any other.
func TestAddSizedHeader(t *testing.T) {
	s := &memSink{}
	useSink(t, s)
	h := http.Header{"X-B": {"2", "3"}, "Authorization": {"Bearer s3cr3t"}, "A": {"1"}}
	e, tk := Reserve()
	if e == nil {
		t.Fatal("Reserve: no slot")
	}
	e.Probe, e.Sev, e.Name, e.Req = Header, Info, "header.sized", 1
	e.AddInt(KeyStatus, 200)
	keep := e.AddSizedHeader(KeySize, KeyHeaders, h, make([]HeaderField, 0, 1))
	e.AddString(KeyOf("after"), "x")
	Publish(tk)
	if len(keep) != 4 || HeaderSize(h) != func() (n int) {
		for _, f := range keep {
			n += len(f.Name) + len(f.Value) + 4
		}
		return n
	}() {
		t.Errorf("kept %v", keep)
	}
	var f Event
	f.Probe, f.Sev, f.Name, f.Req = Header, Info, "header.sized", 2
	f.AddInt(KeyStatus, 200)
	if keep := f.AddSizedHeader(KeySize, KeyHeaders, h, make([]HeaderField, 0, 1)); len(keep) != 0 {
		t.Errorf("an event not from Reserve kept %v", keep)
	}
	f.AddString(KeyOf("after"), "x")
	Emit(&f)
	Flush()
	got := s.named("header.sized")
	if len(got) != 2 {
		t.Fatalf("sink got %d events", len(got))
	}
	for _, e := range got {
		var keys []string
		for i := 0; i < e.NumAttrs(); i++ {
			keys = append(keys, e.AttrAt(i).Key.String())
		}
		size, _ := e.Attr("size")
		hdr, _ := e.Attr("headers")
		if strings.Join(keys, ",") != "status,size,headers,after" || size.Num != int64(HeaderSize(h)) || size.Kind != KindInt || hdr.Str != FormatHeader(h) {
			t.Errorf("req %d: attrs %v size %d headers %q; want size %d headers %q", e.Req, keys, size.Num, hdr.Str, HeaderSize(h), FormatHeader(h))
		}
	}
}

// emitRaw publishes a raw event of kind with connection id conn, built
// in its ring slot as the frame probe builds its own.
func emitRaw(kind uint8, conn uint64) {
	e, t := Reserve()
	if e == nil {
		return
	}
	e.Probe, e.Sev, e.Conn, e.RawKind = Frame, Debug, conn, kind
	Publish(t)
}
