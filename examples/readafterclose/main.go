// Command readafterclose closes a response body and then reads it, a bug
// that usually hides behind a deferred Close and a helper that reads
// later. Built with gohttpdbg it reports body.read_after_close with the
// site of the request.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
)

func main() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	})}
	go srv.Serve(l)
	defer srv.Close()

	resp, err := http.Get("http://" + l.Addr().String() + "/")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	resp.Body.Close()
	_, err = io.ReadAll(resp.Body) // after Close
	fmt.Println("read after close:", err)
}
