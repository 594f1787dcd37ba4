package probes

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

// pointerPath returns the path to the first field of t that is or holds a
// Go pointer, "" if none.
func pointerPath(t reflect.Type, at string) string {
	switch t.Kind() {
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if p := pointerPath(f.Type, at+"."+f.Name); p != "" {
				return p
			}
		}
		return ""
	case reflect.Array:
		if t.Len() == 0 {
			return ""
		}
		return pointerPath(t.Elem(), at+"[]")
	case reflect.Pointer, reflect.String, reflect.Slice, reflect.Map, reflect.Interface, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return at + " (" + t.String() + ")"
	}
	return ""
}

// The journal's slots are one allocation the collector does not scan: a
// field holding a pointer (a string, a url.URL) added back to jslot
// would make the collector scan every slot on every cycle, and every
// record write a write barrier.
func TestJournalSlotHasNoPointers(t *testing.T) {
	if p := pointerPath(reflect.TypeOf(jslot{}), "jslot"); p != "" {
		t.Fatalf("jslot holds a pointer: %s", p)
	}
	if p := pointerPath(reflect.TypeOf(struct{ s *int }{}), "x"); p == "" {
		t.Fatal("pointerPath misses a pointer")
	}
	if n, at := unsafe.Sizeof(jslot{}), unsafe.Offsetof(jslot{}.text); n != 384 || at+jArena != 384 {
		t.Errorf("jslot is %d bytes, its text at %d: not six cache lines; jArena is 384 less what precedes the text", n, at)
	}
	if jArena >= tConn {
		t.Errorf("jArena %d: a length would read as a marker", jArena)
	}
}

func exchangeByID(t *testing.T, id uint64) Exchange {
	t.Helper()
	xs, _ := Exchanges(ExchangeFilter{ID: id})
	if len(xs) != 1 {
		t.Fatalf("exchange %d: %d records", id, len(xs))
	}
	return xs[0]
}

// clientExchange records a complete client exchange of req on a
// connection between local and remote.
func clientExchange(id uint64, site, via string, req *http.Request, local, remote string, err error) {
	now := Mono()
	JournalClientStart(id, now, site, req)
	ce := &ConnEntry{}
	ce.info.ID, ce.info.Local, ce.info.Remote = 7, local, remote
	c := ClientConn{Seen: true, Entry: ce, Reused: true, At: now}
	var resp *http.Response
	if err == nil {
		resp = &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, Header: http.Header{}}
	}
	JournalClientResponse(id, via, req, &c, resp, 40, err, now, err != nil)
	if err == nil {
		JournalClientEnd(id, now, 2)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Every text of a record is read back exactly: in the slot's arena, over
// it (a long URL, a long error), made of bytes that are not ASCII, an
// IPv6 address with a zone, a URL's rare parts.
func TestJournalRecordTexts(t *testing.T) {
	UseJournal(t, 8)
	long := "/" + strings.Repeat("segment/", 60) + "end"
	longQ := "q=" + strings.Repeat("v", 300)
	longErr := errors.New("dial tcp: " + strings.Repeat("a long reason, ", 40))
	for _, tc := range []struct {
		name, url, site, via, local, remote string
		method                              string
		err                                 error
	}{
		{"short", "http://127.0.0.1:8080/x", "a.go:1", "", "127.0.0.1:40000", "127.0.0.1:8080", "GET", nil},
		{"long path", "http://example.test" + long, "a.go:2", "lib@v1/x.go:9", "127.0.0.1:40001", "127.0.0.1:80", "POST", nil},
		{"long query", "https://example.test/q?" + longQ, "a.go:3", "", "10.0.0.1:1", "10.0.0.2:443", "PROPFIND", nil},
		{"ipv6 zone", "http://[fe80::1%25eth0]:8080/z", "a.go:4", "", "[fe80::2%eth0]:40000", "[fe80::1%eth0]:8080", "GET", nil},
		{"non-ascii", "http://example.test/caf%C3%A9/%E6%97%A5%E6%9C%AC?k=%C3%A9", "ünï.go:5", "", "127.0.0.1:1", "127.0.0.1:2", "GET", nil},
		{"raw path", "http://example.test/a%2Fb/c", "a.go:6", "", "127.0.0.1:1", "127.0.0.1:2", "GET", nil},
		{"rare parts", "http://user:pw@example.test/p?x=1#frag%20ment", "a.go:7", "", "127.0.0.1:1", "127.0.0.1:2", "GET", nil},
		{"user only", "http://user@example.test/p?", "a.go:7", "", "", "", "GET", nil},
		{"long error", "http://example.test/e", "a.go:8", "", "127.0.0.1:1", "127.0.0.1:2", "GET", longErr},
		{"everything long", "http://" + strings.Repeat("h", 100) + ".test" + long + "?" + longQ, strings.Repeat("s", 300), strings.Repeat("v", 300),
			strings.Repeat("l", 100), strings.Repeat("r", 100), strings.Repeat("M", 100), longErr},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := mustURL(t, tc.url)
			req := &http.Request{Method: tc.method, URL: u, Header: http.Header{}, Host: u.Host}
			id := NextReqID()
			clientExchange(id, tc.site, tc.via, req, tc.local, tc.remote, tc.err)
			x := exchangeByID(t, id)
			pu := url.URL{Path: u.Path, RawPath: u.RawPath}
			want := []string{RedactURL(u), u.Host, RedactURL(&pu), tc.site, tc.via, tc.local, tc.remote, tc.method, ""}
			got := []string{x.URL, x.Host, x.Path, x.Site, x.Via, x.Local, x.Remote, x.Method, x.Error}
			if tc.err != nil {
				want[8] = tc.err.Error()
			} else if x.Proto != "HTTP/1.1" {
				t.Errorf("proto %q", x.Proto)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("field %d: got %q, want %q", i, got[i], want[i])
				}
			}
		})
	}
}

// A server record keeps its request's texts as the client's does; an
// unknown connection's local address is the context's, rendered when
// read.
func TestJournalServerRecordTexts(t *testing.T) {
	UseJournal(t, 4)
	for _, target := range []string{"/s?a=1", "/" + strings.Repeat("ü", 200), "*"} {
		u, err := url.ParseRequestURI(target)
		if target == "*" {
			u, err = &url.URL{Path: "*"}, nil
		}
		if err != nil {
			t.Fatal(err)
		}
		laddr := &net.TCPAddr{IP: net.ParseIP("fe80::1"), Port: 8080, Zone: "eth0"}
		r := &http.Request{Method: "OPTIONS", URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, RequestURI: target,
			Header: http.Header{}, Host: "[fe80::1%25eth0]:8080", RemoteAddr: "[fe80::2%eth0]:40000"}
		r = r.WithContext(context.WithValue(context.Background(), http.LocalAddrContextKey, net.Addr(laddr)))
		id := NextReqID()
		JournalServerStart(id, nil, 0, Mono(), "srv.go:1", r, -1)
		JournalServerEnd(id, &ServerOutcome{Site: "handler.go:2", Status: 204}, Mono())
		x := exchangeByID(t, id)
		wu := *u
		wu.Scheme, wu.Host = "http", r.Host
		if x.URL != RedactURL(&wu) || x.Host != r.Host || x.Remote != r.RemoteAddr || x.Local != laddr.String() ||
			x.Site != "handler.go:2" || x.Side != "server" || x.Method != "OPTIONS" || x.Proto != "HTTP/1.1" || x.Status != 204 {
			t.Errorf("%s: got %+v", target, x)
		}
	}
}

// A slot reused by a shorter record shows none of the longer one's text,
// in the arena or over it.
func TestJournalSlotReuse(t *testing.T) {
	UseJournal(t, 1)
	long := mustURL(t, "http://user:pw@"+strings.Repeat("h", 90)+".test/"+strings.Repeat("p", 300)+"?q="+strings.Repeat("v", 80)+"#f")
	req := &http.Request{Method: "DELETE", URL: long, Header: http.Header{}}
	clientExchange(NextReqID(), strings.Repeat("s", 50), "via.go:1", req, strings.Repeat("l", 60), strings.Repeat("r", 60), errors.New(strings.Repeat("e", 400)))
	JournalTagForTest(t)
	// Short but for its query, which is over the arena: the record has
	// a jside of its own again.
	q := strings.Repeat("k", jArena+1)
	short := mustURL(t, "http://h/?"+q)
	req = &http.Request{Method: "GET", URL: short, Header: http.Header{}}
	id := NextReqID()
	clientExchange(id, "b.go:1", "", req, "", "", nil)
	x := exchangeByID(t, id)
	want := Exchange{ID: id, Side: "client", Site: "b.go:1", Method: "GET", URL: "http://h/?" + q, Host: "h", Path: "/", Proto: "HTTP/1.1",
		Status: 200, Conn: 7, Reused: true, RequestHeaderSize: x.RequestHeaderSize, ResponseHeaderSize: 40, RequestBodySize: 0, ResponseBodySize: 2,
		Start: x.Start, Time: x.Time, Timings: x.Timings}
	if !reflect.DeepEqual(x, want) {
		t.Errorf("got  %+v\nwant %+v", x, want)
	}
	if _, dropped := Exchanges(ExchangeFilter{}); dropped != 1 {
		t.Errorf("dropped %d", dropped)
	}
}

// JournalTagForTest tags the latest exchange with a diagnostic, which
// the slot's next exchange must not show.
func JournalTagForTest(t *testing.T) {
	t.Helper()
	j := theJournal.Load()
	s := &j.slots[0]
	journalTag(s.id, "test.diag")
	if x := exchangeByID(t, s.id); len(x.Diagnostics) != 1 {
		t.Fatalf("diagnostics %v", x.Diagnostics)
	}
}

// Writers and readers of a small journal at once (run with -race): every
// record read is whole, its texts all its own exchange's.
func TestJournalConcurrent(t *testing.T) {
	UseJournal(t, 16)
	const writers, per = 4, 300
	var wg sync.WaitGroup
	stop := make(chan struct{})
	bad := make(chan string, 1)
	check := func(x *Exchange) {
		n := int(x.ID % 251)
		wantPath := fmt.Sprintf("/%d/%s", x.ID, strings.Repeat("p", n))
		if x.Path != wantPath || x.Site != fmt.Sprintf("w%d.go:1", x.ID%5) || x.Error != fmt.Sprintf("e%d%s", x.ID, strings.Repeat("x", n)) ||
			x.Remote != fmt.Sprintf("127.0.0.1:%d", x.ID%60000) {
			select {
			case bad <- fmt.Sprintf("%+v", *x):
			default:
			}
		}
	}
	var readers sync.WaitGroup
	for r := 0; r < 2; r++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				xs, _ := Exchanges(ExchangeFilter{})
				for i := range xs {
					check(&xs[i])
				}
			}
		}()
	}
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				id := NextReqID()
				n := int(id % 251)
				u := &url.URL{Scheme: "http", Host: "127.0.0.1:1", Path: fmt.Sprintf("/%d/%s", id, strings.Repeat("p", n))}
				req := &http.Request{Method: "GET", URL: u, Header: http.Header{}}
				clientExchange(id, fmt.Sprintf("w%d.go:1", id%5), "", req, "127.0.0.1:1", fmt.Sprintf("127.0.0.1:%d", id%60000),
					fmt.Errorf("e%d%s", id, strings.Repeat("x", n)))
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	xs, _ := Exchanges(ExchangeFilter{})
	if len(xs) != 16 {
		t.Errorf("%d records", len(xs))
	}
	for i := range xs {
		check(&xs[i])
	}
	select {
	case b := <-bad:
		t.Fatalf("a torn record: %s", b)
	default:
	}
}

// The journal's client and server work allocates nothing.
func TestJournalAllocs(t *testing.T) {
	UseJournal(t, 64)
	u := mustURL(t, "http://127.0.0.1:8080/x?y=1")
	req := &http.Request{Method: "GET", URL: u, Header: http.Header{}, Host: u.Host}
	site := "a.go:1"
	clientExchange(NextReqID(), site, "", req, "127.0.0.1:1", "127.0.0.1:2", nil)
	ce := &ConnEntry{}
	ce.info.ID, ce.info.Local, ce.info.Remote = 7, "127.0.0.1:1", "127.0.0.1:2"
	resp := &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, Header: http.Header{}}
	r := &http.Request{Method: "GET", URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, Header: http.Header{}, Host: "127.0.0.1:8080", RemoteAddr: "127.0.0.1:3"}
	o := ServerOutcome{Site: "h.go:1", Status: 200}
	if n := testing.AllocsPerRun(200, func() {
		id := NextReqID()
		JournalClientStart(id, 1, site, req)
		c := ClientConn{Seen: true, Entry: ce, Reused: true, At: 1}
		JournalClientResponse(id, "", req, &c, resp, 40, nil, 2, false)
		JournalClientEnd(id, 3, 2)
		id = NextReqID()
		JournalServerStart(id, ce, 0, 1, site, r, 30)
		JournalServerEnd(id, &o, 2)
	}); n != 0 {
		t.Errorf("%v allocations", n)
	}
}

func TestSiteIDs(t *testing.T) {
	a := SiteID("x.go:1")
	b := SiteID(strings.Clone("x.go:1"))
	c := SiteID("x.go:2")
	if a == 0 || a != b || a == c || SiteName(a) != "x.go:1" || SiteName(c) != "x.go:2" || SiteID("") != 0 || SiteName(0) != "" {
		t.Errorf("ids %d %d %d", a, b, c)
	}
}

// A server record keeps the request's target as it was received: a
// handler that rewrites r.URL (a router stripping a prefix in place)
// changes nothing in it. The record is not listed while the request is
// in flight.
func TestJournalServerURLAsReceived(t *testing.T) {
	UseJournal(t, 4)
	for _, target := range []string{"/api/a%2Fb/caf%C3%A9?q=1&r=%20", "/plain", "/force?", "/" + strings.Repeat("long/", 60) + "?q=" + strings.Repeat("v", 100)} {
		u, err := url.ParseRequestURI(target)
		if err != nil {
			t.Fatal(err)
		}
		want := *u
		want.Scheme, want.Host = "http", "example.test"
		wantPath := url.URL{Path: u.Path, RawPath: u.RawPath}
		r := &http.Request{Method: "GET", URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, RequestURI: target,
			Header: http.Header{}, Host: "example.test", RemoteAddr: "127.0.0.1:40000"}
		id := NextReqID()
		JournalServerStart(id, nil, 0, Mono(), "srv.go:1", r, -1)
		r.URL.Path, r.URL.RawPath, r.URL.RawQuery, r.URL.ForceQuery = "/rewritten", "", "x=1", false
		if xs, _ := Exchanges(ExchangeFilter{ID: id}); len(xs) != 0 {
			t.Fatalf("%s: listed in flight: %+v", target, xs)
		}
		JournalServerEnd(id, &ServerOutcome{Site: "handler.go:2", Status: 200}, Mono())
		x := exchangeByID(t, id)
		if x.URL != RedactURL(&want) || x.Path != RedactURL(&wantPath) || x.Site != "handler.go:2" {
			t.Errorf("%s: url %q path %q site %q, want %q %q", target, x.URL, x.Path, x.Site, RedactURL(&want), RedactURL(&wantPath))
		}
	}
}

// A client record's request header size counts the path as it is sent,
// escaped.
func TestJournalClientHeaderSizeEscapedPath(t *testing.T) {
	UseJournal(t, 4)
	for _, raw := range []string{"http://example.test/a b/caf\u00e9?q=1", "http://example.test/a%2Fb", "http://example.test", "http://example.test/x"} {
		u := mustURL(t, raw)
		req := &http.Request{Method: "GET", URL: u, Header: http.Header{"X-A": {"1"}}, Host: u.Host}
		id := NextReqID()
		clientExchange(id, "c.go:1", "", req, "127.0.0.1:1", "127.0.0.1:2", nil)
		x := exchangeByID(t, id)
		want := HeaderSize(req.Header) + len("GET") + len(u.EscapedPath()) + 1 + len(u.RawQuery) + len("HTTP/1.1") + 4 + len("Host: \r\n") + len(u.Host)
		if x.RequestHeaderSize != want {
			t.Errorf("%s: request header size %d, want %d", raw, x.RequestHeaderSize, want)
		}
	}
}

// What a request has that is not the usual (each flagged for its
// writer's rare path) is in its record as the usual is: a method,
// scheme and protocol without a code, a site new to the site ids' cache,
// an HTTP/2 response and its stream, an error, header sizes to sum; a
// record's addresses that are its connection's are the entry's.
func TestJournalRareParts(t *testing.T) {
	UseJournal(t, 4)
	local, remote := "127.0.0.1:40000", "127.0.0.1:8080"
	ce := &ConnEntry{}
	ce.info.ID, ce.info.Local, ce.info.Remote = NextConnID(), local, strings.Clone(remote)

	// A client request: HTTP/2 on a connection nothing reported, its
	// stream's; a site and a via that are not constants.
	u := mustURL(t, "https://example.test/h2?q=1")
	req := &http.Request{Method: "PROPFIND", URL: u, Header: http.Header{"A": {"1"}}, Host: u.Host, Body: http.NoBody}
	site, via := strings.Clone("rare.go:1"), strings.Clone("lib@v1/x.go:2")
	id := NextReqID()
	now := Mono()
	JournalClientStart(id, now, site, req)
	resp := &http.Response{StatusCode: 207, Status: "207 Multi-Status", Proto: "HTTP/2.0", ProtoMajor: 2, Header: http.Header{"B": {"2"}}}
	JournalClientResponse(id, via, req, &ClientConn{Stream: 5, StreamConn: 9}, resp, -1, nil, now, true)
	x := exchangeByID(t, id)
	if x.Method != "PROPFIND" || x.Proto != "h2" || x.Stream != 5 || x.Conn != 9 || !x.Reused || x.Site != site || x.Via != via ||
		x.Status != 207 || x.ResponseHeaderSize != ResponseHeaderSize(resp) || x.RequestHeaderSize == 0 || x.RequestBodySize != 0 {
		t.Errorf("client h2: %+v", x)
	}

	// A client request that failed, on a known connection, with a scheme
	// that has no code and an HTTP/1.0 answer before.
	u = mustURL(t, "ws://example.test/sock")
	req = &http.Request{Method: "GET", URL: u, Header: http.Header{}, Host: u.Host}
	id = NextReqID()
	JournalClientStart(id, now, "rare.go:2", req)
	resp = &http.Response{StatusCode: 101, Status: "101 Switching Protocols", Proto: "HTTP/1.0", ProtoMajor: 1, Header: http.Header{}}
	JournalClientResponse(id, "", req, &ClientConn{Seen: true, Entry: ce, At: now, HeaderSize: 30}, resp, 20, errors.New("boom"), now, true)
	x = exchangeByID(t, id)
	if x.URL != "ws://example.test/sock" || x.Proto != "HTTP/1.0" || x.Error != "boom" || x.Local != local || x.Remote != remote ||
		x.Conn != ce.ID() || x.Reused || x.RequestHeaderSize != 30 || x.ResponseHeaderSize != 20 {
		t.Errorf("client ws: %+v", x)
	}

	// Served requests on a known connection: one whose remote address is
	// the connection's, one that a wrapper gave another.
	for _, ra := range []string{remote, "10.9.8.7:6543"} {
		r := &http.Request{Method: "DELETE", URL: &url.URL{Path: "/d"}, Proto: "HTTP/1.0", ProtoMajor: 1, RequestURI: "/d",
			Header: http.Header{"C": {"3"}}, Host: "example.test", RemoteAddr: ra}
		id = NextReqID()
		JournalServerStart(id, ce, 0, Mono(), "srv.go:1", r, -1)
		JournalServerEnd(id, &ServerOutcome{Site: strings.Clone("handler.go:3"), Status: 204, RespHeader: http.Header{"D": {"4"}}}, Mono())
		x = exchangeByID(t, id)
		if x.Method != "DELETE" || x.Proto != "HTTP/1.0" || x.Local != local || x.Remote != ra || x.Conn != ce.ID() ||
			x.Site != "handler.go:3" || x.RequestHeaderSize != ServedHeaderSize(r) || x.ResponseHeaderSize <= 0 || x.URL != "http://example.test/d" {
			t.Errorf("server from %s: %+v", ra, x)
		}
	}
}

// Texts of every length up to the arena's and over it come back exact:
// putTexts copies words that overlap a text's end, and bytes under 4.
func TestJournalTextLengths(t *testing.T) {
	UseJournal(t, 8)
	text := func(n int, first byte) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = first + byte(i%23)
		}
		return string(b)
	}
	for n := 0; n <= jArena+1; n++ {
		host := "h" + text(n%29, 'a') + ".test"
		path := "/" + text(n, 'A')
		query := text((n*7)%(jArena/2), 'a')
		u := &url.URL{Scheme: "http", Host: host, Path: path, RawQuery: query}
		req := &http.Request{Method: "GET", URL: u, Header: http.Header{}, Host: host}
		id := NextReqID()
		clientExchange(id, "a.go:1", "", req, "127.0.0.1:1", "127.0.0.1:2", nil)
		x := exchangeByID(t, id)
		if x.Host != host || x.Path != path || x.URL != RedactURL(u) {
			t.Fatalf("n=%d: host %q path %q url %q; want %q %q %q", n, x.Host, x.Path, x.URL, host, path, RedactURL(u))
		}
	}
}

// At header level 2 a slot's next exchange shows its own headers only,
// whichever path wrote them: the usual one (startHeaders, respHeaders)
// after a record that had only headers in its jside, the general one
// after a record with more (a diagnostic), and none at level 1.
func TestJournalSlotReuseHeaders(t *testing.T) {
	UseJournal(t, 1)
	old := SetLevel(Header, 2)
	defer SetLevel(Header, old)
	exchange := func(reqH http.Header, resp []HeaderField) Exchange {
		t.Helper()
		id, now := NextReqID(), Mono()
		req := &http.Request{Method: "GET", URL: mustURL(t, "http://h/p"), Header: reqH}
		JournalClientStart(id, now, "a.go:1", req)
		c := ClientConn{Seen: true, Reused: true, At: now, RespFields: resp}
		r := &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, Header: http.Header{}}
		JournalClientResponse(id, "", req, &c, r, 40, nil, now, true)
		return exchangeByID(t, id)
	}
	check := func(x Exchange, req, resp []HeaderField, diags int) {
		t.Helper()
		if !reflect.DeepEqual(x.RequestHeaders, req) || !reflect.DeepEqual(x.ResponseHeaders, resp) || len(x.Diagnostics) != diags {
			t.Errorf("request %v response %v diagnostics %v; want %v, %v, %d", x.RequestHeaders, x.ResponseHeaders, x.Diagnostics, req, resp, diags)
		}
	}
	f := func(kv ...string) []HeaderField {
		var out []HeaderField
		for i := 0; i < len(kv); i += 2 {
			out = append(out, HeaderField{Name: kv[i], Value: kv[i+1]})
		}
		return out
	}
	check(exchange(http.Header{"A": {"1"}, "B": {"2"}}, f("X", "1", "Y", "2")), f("A", "1", "B", "2"), f("X", "1", "Y", "2"), 0)
	check(exchange(http.Header{"C": {"3"}}, f("Z", "9")), f("C", "3"), f("Z", "9"), 0)
	JournalTagForTest(t)
	check(exchange(http.Header{"D": {"4"}}, nil), f("D", "4"), nil, 0)
	check(exchange(http.Header{"E": {"5"}, "F": {"6"}}, f("W", "0")), f("E", "5", "F", "6"), f("W", "0"), 0)
	SetLevel(Header, 1)
	check(exchange(http.Header{"G": {"7"}}, f("V", "1")), nil, nil, 0)
}
