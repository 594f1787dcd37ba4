package frame

import (
	"strconv"
	"strings"
)

// maxDebugData caps the GOAWAY debug data shown in events and debug lines.
const maxDebugData = 128

// Summary renders f the way Go's http2debug=2 does ("SETTINGS len=18,
// settings: MAX_FRAME_SIZE=16384, …", "WINDOW_UPDATE len=4 (conn)
// incr=983041"), with one difference: DATA shows its size, never its
// content, so bodies stay out of logs.
func Summary(f *Frame) string {
	var b strings.Builder
	b.WriteString(f.Type.String())
	if f.Flags != 0 {
		b.WriteString(" flags=")
		set := 0
		for i := uint(0); i < 8; i++ {
			bit := Flags(1 << i)
			if f.Flags&bit == 0 {
				continue
			}
			set++
			if set > 1 {
				b.WriteByte('|')
			}
			if name := flagName(f.Type, bit); name != "" {
				b.WriteString(name)
			} else {
				b.WriteString("0x" + strconv.FormatUint(uint64(bit), 16))
			}
		}
	}
	if f.StreamID != 0 {
		b.WriteString(" stream=" + strconv.FormatUint(uint64(f.StreamID), 10))
	}
	b.WriteString(" len=" + strconv.FormatUint(uint64(f.Length), 10))
	switch f.Type {
	case TypeSettings:
		for i, s := range f.Settings {
			if i == 0 {
				b.WriteString(", settings:")
			} else {
				b.WriteByte(',')
			}
			b.WriteString(" " + s.ID.String() + "=" + strconv.FormatUint(uint64(s.Val), 10))
		}
	case TypeData:
		b.WriteString(" data=<" + strconv.Itoa(f.DataLen) + " bytes>")
	case TypeWindowUpdate:
		if f.StreamID == 0 {
			b.WriteString(" (conn)")
		}
		b.WriteString(" incr=" + strconv.FormatUint(uint64(f.Increment), 10))
	case TypePing:
		b.WriteString(" ping=" + strconv.Quote(string(f.PingData[:])))
	case TypeGoAway:
		b.WriteString(" LastStreamID=" + strconv.FormatUint(uint64(f.LastStreamID), 10) +
			" ErrCode=" + f.ErrCode.String() + " Debug=" + quoteCapped(f.DebugData, maxDebugData))
	case TypeRSTStream:
		b.WriteString(" ErrCode=" + f.ErrCode.String())
	case TypePriority, TypeHeaders:
		if f.HasPriority {
			b.WriteString(" dep=" + strconv.FormatUint(uint64(f.Priority.StreamDep), 10) +
				" weight=" + strconv.Itoa(int(f.Priority.Weight)+1))
			if f.Priority.Exclusive {
				b.WriteString(" exclusive")
			}
			if f.SelfDependency {
				b.WriteString(" (self-dependency)")
			}
		}
	case TypePushPromise:
		b.WriteString(" promised=" + strconv.FormatUint(uint64(f.PromisedID), 10))
	}
	return b.String()
}

// quoteCapped quotes at most max bytes of b, noting what was left out.
func quoteCapped(b []byte, max int) string {
	if len(b) <= max {
		return strconv.Quote(string(b))
	}
	return strconv.Quote(string(b[:max])) + " (" + strconv.Itoa(len(b)-max) + " bytes omitted)"
}
