package probes

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// appendTimestamp appends ns (Unix nanoseconds) as RFC 3339 UTC with nine
// fractional digits, the NDJSON "ts"; it is several times faster than
// time.Time.AppendFormat.
func appendTimestamp(dst []byte, ns int64) []byte {
	t := time.Unix(0, ns).UTC()
	y, mo, d := t.Date()
	dst = appendInt(dst, y, 4)
	dst = append(dst, '-')
	dst = appendInt(dst, int(mo), 2)
	dst = append(dst, '-')
	dst = appendInt(dst, d, 2)
	dst = append(dst, 'T')
	dst = appendHMS(dst, t)
	dst = append(dst, '.')
	dst = appendInt(dst, t.Nanosecond(), 9)
	return append(dst, 'Z')
}

// appendInt appends a non-negative v zero-padded to width digits.
func appendInt(dst []byte, v, width int) []byte {
	var b [20]byte
	i := len(b)
	for v > 0 || width > 0 {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		width--
	}
	return append(dst, b[i:]...)
}

// AppendText appends the text sink's line for e (with its newline): the
// local time, then docs/DESIGN.md §4's line,
//
//	15:04:05.000000 gohttpdbg: SEV EVENT [site=…] [conn=N] [stream=N] [req=N] MSG [k=v …]
//
// The prefix follows the time so that a search for "gohttpdbg: warn"
// still finds every diagnostic. See AppendLine.
func AppendText(dst []byte, e *Event) []byte {
	return append(appendPerson(dst, e, "gohttpdbg: "), '\n')
}

// AppendLine appends the line a person reads for e, without the
// "gohttpdbg: " prefix and the newline; gohttpdbg tail prints it. The
// text sink's line (AppendText) is the same with the prefix:
//
//	TIME SEV EVENT [site=…] [conn=N] [stream=N] [req=N] MSG [k=v …]
//
// TIME is the local time of day to the microsecond. Only the attributes
// the message does not already say follow it (saidInMsg), in the order
// the probe added them; NDJSON (AppendJSON) keeps them all.
func AppendLine(dst []byte, e *Event) []byte { return appendPerson(dst, e, "") }

func appendPerson(dst []byte, e *Event, prefix string) []byte {
	dst = appendClock(dst, e.Time)
	dst = append(dst, ' ')
	dst = append(dst, prefix...)
	dst = append(dst, e.Sev.String()...)
	dst = append(dst, ' ')
	dst = append(dst, e.Name...)
	if e.Site != "" {
		dst = append(dst, " site="...)
		dst = appendTextValue(dst, e.Site)
	}
	if e.Conn != 0 {
		dst = append(dst, " conn="...)
		dst = strconv.AppendUint(dst, e.Conn, 10)
	}
	if e.HasStream {
		dst = append(dst, " stream="...)
		dst = strconv.AppendUint(dst, uint64(e.Stream), 10)
	}
	if e.Req != 0 {
		dst = append(dst, " req="...)
		dst = strconv.AppendUint(dst, e.Req, 10)
	}
	if e.Msg != "" {
		dst = append(dst, ' ')
		dst = append(dst, e.Msg...)
	}
	for i := 0; i < e.NumAttrs(); i++ {
		a := e.AttrAt(i)
		if saidInMsg(e.Msg, a) {
			continue
		}
		dst = append(dst, ' ')
		dst = append(dst, a.Key.String()...)
		dst = append(dst, '=')
		switch a.Kind {
		case KindString:
			dst = appendTextValue(dst, a.Str)
		case KindInt:
			dst = strconv.AppendInt(dst, a.Num, 10)
		case KindBool:
			dst = strconv.AppendBool(dst, a.Num != 0)
		case KindDuration:
			dst = append(dst, time.Duration(a.Num).String()...)
		}
	}
	return dst
}

// appendClock appends ns (Unix nanoseconds) as the local time of day,
// 15:04:05.000000.
func appendClock(dst []byte, ns int64) []byte {
	t := time.Unix(0, ns)
	dst = appendHMS(dst, t)
	dst = append(dst, '.')
	return appendInt(dst, t.Nanosecond()/1000, 6)
}

// appendHMS appends t's time of day as 15:04:05.
func appendHMS(dst []byte, t time.Time) []byte {
	h, m, s := t.Clock()
	dst = appendInt(dst, h, 2)
	dst = append(dst, ':')
	dst = appendInt(dst, m, 2)
	dst = append(dst, ':')
	return appendInt(dst, s, 2)
}

// saidInMsg reports whether the message already says what attribute a
// does, so that a person's line does not repeat it: the message has
// "key=" (a frame's summary says len=14 and flags=END_STREAM, the
// attributes len=14 flags=1), or, for a string or a duration of three
// characters or more that is not one lower-case word, its value as a
// whole word (the reason a dial.not_reused message gives, a frame's type,
// a rejected line).
func saidInMsg(msg string, a *Attr) bool {
	if msg == "" {
		return false
	}
	key := a.Key.String()
	for i := 0; ; {
		j := indexFrom(msg, key, i)
		if j < 0 {
			break
		}
		end := j + len(key)
		if (j == 0 || !wordByte(msg[j-1])) && end < len(msg) && msg[end] == '=' {
			return true
		}
		i = j + 1
	}
	var v string
	switch a.Kind {
	case KindString:
		v = a.Str
	case KindDuration:
		v = time.Duration(a.Num).String()
	default:
		return false
	}
	if len(v) < 3 || lowerWord(v) {
		return false
	}
	for i := 0; ; {
		j := indexFrom(msg, v, i)
		if j < 0 {
			return false
		}
		end := j + len(v)
		if (j == 0 || !wordByte(msg[j-1]) || !wordByte(v[0])) && (end == len(msg) || !wordByte(msg[end]) || !wordByte(v[len(v)-1])) {
			return true
		}
		i = j + 1
	}
}

// lowerWord reports whether v is one lower-case word (side=server,
// dir=read): such a value is a name the message may use in another sense
// ("the server's limit"), so only its key= says the message has it.
func lowerWord(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func indexFrom(s, sub string, from int) int {
	if from > len(s) {
		return -1
	}
	if k := strings.Index(s[from:], sub); k >= 0 {
		return from + k
	}
	return -1
}

func wordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func appendTextValue(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, `""`...)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c == '=' || c == '"' || c >= utf8.RuneSelf {
			return strconv.AppendQuote(dst, s)
		}
	}
	return append(dst, s...)
}

// AppendJSON appends e as one NDJSON line (with the trailing newline):
// {"ts":…,"probe":…,"event":…,"sev":…,["site","conn","stream","req",]"msg":…,"attrs":{…}}.
// site, conn, stream and req are present only when known. Duration
// attributes are strings in Go syntax ("1.5ms").
func AppendJSON(dst []byte, e *Event) []byte {
	dst = append(dst, `{"ts":"`...)
	dst = appendTimestamp(dst, e.Time)
	dst = append(dst, `","probe":"`...)
	dst = append(dst, e.Probe.String()...)
	dst = append(dst, `","event":`...)
	dst = appendJSONString(dst, e.Name)
	dst = append(dst, `,"sev":"`...)
	dst = append(dst, e.Sev.String()...)
	dst = append(dst, '"')
	if e.Site != "" {
		dst = append(dst, `,"site":`...)
		dst = appendJSONString(dst, e.Site)
	}
	if e.Conn != 0 {
		dst = append(dst, `,"conn":`...)
		dst = strconv.AppendUint(dst, e.Conn, 10)
	}
	if e.HasStream {
		dst = append(dst, `,"stream":`...)
		dst = strconv.AppendUint(dst, uint64(e.Stream), 10)
	}
	if e.Req != 0 {
		dst = append(dst, `,"req":`...)
		dst = strconv.AppendUint(dst, e.Req, 10)
	}
	dst = append(dst, `,"msg":`...)
	dst = appendJSONString(dst, e.Msg)
	dst = append(dst, `,"attrs":{`...)
	for i := 0; i < e.NumAttrs(); i++ {
		a := e.AttrAt(i)
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, a.Key.String())
		dst = append(dst, ':')
		switch a.Kind {
		case KindString:
			dst = appendJSONString(dst, a.Str)
		case KindInt:
			dst = strconv.AppendInt(dst, a.Num, 10)
		case KindBool:
			dst = strconv.AppendBool(dst, a.Num != 0)
		case KindDuration:
			dst = appendJSONString(dst, time.Duration(a.Num).String())
		}
	}
	return append(dst, "}}\n"...)
}

const hexDigits = "0123456789abcdef"

func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0 // s[start:i] is pending, needs no escaping
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < 0x7f {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
		}
		dst = append(dst, s[start:i]...)
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < utf8.RuneSelf:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			dst = append(dst, `\ufffd`...)
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// MarshalJSON renders c with named fields and durations in Go syntax, as
// the admin socket's /v1/status shows the configuration:
//
//	{"levels":{"frame":1,…},"slow_dns":"100ms","slow_connect":"200ms","slow_tls":"300ms","slow_ttfb":"1s","gc_delay":"1ms","ring":4096}
func (c Config) MarshalJSON() ([]byte, error) {
	b := []byte(`{"levels":{`)
	for p := Probe(0); p < NumProbes; p++ {
		if p > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, p.String())
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(c.Levels[p]), 10)
	}
	b = append(b, '}')
	for _, d := range []struct {
		name string
		d    time.Duration
	}{{"slow_dns", c.SlowDNS}, {"slow_connect", c.SlowConnect}, {"slow_tls", c.SlowTLS}, {"slow_ttfb", c.SlowTTFB}, {"gc_delay", c.GCDelay}} {
		b = append(b, ',')
		b = appendJSONString(b, d.name)
		b = append(b, ':')
		b = appendJSONString(b, d.d.String())
	}
	b = append(b, `,"ring":`...)
	b = strconv.AppendInt(b, int64(c.RingSize), 10)
	return append(b, '}'), nil
}
