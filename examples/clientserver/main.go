// Command clientserver is a well-behaved client and server: a GET and a
// POST over one kept-alive connection, bodies read and closed. Built with
// gohttpdbg it prints nothing at the default level 1; with GOHTTPDBG=all=2
// it shows every header, dial phase, connection state and body.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s\n", r.URL.Query().Get("name"))
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(w, r.Body)
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(l)
	defer srv.Close()
	base := "http://" + l.Addr().String()

	req, _ := http.NewRequest("GET", base+"/hello?name=gopher", nil)
	req.Header.Set("Authorization", "Bearer not-for-your-logs")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(string(b))

	resp, err = http.Post(base+"/echo", "text/plain", strings.NewReader("ping\n"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(string(b))
}
