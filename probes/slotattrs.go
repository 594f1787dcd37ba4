package probes

import "time"

// SetString, SetInt, SetDuration and SetBool write attribute i of e, an
// event from Reserve, whose attributes are zero: for an event whose
// attributes its producer knows at once, each is written in place at the
// index the producer counts in a register, and NAttrs stored once at the
// end. Add… reads and writes NAttrs in memory and checks it
// against MaxAttrs for every attribute, which on level 2's per-request
// events was most of their cost (those are raw now: see RegisterRaw).
// i < MaxAttrs: these events have at most 7.
func (e *Event) SetString(i int, key Key, value string) {
	a := &e.Attrs[i]
	a.Key, a.Str = key, value // KindString is zero
}

// SetInt: see SetString.
func (e *Event) SetInt(i int, key Key, value int64) {
	a := &e.Attrs[i]
	a.Key, a.Kind, a.Num = key, KindInt, value
}

// SetDuration: see SetString.
func (e *Event) SetDuration(i int, key Key, d time.Duration) {
	a := &e.Attrs[i]
	a.Key, a.Kind, a.Num = key, KindDuration, int64(d)
}

// SetBool: see SetString.
func (e *Event) SetBool(i int, key Key, value bool) {
	a := &e.Attrs[i]
	a.Key, a.Kind = key, KindBool
	if value {
		a.Num = 1
	}
}
