// Command stalekeepalive reproduces a stale keep-alive (golang/go#22158,
// #19943): a POST sent on a kept-alive connection that the server closes
// instead of answering, as a server does when its idle timeout fires
// just as the request arrives. net/http does not retry a POST, and all
// the program sees is "EOF". Built with gohttpdbg it reports dial.error
// at the POST's line, saying that the connection was reused after being
// idle and for how long; at level 2, dial.conn shows the same reuse.
package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go serve(l)
	url := "http://" + l.Addr().String() + "/orders"

	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Post(url, "application/json", strings.NewReader(`{"n":1}`))
	if err != nil {
		fmt.Fprintln(os.Stderr, "first POST:", err)
		os.Exit(1)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close() // the connection goes back to the idle pool
	fmt.Println("first POST:", resp.Status)

	time.Sleep(50 * time.Millisecond) // idle
	resp, err = c.Post(url, "application/json", strings.NewReader(`{"n":2}`))
	if err == nil {
		resp.Body.Close()
		fmt.Fprintln(os.Stderr, "second POST: answered; want the stale connection's EOF")
		os.Exit(1)
	}
	fmt.Println("second POST:", err)
}

// serve answers the first request of each connection and keeps the
// connection open, then reads the next request and closes the connection
// without a word: the race of a server's idle timeout against a client
// reusing the connection, made certain.
func serve(l net.Listener) {
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			br := bufio.NewReader(conn)
			for i := 0; ; i++ {
				req, err := http.ReadRequest(br)
				if err != nil {
					return
				}
				io.Copy(io.Discard, req.Body)
				if i > 0 {
					return // closed as the request arrives
				}
				io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}")
			}
		}()
	}
}
