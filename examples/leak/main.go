// Command leak never closes its response bodies, the most common HTTP
// client bug: each leaked body pins a connection and its goroutines.
// Built with gohttpdbg it reports body.leak with the site of the http.Get
// call, once the garbage collector finds the abandoned bodies.
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"time"
)

func main() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello")
	})}
	go srv.Serve(l)
	defer srv.Close()

	url := "http://" + l.Addr().String() + "/"
	for i := 0; i < 3; i++ {
		resp, err := http.Get(url) // the leak: resp.Body is never closed
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("status", resp.StatusCode)
	}
	// The bodies are unreachable now; collect them so the leaks show.
	for i := 0; i < 20; i++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	hold()
}

// hold keeps the program up for $EXAMPLE_HOLD (a Go duration), so that
// `gohttpdbg ui` or `ctl` can look at it after its work is done.
func hold() {
	if d, err := time.ParseDuration(os.Getenv("EXAMPLE_HOLD")); err == nil {
		time.Sleep(d)
	}
}
