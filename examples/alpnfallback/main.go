// Command alpnfallback talks TLS to a server that offers only http/1.1,
// through two transports: one that offers h2 (ForceAttemptHTTP2) and one
// with a custom TLSClientConfig, which makes net/http silently stop
// offering h2 (golang/go#20645). Built with gohttpdbg each transport's
// first connection reports dial.alpn_fallback with its reason.
package main

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
)

func main() {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, r.Proto)
	}))
	srv.EnableHTTP2 = false // the server's ALPN list is only http/1.1
	srv.StartTLS()
	defer srv.Close()
	roots := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs

	clients := []*http.Client{
		{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: true}},
		{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}, // h2 silently off
	}
	for _, c := range clients {
		resp, err := c.Get(srv.URL)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("negotiated %s", b)
	}
}
