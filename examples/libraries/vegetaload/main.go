// Command vegetaload drives a local HTTP/2 (TLS) server with vegeta's
// attacker library: every request is made by vegeta's goroutines, inside
// its module, over a Transport vegeta configures with x/net/http2.
// gohttpdbg still sees each request, and at frame level 2 the HTTP/2
// frames in both directions.
package main

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func main() {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello over %s\n", r.Proto)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()

	targeter := vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: srv.URL + "/load"})
	attacker := vegeta.NewAttacker(
		vegeta.TLSConfig(&tls.Config{InsecureSkipVerify: true}),
		vegeta.HTTP2(true),
		vegeta.Workers(2), vegeta.MaxWorkers(2),
	)
	var m vegeta.Metrics
	for res := range attacker.Attack(targeter, vegeta.Rate{Freq: 50, Per: time.Second}, 200*time.Millisecond, "load") {
		m.Add(res)
	}
	m.Close()
	fmt.Printf("requests=%d success=%.0f%% codes=%v\n", m.Requests, m.Success*100, m.StatusCodes)
	if m.Success < 1 {
		fmt.Fprintln(os.Stderr, "vegetaload: errors:", m.Errors)
		os.Exit(1)
	}
}
