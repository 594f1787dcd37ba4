package probes

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// sendURL records a complete client exchange of GET raw, parsed once by
// the caller (u), from site, and returns its record.
func sendURL(t *testing.T, site string, u *url.URL) Exchange {
	t.Helper()
	// A request of its own, as http.NewRequest makes: its URL's strings
	// are u's, the same bytes at the same address.
	cu := *u
	req := &http.Request{Method: "GET", URL: &cu, Header: http.Header{}, Host: u.Host}
	id := NextReqID()
	clientExchange(id, site, "", req, "127.0.0.1:1", "127.0.0.1:2", nil)
	return exchangeByID(t, id)
}

func checkURL(t *testing.T, x Exchange, u *url.URL) {
	t.Helper()
	pu := url.URL{Path: u.Path, RawPath: u.RawPath}
	if x.Host != u.Host || x.Path != RedactURL(&pu) || x.URL != RedactURL(u) {
		t.Fatalf("record %d: host %q path %q url %q; want %q %q %q", x.ID, x.Host, x.Path, x.URL, u.Host, RedactURL(&pu), RedactURL(u))
	}
}

// isShared reports whether exchange id's record refers to the shared
// table for its host.
func isShared(id uint64) bool {
	j, s := lockedSlot(id)
	if s == nil {
		return false
	}
	defer s.mu.Unlock()
	_ = j
	return s.shared[0] != 0
}

// Two sites sending alternately to two hosts and paths, each URL the
// same string every time, a path that changes on the same site: every
// record has its own request's texts, whether they were copied or are
// the shared table's, and the repeated ones come to be shared.
func TestJournalSharedTextsAlternate(t *testing.T) {
	UseJournal(t, 64)
	a, b, c := distinctHosts(t, "http://a.test:8080/one?x=1", "https://b.test/two/deeper", "http://a.test:8080/three")
	shared := 0
	for i := 0; i < 40; i++ {
		for _, k := range []struct {
			site string
			u    *url.URL
		}{{"s1.go:1", a}, {"s2.go:2", b}, {"s1.go:1", c}, {"s2.go:2", a}} {
			x := sendURL(t, k.site, k.u)
			checkURL(t, x, k.u)
			if isShared(x.ID) {
				shared++
			}
		}
	}
	if shared < 100 {
		t.Errorf("%d of 160 records refer to the shared table: the repeated texts are not shared", shared)
	}
}

// distinctHosts parses the three URLs so that their hosts' bytes have
// entries of their own in the shared table (sharedSlot, by address): two
// hosts at colliding addresses replace each other there, as they may in a
// program, which is not what TestJournalSharedTextsAlternate is about. A
// literal's address is the linker's choice; a copy's the allocator's.
func distinctHosts(t *testing.T, r1, r2, r3 string) (a, b, c *url.URL) {
	t.Helper()
	for i := 0; i < 100; i++ {
		a, b, c = mustURL(t, r1), mustURL(t, r2), mustURL(t, r3)
		sa, sb, sc := sharedSlot(unsafe.StringData(a.Host)), sharedSlot(unsafe.StringData(b.Host)), sharedSlot(unsafe.StringData(c.Host))
		if sa != sb && sb != sc && sa != sc {
			return a, b, c
		}
		r1, r2, r3 = strings.Clone(r1), strings.Clone(r2), strings.Clone(r3)
	}
	t.Fatal("no three host addresses with distinct shared-table entries in 100 copies")
	return
}

// A URL whose host is the same string as an earlier one's but whose path
// is another is not the earlier one: only the same host, path and query
// strings are.
func TestJournalSharedTextsPathChanges(t *testing.T) {
	UseJournal(t, 16)
	base := "http://same.test"
	raw := base + "/p0/" + strings.Repeat("x", 30)
	u := mustURL(t, raw)
	for i := 0; i < 3; i++ {
		checkURL(t, sendURL(t, "p.go:1", u), u)
	}
	// The same host string, other paths of the same length, then other
	// queries, each sent twice (shared the second time).
	for i := 1; i < 20; i++ {
		v := *u
		v.Path = fmt.Sprintf("/p%d/%s", i%10, strings.Repeat("x", 30))
		if i >= 10 { // u's path, the same string, and a query
			v.Path, v.RawQuery = u.Path, fmt.Sprintf("q=%d", i)
		}
		checkURL(t, sendURL(t, "p.go:1", &v), &v)
		checkURL(t, sendURL(t, "p.go:1", &v), &v)
		checkURL(t, sendURL(t, "p.go:1", &v), &v)
	}
	checkURL(t, sendURL(t, "p.go:1", u), u)
}

// A record reads its texts from the shared table for as long as it
// lives: the entry it came from replaced (another URL in its place), the
// record still reads its own.
func TestJournalSharedTextsOutliveTheirEntry(t *testing.T) {
	UseJournal(t, 16)
	u := mustURL(t, "http://kept.test:1/kept/path?k=v")
	var x Exchange
	for i := 0; i < 3; i++ {
		x = sendURL(t, "k.go:1", u)
	}
	if !isShared(x.ID) {
		t.Fatal("the third record of the same URL does not refer to the shared table")
	}
	k := sharedSlot(unsafe.StringData(u.Host))
	old := sharedURLs[k].Load()
	// Another URL takes the entry, as a URL whose host is at an address
	// of the same slot would.
	v := mustURL(t, "http://other.test:2/other?o=p")
	noteURL(v.Host, v.Path, v.RawQuery)
	noteURL(v.Host, v.Path, v.RawQuery)
	sharedURLs[k].Store(sharedURLs[sharedSlot(unsafe.StringData(v.Host))].Load())
	t.Cleanup(func() { sharedURLs[k].Store(old) })
	checkURL(t, exchangeByID(t, x.ID), u)
	// u's next request copies its texts, and v's never show in it.
	y := sendURL(t, "k.go:1", u)
	checkURL(t, y, u)
	if isShared(y.ID) {
		t.Errorf("record %d refers to the shared table through another URL's entry", y.ID)
	}
	checkURL(t, exchangeByID(t, x.ID), u)
}

// Texts of every length up to the arena's and over it, each sent three
// times (so shared when they fit), come back exact.
func TestJournalSharedTextLengths(t *testing.T) {
	UseJournal(t, 8)
	text := func(n int, first byte) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = first + byte(i%23)
		}
		return string(b)
	}
	for n := 0; n <= jArena+1; n++ {
		u := &url.URL{Scheme: "http", Host: "h" + text(n%29, 'a') + ".test", Path: "/" + text(n, 'A'), RawQuery: text((n*7)%(jArena/2), 'a')}
		for i := 0; i < 3; i++ {
			checkURL(t, sendURL(t, "l.go:1", u), u)
		}
	}
}

// Once the shared table is full, nothing more is added: the records copy
// their texts, exact.
func TestJournalSharedTextsFull(t *testing.T) {
	UseJournal(t, 8)
	jtexts.mu.Lock()
	n := jtexts.n
	jtexts.n = len(jtexts.b) - 10
	jtexts.mu.Unlock()
	t.Cleanup(func() {
		jtexts.mu.Lock()
		jtexts.n = n
		jtexts.full.Store(false)
		jtexts.mu.Unlock()
	})
	u := mustURL(t, "http://full.test:3/"+strings.Repeat("f", 40))
	for i := 0; i < 4; i++ {
		x := sendURL(t, "f.go:1", u)
		checkURL(t, x, u)
		if isShared(x.ID) {
			t.Fatalf("record %d refers to a full table's texts", x.ID)
		}
	}
	if !jtexts.full.Load() {
		t.Error("the table is not known to be full")
	}
}

// A served request's remote address is its connection's, by reference,
// once net/http's string is known to be it; another string (a wrapper's,
// or the same text at another address) is the request's own.
func TestJournalServerRemoteByReference(t *testing.T) {
	UseJournal(t, 8)
	ce := &ConnEntry{}
	ce.info.ID, ce.info.Local, ce.info.Remote = NextConnID(), "127.0.0.1:80", "127.0.0.1:40000"
	connStr := strings.Clone(ce.info.Remote) // net/http's, another allocation
	for i, ra := range []string{connStr, connStr, connStr, "127.0.0.9:40009", "10.0.0.9:1", strings.Clone(connStr), "", connStr} {
		r := &http.Request{Method: "GET", URL: &url.URL{Path: "/r"}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, RequestURI: "/r",
			Header: http.Header{}, Host: "example.test", RemoteAddr: ra}
		id := NextReqID()
		JournalServerStart(id, ce, 0, Mono(), "srv.go:1", r, 10)
		JournalServerEnd(id, &ServerOutcome{Site: "h.go:1", Status: 200}, Mono())
		if x := exchangeByID(t, id); x.Remote != ra || x.Local != ce.info.Local {
			t.Errorf("request %d from %q: remote %q local %q", i, ra, x.Remote, x.Local)
		}
	}
}

// emptyBody is a body's comparison with nil and http.NoBody.
func TestEmptyBody(t *testing.T) {
	type myBody struct{ io.ReadCloser }
	for _, c := range []struct {
		b    io.ReadCloser
		want bool
	}{{nil, true}, {http.NoBody, true}, {io.NopCloser(strings.NewReader("")), false}, {myBody{}, false}, {io.ReadCloser(http.NoBody), true}} {
		if got := emptyBody(&c.b); got != c.want || got != (c.b == nil || c.b == http.NoBody) {
			t.Errorf("%T: %v", c.b, got)
		}
	}
}

// A served request's host and target of every length around copyShort's
// (4 to 32 bytes, copied inline) come back exact, whether the remote
// address is the connection's or its own.
func TestJournalServerTextLengths(t *testing.T) {
	UseJournal(t, 8)
	ce := &ConnEntry{}
	ce.info.ID, ce.info.Local, ce.info.Remote = NextConnID(), "127.0.0.1:80", "127.0.0.1:40000"
	remote := strings.Clone(ce.info.Remote)
	text := func(n int, first byte) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = first + byte(i%23)
		}
		return string(b)
	}
	for n := 0; n <= 40; n++ {
		for _, ra := range []string{remote, remote, "10.1.2.3:4"} {
			host, target := text(n, 'a'), "/"+text((n*5)%41, 'A')
			if n%3 == 0 && n > 0 {
				target = "/" + text(n-1, 'A')
			}
			r := &http.Request{Method: "GET", URL: &url.URL{Path: target}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, RequestURI: target,
				Header: http.Header{}, Host: host, RemoteAddr: ra}
			id := NextReqID()
			JournalServerStart(id, ce, 0, Mono(), "srv.go:1", r, 10)
			JournalServerEnd(id, &ServerOutcome{Site: "h.go:1", Status: 200}, Mono())
			x := exchangeByID(t, id)
			if x.Host != host || x.Path != target || x.Remote != ra {
				t.Fatalf("host %q target %q remote %q: got %q %q %q", host, target, ra, x.Host, x.Path, x.Remote)
			}
		}
	}
}

// A writer that finds its record's slot locked (a reader exporting it)
// waits for it, then writes the record whole: each of the five, in turn.
func TestJournalWriterWaitsForItsSlot(t *testing.T) {
	UseJournal(t, 4)
	j := theJournal.Load()
	u := mustURL(t, "http://wait.test:1/w?q=1")
	req := &http.Request{Method: "GET", URL: u, Header: http.Header{}, Host: u.Host}
	ce := &ConnEntry{}
	ce.info.ID, ce.info.Local, ce.info.Remote = NextConnID(), "127.0.0.1:1", "127.0.0.1:2"
	resp := &http.Response{StatusCode: 201, Status: "201 Created", Proto: "HTTP/1.1", ProtoMajor: 1, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(""))}
	r := &http.Request{Method: "GET", URL: &url.URL{Path: "/srv"}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, RequestURI: "/srv",
		Header: http.Header{}, Host: "srv.test", RemoteAddr: "127.0.0.1:9"}
	cid, sid := NextReqID(), NextReqID()
	locked := func(id uint64, write func()) {
		t.Helper()
		s := &j.slots[j.index(id)]
		s.mu.Lock()
		done := make(chan struct{})
		go func() { write(); close(done) }()
		select {
		case <-done:
			t.Fatalf("record %d written while its slot was locked", id)
		case <-time.After(20 * time.Millisecond):
		}
		s.mu.Unlock()
		<-done
	}
	locked(cid, func() { JournalClientStart(cid, Mono(), "w.go:1", req) })
	locked(cid, func() {
		JournalClientResponse(cid, "", req, &ClientConn{Seen: true, Entry: ce, Reused: true, At: Mono(), HeaderSize: 30}, resp, 20, nil, Mono(), false)
	})
	locked(cid, func() { JournalClientEnd(cid, Mono(), 7) })
	locked(sid, func() { JournalServerStart(sid, ce, 0, Mono(), "srv.go:1", r, 10) })
	locked(sid, func() { JournalServerEnd(sid, &ServerOutcome{Site: "h.go:1", Status: 204, Written: 3}, Mono()) })
	x := exchangeByID(t, cid)
	if x.URL != "http://wait.test:1/w?q=1" || x.Status != 201 || x.ResponseBodySize != 7 || x.Remote != "127.0.0.1:2" || x.RequestHeaderSize != 30 {
		t.Errorf("client: %+v", x)
	}
	y := exchangeByID(t, sid)
	if y.URL != "http://srv.test/srv" || y.Status != 204 || y.ResponseBodySize != 3 || y.Remote != "127.0.0.1:9" || y.Site != "h.go:1" {
		t.Errorf("server: %+v", y)
	}
}

// URLs made for each request (an id in the middle of the path) are not
// added to the shared table, however often the collector gives a new one
// the address and length of the last: each is sent once.
func TestJournalSharedTextsSentOnce(t *testing.T) {
	UseJournal(t, 16)
	jtexts.mu.Lock()
	before := jtexts.n
	jtexts.mu.Unlock()
	for i := 0; i < 3000; i++ {
		if i%20 == 0 {
			runtime.GC() // the last URLs' addresses free for the next
		}
		u := mustURL(t, fmt.Sprintf("http://once.test/items/%06d/details", i))
		x := sendURL(t, "o.go:1", u)
		checkURL(t, x, u)
		if isShared(x.ID) {
			t.Fatalf("record %d of a URL sent once refers to the shared table", x.ID)
		}
	}
	jtexts.mu.Lock()
	after := jtexts.n
	jtexts.mu.Unlock()
	if after-before > 200 {
		t.Errorf("URLs sent once took %d bytes of the shared table", after-before)
	}
}
