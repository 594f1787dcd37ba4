//line /golden/defaults/in.go:1:1
package defaults

import (
	gohttpdbgrt "github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt"
//line /golden/defaults/in.go:4:1
	"net/http"
	"time"
)

func defaults(req *http.Request) {
	c := gohttpdbgrt.DefaultClientUse(/*line /golden/defaults/in.go:9:7*/http.DefaultClient, "defaults/in.go:9")
	_, _ = gohttpdbgrt.ClientDo(/*line /golden/defaults/in.go:10:9*/http.DefaultClient, /*line /golden/defaults/in.go:10:31*/req, "defaults/in.go:10"/*line /golden/defaults/in.go:10:34*/)
	http.DefaultClient = gohttpdbgrt.Client(/*line /golden/defaults/in.go:11:23*/&http.Client{}, "defaults/in.go:11")
	p := &http.DefaultClient
	gohttpdbgrt.DefaultClientUse(/*line /golden/defaults/in.go:13:2*/http.DefaultClient, "defaults/in.go:13")/*line /golden/defaults/in.go:13:20*/.Timeout = time.Second
	t := http.DefaultTransport.(*http.Transport).Clone()
	switch http.DefaultTransport.(type) {
	case *http.Transport:
	}
	rt := gohttpdbgrt.DefaultTransportUse(/*line /golden/defaults/in.go:18:8*/http.DefaultTransport, "defaults/in.go:18")
	_, _ = gohttpdbgrt.DefaultTransportUse(/*line /golden/defaults/in.go:19:9*/http.DefaultTransport, "defaults/in.go:19")/*line /golden/defaults/in.go:19:30*/.RoundTrip(req)
	gohttpdbgrt.MuxHandle(/*line /golden/defaults/in.go:20:2*/http.DefaultServeMux, /*line /golden/defaults/in.go:20:30*/"/", http.NotFoundHandler(), "defaults/in.go:20"/*line /golden/defaults/in.go:20:57*/)
	_ = gohttpdbgrt/*line /golden/defaults/in.go:21:10*/.ListenAndServe(":0", gohttpdbgrt.DefaultServeMuxUse(/*line /golden/defaults/in.go:21:32*/http.DefaultServeMux, "defaults/in.go:21"), "defaults/in.go:21"/*line /golden/defaults/in.go:21:52*/)
	_, _, _, _ = c, p, t, rt
}
