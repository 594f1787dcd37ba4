package dotimport

import . "net/http"

func dot(u string) {
	_, _ = Get(u)
	c := &Client{}
	v := Client{}
	_, _ = c.Head(u)
	_, _ = v.Head(u)
	_ = DefaultClient
	HandleFunc("/", func(ResponseWriter, *Request) {})
}
