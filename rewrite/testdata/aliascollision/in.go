package aliascollision

import "net/http"

var gohttpdbgrt = "user's own name"

func gohttpdbgrt1() string { return gohttpdbgrt }

func get(u string) {
	_, _ = http.Get(u + gohttpdbgrt1())
}
