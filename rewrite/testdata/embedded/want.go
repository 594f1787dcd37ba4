//line /golden/embedded/in.go:1:1
package embedded

import (
//line /golden/embedded/in.go:3:7
	"net/http"

	gohttpdbgrt "github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt"
)

//line /golden/embedded/in.go:5:1
type byPtr struct{ *http.Client }

type byVal struct {
	http.Client
	name string
}

type outer struct{ byVal }

func embedded(p byPtr, v *byVal, o outer, req *http.Request) {
	_, _ = gohttpdbgrt.ClientDo(/*line /golden/embedded/in.go:15:9*/p.Client, /*line /golden/embedded/in.go:15:14*/req, "embedded/in.go:15"/*line /golden/embedded/in.go:15:17*/)
	_, _ = gohttpdbgrt.ClientDo(&/*line /golden/embedded/in.go:16:9*/v.Client, /*line /golden/embedded/in.go:16:14*/req, "embedded/in.go:16"/*line /golden/embedded/in.go:16:17*/)
	_, _ = gohttpdbgrt.ClientGet(&/*line /golden/embedded/in.go:17:9*/o.byVal.Client, /*line /golden/embedded/in.go:17:15*/"http://x", "embedded/in.go:17"/*line /golden/embedded/in.go:17:25*/)
	f := gohttpdbgrt.ClientDoFunc(/*line /golden/embedded/in.go:18:7*/p.Client, "embedded/in.go:18")
	_ = f
	_ = v.Timeout
}
