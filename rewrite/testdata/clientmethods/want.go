//line /golden/clientmethods/in.go:1:1
package clientmethods

import (
	gohttpdbgrt "github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt"
//line /golden/clientmethods/in.go:4:1
	"net/http"
	"net/url"
	"strings"
)

type holder struct{ c http.Client }

func newClient() *http.Client { return gohttpdbgrt.Client(/*line /golden/clientmethods/in.go:11:40*/&http.Client{}, "clientmethods/in.go:11") /*line /golden/clientmethods/in.go:11:55*/}

func methods(c *http.Client, req *http.Request, u string, h *holder) {
	var cv http.Client
	_, _ = gohttpdbgrt.ClientDo(/*line /golden/clientmethods/in.go:15:9*/c, /*line /golden/clientmethods/in.go:15:14*/req, "clientmethods/in.go:15"/*line /golden/clientmethods/in.go:15:17*/)
	_, _ = gohttpdbgrt.ClientGet(/*line /golden/clientmethods/in.go:16:9*/c, /*line /golden/clientmethods/in.go:16:15*/u, "clientmethods/in.go:16"/*line /golden/clientmethods/in.go:16:16*/)
	_, _ = gohttpdbgrt.ClientHead(/*line /golden/clientmethods/in.go:17:9*/c, /*line /golden/clientmethods/in.go:17:16*/u, "clientmethods/in.go:17"/*line /golden/clientmethods/in.go:17:17*/)
	_, _ = gohttpdbgrt.ClientPost(/*line /golden/clientmethods/in.go:18:9*/c, /*line /golden/clientmethods/in.go:18:16*/u, "text/plain", strings.NewReader("x"), "clientmethods/in.go:18"/*line /golden/clientmethods/in.go:18:55*/)
	_, _ = gohttpdbgrt.ClientPostForm(/*line /golden/clientmethods/in.go:19:9*/c, /*line /golden/clientmethods/in.go:19:20*/u, url.Values{}, "clientmethods/in.go:19"/*line /golden/clientmethods/in.go:19:35*/)
	_, _ = gohttpdbgrt.ClientDo(&/*line /golden/clientmethods/in.go:20:9*/cv, /*line /golden/clientmethods/in.go:20:15*/req, "clientmethods/in.go:20"/*line /golden/clientmethods/in.go:20:18*/)
	_, _ = gohttpdbgrt.ClientGet(&/*line /golden/clientmethods/in.go:21:9*/h.c, /*line /golden/clientmethods/in.go:21:17*/u, "clientmethods/in.go:21"/*line /golden/clientmethods/in.go:21:18*/)
	_, _ = gohttpdbgrt.ClientDo(/*line /golden/clientmethods/in.go:22:9*/newClient(), /*line /golden/clientmethods/in.go:22:24*/req, "clientmethods/in.go:22"/*line /golden/clientmethods/in.go:22:27*/)
	_, _ = gohttpdbgrt.ClientGet(&/*line /golden/clientmethods/in.go:23:9*/(*c), /*line /golden/clientmethods/in.go:23:18*/u, "clientmethods/in.go:23"/*line /golden/clientmethods/in.go:23:19*/)
	_, _ = gohttpdbgrt.ClientGet/*line /golden/clientmethods/in.go:24:9*/(c, /*line /golden/clientmethods/in.go:24:17*/u, "clientmethods/in.go:24"/*line /golden/clientmethods/in.go:24:18*/)
	_, _ = gohttpdbgrt.ClientDo((gohttpdbgrt.Client/*line /golden/clientmethods/in.go:25:9*/(&http.Client{}, "clientmethods/in.go:25")/*line /golden/clientmethods/in.go:25:24*/), /*line /golden/clientmethods/in.go:25:29*/req, "clientmethods/in.go:25"/*line /golden/clientmethods/in.go:25:32*/)
	f := (*http.Client).Do // method expression: left alone
	_, _ = f(c, req)
}
