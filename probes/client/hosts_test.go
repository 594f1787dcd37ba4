package client

import (
	"net/http"
	"testing"
)

// BenchmarkHostRequest is what a request on a kept-alive HTTP/1
// connection costs its host's state: found, begun, handed a reused
// connection, ended, its connection released.
func BenchmarkHostRequest(b *testing.B) {
	t := &http.Transport{}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		h := hostFor(t, "127.0.0.1:8080")
		h.Active.Add(1) // startRequest's count
		h.reused()
		h.end()
		h.release(1)
	}
}

// Requests that alternate between Transports and hosts each find their
// own host state, whichever was found last.
func TestHostForAlternating(t *testing.T) {
	t1, t2 := &http.Transport{}, &http.Transport{}
	want := map[hostKey]*hostState{}
	keys := []hostKey{{t1, "a:80"}, {t2, "a:80"}, {t1, "b:80"}, {nil, "a:80"}}
	for _, k := range keys {
		want[k] = hostFor(k.t, k.host)
	}
	if want[keys[0]] == want[keys[1]] || want[keys[0]] == want[keys[2]] || want[keys[0]] == want[keys[3]] {
		t.Fatal("two Transports or hosts share a host state")
	}
	for round := 0; round < 3; round++ {
		for i := range keys {
			k := keys[(i*3+round)%len(keys)]
			if h := hostFor(k.t, k.host); h != want[k] || h.host != k.host {
				t.Fatalf("round %d: %v found another host's state", round, k)
			}
		}
	}
}
