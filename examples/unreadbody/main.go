// Command unreadbody runs a handler that answers without reading the
// request body it was sent. On HTTP/1 net/http drains or closes the
// connection behind its back; on HTTP/2 an unread body can stall the
// stream's flow control. Built with gohttpdbg it reports body.unread with
// the site where the handler was registered.
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/upload", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted) // r.Body is never read
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(l)
	defer srv.Close()

	body := strings.NewReader(strings.Repeat("data ", 1000))
	resp, err := http.Post("http://"+l.Addr().String()+"/upload", "text/plain", body)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	resp.Body.Close()
	fmt.Println("status", resp.StatusCode)
}
