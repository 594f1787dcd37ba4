//line /golden/dotimport/in.go:1:1
package dotimport

import (
//line /golden/dotimport/in.go:3:7
	. "net/http"

	gohttpdbgrt "github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt"
)

//line /golden/dotimport/in.go:5:1
func dot(u string) {
	_, _ = gohttpdbgrt.Get/*line /golden/dotimport/in.go:6:12*/(u, "dotimport/in.go:6"/*line /golden/dotimport/in.go:6:14*/)
	c := gohttpdbgrt.Client(/*line /golden/dotimport/in.go:7:7*/&Client{}, "dotimport/in.go:7")
	v := *gohttpdbgrt.Client(&/*line /golden/dotimport/in.go:8:7*/Client{}, "dotimport/in.go:8")
	_, _ = gohttpdbgrt.ClientHead(/*line /golden/dotimport/in.go:9:9*/c, /*line /golden/dotimport/in.go:9:16*/u, "dotimport/in.go:9"/*line /golden/dotimport/in.go:9:17*/)
	_, _ = gohttpdbgrt.ClientHead(&/*line /golden/dotimport/in.go:10:9*/v, /*line /golden/dotimport/in.go:10:16*/u, "dotimport/in.go:10"/*line /golden/dotimport/in.go:10:17*/)
	_ = gohttpdbgrt.DefaultClientUse(/*line /golden/dotimport/in.go:11:6*/DefaultClient, "dotimport/in.go:11")
	gohttpdbgrt.HandleFunc/*line /golden/dotimport/in.go:12:12*/("/", func(ResponseWriter, *Request) {}, "dotimport/in.go:12"/*line /golden/dotimport/in.go:12:51*/)
}
