package probes

import (
	"strings"
	"testing"
)

// packSample is an API call's request header block as HTTP/2 writes it.
var packSample = []string{
	":authority", "127.0.0.1:44321", ":method", "POST", ":path", "/api", ":scheme", "https",
	"content-type", "application/json", "accept", "application/json",
	"authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.bench-token-value.signature",
	"cookie", "session=s3cr3t-session-value", "cookie", "theme=dark",
	"x-request-id", "0f8e2a6c-bench", "content-length", "38", "accept-encoding", "gzip",
	"user-agent", "Go-http-client/2.0",
}

// TestPackFields checks that what packFields, packField and packHPACK pack
// unpacks to the same fields, for every length the fast and slow paths
// meet, in a buffer with and without room.
func TestPackFields(t *testing.T) {
	var f []string
	for n := 0; n <= 300; n++ {
		f = append(f, strings.Repeat("k", n%7), strings.Repeat(string(rune('a'+n%26)), n))
	}
	f = append(f, "odd")
	for _, c := range []int{0, 16, 256, 1 << 16} {
		b := packFields(make([]byte, 0, c), f)
		if got := unpackFields(b); strings.Join(got, "|") != strings.Join(f, "|") {
			t.Fatalf("cap %d: packFields round trip differs", c)
		}
		b = make([]byte, 0, c)
		for i := 0; i+1 < len(f); i += 2 {
			b = packField(b, f[i], f[i+1])
		}
		if got := unpackFields(b); strings.Join(got, "|") != strings.Join(f[:len(f)-1], "|") {
			t.Fatalf("cap %d: packField round trip differs", c)
		}
		var hf []HPACKField
		for i := 0; i+1 < len(f); i += 2 {
			hf = append(hf, HPACKField{Name: f[i], Value: f[i+1]})
		}
		if got := unpackFields(packHPACK(make([]byte, 0, c), hf)); strings.Join(got, "|") != strings.Join(f[:len(f)-1], "|") {
			t.Fatalf("cap %d: packHPACK round trip differs", c)
		}
		var kf []HeaderField
		for i := 0; i+1 < len(f); i += 2 {
			kf = append(kf, HeaderField{Name: f[i], Value: f[i+1]})
		}
		for _, sub := range []int{0, 1, 5, 19, 40, len(kf)} { // blocks with and without long strings
			b, n := packHeaderFields(make([]byte, 0, c), kf[:sub])
			if got := unpackFields(b); strings.Join(got, "|") != strings.Join(f[:2*sub], "|") {
				t.Fatalf("cap %d, %d fields: packHeaderFields round trip differs", c, sub)
			}
			want := 0
			for _, x := range kf[:sub] {
				want += len(x.Name) + len(x.Value) + 4
			}
			if n != want {
				t.Fatalf("cap %d, %d fields: packHeaderFields size %d, want %d", c, sub, n, want)
			}
		}
	}
}

func BenchmarkPackFields(b *testing.B) {
	buf := make([]byte, 0, 1024)
	for i := 0; i < b.N; i++ {
		buf = packFields(buf[:0], packSample)
	}
}

// hpackSample is packSample as decoded fields.
func hpackSample() []HPACKField {
	var f []HPACKField
	for i := 0; i+1 < len(packSample); i += 2 {
		f = append(f, HPACKField{Name: packSample[i], Value: packSample[i+1]})
	}
	return f
}

func BenchmarkPackHPACK(b *testing.B) {
	f := hpackSample()
	buf := make([]byte, 0, 1024)
	for i := 0; i < b.N; i++ {
		buf = packHPACK(buf[:0], f)
	}
}

// TestSetHeaderFieldsMsgOwnBuffer: an event not from Reserve packs
// decoded fields into a buffer of its own, read as SetFieldsMsg's.
func TestSetHeaderFieldsMsgOwnBuffer(t *testing.T) {
	f := hpackSample()
	var got, want Event
	got.SetHeaderFieldsMsg(f)
	want.SetFieldsMsg(packSample[:2*len(f)])
	renderLazy(&got)
	renderLazy(&want)
	if got.Msg == "" || got.Msg != want.Msg {
		t.Fatalf("SetHeaderFieldsMsg: %q, SetFieldsMsg: %q", got.Msg, want.Msg)
	}
}
