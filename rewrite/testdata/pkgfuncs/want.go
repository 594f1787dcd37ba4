//line /golden/pkgfuncs/in.go:1:1
package pkgfuncs

import (
	gohttpdbgrt "github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt"
//line /golden/pkgfuncs/in.go:4:1
	"net"
	"net/http"
	"net/url"
	"strings"
)

func client(u string) {
	resp, err := gohttpdbgrt/*line /golden/pkgfuncs/in.go:11:19*/.Get(u, "pkgfuncs/in.go:11"/*line /golden/pkgfuncs/in.go:11:25*/)
	_, _ = resp, err
	_, _ = gohttpdbgrt/*line /golden/pkgfuncs/in.go:13:13*/.Head(u, "pkgfuncs/in.go:13"/*line /golden/pkgfuncs/in.go:13:20*/)
	_, _ = gohttpdbgrt/*line /golden/pkgfuncs/in.go:14:13*/.Post(u, "text/plain", strings.NewReader("x"), "pkgfuncs/in.go:14"/*line /golden/pkgfuncs/in.go:14:58*/)
	_, _ = gohttpdbgrt/*line /golden/pkgfuncs/in.go:15:13*/.PostForm(u, url.Values{"k": {"v"}}, "pkgfuncs/in.go:15"/*line /golden/pkgfuncs/in.go:15:48*/)
}

func server(l net.Listener, h http.Handler) {
	_ = gohttpdbgrt/*line /golden/pkgfuncs/in.go:19:10*/.ListenAndServe(":0", h, "pkgfuncs/in.go:19"/*line /golden/pkgfuncs/in.go:19:33*/)
	_ = gohttpdbgrt/*line /golden/pkgfuncs/in.go:20:10*/.ListenAndServeTLS(":0", "cert.pem", "key.pem", nil, "pkgfuncs/in.go:20"/*line /golden/pkgfuncs/in.go:20:61*/)
	_ = gohttpdbgrt/*line /golden/pkgfuncs/in.go:21:10*/.Serve(l, h, "pkgfuncs/in.go:21"/*line /golden/pkgfuncs/in.go:21:21*/)
	_ = gohttpdbgrt/*line /golden/pkgfuncs/in.go:22:10*/.ServeTLS(l, h, "cert.pem", "key.pem", "pkgfuncs/in.go:22"/*line /golden/pkgfuncs/in.go:22:47*/)
	gohttpdbgrt/*line /golden/pkgfuncs/in.go:23:6*/.Handle("/a", h, "pkgfuncs/in.go:23"/*line /golden/pkgfuncs/in.go:23:21*/)
	gohttpdbgrt/*line /golden/pkgfuncs/in.go:24:6*/.HandleFunc("/b", func(w http.ResponseWriter, r *http.Request) {}, "pkgfuncs/in.go:24"/*line /golden/pkgfuncs/in.go:24:71*/)
	defer gohttpdbgrt/*line /golden/pkgfuncs/in.go:25:12*/.Get("http://deferred", "pkgfuncs/in.go:25"/*line /golden/pkgfuncs/in.go:25:34*/)
	go gohttpdbgrt/*line /golden/pkgfuncs/in.go:26:9*/.Head("http://go", "pkgfuncs/in.go:26"/*line /golden/pkgfuncs/in.go:26:26*/)
}
