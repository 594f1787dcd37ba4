//line /golden/generic/in.go:1:1
package generic

import (
//line /golden/generic/in.go:3:7
	"net/http"

	gohttpdbgrt "github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt"
)

//line /golden/generic/in.go:5:1
type doer interface {
	Do(*http.Request) (*http.Response, error)
}

func send[T any](c *http.Client, req *http.Request, v T) (T, error) {
	_, err := gohttpdbgrt.ClientDo(/*line /golden/generic/in.go:10:12*/c, /*line /golden/generic/in.go:10:17*/req, "generic/in.go:10"/*line /golden/generic/in.go:10:20*/)
	return v, err
}

func viaParam[D doer](d D, req *http.Request) {
	_, _ = d.Do(req) // type parameter: not net/http's
}

func viaIface(d doer, req *http.Request) {
	_, _ = d.Do(req) // interface: not net/http's
}

type wrapped[T any] struct {
	*http.Client
	v T
}

func (w wrapped[T]) get(u string) {
	_, _ = gohttpdbgrt.ClientGet(/*line /golden/generic/in.go:28:9*/w.Client, /*line /golden/generic/in.go:28:15*/u, "generic/in.go:28"/*line /golden/generic/in.go:28:16*/)
}
