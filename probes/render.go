package probes

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// appendTimestamp appends ns (Unix nanoseconds) as RFC 3339 UTC with nine
// fractional digits, the NDJSON "ts"; it is several times faster than
// time.Time.AppendFormat.
func appendTimestamp(dst []byte, ns int64) []byte {
	t := time.Unix(0, ns).UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	dst = appendInt(dst, y, 4)
	dst = append(dst, '-')
	dst = appendInt(dst, int(mo), 2)
	dst = append(dst, '-')
	dst = appendInt(dst, d, 2)
	dst = append(dst, 'T')
	dst = appendInt(dst, h, 2)
	dst = append(dst, ':')
	dst = appendInt(dst, mi, 2)
	dst = append(dst, ':')
	dst = appendInt(dst, s, 2)
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

// AppendText appends the text rendering of e, DESIGN §4:
//
//	gohttpdbg: SEV EVENT [site=…] [conn=N] [stream=N] [req=N] MSG [k=v …]
//
// followed by a newline.
func AppendText(dst []byte, e *Event) []byte {
	dst = append(dst, "gohttpdbg: "...)
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
	for i := 0; i < int(e.NAttrs); i++ {
		a := &e.Attrs[i]
		dst = append(dst, ' ')
		dst = append(dst, a.Key...)
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
	return append(dst, '\n')
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
	for i := 0; i < int(e.NAttrs); i++ {
		a := &e.Attrs[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, a.Key)
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
