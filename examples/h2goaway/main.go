// Command h2goaway makes an HTTP/2 (TLS) request, then shuts the server
// down gracefully: the server sends GOAWAY on the open connection, which a
// client reusing it would otherwise only see as a failed request
// (golang/go#36026). Built with gohttpdbg it reports frame.goaway with the
// last stream id and the error code.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"
)

func main() {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	c := srv.Client()
	resp, err := c.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	fmt.Println(resp.Proto, resp.StatusCode)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Config.Shutdown(ctx) // graceful: GOAWAY on the open HTTP/2 connection
	time.Sleep(200 * time.Millisecond)
	srv.Close()
}
