package frame

import (
	"strconv"
)

// maxDebugData caps the GOAWAY debug data shown in events and debug lines.
const maxDebugData = 128

// Summary renders f the way Go's http2debug=2 does ("SETTINGS len=18,
// settings: MAX_FRAME_SIZE=16384, …", "WINDOW_UPDATE len=4 (conn)
// incr=983041"), with one difference: DATA shows its size, never its
// content, so bodies stay out of logs.
//
// It renders every frame event the writer drains, so it appends to one
// stack buffer and allocates only the string it returns.
func Summary(f *Frame) string {
	var buf [160]byte
	b := append(buf[:0], f.Type.String()...)
	if f.Flags != 0 {
		b = append(b, " flags="...)
		set := 0
		for i := uint(0); i < 8; i++ {
			bit := Flags(1 << i)
			if f.Flags&bit == 0 {
				continue
			}
			set++
			if set > 1 {
				b = append(b, '|')
			}
			if name := flagName(f.Type, bit); name != "" {
				b = append(b, name...)
			} else {
				b = strconv.AppendUint(append(b, "0x"...), uint64(bit), 16)
			}
		}
	}
	if f.StreamID != 0 {
		b = strconv.AppendUint(append(b, " stream="...), uint64(f.StreamID), 10)
	}
	b = strconv.AppendUint(append(b, " len="...), uint64(f.Length), 10)
	switch f.Type {
	case TypeSettings:
		for i, s := range f.Settings {
			if i == 0 {
				b = append(b, ", settings:"...)
			} else {
				b = append(b, ',')
			}
			b = append(append(append(b, ' '), s.ID.String()...), '=')
			b = strconv.AppendUint(b, uint64(s.Val), 10)
		}
	case TypeData:
		b = strconv.AppendInt(append(b, " data=<"...), int64(f.DataLen), 10)
		b = append(b, " bytes>"...)
	case TypeWindowUpdate:
		if f.StreamID == 0 {
			b = append(b, " (conn)"...)
		}
		b = strconv.AppendUint(append(b, " incr="...), uint64(f.Increment), 10)
	case TypePing:
		b = strconv.AppendQuote(append(b, " ping="...), string(f.PingData[:]))
	case TypeGoAway:
		b = strconv.AppendUint(append(b, " LastStreamID="...), uint64(f.LastStreamID), 10)
		b = append(append(b, " ErrCode="...), f.ErrCode.String()...)
		b = append(append(b, " Debug="...), quoteCapped(f.DebugData, maxDebugData)...)
	case TypeRSTStream:
		b = append(append(b, " ErrCode="...), f.ErrCode.String()...)
	case TypePriority, TypeHeaders:
		if f.HasPriority {
			b = strconv.AppendUint(append(b, " dep="...), uint64(f.Priority.StreamDep), 10)
			b = strconv.AppendInt(append(b, " weight="...), int64(f.Priority.Weight)+1, 10)
			if f.Priority.Exclusive {
				b = append(b, " exclusive"...)
			}
			if f.SelfDependency {
				b = append(b, " (self-dependency)"...)
			}
		}
	case TypePushPromise:
		b = strconv.AppendUint(append(b, " promised="...), uint64(f.PromisedID), 10)
	}
	return string(b)
}

// quoteCapped quotes at most max bytes of b, noting what was left out.
func quoteCapped(b []byte, max int) string {
	if len(b) <= max {
		return strconv.Quote(string(b))
	}
	return strconv.Quote(string(b[:max])) + " (" + strconv.Itoa(len(b)-max) + " bytes omitted)"
}
