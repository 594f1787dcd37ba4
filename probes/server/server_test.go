package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/internal/probetest"
	"github.com/gohttpdbg/gohttpdbg/probes/internal/table"
)

// A request that passes two wrappers (a wrapped handler registered on a
// wrapped server) is followed once, by the outer one, and its exchange
// names the inner registration, which says better which handler served
// it. Once served, it is followed no more.
func TestNestedWrappersFollowOnce(t *testing.T) {
	rec := probetest.Record(t)
	probetest.Configure(t, "all=2")
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	outer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ServeHTTP(inner, "reg.go:2", w, r) })
	r := httptest.NewRequest("GET", "/nested-once", nil)
	ServeHTTP(outer, "srv.go:1", httptest.NewRecorder(), r)

	var mine []probes.Event
	for _, e := range rec.Named("header.request") {
		if u, _ := e.Attr("url"); strings.Contains(u.Str, "/nested-once") {
			mine = append(mine, e)
		}
	}
	if len(mine) != 1 || mine[0].Site != "srv.go:1" {
		t.Fatalf("header.request events of the request: %+v; want one, from the outer wrapper", mine)
	}
	xs, _ := probes.Exchanges(probes.ExchangeFilter{ID: mine[0].Req})
	if len(xs) != 1 || xs[0].Site != "reg.go:2" {
		t.Errorf("exchange: %+v; want one at the registration's site", xs)
	}
	if following.Has(table.HeaderKey(r.Header)) {
		t.Error("the request is still followed after its handler returned")
	}
}

// Instrument composes its hooks with the server's own, once however often
// it runs: the program's ConnState still runs, once a change, and the
// connection gets its id in the request context.
func TestInstrumentComposesOnce(t *testing.T) {
	probetest.Configure(t, "all=1")
	calls := 0
	s := &http.Server{ConnState: func(net.Conn, http.ConnState) { calls++ }}
	Instrument(s, "srv.go:5")
	Instrument(s, "srv.go:5") // again before Serve: idempotent
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	s.ConnState(c1, http.StateNew)
	if calls != 1 {
		t.Fatalf("the program's ConnState ran %d times for one change", calls)
	}
	if id := ConnIDFromContext(s.ConnContext(context.Background(), c1)); id == 0 || id != probes.ConnID(c1) {
		t.Errorf("context conn id %d, connection %d", id, probes.ConnID(c1))
	}
	found := false
	for _, ci := range probes.Conns() {
		found = found || ci.ID == probes.ConnID(c1) && ci.Side == "server" && ci.State == "new"
	}
	if !found {
		t.Errorf("the connection is not in the inventory as a new server connection: %+v", probes.Conns())
	}
}
