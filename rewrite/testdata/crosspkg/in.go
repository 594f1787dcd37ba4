package crosspkg

import (
	"net/http"

	"example.com/golden/crosspkg/dep"
)

func calls(e dep.Exposed, req *http.Request) {
	h := dep.New()
	_, _ = h.Do(req) // promoted through dep's unexported field: cannot be written here, left alone
	_, _ = e.Do(req)
}
