package probes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sampleEvent() Event {
	e := Event{Time: time.Date(2026, 11, 27, 10, 0, 0, 123456789, time.UTC).UnixNano(), Probe: Body, Sev: Warn,
		Name: "body.leak", Site: "client.go:42", Conn: 3, Req: 17, Msg: "response body never closed"}
	e.Add(Int(KeyBytes, 12), Bool(KeyEOF, false), Duration(KeyAge, 1500*time.Millisecond), String(KeyURL, `GET http://x/a b"c`))
	return e
}

func TestAppendText(t *testing.T) {
	t.Parallel()
	e := sampleEvent()
	got := string(AppendText(nil, &e))
	clock := time.Unix(0, e.Time).Format("15:04:05.000000") // local time
	want := clock + ` gohttpdbg: warn body.leak site=client.go:42 conn=3 req=17 response body never closed bytes=12 eof=false age=1.5s url="GET http://x/a b\"c"` + "\n"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	if got, want := string(AppendLine(nil, &e)), strings.TrimSuffix(strings.Replace(want, "gohttpdbg: ", "", 1), "\n"); got != want {
		t.Fatalf("AppendLine: got  %q\nwant %q", got, want)
	}
	e.HasStream, e.Stream = true, 0
	if got := string(AppendText(nil, &e)); !strings.Contains(got, " conn=3 stream=0 req=17 ") {
		t.Fatalf("stream 0 not rendered: %q", got)
	}
}

func TestAppendJSON(t *testing.T) {
	t.Parallel()
	e := sampleEvent()
	line := AppendJSON(nil, &e)
	if !bytes.HasSuffix(line, []byte("}\n")) || bytes.Count(line, []byte("\n")) != 1 {
		t.Fatalf("not one NDJSON line: %q", line)
	}
	var m map[string]any
	if err := json.Unmarshal(line, &m); err != nil {
		t.Fatalf("invalid JSON %s: %v", line, err)
	}
	want := map[string]any{"ts": "2026-11-27T10:00:00.123456789Z", "probe": "body", "event": "body.leak", "sev": "warn",
		"site": "client.go:42", "conn": 3.0, "req": 17.0, "msg": "response body never closed"}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	if _, ok := m["stream"]; ok {
		t.Error("stream present although unknown")
	}
	attrs := m["attrs"].(map[string]any)
	if attrs["bytes"] != 12.0 || attrs["eof"] != false || attrs["age"] != "1.5s" || attrs["url"] != `GET http://x/a b"c` {
		t.Errorf("attrs = %v", attrs)
	}
	// Control characters and invalid UTF-8 stay valid JSON.
	e.Msg = "a\x00b\n\xffz"
	if err := json.Unmarshal(AppendJSON(nil, &e), &m); err != nil || m["msg"] != "a\x00b\n\ufffdz" {
		t.Fatalf("msg = %q, err %v", m["msg"], err)
	}
}

func TestOpenSink(t *testing.T) {
	dir := t.TempDir()
	e := sampleEvent()
	for _, tc := range []struct{ name, prefix string }{{"ev.jsonl", `{"ts":`}, {"ev.log", time.Unix(0, e.Time).Format("15:04:05.000000") + " gohttpdbg: warn body.leak"}} {
		p := filepath.Join(dir, tc.name)
		s, err := OpenSink(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.WriteEvent(&e); err != nil {
			t.Fatal(err)
		}
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(p)
		if !strings.HasPrefix(string(b), tc.prefix) {
			t.Errorf("%s: %q", tc.name, b)
		}
	}
	if s, err := OpenSink("off"); s != nil || err != nil {
		t.Errorf("off: %v %v", s, err)
	}
	if _, err := OpenSink(filepath.Join(dir, "missing", "x.jsonl")); err == nil {
		t.Error("no error for an unwritable path")
	}
}

func TestParseSpec(t *testing.T) {
	c := DefaultConfig()
	err := ParseSpec("all=0, body=2,dial=1,slow.dns=5ms,slow=2s,gc.delay=3ms,ring=100,bogus=1,frame=7,x", &c)
	if err == nil || !strings.Contains(err.Error(), "bogus") || !strings.Contains(err.Error(), "frame=7") {
		t.Fatalf("err = %v", err)
	}
	want := [NumProbes]int{Frame: 0, Header: 0, Body: 2, Dial: 1, GC: 0, Admin: 0}
	if c.Levels != want {
		t.Errorf("levels = %v, want %v", c.Levels, want)
	}
	if c.SlowDNS != 2*time.Second || c.SlowTTFB != 2*time.Second || c.GCDelay != 3*time.Millisecond || c.RingSize != 100 {
		t.Errorf("config = %v", c)
	}
}

// writeRecorder keeps every Write call apart.
type writeRecorder struct{ writes [][]byte }

func (w *writeRecorder) Write(p []byte) (int, error) {
	w.writes = append(w.writes, append([]byte(nil), p...))
	return len(p), nil
}

// TestSinkWritesWholeLines: the buffered sink never splits an event across
// two writes, so a file cut off at any write ends with a whole line.
func TestSinkWritesWholeLines(t *testing.T) {
	w := &writeRecorder{}
	s := NewJSONSink(w)
	e := sampleEvent()
	e.Add(String(KeyOf("pad"), strings.Repeat("x", 700))) // ~1 KB lines: 32 KiB is not a multiple
	const n = 200
	for i := 0; i < n; i++ {
		if err := s.WriteEvent(&e); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := 0
	for i, b := range w.writes {
		if !bytes.HasSuffix(b, []byte("\n")) {
			t.Fatalf("write %d of %d ends inside a line: ...%q", i, len(w.writes), b[max(0, len(b)-40):])
		}
		lines += bytes.Count(b, []byte("\n"))
	}
	if lines != n || len(w.writes) < 2 {
		t.Fatalf("%d lines in %d writes, want %d lines in several writes", lines, len(w.writes), n)
	}
}

// A person's line leaves out the attributes the message already says;
// NDJSON keeps them.
func TestAppendTextSaysThingsOnce(t *testing.T) {
	for _, tc := range []struct {
		msg   string
		attrs []Attr
		want  string // the line after the message
	}{
		{"connection not reused: a response body was never closed at main.go:49",
			[]Attr{String(KeyReason, "a response body was never closed at main.go:49"), String(KeyHost, "x:80")}, " host=x:80"},
		{"DATA flags=END_STREAM stream=1 len=14",
			[]Attr{String(KeySide, "client"), String(KeyType, "DATA"), Int(KeyLen, 14), Int(KeyFlags, 1)}, " side=client"},
		{`request rejected: the header line has no colon: "BadHeaderNoColon"`,
			[]Attr{String(KeyReason, "missing_colon"), String(KeyLine, "BadHeaderNoColon")}, " reason=missing_colon"},
		// A value inside a longer word, or too short to tell, is kept.
		{"DATASET ok", []Attr{String(KeyType, "DATA"), Int(KeyOf("n"), 1), String(KeyOf("x"), "ok")}, " type=DATA n=1 x=ok"},
		{"read 12 bytes, eof=true", []Attr{Int(KeyBytes, 12), Bool(KeyEOF, true)}, " bytes=12"},
		{"slow TLS handshake: 1.5s", []Attr{Duration(KeyDur, 1500*time.Millisecond)}, ""},
		// One lower-case word may be meant otherwise: only key= drops it.
		{"the server's limit: MaxHeaderBytes", []Attr{String(KeySide, "server"), String(KeyLimitName, "MaxHeaderBytes")}, " side=server"},
	} {
		e := Event{Time: 1, Sev: Warn, Name: "x.y", Msg: tc.msg}
		e.Add(tc.attrs...)
		line := string(AppendLine(nil, &e))
		_, after, _ := strings.Cut(line, tc.msg)
		if after != tc.want {
			t.Errorf("%q: attributes %q, want %q", tc.msg, after, tc.want)
		}
		var m map[string]any
		if err := json.Unmarshal(AppendJSON(nil, &e), &m); err != nil || len(m["attrs"].(map[string]any)) != len(tc.attrs) {
			t.Errorf("%q: NDJSON lost attributes: %v %v", tc.msg, m["attrs"], err)
		}
	}
}

// The text sink shows a diagnostic repeated at one site repeatShown times,
// then one summary line with the exact count; other sites, level-2 events
// and the NDJSON sink are not summarised.
func TestTextSinkSummarisesRepeats(t *testing.T) {
	var text, js bytes.Buffer
	ts, jsn := NewTextSink(&text), NewJSONSink(&js)
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC).UnixNano()
	const n = 203
	for i := 0; i < n; i++ {
		e := Event{Time: t0 + int64(i)*int64(time.Millisecond), Probe: Body, Sev: Warn, Name: "body.leak", Site: "main.go:35", Msg: "leaked"}
		e.AddInt(KeyOf("i"), int64(i))
		for _, s := range []Sink{ts, jsn} {
			if err := s.WriteEvent(&e); err != nil {
				t.Fatal(err)
			}
		}
		if i < 2 {
			other := Event{Time: e.Time, Probe: Body, Sev: Warn, Name: "body.leak", Site: "other.go:1", Msg: "leaked"}
			ts.WriteEvent(&other)
			dbg := Event{Time: e.Time, Probe: Body, Sev: Debug, Name: "body.open", Site: "main.go:35"}
			for k := 0; k < 5; k++ {
				ts.WriteEvent(&dbg)
			}
		}
	}
	if err := ts.(summarizer).Summarize(); err != nil {
		t.Fatal(err)
	}
	jsn.Flush()
	out := text.String()
	if c := strings.Count(out, "body.leak site=main.go:35 leaked"); c != repeatShown {
		t.Errorf("%d lines shown in full, want %d:\n%s", c, repeatShown, out)
	}
	first := time.Unix(0, t0+int64(repeatShown)*int64(time.Millisecond)).Format("15:04:05.000000")
	if want := fmt.Sprintf("gohttpdbg: warn body.leak site=main.go:35 ×%d more in ", n-repeatShown); !strings.Contains(out, want) ||
		!strings.Contains(out, "(first at "+first+")") || strings.Count(out, "×") != 1 {
		t.Errorf("no single summary %q … (first at %s) in:\n%s", want, first, out)
	}
	if c := strings.Count(out, "site=other.go:1"); c != 2 {
		t.Errorf("other site: %d lines, want 2", c)
	}
	if c := strings.Count(out, "body.open"); c != 10 {
		t.Errorf("level-2 events: %d lines, want 10", c)
	}
	if c := strings.Count(js.String(), `"event":"body.leak"`); c != n {
		t.Errorf("NDJSON: %d body.leak lines, want %d", c, n)
	}
	// Nothing pending: a second Summarize writes nothing.
	text.Reset()
	ts.(summarizer).Summarize()
	if text.Len() != 0 {
		t.Errorf("summary written twice: %q", text.String())
	}
	// Quiet for an interval, the site starts afresh: shown in full again.
	later := Event{Time: t0 + int64(time.Hour), Probe: Body, Sev: Warn, Name: "body.leak", Site: "main.go:35", Msg: "leaked"}
	ts.WriteEvent(&later)
	ts.Flush()
	if !strings.Contains(text.String(), "body.leak site=main.go:35 leaked") {
		t.Errorf("not shown after a quiet interval: %q", text.String())
	}
}

// An event with more attributes than MaxAttrs keeps every one, in order,
// in each rendering: the text line, tail's line and NDJSON.
func TestAttrsBeyondInline(t *testing.T) {
	t.Parallel()
	e := Event{Time: 1, Probe: Admin, Sev: Warn, Name: "admin.config", Msg: "m"}
	n := MaxAttrs + 4 // the last, a header, in More
	for i := 0; i < n; i++ {
		switch (i + 7 - (n-1)%4) % 4 { // the last is case 3
		case 0:
			e.AddString(KeyOf(fmt.Sprintf("s%d", i)), "v")
		case 1:
			e.AddInt(KeyOf(fmt.Sprintf("i%d", i)), int64(i))
		case 2:
			e.Add(Bool(KeyOf(fmt.Sprintf("b%d", i)), true))
		case 3:
			e.AddHeader(KeyOf(fmt.Sprintf("h%d", i)), http.Header{"X-A": {"1"}})
		}
	}
	if e.NumAttrs() != n {
		t.Fatalf("NumAttrs = %d, want %d", e.NumAttrs(), n)
	}
	last := fmt.Sprintf("h%d", n-1)
	if _, ok := e.Attr(last); !ok {
		t.Errorf("Attr(%q) not found", last)
	}
	for _, line := range [][]byte{AppendText(nil, &e), AppendLine(nil, &e)} {
		prev := -1
		for i := 0; i < n; i++ {
			k := e.AttrAt(i).Key.String() + "="
			at := bytes.Index(line, []byte(" "+k))
			if at <= prev {
				t.Errorf("%q: attribute %s missing or out of order", line, k)
			}
			prev = at
		}
	}
	var m struct{ Attrs map[string]any }
	if err := json.Unmarshal(AppendJSON(nil, &e), &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Attrs) != n || m.Attrs[last] != "X-A: 1" {
		t.Errorf("NDJSON attrs = %v, want %d of them", m.Attrs, n)
	}
}
