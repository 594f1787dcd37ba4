package probes

import (
	"sync"
	"sync/atomic"
)

// Key names an event attribute: an index into the table of the keys the
// probes use (keys.go), or, for the rare key made at run time (KeyOf),
// into a table that grows. An integer rather than the name: an attribute
// is then one pointer word, and a ring slot's seven of them are words
// that the collector scans in every cycle, that each event's clear
// writes, and whose store into a slot would be a pointer write (with the
// write barrier while the collector runs).
type Key uint16

// String returns the key's name, as it appears in events.
func (k Key) String() string {
	if k < numStaticKeys {
		return keyNames[k]
	}
	if d := dynKeys.Load(); d != nil && int(k-numStaticKeys) < len(*d) {
		return (*d)[k-numStaticKeys]
	}
	return ""
}

var (
	dynKeys   atomic.Pointer[[]string] // names of the keys beyond numStaticKeys, copied on write
	keysMu    sync.Mutex               // serialises KeyOf's additions
	keyByName map[string]Key           // every key by name, made by KeyOf's first call
)

// KeyOf returns the key called name, adding it when no probe uses it: for
// attributes whose names come at run time (events read back from NDJSON,
// tests). Never on a request's path: it takes a lock. Past 65 535 keys it
// returns the empty key.
func KeyOf(name string) Key {
	keysMu.Lock()
	defer keysMu.Unlock()
	if keyByName == nil {
		keyByName = make(map[string]Key, numStaticKeys)
		for k := Key(0); k < numStaticKeys; k++ {
			keyByName[keyNames[k]] = k
		}
	}
	if k, ok := keyByName[name]; ok {
		return k
	}
	var d []string
	if p := dynKeys.Load(); p != nil {
		d = *p
	}
	if int(numStaticKeys)+len(d) > 0xffff {
		return keyNone
	}
	k := numStaticKeys + Key(len(d))
	d = append(d[:len(d):len(d)], name)
	dynKeys.Store(&d)
	keyByName[name] = k
	return k
}
