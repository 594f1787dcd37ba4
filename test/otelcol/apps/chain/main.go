// Command chain is the program of the OTLP end-to-end tests: a front
// server whose handler calls a back server (passing its request's
// context on, as a program does), and a request whose body it never
// closes (a body.leak). It prints the front server's URL and serves until
// killed.
package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"time"
)

func main() {
	back := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, r.Header.Values("Traceparent"))
	}))
	mux := http.NewServeMux()
	mux.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), "GET", back.URL+"/data?token=s3cret-query", nil)
		req.Header.Set("Authorization", "Bearer s3cret-auth")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Fprintf(w, "%s", b)
	})
	mux.HandleFunc("/leak", func(w http.ResponseWriter, r *http.Request) {
		resp, err := http.Get(back.URL + "/leaked") // the leak's line
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		fmt.Fprint(w, resp.StatusCode)
	})
	mux.HandleFunc("/gc", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 5; i++ {
			runtime.GC()
			time.Sleep(20 * time.Millisecond)
		}
	})
	front := httptest.NewServer(mux)
	fmt.Println("FRONT", front.URL)
	select {}
}
