package servermethods

import (
	"net"
	"net/http"
)

type app struct{ srv http.Server }

func serve(s *http.Server, a *app, l net.Listener, h http.Handler) {
	_ = s.ListenAndServe()
	_ = s.ListenAndServeTLS("cert.pem", "key.pem")
	_ = s.Serve(l)
	_ = s.ServeTLS(l, "cert.pem", "key.pem")
	_ = a.srv.ListenAndServe()
	mux := http.NewServeMux()
	mux.Handle("/a", h)
	mux.HandleFunc("/b", func(http.ResponseWriter, *http.Request) {})
	http.NewServeMux().Handle("/c", h)
	s.Close()
}
