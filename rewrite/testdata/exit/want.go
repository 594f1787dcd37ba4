//line /golden/exit/in.go:1:1
package main

import (
	"fmt"
	gohttpdbgrt "github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt"
//line /golden/exit/in.go:5:1
	"os"
)

func main() {
	defer gohttpdbgrt.Flush()
//line /golden/exit/in.go:9:1
	if len(os.Args) > 5 {
		gohttpdbgrt/*line /golden/exit/in.go:10:5*/.Exit(3, "exit/in.go:10"/*line /golden/exit/in.go:10:12*/)
	}
	fmt.Println("done")
}
