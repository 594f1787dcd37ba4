package probes

import (
	"net/http"
	"testing"
)

// A key table marks a request once: the wrapper that comes second (a
// wrapped mux inside a wrapped server handler, a call site inside the
// patched Transport) finds the first one's value, and after remove the
// same Header can be marked again.
func TestKeyTableOnce(t *testing.T) {
	var tab keyTable[serverRequest]
	h := http.Header{}
	k := headerKey(h)
	first := &serverRequest{}
	if !tab.put(k, first) {
		t.Fatal("first put refused")
	}
	if tab.put(k, &serverRequest{}) {
		t.Fatal("second put of the same request accepted")
	}
	if tab.get(k) != first {
		t.Fatal("get does not return the first value")
	}
	others := make([]http.Header, 100)
	for i := range others {
		others[i] = http.Header{}
		if !tab.put(headerKey(others[i]), &serverRequest{}) {
			t.Fatalf("request %d refused while another is marked", i)
		}
	}
	tab.remove(k)
	if tab.has(k) || tab.get(k) != nil {
		t.Fatal("still marked after remove")
	}
	if !tab.put(k, first) {
		t.Fatal("put refused after remove")
	}
	tab.remove(k)
	for i := range others {
		tab.remove(headerKey(others[i]))
	}
	for i := range tab.keys {
		if tab.keys[i].Load() != 0 || tab.vals[i].Load() != nil {
			t.Fatalf("slot %d still marked after every remove", i)
		}
	}
	if tab.put(0, first) || tab.has(0) {
		t.Fatal("a request without a Header cannot be marked")
	}
}
