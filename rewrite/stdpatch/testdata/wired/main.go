// Command wired is built by stdpatch's tests with the std patch applied
// and the generated wiring file (in package rh, added by overlay): it
// drives HTTP/2 and HTTP/1 traffic and prints the probe events as NDJSON.
package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/frame"

	_ "github.com/gohttpdbg/gohttpdbg/rewrite/stdpatch/testdata/wired/rh"
)

func main() {
	probes.SetSink(probes.NewJSONSink(os.Stdout))
	probes.SetLevel(probes.Frame, 2)
	probes.SetLevel(probes.Header, 1)
	frame.SetStallThreshold(50 * time.Millisecond)
	sub := probes.Subscribe(1 << 16)
	waitFor := func(names ...string) {
		want := map[string]bool{}
		for _, n := range names {
			want[n] = true
		}
		deadline := time.After(20 * time.Second)
		for len(want) > 0 {
			select {
			case e := <-sub.C():
				delete(want, e.Name+"/"+attrStr(e, "side"))
				delete(want, e.Name)
			case <-deadline:
				fmt.Fprintln(os.Stderr, "wired: timed out waiting for", want)
				return
			}
		}
	}

	// HTTP/2 over TLS with a secret header; then a stalled upload.
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/stall" {
			select { // never reads the body
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "ok")
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	client := srv.Client()
	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	req.Header.Set("Authorization", "Bearer s3cret-token")
	resp, err := client.Do(req)
	check(err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/stall", bytes.NewReader(make([]byte, 8<<20)))
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	waitFor("frame.stall/client", "frame.stall/server")
	cancel()
	close(release)
	<-done

	// GOAWAY: the server shuts down with an idle HTTP/2 connection.
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	srv.Config.Shutdown(sctx)
	scancel()
	waitFor("frame.goaway/client", "frame.goaway/server")
	srv.Close()

	// Malformed HTTP/1 requests.
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for _, raw := range []string{
		"GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n",
		"GET / HTTP/1.1\nHost: x\nBare LF and no colon\n\n",
		"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 2<<20) + "\r\n\r\n",
	} {
		c, err := net.Dial("tcp", plain.Listener.Addr().String())
		check(err)
		go io.WriteString(c, raw)
		bufio.NewReader(c).ReadString('\n')
		c.Close()
	}
	waitFor("header.reject", "header.reject", "header.reject")
	plain.Close()
	probes.Flush()
}

func attrStr(e probes.Event, k string) string {
	a, _ := e.Attr(k)
	return a.Str
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "wired:", err)
		os.Exit(1)
	}
}
