//line /golden/crosspkg/in.go:1:1
package crosspkg

import (
	"net/http"

	"example.com/golden/crosspkg/dep"
	gohttpdbgrt "github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt"
//line /golden/crosspkg/in.go:7:1
)

func calls(e dep.Exposed, req *http.Request) {
	h := dep.New()
	_, _ = h.Do(req) // promoted through dep's unexported field: cannot be written here, left alone
	_, _ = gohttpdbgrt.ClientDo(/*line /golden/crosspkg/in.go:12:9*/e.Client, /*line /golden/crosspkg/in.go:12:14*/req, "crosspkg/in.go:12"/*line /golden/crosspkg/in.go:12:17*/)
}
