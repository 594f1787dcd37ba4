package probes

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"testing"
)

// The journal's and the connection registry's work for one exchange,
// without the network or the client and server probes around them: what
// level 1 adds to every request in package probes. The ids advance as a
// program's do, so each exchange claims the next slot of a full journal
// (the slots are not in cache, as they are not in a busy program).

func benchJournal(b *testing.B) {
	b.Helper()
	currentJournal()
	old := theJournal.Load()
	theJournal.Store(newJournal(DefaultJournalSize))
	captureRule.Store(nil)
	b.Cleanup(func() { theJournal.Store(old) })
}

// BenchmarkJournalClient is a client exchange on a kept-alive connection:
// started, handed its connection, answered, its body read to EOF.
func BenchmarkJournalClient(b *testing.B) {
	benchJournal(b)
	u, _ := url.Parse("http://127.0.0.1:8080/x")
	req := &http.Request{Method: "GET", URL: u, Header: http.Header{}, Host: u.Host}
	resp := &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1,
		Header:        http.Header{"Content-Type": {"text/plain"}, "Content-Length": {"2"}, "Date": {"Fri, 04 Dec 2026 23:00:00 GMT"}},
		ContentLength: 2, Body: http.NoBody}
	resp.Body = nil // a body to wait for
	ce := ConnFor(&stateConn{}, "client")
	defer ce.Forget()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		id := NextReqID()
		now := Mono()
		JournalClientStart(id, now, "bench.go:1", req)
		c := ClientConn{Seen: true, Entry: ce, Reused: true, At: now}
		JournalClientResponse(id, "", req, &c, resp, -1, nil, now, false)
		JournalClientEnd(id, now, 2)
	}
}

// BenchmarkJournalParallel is client exchanges recorded from every P at
// once, as a client and a server in one process record theirs: the ids,
// shared, interleave, and requests in flight together hold neighbouring
// slots.
func BenchmarkJournalParallel(b *testing.B) {
	benchJournal(b)
	u, _ := url.Parse("http://127.0.0.1:8080/x")
	req := &http.Request{Method: "GET", URL: u, Header: http.Header{}, Host: u.Host}
	resp := &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1,
		Header: http.Header{"Content-Length": {"2"}}, ContentLength: 2}
	ce := ConnFor(&stateConn{}, "client")
	defer ce.Forget()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := NextReqID()
			now := Mono()
			JournalClientStart(id, now, "bench.go:1", req)
			c := ClientConn{Seen: true, Entry: ce, Reused: true, At: now}
			JournalClientResponse(id, "", req, &c, resp, 40, nil, now, false)
			JournalClientEnd(id, now, 2)
		}
	})
}

// BenchmarkJournalServer is a served exchange: started, its handler
// returned.
func BenchmarkJournalServer(b *testing.B) {
	benchJournal(b)
	u, _ := url.Parse("/x")
	laddr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
	r := &http.Request{Method: "GET", URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, RequestURI: "/x",
		Header: http.Header{"User-Agent": {"Go-http-client/1.1"}, "Accept-Encoding": {"gzip"}},
		Host:   "127.0.0.1:8080", RemoteAddr: "127.0.0.1:40000"}
	r = r.WithContext(context.WithValue(context.Background(), http.LocalAddrContextKey, net.Addr(laddr)))
	o := ServerOutcome{Site: "bench.go:2", Status: 200, ReqBytes: 0, Written: 2,
		RespHeader: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}}
	c := &stateConn{}
	ce := ConnFor(c, "server")
	defer ce.Forget()
	ce.info.Local = laddr.String()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		id := NextReqID()
		now := Mono()
		JournalServerStart(id, ce, 0, now, "bench.go:2", r, -1)
		o.AnsweredAt = now
		JournalServerEnd(id, &o, now)
	}
}

// BenchmarkConnStates is what a request costs the registry on a kept-alive
// HTTP/1 server connection: its entry found, turned active, then idle.
func BenchmarkConnStates(b *testing.B) {
	c := &stateConn{}
	ConnFor(c, "server").SetState(http.StateNew, false)
	defer ConnFor(c, "server").Forget()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		ConnFor(c, "server").SetState(http.StateActive, true)
		ConnFor(c, "server").SetState(http.StateIdle, false)
	}
}

func BenchmarkMono(b *testing.B) {
	var n int64
	for i := 0; i < b.N; i++ {
		n += Mono()
	}
	_ = n
}

// BenchmarkConnFor is a lookup of a known connection, as every ConnState
// change and GotConn makes.
func BenchmarkConnFor(b *testing.B) {
	c := &stateConn{}
	defer ConnFor(c, "server").Forget()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		ConnFor(c, "server")
	}
}
