// Command h2stall uploads 4 MiB over HTTP/2 (TLS) to a handler that waits
// before reading: the client's flow-control send window for the stream runs
// dry and the upload hangs (golang/go#28204, #16510). Plain Go shows a hang;
// built with gohttpdbg it reports frame.stall naming the stream, the
// direction and the window.
package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"time"
)

func main() {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2500 * time.Millisecond) // not reading: the client's send window runs dry
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprintf(w, "read %d", n)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	resp, err := srv.Client().Post(srv.URL, "application/octet-stream", bytes.NewReader(make([]byte, 4<<20)))
	if err != nil {
		panic(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.Proto, resp.StatusCode, string(b))
	hold()
}

// hold keeps the program up for $EXAMPLE_HOLD (a Go duration), so that
// `gohttpdbg ui` or `ctl` can look at it after its work is done.
func hold() {
	if d, err := time.ParseDuration(os.Getenv("EXAMPLE_HOLD")); err == nil {
		time.Sleep(d)
	}
}
