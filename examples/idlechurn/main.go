// Command idlechurn makes bursts of 8 concurrent requests with
// http.DefaultClient, whose Transport keeps at most 2 idle connections
// per host (DefaultMaxIdleConnsPerHost, golang/go#13801): after each burst
// 6 connections are closed, and the next burst dials 6 new ones, TCP
// handshakes and TIME_WAIT sockets included. Built with gohttpdbg it
// reports dial.not_reused naming the full idle pool and the limit in
// force (in a long-running program, gohttpdbg ctl PID conns shows the
// host's reuse ratio too).
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
)

const (
	workers = 8
	bursts  = 3
)

func main() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The handler holds each request until the whole burst has arrived,
	// so that every burst really needs 8 connections at once.
	arrived := make(chan struct{}, workers)
	release := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
		io.WriteString(w, "ok")
	})}
	go srv.Serve(l)
	defer srv.Close()
	url := "http://" + l.Addr().String() + "/"

	for b := 0; b < bursts; b++ {
		var wg sync.WaitGroup
		for i := 0; i < workers; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := http.Get(url)
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}()
		}
		for i := 0; i < workers; i++ {
			<-arrived
		}
		for i := 0; i < workers; i++ {
			release <- struct{}{}
		}
		wg.Wait()
		fmt.Printf("burst %d: %d requests\n", b+1, workers)
	}
}
