// Command ginapp is a gin application started with r.Run(), which calls
// http.ListenAndServe inside gin's module: no net/http call site of this
// file starts the server. Its webhook handler answers without reading the
// request body; gohttpdbg reports body.unread at the handler's line.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

func main() {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/ping", func(c *gin.Context) { c.String(http.StatusOK, "pong") })
	r.POST("/webhook", func(c *gin.Context) {
		c.String(http.StatusAccepted, "queued") // never reads the payload
	})
	addr := freeAddr()
	go func() {
		if err := r.Run(addr); err != nil {
			fmt.Fprintln(os.Stderr, "ginapp:", err)
			os.Exit(1)
		}
	}()
	waitUp(addr)
	for i := 0; i < 3; i++ {
		resp, err := http.Post("http://"+addr+"/webhook", "application/json", strings.NewReader(`{"event":"push","n":`+fmt.Sprint(i)+`}`))
		if err != nil {
			fmt.Fprintln(os.Stderr, "ginapp:", err)
			os.Exit(1)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		fmt.Println("webhook:", resp.StatusCode)
	}
}

// freeAddr picks a free loopback port for r.Run, which takes an address.
func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "ginapp:", err)
		os.Exit(1)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitUp(addr string) {
	for i := 0; i < 200; i++ {
		if resp, err := http.Get("http://" + addr + "/ping"); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Fprintln(os.Stderr, "ginapp: server did not start")
	os.Exit(1)
}
