//line /golden/fidelity/in.go:1:1
package main

import (
	"fmt"
	gohttpdbgrt "github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt"
//line /golden/fidelity/in.go:5:1
	"net/http"
	"runtime"
	"strings"
	"time"
)

func where() string {
	_, file, line, _ := runtime.Caller(1)
	return fmt.Sprintf("%s:%d", file[strings.LastIndex(file, "/")+1:], line)
}

func main() {
	defer gohttpdbgrt.Flush()
//line /golden/fidelity/in.go:17:1
	fmt.Println("start", where())
	c := gohttpdbgrt.Client(/*line /golden/fidelity/in.go:18:7*/&http.Client{Timeout: time.Millisecond}, "fidelity/in.go:18")
//line /golden/fidelity/in.go:18:47
	fmt.Println("literal", where())
	req, _ := http.NewRequest("GET", "http://127.0.0.1:1/", nil)
	_, err := gohttpdbgrt.ClientDo(/*line /golden/fidelity/in.go:20:12*/c, /*line /golden/fidelity/in.go:20:17*/req, "fidelity/in.go:20"/*line /golden/fidelity/in.go:20:20*/)
//line /golden/fidelity/in.go:20:22
	fmt.Println("do", err != nil, where())
	_, err = gohttpdbgrt/*line /golden/fidelity/in.go:21:15*/.Get(
		"http://127.0.0.1:1/", "fidelity/in.go:21",
	)
	fmt.Println("get", err != nil,
		where())
	defer func() {
		recover()
		pcs := make([]uintptr, 20)
		frames := runtime.CallersFrames(pcs[:runtime.Callers(0, pcs)])
		for {
			f, more := frames.Next()
			if strings.HasSuffix(f.File, "in.go") {
				fmt.Println("frame", f.Function, f.File[strings.LastIndex(f.File, "/")+1:], f.Line)
			}
			if !more {
				break
			}
		}
	}()
	boom(c)
}

func boom(c *http.Client) {
	var m map[string]int
	_, _ = gohttpdbgrt.ClientGet(/*line /golden/fidelity/in.go:45:9*/c, /*line /golden/fidelity/in.go:45:15*/"http://127.0.0.1:1/", "fidelity/in.go:45"/*line /golden/fidelity/in.go:45:36*/)
//line /golden/fidelity/in.go:45:38
	m["x"] = 1
}
