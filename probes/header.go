package probes

import (
	"encoding/binary"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"unsafe"
)

// HeaderSize returns the wire size of h in HTTP/1 form ("Key: value\r\n"
// per value).
func HeaderSize(h http.Header) int {
	n := 0
	for k, vs := range h {
		if len(vs) == 1 { // most fields: no loop
			n += len(k) + len(vs[0]) + 4
			continue
		}
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// fieldsSize is HeaderSize of the fields f.
func fieldsSize(f []HeaderField) int {
	n := 0
	for i := range f {
		n += len(f[i].Name) + len(f[i].Value) + 4
	}
	return n
}

// FormatHeader renders h, redacted, as "Key: value; Key: value" in sorted
// key order.
func FormatHeader(h http.Header) string { return formatFields(headerFields(h)) }

// headerFields returns h's fields as name, value, name, value…, the
// values of a name in their order.
func headerFields(h http.Header) []string {
	n := 0
	for _, vs := range h {
		n += 2 * len(vs)
	}
	return appendHeaderFields(make([]string, 0, n), h)
}

// HPACKField is a decoded HTTP/2 header field, laid out as hpack's
// HeaderField (the std patch checks that with a conversion): the patch
// hands a block's fields over as they were decoded, not copied into a
// []string first.
type HPACKField = struct {
	Name, Value string
	Sensitive   bool
}

// SetHeaderFieldsMsg is SetFieldsMsg for decoded fields f, packed
// straight from them (into its slot's buffer, for an event from
// Reserve).
func (e *Event) SetHeaderFieldsMsg(f []HPACKField) {
	e.packed = packHPACK(e.fieldsBuf(), f)
	e.Msg, e.headersForm = "", fieldsMsg
}

// packHPACK is packFields for decoded fields, read from f in place.
func packHPACK(b []byte, f []HPACKField) []byte {
	b, _ = packPairs(b, unsafe.Pointer(unsafe.SliceData(f)), len(f), unsafe.Sizeof(HPACKField{}))
	return b
}

// packHeaderFields is packPairs for f.
func packHeaderFields(b []byte, f []HeaderField) ([]byte, int) {
	return packPairs(b, unsafe.Pointer(unsafe.SliceData(f)), len(f), unsafe.Sizeof(HeaderField{}))
}

// packPairs reads a field as a [2]string: each of these types must be
// laid out so, name then value (this fails to compile otherwise).
var (
	_ [unsafe.Offsetof(HPACKField{}.Value) - unsafe.Sizeof("")]struct{}
	_ [unsafe.Sizeof("") - unsafe.Offsetof(HPACKField{}.Value)]struct{}
	_ [unsafe.Offsetof(HeaderField{}.Value) - unsafe.Sizeof("")]struct{}
	_ [unsafe.Sizeof("") - unsafe.Offsetof(HeaderField{}.Value)]struct{}
	_ [unsafe.Sizeof(HeaderField{}) - 2*unsafe.Sizeof("")]struct{}
	_ [2*unsafe.Sizeof("") - unsafe.Sizeof(HeaderField{})]struct{}
)

// packFields appends fields (name, value, name, value…) to b, each a
// uvarint length and its bytes: header fields kept in a buffer the
// collector does not scan (Event.packed).
func packFields(b []byte, fields []string) []byte {
	const str = unsafe.Sizeof("")
	return packStrings(b, unsafe.Pointer(unsafe.SliceData(fields)), len(fields), 2*str, str)
}

// packStrings packs n strings as packFields does, string k being at base
// + k/2*pair + k%2*second: a []string's, or decoded fields' names and
// values. A string of up to 32 bytes that fits in b is moved in line
// (moveWide), which costs half of what append's check and call to
// memmove per string cost, with the loop's values saved and reloaded
// around each call.
func packStrings(b []byte, base unsafe.Pointer, n int, pair, second uintptr) []byte {
	for k := 0; k < n; k++ {
		s := *(*string)(unsafe.Add(base, uintptr(k>>1)*pair+uintptr(k&1)*second))
		n, m := len(b), len(b)+1+len(s)
		if len(s) > 32 || m > cap(b) {
			b = appendPackedSlow(b, s)
			continue
		}
		b = b[:m]
		d := unsafe.Add(unsafe.Pointer(unsafe.SliceData(b)), n)
		*(*byte)(d) = byte(len(s))
		d, p := unsafe.Add(d, 1), unsafe.Pointer(unsafe.StringData(s))
		if n := len(s); n >= 8 {
			moveWide(d, p, n)
		} else {
			moveNarrow(d, p, n)
		}
	}
	return b
}

// packPairs packs n fields as packFields packs their names and values,
// field i being a name and a value string at base + i*stride: a []string
// of names and values (stride 32), []HeaderField (32) or decoded HPACK
// fields (HPACKField, 40). It returns the fields' wire size too, as
// HeaderSize counts it. One check a field (both lengths under 128, room
// for both) and each string moved in line (moveWide, moveNarrow,
// moveLong): no call in the loop. The first field that fails the check
// and those after it are packed by packPairsRest.
func packPairs(b []byte, base unsafe.Pointer, n int, stride uintptr) ([]byte, int) {
	// An offset, not a pointer, walks the fields: a pointer just past
	// the last one could point into the next allocation.
	// Only lim and adj outlive the loop: with n and len(b) too, two of
	// them were reloaded from the stack a field.
	lim := uintptr(n) * stride
	adj := 2*n - len(b) // each field took its lengths' 2 bytes, where the wire takes 4 (": ", CRLF)
	l, c := len(b), cap(b)
	d := unsafe.Pointer(unsafe.SliceData(b))
	for o := uintptr(0); o != lim; o += stride {
		// The name, then the value, each its length in one byte and its
		// bytes; written out twice, as one function each would not be
		// inlined and a loop over the two costs a third more (packing
		// BenchmarkPackHPACK's fields: 1 790 instructions, 2 460).
		f := (*[2]string)(unsafe.Add(base, o))
		k, v := len(f[0]), len(f[1])
		if k|v >= 0x80 || l+2+k+v > c {
			return packPairsRest(b[:l], base, lim, o, stride)
		}
		w, p := unsafe.Add(d, l), unsafe.Pointer(unsafe.StringData(f[0]))
		*(*byte)(w) = byte(k)
		w = unsafe.Add(w, 1)
		if k > 32 {
			moveLong(w, p, k)
		} else if k >= 8 {
			moveWide(w, p, k)
		} else {
			moveNarrow(w, p, k)
		}
		w, p = unsafe.Add(w, k), unsafe.Pointer(unsafe.StringData(f[1]))
		*(*byte)(w) = byte(v)
		w = unsafe.Add(w, 1)
		if v > 32 {
			moveLong(w, p, v)
		} else if v >= 8 {
			moveWide(w, p, v)
		} else {
			moveNarrow(w, p, v)
		}
		l += 2 + k + v
	}
	return b[:l], l + adj
}

// packPairsRest is packPairs from the field at offset from on, by
// packStrings, and the wire size of all the fields, up to offset lim.
//
//go:noinline
func packPairsRest(b []byte, base unsafe.Pointer, lim, from, stride uintptr) ([]byte, int) {
	size := 0
	for o := uintptr(0); o != lim; o += stride {
		f := (*[2]string)(unsafe.Add(base, o))
		size += len(f[0]) + len(f[1]) + 4
	}
	rest := 2 * int((lim-from)/stride)
	return packStrings(b, unsafe.Add(base, from), rest, stride, unsafe.Sizeof("")), size
}

// packField appends a field, name k and value v, as appendPacked appends
// each, for the loops over a header map. Most fields are short and fit
// in b: then one check for both, a length in one byte, and the bytes of
// a string of up to 32 moved in line (moveWide), not by a call to
// memmove, around which every live value of the loop was saved and
// reloaded.
func packField(b []byte, k, v string) []byte {
	n := len(b)
	m := n + 2 + len(k) + len(v)
	if len(k)|len(v) >= 0x80 || m > cap(b) {
		return packFieldSlow(b, k, v)
	}
	b = b[:m]
	d := unsafe.Add(unsafe.Pointer(unsafe.SliceData(b)), n)
	s := k
	for i := 0; ; i++ { // k, then v
		n, p := len(s), unsafe.Pointer(unsafe.StringData(s))
		*(*byte)(d) = byte(n)
		d = unsafe.Add(d, 1)
		if n > 32 {
			copy(unsafe.Slice((*byte)(d), n), s)
		} else if n >= 8 {
			moveWide(d, p, n)
		} else {
			moveNarrow(d, p, n)
		}
		if i == 1 {
			return b
		}
		d, s = unsafe.Add(d, n), v
	}
}

// appendPackedSlow and packFieldSlow are out of line: the packing loops
// hold no call but theirs.
//
//go:noinline
func appendPackedSlow(b []byte, s string) []byte { return appendPacked(b, s) }

//go:noinline
func packFieldSlow(b []byte, k, v string) []byte {
	return appendPacked(appendPacked(b, k), v)
}

func appendPacked(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// unpackFields returns the fields packFields packed in b.
func unpackFields(b []byte) []string {
	n := 0
	for r := b; len(r) > 0; n++ {
		l, k := binary.Uvarint(r)
		if k <= 0 || uint64(len(r)-k) < l {
			break
		}
		r = r[k+int(l):]
	}
	f := make([]string, 0, n)
	for len(b) > 0 {
		l, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < l {
			break
		}
		f = append(f, string(b[k:k+int(l)]))
		b = b[k+int(l):]
	}
	return f
}

// appendHeaderFields appends h's fields to f as headerFields returns them.
func appendHeaderFields(f []string, h http.Header) []string {
	for k, vs := range h {
		for _, v := range vs {
			f = append(f, k, v)
		}
	}
	return f
}

// formatFields renders fields (see headerFields) sorted by name, values
// redacted. The buffer is sized up front, with slack for what redaction
// adds ("[REDACTED]", "sha256:…"), not grown per field.
func formatFields(f []string) string {
	pairs := make([]int, len(f)/2)
	n := 0
	for i := range pairs {
		pairs[i] = 2 * i
		n += len(f[2*i]) + len(f[2*i+1]) + 4 + redactSlack
	}
	sort.SliceStable(pairs, func(a, b int) bool { return f[pairs[a]] < f[pairs[b]] })
	b := make([]byte, 0, n)
	for _, i := range pairs {
		b = AppendHeaderField(b, f[i], f[i+1])
	}
	return string(b)
}

// formatFieldsInOrder renders fields (see headerFields) in their order,
// values redacted: "Name: value; Name: value".
func formatFieldsInOrder(f []string) string {
	n := 0
	for i := 0; i+1 < len(f); i += 2 {
		n += len(f[i]) + len(f[i+1]) + 4 + redactSlack
	}
	b := make([]byte, 0, n)
	for i := 0; i+1 < len(f); i += 2 {
		b = AppendHeaderField(b, f[i], f[i+1])
	}
	return string(b)
}

// fieldsForm says how an event's lazily rendered header fields become
// text (Event.headers).
type fieldsForm uint8

const (
	fieldsSorted  fieldsForm = iota // an attribute, FormatHeader's text (AddHeader)
	fieldsInOrder                   // an attribute, the fields in their order (AddFields)
	fieldsMsg                       // the message, FormatFieldsMsg's text (SetFieldsMsg)
)

// MaxFieldsMsg caps the text of FormatFieldsMsg.
const MaxFieldsMsg = 2048

// FormatFieldsMsg renders header fields (name, value, name, value…) in
// their order as name="value" name="value", values redacted and quoted
// (Go syntax); text beyond MaxFieldsMsg bytes is cut and ends in "…".
// It is the message of frame.headers.
func FormatFieldsMsg(fields []string) string {
	// One buffer, sized for the fields quoted (and redacted) as they are;
	// the message is made from it without a copy.
	n := 0
	for _, f := range fields {
		n += len(f) + 4
	}
	if n += len(fields) * 8; n > MaxFieldsMsg+64 {
		n = MaxFieldsMsg + 64
	}
	b := make([]byte, 0, n)
	for i := 0; i+1 < len(fields) && len(b) < MaxFieldsMsg; i += 2 {
		if len(b) > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendQuote(append(append(b, fields[i]...), '='), RedactHeader(fields[i], fields[i+1]))
	}
	msg := unsafe.String(unsafe.SliceData(b), len(b)) // b is not written again
	if len(msg) > MaxFieldsMsg {
		msg = msg[:MaxFieldsMsg] + "…"
	}
	return msg
}

// redactSlack is what a redacted value may need beyond the original's
// length, per field, when a buffer is sized for a header.
const redactSlack = 20

// AppendHeaderField appends the field k: v, its value redacted, to b, a
// header being rendered "k: v; k2: v2".
func AppendHeaderField(b []byte, k, v string) []byte {
	if len(b) > 0 {
		b = append(b, "; "...)
	}
	b = append(b, k...)
	b = append(b, ": "...)
	return append(b, RedactHeader(k, v)...)
}

// RequestLine is a request line for events: the method and the redacted
// URL (see requestLine).
func RequestLine(method string, u *url.URL) string { return requestLine(method, u) }

// RenderedLine returns line, a request line rendered up front, or
// renders it now when there is none.
func RenderedLine(line, method string, u *url.URL) string {
	if line != "" {
		return line
	}
	return RequestLine(method, u)
}
