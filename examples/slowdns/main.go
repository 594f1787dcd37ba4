// Command slowdns resolves its server's name through a DNS server on
// 127.0.0.1 that answers after 150ms, over the 100ms default threshold.
// Built with gohttpdbg it reports dial.slow (phase dns) and, at level 2,
// dial.dns with the duration and the resolver used.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/miekg/dns"
)

const delay = 150 * time.Millisecond

func main() {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	dnsSrv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		time.Sleep(delay)
		m := new(dns.Msg)
		m.SetReply(q)
		if q.Question[0].Qtype == dns.TypeA {
			m.Answer = append(m.Answer, &dns.A{
				Hdr: dns.RR_Header{Name: q.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
				A:   net.IPv4(127, 0, 0, 1),
			})
		}
		w.WriteMsg(m)
	})}
	go dnsSrv.ActivateAndServe()
	defer dnsSrv.Shutdown()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "resolved\n")
	})}
	go srv.Serve(l)
	defer srv.Close()

	resolver := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", pc.LocalAddr().String())
	}}
	dialer := &net.Dialer{Resolver: resolver, FallbackDelay: -1}
	tr := &http.Transport{DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
		return dialer.DialContext(ctx, "tcp4", addr)
	}}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get("http://slow.example.test:" + port + "/")
	if err != nil {
		fail(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(string(b))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
