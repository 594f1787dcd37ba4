//line /golden/servermethods/in.go:1:1
package servermethods

import (
	gohttpdbgrt "github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt"
//line /golden/servermethods/in.go:4:1
	"net"
	"net/http"
)

type app struct{ srv http.Server }

func serve(s *http.Server, a *app, l net.Listener, h http.Handler) {
	_ = gohttpdbgrt.ServerListenAndServe(/*line /golden/servermethods/in.go:11:6*/s, "servermethods/in.go:11"/*line /golden/servermethods/in.go:11:23*/)
	_ = gohttpdbgrt.ServerListenAndServeTLS(/*line /golden/servermethods/in.go:12:6*/s, /*line /golden/servermethods/in.go:12:26*/"cert.pem", "key.pem", "servermethods/in.go:12"/*line /golden/servermethods/in.go:12:47*/)
	_ = gohttpdbgrt.ServerServe(/*line /golden/servermethods/in.go:13:6*/s, /*line /golden/servermethods/in.go:13:14*/l, "servermethods/in.go:13"/*line /golden/servermethods/in.go:13:15*/)
	_ = gohttpdbgrt.ServerServeTLS(/*line /golden/servermethods/in.go:14:6*/s, /*line /golden/servermethods/in.go:14:17*/l, "cert.pem", "key.pem", "servermethods/in.go:14"/*line /golden/servermethods/in.go:14:41*/)
	_ = gohttpdbgrt.ServerListenAndServe(&/*line /golden/servermethods/in.go:15:6*/a.srv, "servermethods/in.go:15"/*line /golden/servermethods/in.go:15:27*/)
	mux := http.NewServeMux()
	gohttpdbgrt.MuxHandle(/*line /golden/servermethods/in.go:17:2*/mux, /*line /golden/servermethods/in.go:17:13*/"/a", h, "servermethods/in.go:17"/*line /golden/servermethods/in.go:17:20*/)
	gohttpdbgrt.MuxHandleFunc(/*line /golden/servermethods/in.go:18:2*/mux, /*line /golden/servermethods/in.go:18:17*/"/b", func(http.ResponseWriter, *http.Request) {}, "servermethods/in.go:18"/*line /golden/servermethods/in.go:18:66*/)
	gohttpdbgrt.MuxHandle(/*line /golden/servermethods/in.go:19:2*/http.NewServeMux(), /*line /golden/servermethods/in.go:19:28*/"/c", h, "servermethods/in.go:19"/*line /golden/servermethods/in.go:19:35*/)
	s.Close()
}
