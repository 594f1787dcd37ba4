//line /golden/multivalue/in.go:1:1
package multivalue

import (
	gohttpdbgrt "github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt"
//line /golden/multivalue/in.go:4:1
	"io"
	"net/http"
)

func args() (string, string, io.Reader) { return "", "", nil }

func multi(c *http.Client) {
	_, _ = gohttpdbgrt.ClientPostFunc(/*line /golden/multivalue/in.go:11:9*/c, "multivalue/in.go:11")/*line /golden/multivalue/in.go:11:15*/(args()) // one multi-value argument: no room for the site, so the method value is wrapped
	_, _ = http.Post(args())                                            // and a function call is left alone
}
