package generic

import "net/http"

type doer interface {
	Do(*http.Request) (*http.Response, error)
}

func send[T any](c *http.Client, req *http.Request, v T) (T, error) {
	_, err := c.Do(req)
	return v, err
}

func viaParam[D doer](d D, req *http.Request) {
	_, _ = d.Do(req) // type parameter: not net/http's
}

func viaIface(d doer, req *http.Request) {
	_, _ = d.Do(req) // interface: not net/http's
}

type wrapped[T any] struct {
	*http.Client
	v T
}

func (w wrapped[T]) get(u string) {
	_, _ = w.Get(u)
}
