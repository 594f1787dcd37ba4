package rawstring

import "net/http"

func raw() {
	const q = `
	resp, err := http.Get(u)
// not code
`; _, _ = http.Get(q)
	_, _ = http.Post(`http://x/
y`, `text/plain`, nil); _, _ = http.Head(`
`)
}
