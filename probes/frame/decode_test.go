package frame

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/http2"
)

// wire writes frames with x/net's Framer (the reference encoder) and
// returns them split into (header, payload).
func wire(t testing.TB, write func(fr *http2.Framer) error) [][2][]byte {
	t.Helper()
	var buf bytes.Buffer
	fr := http2.NewFramer(&buf, nil)
	fr.AllowIllegalWrites = true
	if err := write(fr); err != nil {
		t.Fatal(err)
	}
	var out [][2][]byte
	b := buf.Bytes()
	for len(b) >= HeaderLen {
		n := int(b[0])<<16 | int(b[1])<<8 | int(b[2])
		out = append(out, [2][]byte{b[:HeaderLen], b[HeaderLen : HeaderLen+n]})
		b = b[HeaderLen+n:]
	}
	return out
}

func decodeOne(t *testing.T, write func(fr *http2.Framer) error) (Frame, error) {
	t.Helper()
	fs := wire(t, write)
	if len(fs) != 1 {
		t.Fatalf("%d frames written", len(fs))
	}
	var hdr [HeaderLen]byte
	copy(hdr[:], fs[0][0])
	return Decode(hdr, fs[0][1])
}

func TestDecodeEveryType(t *testing.T) {
	tests := []struct {
		name    string
		write   func(fr *http2.Framer) error
		summary string
		check   func(t *testing.T, f Frame)
	}{
		{"data", func(fr *http2.Framer) error { return fr.WriteDataPadded(3, true, []byte("hello"), []byte{0, 0}) },
			"DATA flags=END_STREAM|PADDED stream=3 len=8 data=<5 bytes>",
			func(t *testing.T, f Frame) {
				if string(f.Data) != "hello" || f.PadLen != 2 || !f.Flags.Has(FlagEndStream) {
					t.Errorf("got %+v", f)
				}
			}},
		{"headers", func(fr *http2.Framer) error {
			return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 5, BlockFragment: []byte{0x82}, EndHeaders: true,
				Priority: http2.PriorityParam{StreamDep: 3, Weight: 15, Exclusive: true}})
		}, "HEADERS flags=END_HEADERS|PRIORITY stream=5 len=6 dep=3 weight=16 exclusive",
			func(t *testing.T, f Frame) {
				if !f.HasPriority || f.Priority.StreamDep != 3 || f.Priority.Weight != 15 || !bytes.Equal(f.Fragment, []byte{0x82}) {
					t.Errorf("got %+v", f)
				}
			}},
		{"priority", func(fr *http2.Framer) error {
			return fr.WritePriority(7, http2.PriorityParam{StreamDep: 1, Weight: 255})
		}, "PRIORITY stream=7 len=5 dep=1 weight=256", nil},
		{"rst", func(fr *http2.Framer) error { return fr.WriteRSTStream(9, http2.ErrCodeCancel) },
			"RST_STREAM stream=9 len=4 ErrCode=CANCEL", nil},
		{"settings", func(fr *http2.Framer) error {
			return fr.WriteSettings(http2.Setting{ID: http2.SettingMaxFrameSize, Val: 16384},
				http2.Setting{ID: http2.SettingInitialWindowSize, Val: 4194304}, http2.Setting{ID: 0x99, Val: 1})
		}, "SETTINGS len=18, settings: MAX_FRAME_SIZE=16384, INITIAL_WINDOW_SIZE=4194304, UNKNOWN_SETTING_153=1",
			func(t *testing.T, f Frame) {
				if len(f.Settings) != 3 || f.Settings[1].ID != SettingInitialWindowSize {
					t.Errorf("got %+v", f.Settings)
				}
			}},
		{"settings ack", func(fr *http2.Framer) error { return fr.WriteSettingsAck() }, "SETTINGS flags=ACK len=0", nil},
		{"push promise", func(fr *http2.Framer) error {
			return fr.WritePushPromise(http2.PushPromiseParam{StreamID: 1, PromiseID: 2, BlockFragment: []byte{1, 2}, EndHeaders: true})
		}, "PUSH_PROMISE flags=END_HEADERS stream=1 len=6 promised=2", nil},
		{"ping", func(fr *http2.Framer) error { return fr.WritePing(true, [8]byte{'a', 'b'}) },
			`PING flags=ACK len=8 ping="ab\x00\x00\x00\x00\x00\x00"`, nil},
		{"goaway", func(fr *http2.Framer) error {
			return fr.WriteGoAway(11, http2.ErrCodeEnhanceYourCalm, []byte("too many pings"))
		},
			`GOAWAY len=22 LastStreamID=11 ErrCode=ENHANCE_YOUR_CALM Debug="too many pings"`,
			func(t *testing.T, f Frame) {
				if f.LastStreamID != 11 || f.ErrCode != ErrCodeEnhanceYourCalm || string(f.DebugData) != "too many pings" {
					t.Errorf("got %+v", f)
				}
			}},
		{"window update conn", func(fr *http2.Framer) error { return fr.WriteWindowUpdate(0, 983041) },
			"WINDOW_UPDATE len=4 (conn) incr=983041", nil},
		{"window update stream", func(fr *http2.Framer) error { return fr.WriteWindowUpdate(3, 10) },
			"WINDOW_UPDATE stream=3 len=4 incr=10", nil},
		{"continuation", func(fr *http2.Framer) error { return fr.WriteContinuation(3, true, []byte{1, 2, 3}) },
			"CONTINUATION flags=END_HEADERS stream=3 len=3", nil},
		{"unknown", func(fr *http2.Framer) error { return fr.WriteRawFrame(0x42, 0x80, 1, []byte("x")) },
			"UNKNOWN_FRAME_TYPE_66 flags=0x80 stream=1 len=1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := decodeOne(t, tt.write)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got := Summary(&f); got != tt.summary {
				t.Errorf("Summary:\n got %s\nwant %s", got, tt.summary)
			}
			if tt.check != nil {
				tt.check(t, f)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name   string
		write  func(fr *http2.Framer) error
		stream bool
		reason string
		self   bool
	}{
		{"priority self dependency", func(fr *http2.Framer) error {
			return fr.WritePriority(7, http2.PriorityParam{StreamDep: 7, Weight: 1})
		}, true, "depends on itself", true},
		{"headers self dependency", func(fr *http2.Framer) error {
			return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 5, EndHeaders: true, Priority: http2.PriorityParam{StreamDep: 5, Weight: 1}})
		}, true, "depends on itself", true},
		{"data on stream 0", func(fr *http2.Framer) error { return fr.WriteData(0, false, []byte("x")) }, false, "stream ID 0", false},
		{"window update zero", func(fr *http2.Framer) error { return fr.WriteWindowUpdate(3, 0) }, true, "increment 0", false},
		{"settings bad window", func(fr *http2.Framer) error {
			return fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 31})
		}, false, "INITIAL_WINDOW_SIZE", false},
		{"settings bad push", func(fr *http2.Framer) error {
			return fr.WriteSettings(http2.Setting{ID: http2.SettingEnablePush, Val: 2})
		}, false, "ENABLE_PUSH", false},
		{"ping short", func(fr *http2.Framer) error { return fr.WriteRawFrame(http2.FramePing, 0, 0, []byte{1, 2}) }, false, "PING payload size", false},
		{"goaway on stream", func(fr *http2.Framer) error { return fr.WriteRawFrame(http2.FrameGoAway, 0, 3, make([]byte, 8)) }, false, "GOAWAY frame on stream 3", false},
		{"bad padding", func(fr *http2.Framer) error { return fr.WriteRawFrame(http2.FrameData, 0x8, 1, []byte{9, 1}) }, false, "pad length", false},
		{"settings odd length", func(fr *http2.Framer) error { return fr.WriteRawFrame(http2.FrameSettings, 0, 0, []byte{1}) }, false, "multiple of 6", false},
		{"push promise odd id", func(fr *http2.Framer) error {
			return fr.WriteRawFrame(http2.FramePushPromise, 0x4, 1, []byte{0, 0, 0, 3})
		}, false, "not a server stream", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := decodeOne(t, tt.write)
			fe, ok := err.(*Error)
			if !ok {
				t.Fatalf("Decode error = %v, want *Error", err)
			}
			if fe.Stream != tt.stream || !strings.Contains(fe.Reason, tt.reason) {
				t.Errorf("got %+v, want stream=%v reason containing %q", fe, tt.stream, tt.reason)
			}
			if f.SelfDependency != tt.self {
				t.Errorf("SelfDependency = %v", f.SelfDependency)
			}
		})
	}
}

func TestDecodeLengthMismatch(t *testing.T) {
	hdr := [HeaderLen]byte{0, 0, 5, byte(TypeData), 0, 0, 0, 0, 1}
	if _, err := Decode(hdr, []byte("abc")); err == nil {
		t.Fatal("no error for a short payload")
	}
}

func TestParseHeaderReservedBit(t *testing.T) {
	h := ParseHeader([HeaderLen]byte{0, 0, 0, 0, 0, 0x80, 0, 0, 3})
	if h.StreamID != 3 {
		t.Fatalf("StreamID = %d, want 3 (reserved bit cleared)", h.StreamID)
	}
}

// FuzzDecodeFrame: Decode and Summary never panic, and what Decode returns
// stays within the payload it was given.
func FuzzDecodeFrame(f *testing.F) {
	for _, w := range []func(fr *http2.Framer) error{
		func(fr *http2.Framer) error { return fr.WriteDataPadded(1, true, []byte("x"), []byte{0}) },
		func(fr *http2.Framer) error {
			return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: []byte{0x82}, EndHeaders: true,
				PadLength: 2, Priority: http2.PriorityParam{StreamDep: 1, Weight: 3}})
		},
		func(fr *http2.Framer) error { return fr.WriteSettings(http2.Setting{ID: 4, Val: 1 << 20}) },
		func(fr *http2.Framer) error { return fr.WriteGoAway(1, 2, []byte("bye")) },
		func(fr *http2.Framer) error { return fr.WritePing(false, [8]byte{1}) },
		func(fr *http2.Framer) error { return fr.WriteWindowUpdate(0, 1) },
		func(fr *http2.Framer) error { return fr.WriteRSTStream(1, 8) },
		func(fr *http2.Framer) error { return fr.WritePriority(3, http2.PriorityParam{StreamDep: 3}) },
		func(fr *http2.Framer) error {
			return fr.WritePushPromise(http2.PushPromiseParam{StreamID: 1, PromiseID: 2, PadLength: 1, BlockFragment: []byte{1}})
		},
		func(fr *http2.Framer) error { return fr.WriteContinuation(1, false, []byte{1}) },
	} {
		for _, fs := range wire(f, w) {
			f.Add(append(append([]byte(nil), fs[0]...), fs[1]...))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var hdr [HeaderLen]byte
		copy(hdr[:], b)
		payload := []byte{}
		if len(b) > HeaderLen {
			payload = b[HeaderLen:]
		}
		// Make the length agree with the payload half of the time, so
		// that the per-type decoding is reached.
		if len(b) > 0 && b[0]&1 == 0 && len(payload) < 1<<24 {
			hdr[0], hdr[1], hdr[2] = byte(len(payload)>>16), byte(len(payload)>>8), byte(len(payload))
		}
		fr, err := Decode(hdr, payload)
		if s := Summary(&fr); !strings.HasPrefix(s, fr.Type.String()) {
			t.Fatalf("Summary %q does not start with the type", s)
		}
		if err != nil {
			_ = err.Error()
			return
		}
		if len(fr.Data) > len(payload) || len(fr.Fragment) > len(payload) || len(fr.DebugData) > len(payload) ||
			len(fr.Settings)*6 > len(payload) {
			t.Fatalf("decoded fields exceed the payload: %+v", fr)
		}
		var fl flow
		fl.init()
		fl.apply(&fr, b[0]&2 == 0)
	})
}
