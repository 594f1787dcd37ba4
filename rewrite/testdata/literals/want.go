//line /golden/literals/in.go:1:1
package literals

import (
	gohttpdbgrt "github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt"
//line /golden/literals/in.go:4:1
	"net/http"
	"time"
)

var global = gohttpdbgrt.Client(/*line /golden/literals/in.go:8:14*/&http.Client{Timeout: time.Second}, "literals/in.go:8")

func literals() {
	c := gohttpdbgrt.Client(/*line /golden/literals/in.go:11:7*/&http.Client{
		Transport: gohttpdbgrt.Transport(/*line /golden/literals/in.go:12:14*/&http.Transport{MaxIdleConns: 1}, "literals/in.go:12"),
		Timeout:   time.Second,
	}, "literals/in.go:11")
	v := *gohttpdbgrt.Client(&/*line /golden/literals/in.go:15:7*/http.Client{Timeout: 2 * time.Second}, "literals/in.go:15")
	t := (*gohttpdbgrt.Client(&/*line /golden/literals/in.go:16:7*/http.Client{}, "literals/in.go:16"))/*line /golden/literals/in.go:16:20*/.Timeout
	s := gohttpdbgrt.Server(/*line /golden/literals/in.go:17:7*/&http.Server{Addr: ":0"}, "literals/in.go:17")
	var tv http.Transport // value literal of a type with a mutex: left alone
	_, _, _, _, _ = c, v, t, s, &tv
	clients := []*http.Client{{Timeout: 1}} // elided type: left alone
	_ = clients
}
