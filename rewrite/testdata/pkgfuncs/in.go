package pkgfuncs

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

func client(u string) {
	resp, err := http.Get(u)
	_, _ = resp, err
	_, _ = http.Head(u)
	_, _ = http.Post(u, "text/plain", strings.NewReader("x"))
	_, _ = http.PostForm(u, url.Values{"k": {"v"}})
}

func server(l net.Listener, h http.Handler) {
	_ = http.ListenAndServe(":0", h)
	_ = http.ListenAndServeTLS(":0", "cert.pem", "key.pem", nil)
	_ = http.Serve(l, h)
	_ = http.ServeTLS(l, h, "cert.pem", "key.pem")
	http.Handle("/a", h)
	http.HandleFunc("/b", func(w http.ResponseWriter, r *http.Request) {})
	defer http.Get("http://deferred")
	go http.Head("http://go")
}
