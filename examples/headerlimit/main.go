// Command headerlimit sends request headers close to its server's
// MaxHeaderBytes and receives response headers close to its client's
// MaxResponseHeaderBytes: one more cookie and plain net/http answers 431
// or fails with "server response headers exceeded". Built with gohttpdbg
// both sides report header.limit naming the limit and the size.
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
)

func main() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv := &http.Server{
		MaxHeaderBytes: 4096,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Trace", strings.Repeat("t", 3800))
		}),
	}
	go srv.Serve(l)
	defer srv.Close()

	c := &http.Client{Transport: &http.Transport{MaxResponseHeaderBytes: 4096}}
	req, err := http.NewRequest("GET", "http://"+l.Addr().String()+"/", nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	req.Header.Set("X-Context", strings.Repeat("c", 3800))
	resp, err := c.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	resp.Body.Close()
	fmt.Println("status", resp.StatusCode)
}
