//line /golden/httptest/in.go:1:1
package httptest

import (
	httptestrt "github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt/httptestrt"
//line /golden/httptest/in.go:4:1
	"net/http"
	"net/http/httptest"
)

func servers(h http.Handler) {
	s1 := httptestrt/*line /golden/httptest/in.go:9:16*/.NewServer(h, "httptest/in.go:9"/*line /golden/httptest/in.go:9:28*/)
	s2 := httptestrt/*line /golden/httptest/in.go:10:16*/.NewUnstartedServer(h, "httptest/in.go:10"/*line /golden/httptest/in.go:10:37*/)
	s3 := httptestrt/*line /golden/httptest/in.go:11:16*/.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), "httptest/in.go:11"/*line /golden/httptest/in.go:11:91*/)
	defer s1.Close()
	_, _ = s2, s3
	rec := httptest.NewRecorder() // not a rule
	_ = rec
}
