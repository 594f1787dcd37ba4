//line /golden/rawstring/in.go:1:1
package rawstring

import (
	_ /*line /golden/rawstring/in.go:3:8*/"net/http"

	gohttpdbgrt "github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt"
)

//line /golden/rawstring/in.go:5:1
func raw() {
	const q = `
	resp, err := http.Get(u)
// not code
`
//line /golden/rawstring/in.go:9:3
	_, _ = gohttpdbgrt/*line /golden/rawstring/in.go:9:15*/.Get(q, "rawstring/in.go:9"/*line /golden/rawstring/in.go:9:21*/)
	_, _ = gohttpdbgrt/*line /golden/rawstring/in.go:10:13*/.Post(`http://x/
y`, `text/plain`, nil, "rawstring/in.go:10"/*line /golden/rawstring/in.go:11:22*/)
//line /golden/rawstring/in.go:11:24
	_, _ = gohttpdbgrt/*line /golden/rawstring/in.go:11:36*/.Head(`
`, "rawstring/in.go:11"/*line /golden/rawstring/in.go:12:2*/)
}
