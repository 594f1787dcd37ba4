package probes

import (
	"net/http"
	"testing"
)

// follow marks a request once: the wrapper that comes second (a wrapped
// mux inside a wrapped server handler) passes it through, and after
// unfollow the same Header can be followed again.
func TestFollowOnce(t *testing.T) {
	h := http.Header{}
	k := headerKey(h)
	if !follow(k) {
		t.Fatal("first follow refused")
	}
	if follow(k) {
		t.Fatal("second follow of the same request accepted")
	}
	others := make([]http.Header, 100)
	for i := range others {
		others[i] = http.Header{}
		if !follow(headerKey(others[i])) {
			t.Fatalf("request %d refused while another is followed", i)
		}
	}
	unfollow(k)
	if !follow(k) {
		t.Fatal("follow refused after unfollow")
	}
	unfollow(k)
	for i := range others {
		unfollow(headerKey(others[i]))
	}
	for i := range following {
		if following[i].Load() != 0 {
			t.Fatalf("slot %d still marked after every unfollow", i)
		}
	}
	for i := 0; i < 2; i++ {
		if !follow(0) {
			t.Fatal("a request without a Header must always be followed")
		}
	}
}
