package gohttpdbgrt

import (
	"io"
	"net/http"
	"net/url"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/client"
	_ "github.com/gohttpdbg/gohttpdbg/runtimehooks" // configuration is applied before any wrapper runs
)

// Client-side wrappers. Each mirrors a net/http function or method; the
// receiver, when there is one, comes first and the call site last.

// Get wraps http.Get.
func Get(u string, site string) (*http.Response, error) {
	return ClientGet(http.DefaultClient, u, site)
}

// Head wraps http.Head.
func Head(u string, site string) (*http.Response, error) {
	return ClientHead(http.DefaultClient, u, site)
}

// Post wraps http.Post.
func Post(u, contentType string, body io.Reader, site string) (*http.Response, error) {
	return ClientPost(http.DefaultClient, u, contentType, body, site)
}

// PostForm wraps http.PostForm.
func PostForm(u string, data url.Values, site string) (*http.Response, error) {
	return ClientPostForm(http.DefaultClient, u, data, site)
}

// ClientDo wraps (*http.Client).Do.
func ClientDo(c *http.Client, req *http.Request, site string) (*http.Response, error) {
	return clientCall(c, req, site, c.Do)
}

// ClientGet wraps (*http.Client).Get.
func ClientGet(c *http.Client, u string, site string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return c.Get(u) // same error, produced by net/http itself
	}
	return clientCall(c, req, site, c.Do)
}

// ClientHead wraps (*http.Client).Head.
func ClientHead(c *http.Client, u string, site string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodHead, u, nil)
	if err != nil {
		return c.Head(u)
	}
	return clientCall(c, req, site, c.Do)
}

// ClientPost wraps (*http.Client).Post.
func ClientPost(c *http.Client, u, contentType string, body io.Reader, site string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodPost, u, body)
	if err != nil {
		return c.Post(u, contentType, body)
	}
	req.Header.Set("Content-Type", contentType)
	return clientCall(c, req, site, c.Do)
}

// ClientPostForm wraps (*http.Client).PostForm.
func ClientPostForm(c *http.Client, u string, data url.Values, site string) (*http.Response, error) {
	return ClientPost(c, u, "application/x-www-form-urlencoded", stringsReader(data.Encode()), site)
}

// ClientDoFunc wraps the method value c.Do.
func ClientDoFunc(c *http.Client, site string) func(*http.Request) (*http.Response, error) {
	return func(req *http.Request) (*http.Response, error) { return ClientDo(c, req, site) }
}

// ClientGetFunc wraps the method value c.Get.
func ClientGetFunc(c *http.Client, site string) func(string) (*http.Response, error) {
	return func(u string) (*http.Response, error) { return ClientGet(c, u, site) }
}

// ClientHeadFunc wraps the method value c.Head.
func ClientHeadFunc(c *http.Client, site string) func(string) (*http.Response, error) {
	return func(u string) (*http.Response, error) { return ClientHead(c, u, site) }
}

// ClientPostFunc wraps the method value c.Post.
func ClientPostFunc(c *http.Client, site string) func(string, string, io.Reader) (*http.Response, error) {
	return func(u, ct string, body io.Reader) (*http.Response, error) { return ClientPost(c, u, ct, body, site) }
}

// ClientPostFormFunc wraps the method value c.PostForm.
func ClientPostFormFunc(c *http.Client, site string) func(string, url.Values) (*http.Response, error) {
	return func(u string, data url.Values) (*http.Response, error) { return ClientPostForm(c, u, data, site) }
}

// Client wraps an &http.Client{…} literal; it returns the same pointer.
// A client's requests are followed at the call sites that use it.
func Client(c *http.Client, site string) *http.Client {
	if c != nil {
		if t, ok := c.Transport.(*http.Transport); ok {
			client.NoteTransport(t, site)
		}
	}
	return c
}

// Transport wraps an &http.Transport{…} literal; it returns the same
// pointer, after noting its site for diagnostics (dial.alpn_fallback).
func Transport(t *http.Transport, site string) *http.Transport {
	client.NoteTransport(t, site)
	keyLogTransport(t)
	return t
}

// DefaultClientUse wraps a use of http.DefaultClient as a value.
func DefaultClientUse(c *http.Client, site string) *http.Client { return c }

// DefaultTransportUse wraps a use of http.DefaultTransport as a value. It
// returns the value unchanged, so type assertions on it keep working.
func DefaultTransportUse(rt http.RoundTripper, site string) http.RoundTripper { return rt }

// clientCall is the single place where a client request goes through the
// probes; every client wrapper ends here.
//
// With the std patch's capture hooks, the patched net/http follows the
// request in the Transport, and the wrapper only names its site there.
func clientCall(c *http.Client, req *http.Request, site string, do func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	if probes.StdCapture() {
		marked := client.MarkSite(req, site)
		resp, err := do(req)
		if marked {
			client.UnmarkSite(req)
		}
		return resp, err
	}
	cr := client.Start(c, req, site)
	if cr == nil {
		return do(req)
	}
	resp, err := do(cr.Request())
	cr.Finish(resp, err)
	return resp, err
}
