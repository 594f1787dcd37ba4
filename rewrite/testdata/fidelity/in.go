package main

import (
	"fmt"
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
	fmt.Println("start", where())
	c := &http.Client{Timeout: time.Millisecond}; fmt.Println("literal", where())
	req, _ := http.NewRequest("GET", "http://127.0.0.1:1/", nil)
	_, err := c.Do(req); fmt.Println("do", err != nil, where())
	_, err = http.Get(
		"http://127.0.0.1:1/",
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
	_, _ = c.Get("http://127.0.0.1:1/"); m["x"] = 1
}
