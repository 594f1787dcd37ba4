//line /golden/multiline/in.go:1:1
package multiline

import (
	gohttpdbgrt "github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt"
//line /golden/multiline/in.go:4:1
	"io"
	"net/http"
)

func multi(c *http.Client, u string, body io.Reader) {
	resp, err := gohttpdbgrt/*line /golden/multiline/in.go:9:19*/.Post(
		u,
		"application/json",
		body, "multiline/in.go:9",
	)
	_, _ = resp, err
	_, _ = gohttpdbgrt.ClientGet/*line /golden/multiline/in.go:16:6*/(/*line /golden/multiline/in.go:15:9*/c, /*line /golden/multiline/in.go:16:7*/u, "multiline/in.go:16"/*line /golden/multiline/in.go:16:8*/)
	_, _ = gohttpdbgrt/*line /golden/multiline/in.go:17:13*/.Post(u,
		"text/plain", body, "multiline/in.go:17"/*line /golden/multiline/in.go:18:21*/)
	srv := gohttpdbgrt.Server(/*line /golden/multiline/in.go:19:9*/&http.Server{
		Addr: ":0",
		Handler: http.HandlerFunc(func(w http.ResponseWriter,
			r *http.Request) {
		}),
	}, "multiline/in.go:19")
	_ = srv
}
