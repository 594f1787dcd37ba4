package multivalue

import (
	"io"
	"net/http"
)

func args() (string, string, io.Reader) { return "", "", nil }

func multi(c *http.Client) {
	_, _ = c.Post(args())    // one multi-value argument: no room for the site, so the method value is wrapped
	_, _ = http.Post(args()) // and a function call is left alone
}
