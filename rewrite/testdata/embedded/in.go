package embedded

import "net/http"

type byPtr struct{ *http.Client }

type byVal struct {
	http.Client
	name string
}

type outer struct{ byVal }

func embedded(p byPtr, v *byVal, o outer, req *http.Request) {
	_, _ = p.Do(req)
	_, _ = v.Do(req)
	_, _ = o.Get("http://x")
	f := p.Do
	_ = f
	_ = v.Timeout
}
