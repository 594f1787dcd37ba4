package otlp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"testing"
)

// A protobuf wire decoder for the tests, independent of the encoder's
// helpers: it reads fields (number, wire type, value) and the messages
// the encoder writes back into the package's types. The round trip
// against the upstream OTLP types is in test/otelcol.

type field struct {
	num  int
	wire int
	v    uint64 // varint, fixed64, fixed32
	b    []byte // length-delimited
}

func parseFields(b []byte) ([]field, error) {
	var out []field
	for len(b) > 0 {
		tag, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, errors.New("bad tag")
		}
		b = b[n:]
		f := field{num: int(tag >> 3), wire: int(tag & 7)}
		if f.num == 0 {
			return nil, errors.New("field 0")
		}
		switch f.wire {
		case 0:
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return nil, errors.New("bad varint")
			}
			f.v, b = v, b[n:]
		case 1:
			if len(b) < 8 {
				return nil, errors.New("short fixed64")
			}
			f.v, b = binary.LittleEndian.Uint64(b), b[8:]
		case 5:
			if len(b) < 4 {
				return nil, errors.New("short fixed32")
			}
			f.v, b = uint64(binary.LittleEndian.Uint32(b)), b[4:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || uint64(len(b)-n) < l {
				return nil, errors.New("bad length")
			}
			f.b, b = b[n:n+int(l)], b[n+int(l):]
		default:
			return nil, errors.New("bad wire type")
		}
		out = append(out, f)
	}
	return out, nil
}

func fields(t testing.TB, b []byte) []field {
	t.Helper()
	fs, err := parseFields(b)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func decodeKV(t testing.TB, b []byte) KeyValue {
	var kv KeyValue
	for _, f := range fields(t, b) {
		switch f.num {
		case 1:
			kv.Key = string(f.b)
		case 2:
			for _, g := range fields(t, f.b) {
				switch g.num {
				case anyString:
					kv.Kind, kv.Str = KindString, string(g.b)
				case anyBool:
					kv.Kind, kv.Int = KindBool, int64(g.v)
				case anyInt:
					kv.Kind, kv.Int = KindInt, int64(g.v)
				case anyDouble:
					kv.Kind, kv.Dbl = KindDouble, math.Float64frombits(g.v)
				}
			}
		}
	}
	return kv
}

// decodeEnvelope reads request → resource_X → (resource, scope_X →
// (scope, items)), returning the resource, scope and raw items.
func decodeEnvelope(t testing.TB, b []byte) (Resource, Scope, [][]byte) {
	var res Resource
	var sc Scope
	var items [][]byte
	for _, r := range fields(t, b) {
		if r.num != 1 {
			t.Fatalf("request field %d", r.num)
		}
		for _, f := range fields(t, r.b) {
			switch f.num {
			case 1:
				for _, a := range fields(t, f.b) {
					res.Attrs = append(res.Attrs, decodeKV(t, a.b))
				}
			case 2:
				for _, g := range fields(t, f.b) {
					switch g.num {
					case 1:
						for _, h := range fields(t, g.b) {
							switch h.num {
							case 1:
								sc.Name = string(h.b)
							case 2:
								sc.Version = string(h.b)
							}
						}
					case 2:
						items = append(items, g.b)
					}
				}
			}
		}
	}
	return res, sc, items
}

func decodeLog(t testing.TB, b []byte) LogRecord {
	var r LogRecord
	for _, f := range fields(t, b) {
		switch f.num {
		case 1:
			r.Time = int64(f.v)
		case 2:
			r.SevNumber = int32(f.v)
		case 3:
			r.SevText = string(f.b)
		case 5:
			for _, g := range fields(t, f.b) {
				if g.num == anyString {
					r.Body = string(g.b)
				}
			}
		case 6:
			r.Attrs = append(r.Attrs, decodeKV(t, f.b))
		case 8:
			r.Flags = uint32(f.v)
		case 9:
			copy(r.TraceID[:], f.b)
		case 10:
			copy(r.SpanID[:], f.b)
		case 11:
			r.Observed = int64(f.v)
		case 12:
			r.EventName = string(f.b)
		}
	}
	return r
}

func decodeSpan(t testing.TB, b []byte) Span {
	var s Span
	for _, f := range fields(t, b) {
		switch f.num {
		case 1:
			copy(s.TraceID[:], f.b)
		case 2:
			copy(s.SpanID[:], f.b)
		case 3:
			s.TraceState = string(f.b)
		case 4:
			copy(s.Parent[:], f.b)
		case 5:
			s.Name = string(f.b)
		case 6:
			s.Kind = int32(f.v)
		case 7:
			s.Start = int64(f.v)
		case 8:
			s.End = int64(f.v)
		case 9:
			s.Attrs = append(s.Attrs, decodeKV(t, f.b))
		case 11:
			var ev SpanEvent
			for _, g := range fields(t, f.b) {
				switch g.num {
				case 1:
					ev.Time = int64(g.v)
				case 2:
					ev.Name = string(g.b)
				case 3:
					ev.Attrs = append(ev.Attrs, decodeKV(t, g.b))
				}
			}
			s.Events = append(s.Events, ev)
		case 15:
			for _, g := range fields(t, f.b) {
				switch g.num {
				case 2:
					s.StatusMsg = string(g.b)
				case 3:
					s.StatusCode = int32(g.v)
				}
			}
		case 16:
			s.Flags = uint32(f.v)
		}
	}
	return s
}

var testRes = Resource{Attrs: []KeyValue{Str("service.name", "svc"), Int("process.pid", 42)}}
var testScope = Scope{Name: "gohttpdbg", Version: "v1"}

func TestLogsRoundTrip(t *testing.T) {
	recs := []LogRecord{
		{Time: 1700000000123456789, Observed: 1700000000123456790, SevNumber: SevWarn, SevText: "warn", Body: "response body garbage-collected",
			EventName: "body.leak", Attrs: []KeyValue{Str("code.filepath", "main.go"), Int("code.lineno", 36), Bool("gohttpdbg.eof", false), Bool("t", true), Int("neg", -5), {Key: "d", Kind: KindDouble, Dbl: 1.5}, Str("empty", "")},
			TraceID: [16]byte{1, 2, 3}, SpanID: [8]byte{9}, Flags: 1},
		{Time: 1, SevNumber: SevDebug}, // no body, no ids: absent fields
	}
	b := AppendLogsRequest(nil, &testRes, &testScope, recs)
	res, sc, items := decodeEnvelope(t, b)
	if !reflect.DeepEqual(res, testRes) || sc != testScope {
		t.Fatalf("resource %+v scope %+v", res, sc)
	}
	if len(items) != len(recs) {
		t.Fatalf("%d records, want %d", len(items), len(recs))
	}
	for i := range recs {
		if got := decodeLog(t, items[i]); !reflect.DeepEqual(got, recs[i]) {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, got, recs[i])
		}
	}
}

func TestTracesRoundTrip(t *testing.T) {
	spans := []Span{{TraceID: [16]byte{0xaa, 15: 1}, SpanID: [8]byte{1, 7: 2}, Parent: [8]byte{3}, TraceState: "k=v", Flags: 0x301,
		Name: "GET", Kind: SpanKindServer, Start: 10, End: 20, Attrs: []KeyValue{Str("http.request.method", "GET"), Int("http.response.status_code", 200)},
		Events: []SpanEvent{{Time: 15, Name: "body.unread", Attrs: []KeyValue{Int("read", 0)}}}, StatusCode: StatusError, StatusMsg: "boom"}}
	b := AppendTracesRequest(nil, &testRes, &testScope, spans)
	_, _, items := decodeEnvelope(t, b)
	if len(items) != 1 {
		t.Fatalf("%d spans", len(items))
	}
	if got := decodeSpan(t, items[0]); !reflect.DeepEqual(got, spans[0]) {
		t.Errorf("\n got %+v\nwant %+v", got, spans[0])
	}
}

// A message longer than one varint byte's worth of length (the
// placeholder patched in must carry it whole).
func TestLongMessage(t *testing.T) {
	long := string(bytes.Repeat([]byte("x"), 300000))
	b := AppendLogsRequest(nil, &testRes, &testScope, []LogRecord{{Body: long}})
	_, _, items := decodeEnvelope(t, b)
	if got := decodeLog(t, items[0]).Body; got != long {
		t.Fatalf("body of %d bytes, want %d", len(got), len(long))
	}
}

func FuzzLogsRoundTrip(f *testing.F) {
	f.Add("body.leak", "msg", "url", "GET /x?token=[REDACTED]", int64(36), int64(-1), true, []byte{1, 2})
	f.Add("", "", "", "", int64(0), int64(0), false, []byte{})
	f.Fuzz(func(t *testing.T, name, msg, key, val string, n, ts int64, flag bool, id []byte) {
		r := LogRecord{Time: ts, Observed: ts, SevNumber: SevInfo, SevText: "info", Body: msg, EventName: name,
			Attrs: []KeyValue{Str(key, val), Int(key, n), Bool(val, flag)}}
		copy(r.TraceID[:], id)
		copy(r.SpanID[:], id)
		b := AppendLogsRequest(nil, &testRes, &testScope, []LogRecord{r})
		_, _, items := decodeEnvelope(t, b)
		if len(items) != 1 {
			t.Fatalf("%d records", len(items))
		}
		got := decodeLog(t, items[0])
		if !reflect.DeepEqual(got, r) {
			t.Fatalf("\n got %+v\nwant %+v", got, r)
		}
		s := Span{TraceID: r.TraceID, SpanID: r.SpanID, Name: name, Kind: SpanKindClient, Start: ts, End: ts,
			Attrs: r.Attrs, Events: []SpanEvent{{Time: ts, Name: msg, Attrs: r.Attrs}}, StatusMsg: val}
		_, _, items = decodeEnvelope(t, AppendTracesRequest(nil, &testRes, &testScope, []Span{s}))
		if gs := decodeSpan(t, items[0]); !reflect.DeepEqual(gs, s) {
			t.Fatalf("\n got %+v\nwant %+v", gs, s)
		}
	})
}
