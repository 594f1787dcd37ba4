//line /golden/renamed/in.go:1:1
package renamed

import (
	gohttpdbgrt "github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt"
	httptestrt "github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt/httptestrt"
//line /golden/renamed/in.go:4:1
	h "net/http"
	_ /*line /golden/renamed/in.go:5:5*/"net/http/httptest"
)

func renamed(u string) {
	_, _ = gohttpdbgrt/*line /golden/renamed/in.go:9:10*/.Get(u, "renamed/in.go:9"/*line /golden/renamed/in.go:9:16*/)
	c := gohttpdbgrt.Client(/*line /golden/renamed/in.go:10:7*/&h.Client{}, "renamed/in.go:10")
	_, _ = gohttpdbgrt.ClientGet(/*line /golden/renamed/in.go:11:9*/c, /*line /golden/renamed/in.go:11:15*/u, "renamed/in.go:11"/*line /golden/renamed/in.go:11:16*/)
	s := httptestrt/*line /golden/renamed/in.go:12:9*/.NewServer(gohttpdbgrt.DefaultServeMuxUse(/*line /golden/renamed/in.go:12:20*/h.DefaultServeMux, "renamed/in.go:12"), "renamed/in.go:12"/*line /golden/renamed/in.go:12:37*/)
	s.Close()
}
