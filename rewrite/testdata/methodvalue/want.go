//line /golden/methodvalue/in.go:1:1
package methodvalue

import (
//line /golden/methodvalue/in.go:3:7
	"net/http"

	gohttpdbgrt "github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt"
)

//line /golden/methodvalue/in.go:5:1
func values(c *http.Client) []any {
	var cv http.Client
	do := gohttpdbgrt.ClientDoFunc(/*line /golden/methodvalue/in.go:7:8*/c, "methodvalue/in.go:7")
	get := gohttpdbgrt.ClientGetFunc(&/*line /golden/methodvalue/in.go:8:9*/cv, "methodvalue/in.go:8")
	return []any{do, get, gohttpdbgrt.ClientHeadFunc(/*line /golden/methodvalue/in.go:9:24*/c, "methodvalue/in.go:9"), gohttpdbgrt/*line /golden/methodvalue/in.go:9:25*/.ClientPostFunc(/*line /golden/methodvalue/in.go:9:32*/c, "methodvalue/in.go:9"), gohttpdbgrt/*line /golden/methodvalue/in.go:9:33*/.ClientPostFormFunc(/*line /golden/methodvalue/in.go:9:40*/c, "methodvalue/in.go:9"), gohttpdbgrt/*line /golden/methodvalue/in.go:9:41*/.ClientDoFunc(/*line /golden/methodvalue/in.go:9:52*/http.DefaultClient, "methodvalue/in.go:9")/*line /golden/methodvalue/in.go:9:73*/}
}
