// Command badrequest sends requests that net/http's server rejects before
// any handler runs: a header line without a colon (here an Authorization
// header written with a space), a CR inside a header line, and a header
// block over MaxHeaderBytes. The client gets 400 or 431; the server, in
// plain Go, logs nothing. Built with gohttpdbg it reports each as
// header.reject with the reason in words, the offending line (its secret
// redacted) and the client's address.
package main

import (
	"bufio"
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
		Handler:        http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}),
		MaxHeaderBytes: 8 << 10,
	}
	go srv.Serve(l)
	defer srv.Close()

	for _, c := range []struct{ name, raw string }{
		{"missing colon", "GET /orders HTTP/1.1\r\nHost: shop\r\nAuthorization Bearer s3cr3t-t0ken\r\n\r\n"},
		{"bare CR", "GET /orders HTTP/1.1\r\nHost: shop\r\nX-Trace: a\rb\r\n\r\n"},
		{"too large", "GET /orders HTTP/1.1\r\nHost: shop\r\nX-Filler: " + strings.Repeat("a", 64<<10) + "\r\n\r\n"},
	} {
		conn, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		conn.Write([]byte(c.raw))
		status, _ := bufio.NewReader(conn).ReadString('\n')
		conn.Close()
		fmt.Printf("%s: %s\n", c.name, strings.TrimSpace(status))
	}
}
