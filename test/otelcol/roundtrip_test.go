package otelcol

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/gohttpdbg/gohttpdbg/probes/otlp"
)

var (
	rtRes   = otlp.Resource{Attrs: []otlp.KeyValue{otlp.Str("service.name", "svc"), otlp.Int("process.pid", 7), otlp.Bool("b", true)}}
	rtScope = otlp.Scope{Name: "gohttpdbg", Version: "v1"}
)

// The hand-written encoder's requests, read by the upstream OTLP types
// (the Collector's own pdata): every field the probes set comes back.
func TestLogsDecodeUpstream(t *testing.T) {
	rec := otlp.LogRecord{Time: 1700000000000000001, Observed: 1700000000000000002, SevNumber: otlp.SevWarn, SevText: "warn",
		Body: "response body garbage-collected", EventName: "body.leak",
		Attrs:   []otlp.KeyValue{otlp.Str("code.filepath", "chain/main.go"), otlp.Int("code.lineno", 36), otlp.Bool("gohttpdbg.eof", false), {Key: "d", Kind: otlp.KindDouble, Dbl: 2.5}, otlp.Str("empty", "")},
		TraceID: [16]byte{1, 15: 2}, SpanID: [8]byte{3, 7: 4}, Flags: 1}
	req := plogotlp.NewExportRequest()
	if err := req.UnmarshalProto(otlp.AppendLogsRequest(nil, &rtRes, &rtScope, []otlp.LogRecord{rec, {Time: 5}})); err != nil {
		t.Fatal(err)
	}
	rl := req.Logs().ResourceLogs()
	if rl.Len() != 1 {
		t.Fatalf("%d resource logs", rl.Len())
	}
	if v, _ := rl.At(0).Resource().Attributes().Get("service.name"); v.Str() != "svc" {
		t.Errorf("service.name %q", v.Str())
	}
	sl := rl.At(0).ScopeLogs().At(0)
	if sl.Scope().Name() != "gohttpdbg" || sl.Scope().Version() != "v1" || sl.LogRecords().Len() != 2 {
		t.Fatalf("scope %q %q, %d records", sl.Scope().Name(), sl.Scope().Version(), sl.LogRecords().Len())
	}
	lr := sl.LogRecords().At(0)
	if uint64(lr.Timestamp()) != uint64(rec.Time) || uint64(lr.ObservedTimestamp()) != uint64(rec.Observed) ||
		int32(lr.SeverityNumber()) != rec.SevNumber || lr.SeverityText() != "warn" || lr.Body().Str() != rec.Body ||
		lr.EventName() != "body.leak" || [16]byte(lr.TraceID()) != rec.TraceID || [8]byte(lr.SpanID()) != rec.SpanID || uint32(lr.Flags()) != 1 {
		t.Errorf("record: %v %v %v %q %q %q %x %x %v", lr.Timestamp(), lr.ObservedTimestamp(), lr.SeverityNumber(), lr.SeverityText(), lr.Body().Str(), lr.EventName(), lr.TraceID(), lr.SpanID(), lr.Flags())
	}
	got := lr.Attributes().AsRaw()
	want := map[string]any{"code.filepath": "chain/main.go", "code.lineno": int64(36), "gohttpdbg.eof": false, "d": 2.5, "empty": ""}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("attribute %s = %#v, want %#v", k, got[k], v)
		}
	}
	if !sl.LogRecords().At(1).TraceID().IsEmpty() {
		t.Error("a record without a span has a trace id")
	}
}

func TestTracesDecodeUpstream(t *testing.T) {
	sp := otlp.Span{TraceID: [16]byte{9, 15: 9}, SpanID: [8]byte{1, 7: 1}, Parent: [8]byte{2, 7: 2}, TraceState: "vendor=x", Flags: 0x301,
		Name: "GET", Kind: otlp.SpanKindClient, Start: 100, End: 200,
		Attrs:      []otlp.KeyValue{otlp.Str("http.request.method", "GET"), otlp.Int("http.response.status_code", 503)},
		Events:     []otlp.SpanEvent{{Time: 150, Name: "dial.slow", Attrs: []otlp.KeyValue{otlp.Str("phase", "ttfb")}}},
		StatusCode: otlp.StatusError, StatusMsg: "503"}
	req := ptraceotlp.NewExportRequest()
	if err := req.UnmarshalProto(otlp.AppendTracesRequest(nil, &rtRes, &rtScope, []otlp.Span{sp})); err != nil {
		t.Fatal(err)
	}
	s := req.Traces().ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	if [16]byte(s.TraceID()) != sp.TraceID || [8]byte(s.SpanID()) != sp.SpanID || [8]byte(s.ParentSpanID()) != sp.Parent ||
		s.TraceState().AsRaw() != "vendor=x" || s.Flags() != 0x301 || s.Name() != "GET" || int32(s.Kind()) != otlp.SpanKindClient ||
		s.StartTimestamp() != 100 || s.EndTimestamp() != 200 || int32(s.Status().Code()) != otlp.StatusError || s.Status().Message() != "503" {
		t.Errorf("span: %x %x %x %q %x %q %v %v %v %v %q", s.TraceID(), s.SpanID(), s.ParentSpanID(), s.TraceState().AsRaw(), s.Flags(), s.Name(), s.Kind(), s.StartTimestamp(), s.EndTimestamp(), s.Status().Code(), s.Status().Message())
	}
	if v, _ := s.Attributes().Get("http.response.status_code"); v.Int() != 503 {
		t.Errorf("status code attribute %v", v.AsRaw())
	}
	if s.Events().Len() != 1 || s.Events().At(0).Name() != "dial.slow" || s.Events().At(0).Timestamp() != 150 {
		t.Errorf("events %d", s.Events().Len())
	}
}

// Whatever the fuzzer puts in, the upstream decoder accepts the request
// and reads the same strings back.
func FuzzUpstreamDecode(f *testing.F) {
	f.Add("body.leak", "msg", "k", "v", int64(1))
	f.Fuzz(func(t *testing.T, name, msg, k, v string, n int64) {
		rec := otlp.LogRecord{Time: n, Body: msg, EventName: name, Attrs: []otlp.KeyValue{otlp.Str(k, v), otlp.Int(k+"n", n)}}
		req := plogotlp.NewExportRequest()
		if err := req.UnmarshalProto(otlp.AppendLogsRequest(nil, &rtRes, &rtScope, []otlp.LogRecord{rec})); err != nil {
			t.Fatal(err)
		}
		lr := req.Logs().ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
		if lr.EventName() != name || lr.Body().Str() != msg && msg != "" {
			t.Fatalf("got %q %q", lr.EventName(), lr.Body().Str())
		}
	})
}
