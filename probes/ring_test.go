package probes

import (
	"reflect"
	"sync"
	"testing"
	"unsafe"
)

func TestRingFIFO(t *testing.T) {
	t.Parallel()
	r := NewRing(8)
	for i := 1; i <= 5; i++ {
		r.Put(&Event{Req: uint64(i)})
	}
	var e Event
	for i := 1; i <= 5; i++ {
		if !r.Get(&e) || e.Req != uint64(i) {
			t.Fatalf("Get %d: got req %d", i, e.Req)
		}
	}
	if r.Get(&e) {
		t.Fatal("Get on empty ring returned an event")
	}
	if r.Dropped() != 0 {
		t.Fatalf("Dropped = %d, want 0", r.Dropped())
	}
}

func TestRingDropsOldest(t *testing.T) {
	t.Parallel()
	r := NewRing(8)
	for i := 1; i <= 20; i++ {
		r.Put(&Event{Req: uint64(i)})
	}
	if got := r.Dropped(); got != 12 {
		t.Fatalf("Dropped = %d, want 12", got)
	}
	var e Event
	for want := uint64(13); want <= 20; want++ {
		if !r.Get(&e) || e.Req != want {
			t.Fatalf("got req %d, want %d (the newest survive)", e.Req, want)
		}
	}
}

// Every event put is either got or counted as dropped, under concurrency.
func TestRingConcurrentAccounting(t *testing.T) {
	t.Parallel()
	r := NewRing(64)
	const producers, each = 8, 5000
	var wg sync.WaitGroup
	done := make(chan struct{})
	got := 0
	go func() {
		var e Event
		for {
			if r.Get(&e) {
				got++
				continue
			}
			select {
			case <-done:
				for r.Get(&e) {
					got++
				}
				close(done)
				return
			default:
			}
		}
	}()
	for p := 0; p < producers; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			e := Event{Conn: uint64(p)}
			for i := 0; i < each; i++ {
				e.Req = uint64(i)
				r.Put(&e)
			}
		}(p)
	}
	wg.Wait()
	done <- struct{}{}
	<-done
	if total := uint64(got) + r.Dropped(); total != producers*each {
		t.Fatalf("got %d + dropped %d = %d, want %d", got, r.Dropped(), total, producers*each)
	}
}

// keep delivers published events where they are: they stop counting as
// waiting, a kept event a full ring discards is not a drop, and getKept
// returns the kept ones in order and nothing after them.
func TestRingKeep(t *testing.T) {
	t.Parallel()
	r := NewRing(8)
	for i := 1; i <= 3; i++ {
		r.Put(&Event{Req: uint64(i)})
	}
	if n := r.keep(); n != 3 || r.Len() != 0 || r.keptLen() != 3 {
		t.Fatalf("keep = %d, Len %d, keptLen %d; want 3, 0, 3", n, r.Len(), r.keptLen())
	}
	for i := 4; i <= 9; i++ { // the 9th discards kept event 1
		r.Put(&Event{Req: uint64(i)})
	}
	if r.Dropped() != 0 {
		t.Fatalf("Dropped = %d: a kept event discarded counts as a drop", r.Dropped())
	}
	if r.Len() != 6 || r.keptLen() != 2 {
		t.Fatalf("Len %d, keptLen %d; want 6 and 2", r.Len(), r.keptLen())
	}
	var e Event
	for want := uint64(2); want <= 3; want++ {
		if !r.getKept(&e, nil) || e.Req != want {
			t.Fatalf("getKept: req %d, want %d", e.Req, want)
		}
	}
	if r.getKept(&e, nil) {
		t.Fatalf("getKept returned req %d, which was not kept", e.Req)
	}
	if !r.Get(&e) || e.Req != 4 {
		t.Fatalf("Get after the kept ones: req %d, want 4", e.Req)
	}
}

// dropKept discards the oldest kept events in one go and frees their
// slots zeroed; it never takes an event that is not kept.
func TestRingDropKept(t *testing.T) {
	t.Parallel()
	r := NewRing(8)
	for i := 1; i <= 4; i++ {
		r.Put(&Event{Req: uint64(i), Name: "kept"})
	}
	r.keep()
	r.Put(&Event{Req: 5})
	if n := r.dropKept(3); n != 3 {
		t.Fatalf("dropKept(3) = %d", n)
	}
	for p := uint64(0); p < 3; p++ {
		if s := r.slot(p); s.ev.Req != 0 || s.ev.Name != "" || s.seq.Load() != p+8 {
			t.Fatalf("slot %d not freed zeroed: req %d name %q seq %d", p, s.ev.Req, s.ev.Name, s.seq.Load())
		}
	}
	if n := r.dropKept(5); n != 1 {
		t.Fatalf("dropKept(5) with one kept = %d", n)
	}
	if n := r.dropKept(5); n != 0 || r.Dropped() != 0 {
		t.Fatalf("dropKept with none kept = %d, Dropped %d", n, r.Dropped())
	}
	var e Event
	if !r.Get(&e) || e.Req != 5 {
		t.Fatalf("the event after the kept ones: req %d, want 5", e.Req)
	}
}

// Ring.free zeroes every field of an event built in a slot, whatever it
// holds, with its attributes up to NAttrs (the others are zero in a
// slot): a field added to Event that free forgets fails here. A header
// fields buffer the event grew stays, emptied, for the slot's next.
func TestRingSlotClear(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 3, MaxAttrs} {
		r := NewRing(2)
		s := &r.slots[1]
		fillEvent(t, &s.ev)
		clear(s.ev.Attrs[n:])
		s.ev.NAttrs, s.ev.slot, s.ev.RawKind = uint8(n), 1, 0
		grown := make([]byte, 3, 2*slotBytes)
		if n == 3 {
			s.ev.packed = grown
		}
		r.free(1, 2)
		g := s.ev.packed
		s.ev.packed = nil
		if (n == 3) != (g != nil) || len(g) != 0 || (g != nil && &g[:1][0] != &grown[0]) {
			t.Errorf("NAttrs %d: grown buffer kept %v (len %d)", n, g != nil, len(g))
		}
		if !reflect.DeepEqual(s.ev, Event{}) {
			t.Errorf("NAttrs %d: not zero after free: %+v", n, s.ev)
		}
		if got := s.seq.Load(); got != 3 {
			t.Errorf("NAttrs %d: seq %d after free, want 3 (the next lap's)", n, got)
		}
	}
}

// fillEvent sets every field of *e, unexported ones too, to a value
// that is not zero.
func fillEvent(t *testing.T, e *Event) {
	v := reflect.ValueOf(e).Elem()
	var fill func(f reflect.Value)
	fill = func(f reflect.Value) {
		f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
		switch f.Kind() {
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Int64:
			f.SetInt(1)
		case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			f.SetUint(1)
		case reflect.String:
			f.SetString("x")
		case reflect.Slice:
			f.Set(reflect.MakeSlice(f.Type(), 1, 1))
		case reflect.Array:
			for i := 0; i < f.Len(); i++ {
				fill(f.Index(i))
			}
		case reflect.Struct:
			for i := 0; i < f.NumField(); i++ {
				fill(f.Field(i))
			}
		default:
			t.Fatalf("fillEvent: no value for a %s", f.Type())
		}
	}
	fill(v)
}

// Ring.free zeroes a raw event's fields, those its producer writes
// (Reserve): the fields before Attrs and Attrs 0 to 3 (a frame event
// neither Site nor Attrs), Name, Msg, More and packed being as the slot's
// last free left them (packed a grown buffer, emptied, or nil).
func TestRingSlotClearRaw(t *testing.T) {
	t.Parallel()
	for _, kind := range []uint8{RawBodyOpen, RawFrame} {
		r := NewRing(2)
		s := &r.slots[1]
		fillEvent(t, &s.ev)
		s.ev.Name, s.ev.Msg, s.ev.More, s.ev.NAttrs, s.ev.RawKind = "", "", nil, 0, kind
		clear(s.ev.Attrs[4:])
		if kind == RawFrame {
			s.ev.Site = ""
			clear(s.ev.Attrs[:])
		}
		grown := make([]byte, 0, 2*slotBytes)
		s.ev.packed = grown
		r.free(1, 2)
		if g := s.ev.packed; len(g) != 0 || cap(g) != cap(grown) {
			t.Errorf("raw kind %d: grown buffer not kept (len %d cap %d)", kind, len(g), cap(g))
		}
		s.ev.packed = nil
		if !reflect.DeepEqual(s.ev, Event{}) {
			t.Errorf("raw kind %d: not zero after free: %+v", kind, s.ev)
		}
	}
}
