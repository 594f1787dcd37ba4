package probes

import (
	"io"
	"testing"
)

// BenchmarkLevelDisabled is the whole cost of a probe at level 0.
func BenchmarkLevelDisabled(b *testing.B) {
	old := SetLevel(Frame, 0)
	defer SetLevel(Frame, old)
	n := 0
	for i := 0; i < b.N; i++ {
		if Level(Frame) >= 2 {
			n++
		}
	}
	if n != 0 {
		b.Fatal("probe on")
	}
}

// BenchmarkEmitRing is a level-2 event into the ring (steady state: the
// writer drains into a discarding sink).
func BenchmarkEmitRing(b *testing.B) {
	old := SetSink(NewJSONSink(io.Discard))
	defer func() { Flush(); SetSink(old) }()
	e := Event{Probe: Frame, Sev: Debug, Name: "frame.read", Conn: 1, HasStream: true, Stream: 3, Msg: "DATA"}
	e.Add(Int(KeyLen, 16384), String(KeyFlags, "END_STREAM"))
	Emit(&e) // start the ring
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.Time = 0
		Emit(&e)
	}
}

// BenchmarkRingPut is Ring.Put alone, with the ring kept full (every Put
// also discards the oldest event).
func BenchmarkRingPut(b *testing.B) {
	r := NewRing(1024)
	e := Event{Probe: Frame, Name: "frame.read"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r.Put(&e)
	}
}

func BenchmarkEmitRingParallel(b *testing.B) {
	old := SetSink(NewJSONSink(io.Discard))
	defer func() { Flush(); SetSink(old) }()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		e := Event{Probe: Frame, Sev: Debug, Name: "frame.read", Conn: 1}
		for pb.Next() {
			e.Time = 0
			Emit(&e)
		}
	})
}

func BenchmarkAppendJSON(b *testing.B) {
	e := sampleEvent()
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = AppendJSON(buf[:0], &e)
	}
}

// BenchmarkCallerSite: what attributing a request made in a library costs
// (client.StdStart): the stack's PCs, hashed, found in the cache.
func BenchmarkCallerSite(b *testing.B) {
	b.ReportAllocs()
	CallerSite(0)
	for i := 0; i < b.N; i++ {
		CallerSite(0)
	}
}
