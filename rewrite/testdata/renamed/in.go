package renamed

import (
	h "net/http"
	ht "net/http/httptest"
)

func renamed(u string) {
	_, _ = h.Get(u)
	c := &h.Client{}
	_, _ = c.Get(u)
	s := ht.NewServer(h.DefaultServeMux)
	s.Close()
}
