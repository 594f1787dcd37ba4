// Package otlp encodes OpenTelemetry log records and spans as OTLP
// protobuf (ExportLogsServiceRequest, ExportTraceServiceRequest) and sends
// them to an OTLP/HTTP endpoint. It is part of the injected runtime, so it
// imports the standard library only: the messages are written by hand in
// the protobuf wire format, field numbers as in opentelemetry-proto
// (opentelemetry/proto/{common,resource,logs,trace}/v1, collector/*).
//
// Only what the probes emit is modelled: string, int, bool and double
// attribute values, one resource and one scope per request.
package otlp

import (
	"encoding/binary"
	"math"
)

// Kind says which field of a Value holds it.
type Kind uint8

// Value kinds (AnyValue's oneof).
const (
	KindString Kind = iota
	KindInt
	KindBool
	KindDouble
)

// KeyValue is one attribute.
type KeyValue struct {
	Key  string
	Kind Kind
	Str  string
	Int  int64 // KindInt; KindBool: 0 or 1
	Dbl  float64
}

// Str returns a string attribute.
func Str(k, v string) KeyValue { return KeyValue{Key: k, Kind: KindString, Str: v} }

// Int returns an integer attribute.
func Int(k string, v int64) KeyValue { return KeyValue{Key: k, Kind: KindInt, Int: v} }

// Bool returns a boolean attribute.
func Bool(k string, v bool) KeyValue {
	kv := KeyValue{Key: k, Kind: KindBool}
	if v {
		kv.Int = 1
	}
	return kv
}

// Resource is the entity that produced the telemetry (service.name, …).
type Resource struct {
	Attrs []KeyValue
}

// Scope is the instrumentation scope (gohttpdbg and its version).
type Scope struct {
	Name, Version string
}

// Severity numbers of the log data model.
const (
	SevDebug = 5
	SevInfo  = 9
	SevWarn  = 13
	SevError = 17
)

// LogRecord is one log record. TraceID and SpanID are all zero when the
// record belongs to no span.
type LogRecord struct {
	Time      int64 // Unix ns
	Observed  int64 // Unix ns
	SevNumber int32
	SevText   string
	Body      string
	EventName string
	Attrs     []KeyValue
	TraceID   [16]byte
	SpanID    [8]byte
	Flags     uint32 // W3C trace flags (the low 8 bits)
}

// SpanKind values.
const (
	SpanKindInternal = 1
	SpanKindServer   = 2
	SpanKindClient   = 3
)

// Status codes.
const (
	StatusUnset = 0
	StatusOK    = 1
	StatusError = 2
)

// Span is one span. Parent is all zero for a root span.
type Span struct {
	TraceID    [16]byte
	SpanID     [8]byte
	Parent     [8]byte
	TraceState string
	Flags      uint32
	Name       string
	Kind       int32
	Start, End int64 // Unix ns
	Attrs      []KeyValue
	Events     []SpanEvent
	StatusCode int32
	StatusMsg  string
}

// SpanEvent is an event in a span's life.
type SpanEvent struct {
	Time  int64 // Unix ns
	Name  string
	Attrs []KeyValue
}

// Wire types.
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

func appendTag(b []byte, field, wire int) []byte {
	return binary.AppendUvarint(b, uint64(field)<<3|uint64(wire))
}

func appendVarintField(b []byte, field int, v uint64) []byte {
	if v == 0 {
		return b // proto3: a zero scalar is not written
	}
	b = appendTag(b, field, wireVarint)
	return binary.AppendUvarint(b, v)
}

func appendFixed64Field(b []byte, field int, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = appendTag(b, field, wireFixed64)
	return binary.LittleEndian.AppendUint64(b, v)
}

func appendFixed32Field(b []byte, field int, v uint32) []byte {
	if v == 0 {
		return b
	}
	b = appendTag(b, field, wireFixed32)
	return binary.LittleEndian.AppendUint32(b, v)
}

func appendStringField(b []byte, field int, s string) []byte {
	if s == "" {
		return b
	}
	b = appendTag(b, field, wireBytes)
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBytesField(b []byte, field int, p []byte) []byte {
	if len(p) == 0 {
		return b
	}
	b = appendTag(b, field, wireBytes)
	b = binary.AppendUvarint(b, uint64(len(p)))
	return append(b, p...)
}

// appendID writes a trace or span id, or nothing when it is all zero (an
// absent id is empty bytes in OTLP).
func appendID(b []byte, field int, id []byte) []byte {
	for _, c := range id {
		if c != 0 {
			return appendBytesField(b, field, id)
		}
	}
	return b
}

// Embedded messages are written in place: a tag, a length placeholder of
// maxLenBytes bytes, the message, then the length patched in as a
// non-minimal varint (leading 0x80 continuation bytes are valid protobuf).
// One pass, no size pre-computation, no copying.
const maxLenBytes = 5 // a length below 2^35: requests are far smaller

func beginMessage(b []byte, field int) ([]byte, int) {
	b = appendTag(b, field, wireBytes)
	at := len(b)
	return append(b, 0x80, 0x80, 0x80, 0x80, 0x00), at
}

func endMessage(b []byte, at int) []byte {
	n := uint64(len(b) - at - maxLenBytes)
	for i := 0; i < maxLenBytes-1; i++ {
		b[at+i] = byte(n&0x7f) | 0x80
		n >>= 7
	}
	b[at+maxLenBytes-1] = byte(n)
	return b
}

// AnyValue fields.
const (
	anyString = 1
	anyBool   = 2
	anyInt    = 3
	anyDouble = 4
)

func appendAnyString(b []byte, field int, s string) []byte {
	b, at := beginMessage(b, field)
	// The oneof's member is written even when empty: an empty string
	// value is a value, unlike an unset one.
	b = appendTag(b, anyString, wireBytes)
	b = binary.AppendUvarint(b, uint64(len(s)))
	b = append(b, s...)
	return endMessage(b, at)
}

func appendKeyValue(b []byte, field int, kv *KeyValue) []byte {
	b, at := beginMessage(b, field)
	b = appendStringField(b, 1, kv.Key)
	switch kv.Kind {
	case KindString:
		b = appendAnyString(b, 2, kv.Str)
	default:
		var vat int
		b, vat = beginMessage(b, 2)
		switch kv.Kind {
		case KindInt:
			b = appendTag(b, anyInt, wireVarint)
			b = binary.AppendUvarint(b, uint64(kv.Int))
		case KindBool:
			b = appendTag(b, anyBool, wireVarint)
			b = binary.AppendUvarint(b, uint64(kv.Int&1))
		case KindDouble:
			b = appendTag(b, anyDouble, wireFixed64)
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(kv.Dbl))
		}
		b = endMessage(b, vat)
	}
	return endMessage(b, at)
}

func appendAttrs(b []byte, field int, attrs []KeyValue) []byte {
	for i := range attrs {
		b = appendKeyValue(b, field, &attrs[i])
	}
	return b
}

func appendResource(b []byte, field int, r *Resource) []byte {
	b, at := beginMessage(b, field)
	b = appendAttrs(b, 1, r.Attrs)
	return endMessage(b, at)
}

func appendScope(b []byte, field int, s *Scope) []byte {
	b, at := beginMessage(b, field)
	b = appendStringField(b, 1, s.Name)
	b = appendStringField(b, 2, s.Version)
	return endMessage(b, at)
}

// AppendLogsRequest appends an ExportLogsServiceRequest holding recs,
// from one resource and scope, to b.
func AppendLogsRequest(b []byte, res *Resource, scope *Scope, recs []LogRecord) []byte {
	return appendExportRequest(b, res, scope, recs, appendLogRecord)
}

// appendExportRequest appends the envelope the OTLP export requests share,
// resource_logs/spans { resource, scope_logs/spans { scope, items } }
// (field numbers 1, 1, 2, 1, 2 in both), with appendItem writing each
// item.
func appendExportRequest[T any](b []byte, res *Resource, scope *Scope, items []T, appendItem func([]byte, int, *T) []byte) []byte {
	b, resource := beginMessage(b, 1)
	b = appendResource(b, 1, res)
	b, scoped := beginMessage(b, 2)
	b = appendScope(b, 1, scope)
	for i := range items {
		b = appendItem(b, 2, &items[i])
	}
	b = endMessage(b, scoped)
	return endMessage(b, resource)
}

func appendLogRecord(b []byte, field int, r *LogRecord) []byte {
	b, at := beginMessage(b, field)
	b = appendFixed64Field(b, 1, uint64(r.Time))
	b = appendVarintField(b, 2, uint64(r.SevNumber))
	b = appendStringField(b, 3, r.SevText)
	if r.Body != "" {
		b = appendAnyString(b, 5, r.Body)
	}
	b = appendAttrs(b, 6, r.Attrs)
	b = appendFixed32Field(b, 8, r.Flags)
	b = appendID(b, 9, r.TraceID[:])
	b = appendID(b, 10, r.SpanID[:])
	b = appendFixed64Field(b, 11, uint64(r.Observed))
	b = appendStringField(b, 12, r.EventName)
	return endMessage(b, at)
}

// AppendTracesRequest appends an ExportTraceServiceRequest holding spans,
// from one resource and scope, to b.
func AppendTracesRequest(b []byte, res *Resource, scope *Scope, spans []Span) []byte {
	return appendExportRequest(b, res, scope, spans, appendSpan)
}

func appendSpan(b []byte, field int, s *Span) []byte {
	b, at := beginMessage(b, field)
	b = appendID(b, 1, s.TraceID[:])
	b = appendID(b, 2, s.SpanID[:])
	b = appendStringField(b, 3, s.TraceState)
	b = appendID(b, 4, s.Parent[:])
	b = appendStringField(b, 5, s.Name)
	b = appendVarintField(b, 6, uint64(s.Kind))
	b = appendFixed64Field(b, 7, uint64(s.Start))
	b = appendFixed64Field(b, 8, uint64(s.End))
	b = appendAttrs(b, 9, s.Attrs)
	for i := range s.Events {
		ev := &s.Events[i]
		var eat int
		b, eat = beginMessage(b, 11)
		b = appendFixed64Field(b, 1, uint64(ev.Time))
		b = appendStringField(b, 2, ev.Name)
		b = appendAttrs(b, 3, ev.Attrs)
		b = endMessage(b, eat)
	}
	if s.StatusCode != 0 || s.StatusMsg != "" {
		var sat int
		b, sat = beginMessage(b, 15)
		b = appendStringField(b, 2, s.StatusMsg)
		b = appendVarintField(b, 3, uint64(s.StatusCode))
		b = endMessage(b, sat)
	}
	b = appendFixed32Field(b, 16, s.Flags)
	return endMessage(b, at)
}
