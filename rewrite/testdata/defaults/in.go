package defaults

import (
	"net/http"
	"time"
)

func defaults(req *http.Request) {
	c := http.DefaultClient
	_, _ = http.DefaultClient.Do(req)
	http.DefaultClient = &http.Client{}
	p := &http.DefaultClient
	http.DefaultClient.Timeout = time.Second
	t := http.DefaultTransport.(*http.Transport).Clone()
	switch http.DefaultTransport.(type) {
	case *http.Transport:
	}
	rt := http.DefaultTransport
	_, _ = http.DefaultTransport.RoundTrip(req)
	http.DefaultServeMux.Handle("/", http.NotFoundHandler())
	_ = http.ListenAndServe(":0", http.DefaultServeMux)
	_, _, _, _ = c, p, t, rt
}
