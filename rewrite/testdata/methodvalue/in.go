package methodvalue

import "net/http"

func values(c *http.Client) []any {
	var cv http.Client
	do := c.Do
	get := cv.Get
	return []any{do, get, c.Head, c.Post, c.PostForm, http.DefaultClient.Do}
}
