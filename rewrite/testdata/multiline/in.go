package multiline

import (
	"io"
	"net/http"
)

func multi(c *http.Client, u string, body io.Reader) {
	resp, err := http.Post(
		u,
		"application/json",
		body,
	)
	_, _ = resp, err
	_, _ = c.
		Get(u)
	_, _ = http.Post(u,
		"text/plain", body)
	srv := &http.Server{
		Addr: ":0",
		Handler: http.HandlerFunc(func(w http.ResponseWriter,
			r *http.Request) {
		}),
	}
	_ = srv
}
