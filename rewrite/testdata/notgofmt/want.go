//line /golden/notgofmt/in.go:1:1
package notgofmt

//line /golden/notgofmt/in.go:2:1
import (
//line /golden/notgofmt/in.go:2:7
	"net/http"

	gohttpdbgrt "github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt"
)

//line /golden/notgofmt/in.go:6:1
func /*line /golden/notgofmt/in.go:6:8*/odd(/*line /golden/notgofmt/in.go:6:13*/u string/*line /golden/notgofmt/in.go:6:22*/) /*line /golden/notgofmt/in.go:6:25*/{
//line /golden/notgofmt/in.go:7:2
	resp, /*line /golden/notgofmt/in.go:7:8*/err /*line /golden/notgofmt/in.go:7:11*/:= gohttpdbgrt/*line /golden/notgofmt/in.go:7:17*/.Get(/*line /golden/notgofmt/in.go:7:23*/u, "notgofmt/in.go:7"/*line /golden/notgofmt/in.go:7:25*/)
//line /golden/notgofmt/in.go:7:26
	if err /*line /golden/notgofmt/in.go:7:33*/!= /*line /golden/notgofmt/in.go:7:35*/nil /*line /golden/notgofmt/in.go:7:38*/{
//line /golden/notgofmt/in.go:7:37
		return
//line /golden/notgofmt/in.go:7:44
	}
//line /golden/notgofmt/in.go:7:46
	_ = resp
	x := 1
//line /golden/notgofmt/in.go:8:11
	_, _ = gohttpdbgrt/*line /golden/notgofmt/in.go:8:23*/.Head(u, "notgofmt/in.go:8"/*line /golden/notgofmt/in.go:8:30*/)
//line /golden/notgofmt/in.go:8:33
	_ = x

//line /golden/notgofmt/in.go:11:2
	c /*line /golden/notgofmt/in.go:11:4*/:= gohttpdbgrt.Client(/*line /golden/notgofmt/in.go:11:6*/&http.Client{/*line /golden/notgofmt/in.go:11:20*/}, "notgofmt/in.go:11")
//line /golden/notgofmt/in.go:11:22
	_, _ = gohttpdbgrt.ClientGet(/*line /golden/notgofmt/in.go:11:30*/c, /*line /golden/notgofmt/in.go:11:36*/u, "notgofmt/in.go:11"/*line /golden/notgofmt/in.go:11:37*/)
}
