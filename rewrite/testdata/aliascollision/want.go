//line /golden/aliascollision/in.go:1:1
package aliascollision

import (
	_ /*line /golden/aliascollision/in.go:3:8*/"net/http"

	gohttpdbgrt2 "github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt"
)

//line /golden/aliascollision/in.go:5:1
var gohttpdbgrt = "user's own name"

func gohttpdbgrt1() string { return gohttpdbgrt }

func get(u string) {
	_, _ = gohttpdbgrt2/*line /golden/aliascollision/in.go:10:13*/.Get(u/*line /golden/aliascollision/in.go:10:20*/+/*line /golden/aliascollision/in.go:10:22*/gohttpdbgrt1(), "aliascollision/in.go:10"/*line /golden/aliascollision/in.go:10:36*/)
}
