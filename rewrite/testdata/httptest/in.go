package httptest

import (
	"net/http"
	"net/http/httptest"
)

func servers(h http.Handler) {
	s1 := httptest.NewServer(h)
	s2 := httptest.NewUnstartedServer(h)
	s3 := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer s1.Close()
	_, _ = s2, s3
	rec := httptest.NewRecorder() // not a rule
	_ = rec
}
