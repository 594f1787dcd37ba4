// Command earlyclose reads the first bytes of each response and closes
// the body before EOF: net/http then closes the connection instead of
// reusing it, so every request pays a new TCP handshake. Built with
// gohttpdbg it reports body.early_close and, for the next requests,
// dial.not_reused naming the early close as the reason.
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
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	payload := strings.Repeat("x", 1<<20) // more than Go 1.27 drains after an early Close (256 KiB)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(payload)))
		io.WriteString(w, payload)
	})}
	go srv.Serve(l)
	defer srv.Close()

	url := "http://" + l.Addr().String() + "/"
	for i := 0; i < 3; i++ {
		resp, err := http.Get(url)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		head := make([]byte, 16)
		io.ReadFull(resp.Body, head)
		resp.Body.Close() // before EOF: the connection is thrown away
		fmt.Printf("read %q…\n", head[:4])
	}
}
