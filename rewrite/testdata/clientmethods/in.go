package clientmethods

import (
	"net/http"
	"net/url"
	"strings"
)

type holder struct{ c http.Client }

func newClient() *http.Client { return &http.Client{} }

func methods(c *http.Client, req *http.Request, u string, h *holder) {
	var cv http.Client
	_, _ = c.Do(req)
	_, _ = c.Get(u)
	_, _ = c.Head(u)
	_, _ = c.Post(u, "text/plain", strings.NewReader("x"))
	_, _ = c.PostForm(u, url.Values{})
	_, _ = cv.Do(req)
	_, _ = h.c.Get(u)
	_, _ = newClient().Do(req)
	_, _ = (*c).Get(u)
	_, _ = (c.Get)(u)
	_, _ = (&http.Client{}).Do(req)
	f := (*http.Client).Do // method expression: left alone
	_, _ = f(c, req)
}
