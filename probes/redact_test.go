package probes

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestRedactDefaults(t *testing.T) {
	t.Cleanup(func() { _ = SetRedactRules("") })
	const secret = "s3cr3t-v4lue-123456"
	for _, h := range []string{"Authorization", "proxy-authorization", "Cookie", "Set-Cookie", "X-Api-Key",
		"X-Auth-Token", "X-Client-Secret", "X-Password", "Sessionid"} {
		if got := RedactHeader(h, secret); got != Redacted {
			t.Errorf("%s: %q", h, got)
		}
	}
	if got := RedactHeader("Accept", "text/html"); got != "text/html" {
		t.Errorf("Accept: %q", got)
	}
}

func TestRedactRules(t *testing.T) {
	t.Cleanup(func() { _ = SetRedactRules("") })
	if err := SetRedactRules("x-user:mask, x-session:hash,accept:redact,salt=pepper,x-token-count:none,bad"); err == nil {
		t.Fatal("no error for an item without a mode")
	}
	if got := RedactHeader("X-User", "alice@example.com"); got != "ali***om" {
		t.Errorf("mask: %q", got)
	}
	if got := RedactHeader("X-User", "short"); got != "***" {
		t.Errorf("mask short: %q", got)
	}
	h1 := RedactHeader("X-Session", "abc")
	if !strings.HasPrefix(h1, "sha256:") || len(h1) != len("sha256:")+12 || h1 != RedactHeader("x-session", "abc") {
		t.Errorf("hash: %q", h1)
	}
	if got := RedactHeader("Accept", "text/html"); got != Redacted {
		t.Errorf("explicit rule: %q", got)
	}
	if got := RedactHeader("X-Token-Count", "3"); got != "3" {
		t.Errorf("none: %q", got)
	}
	if err := SetRedactRules("*:mask"); err != nil {
		t.Fatal(err)
	}
	if got := RedactHeader("Authorization", "Bearer abcdefghijkl"); got != "Bea***kl" {
		t.Errorf("default mode mask: %q", got)
	}
	_ = SetRedactRules("*:none")
	if got := RedactHeader("Authorization", "Bearer x"); got != Redacted {
		t.Errorf("built-in list shown in clear: %q", got)
	}
}

func TestRedactURL(t *testing.T) {
	u, _ := url.Parse("https://bob:hunter2@example.com/p?access_token=abc123&q=go")
	got := RedactURL(u)
	if strings.Contains(got, "hunter2") || strings.Contains(got, "abc123") || !strings.Contains(got, "q=go") {
		t.Fatalf("RedactURL = %q", got)
	}
}

// HTTP/2 pseudo-headers in frame events: the query in :path is redacted
// like a URL's; :authority is a host, not a credential.
func TestRedactPseudoHeaders(t *testing.T) {
	if got := RedactHeader(":path", "/api?access_token=s3cret-x&page=2"); strings.Contains(got, "s3cret") || !strings.Contains(got, "page=2") {
		t.Errorf(":path rendered %q", got)
	}
	if got := RedactHeader(":path", "/plain/path"); got != "/plain/path" {
		t.Errorf(":path without query rendered %q", got)
	}
	if got := RedactHeader(":authority", "api.example.com"); got != "api.example.com" {
		t.Errorf(":authority rendered %q", got)
	}
	if got := RedactHeader("X-Auth-Token", "s3cret"); got != Redacted {
		t.Errorf("X-Auth-Token rendered %q", got)
	}
}

// RedactModeFor's lock-free cache never answers for another name: more
// names than slots, asked twice each, get the mode the rules give.
func TestRedactModeForCache(t *testing.T) {
	c := redactCfg.Load()
	for round := 0; round < 2; round++ {
		for i := 0; i < 3*len(c.recent); i++ {
			name := fmt.Sprintf("X-Name-%d", i)
			if i%7 == 0 {
				name = fmt.Sprintf("X-Token-%d", i) // sensitive by fragment
			}
			if got, want := RedactModeFor(name), c.modeFor(name); got != want {
				t.Fatalf("round %d: RedactModeFor(%q) = %v, want %v", round, name, got, want)
			}
		}
	}
}

// The names a request's events look up, in both cases (an HTTP/2 header
// block's and http.Header's): after the first round no lookup allocates.
// With one slot per name, from the hash's low byte, and an entry allocated
// on every miss, "accept-encoding" and "Accept-Encoding" evicted each
// other and allocated on every lookup.
func TestRedactModeForCacheBothCases(t *testing.T) {
	names := []string{":authority", ":method", ":path", ":scheme", ":status", "accept-encoding", "Accept-Encoding",
		"user-agent", "User-Agent", "content-type", "Content-Type", "content-length", "Content-Length", "date", "Date",
		"Host", "Authorization", "authorization", "Cookie", "cookie", "Accept", "accept", "Set-Cookie", "set-cookie",
		"Cache-Control", "cache-control", "X-Request-Id", "x-request-id"}
	look := func() {
		for _, n := range names {
			RedactModeFor(n)
		}
	}
	look()
	if n := testing.AllocsPerRun(20, look); n != 0 {
		t.Errorf("looking up %d header names that were looked up before: %v allocations, want 0 (names evict each other)", len(names), n)
	}
}

// Names are matched by whole words: every credential header real clients
// send is hidden, and the words that merely contain a sensitive one are
// shown. Both directions, as the rule's two halves.
func TestRedactNameWords(t *testing.T) {
	const secret = "s3cr3t-v4lue-123456"
	hidden := []string{
		"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie",
		"X-Auth-Token", "X-API-Key", "X-Api-Key", "Api-Key", "x-api-key", "apiKey", "api_key", "apikey", "x-apikey",
		"X-Session-Id", "Sessionid", "JSESSIONID", "phpsessid", "session",
		"X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "x-amz-security-token",
		"X-Goog-Signature", "X-Goog-Credential", "sig", "Signature", "Key-Pair-Id", "hmac", "X-Hub-Signature-256",
		"id_token", "access_token", "refresh_token", "client_secret", "X-CSRFToken", "x-csrftoken", "X-XSRF-TOKEN",
		"accessToken", "AccessKeyId", "Ocp-Apim-Subscription-Key", "password", "X-Password", "passwd",
		"code_verifier", "client_assertion", "X-Client-Secret", "privateKey", "X-Secret",
	}
	shown := []string{
		":authority", "Author", "X-Author", "monkey", "Keyboard", "keyboard", "Keep-Alive", "Turkey",
		"Accept", "Content-Type", "User-Agent", "Host", "WWW-Authenticate", "Proxy-Authenticate",
		"Content-Security-Policy", "Referrer-Policy", "X-Amz-Date", "X-Amz-SignedHeaders", "x-amz-signedheaders",
		"X-Amz-Algorithm", "X-Amz-Expires", "se", "sp", "sv", "Expires", "Tokenizer-Mode", "Secretary", "Keys-Count",
		"Signed", "Design", "Sessions-Enabled",
	}
	for _, h := range hidden {
		if got := RedactHeader(h, secret); got != Redacted {
			t.Errorf("header %s: %q, want %s", h, got, Redacted)
		}
		if got := Redact(FieldParam, h, secret); got != Redacted {
			t.Errorf("parameter %s: %q, want %s", h, got, Redacted)
		}
	}
	for _, h := range shown {
		if h == ":authority" {
			if got := RedactHeader(h, "api.example.com"); got != "api.example.com" {
				t.Errorf(":authority: %q", got)
			}
			continue
		}
		if got := RedactHeader(h, secret); got != secret {
			t.Errorf("header %s: %q, want it shown", h, got)
		}
		if got := Redact(FieldParam, h, secret); got != secret {
			t.Errorf("parameter %s: %q, want it shown", h, got)
		}
	}
}

// The corpus of real-shaped URLs: each secret is hidden, what surrounds it
// (host, the other parameters, the parts of the path that are not the
// credential) is kept.
var redactCorpus = []struct {
	name, url string
	secrets   []string
	keep      []string
}{
	{"aws sigv4", "https://bucket.s3.amazonaws.com/k.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLEKEYID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=900&X-Amz-Security-Token=FwoGZXIvYXdzSESSIONTOKEN&X-Amz-SignedHeaders=host&X-Amz-Signature=0f1e2d3c4b5a69788796a5b4c3d2e1f0aabbccdd",
		[]string{"AKIAEXAMPLEKEYID", "FwoGZXIvYXdzSESSIONTOKEN", "0f1e2d3c4b5a69788796a5b4c3d2e1f0aabbccdd"},
		[]string{"bucket.s3.amazonaws.com/k.txt", "X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Expires=900", "X-Amz-SignedHeaders=host"}},
	{"gcs v4", "https://storage.googleapis.com/b/o?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=svc%40proj.iam.gserviceaccount.com%2F20260101&X-Goog-Date=20260101T000000Z&X-Goog-Expires=600&X-Goog-SignedHeaders=host&X-Goog-Signature=8a7b6c5d4e3f2a1b0c9d8e7f",
		[]string{"svc%40proj", "svc@proj", "8a7b6c5d4e3f2a1b0c9d8e7f"}, []string{"X-Goog-Expires=600"}},
	{"azure sas", "https://acct.blob.core.windows.net/c/b?sv=2022-11-02&se=2026-01-01T00%3A00%3A00Z&sr=b&sp=r&sig=AzUrEsIgNaTuRe%2Bx%3D",
		[]string{"AzUrEsIgNaTuRe"}, []string{"sv=2022-11-02", "se=2026-01-01T00%3A00%3A00Z", "sp=r", "sr=b"}},
	{"cloudfront", "https://d111111abcdef8.cloudfront.net/img.png?Expires=1767225600&Policy=eyJTdGF0ZW1lbnQiOltdfQ__&Signature=CfSiGnAtUrE~abc&Key-Pair-Id=K2JCJMDEHXQW5F",
		[]string{"eyJTdGF0ZW1lbnQiOltdfQ__", "CfSiGnAtUrE", "K2JCJMDEHXQW5F"}, []string{"Expires=1767225600"}},
	{"generic hmac", "https://api.example.com/dl?file=a.zip&hmac=deadbeefcafe1234&signature=SiGgEnErIc99",
		[]string{"deadbeefcafe1234", "SiGgEnErIc99"}, []string{"file=a.zip"}},
	{"slack webhook", "https://hooks.slack.com/services/T0123ABCD/B0456EFGH/SlAcKsEcReT0123456789ab",
		[]string{"SlAcKsEcReT0123456789ab"}, []string{"/services/T0123ABCD/B0456EFGH/"}},
	{"telegram bot", "https://api.telegram.org/bot123456789:AAHtElEgRaMsEcReT_xyz/sendMessage?chat_id=42",
		[]string{"AAHtElEgRaMsEcReT_xyz", "123456789:AAH"}, []string{"/bot", "/sendMessage", "chat_id=42"}},
	{"discord webhook", "https://discord.com/api/webhooks/112233445566778899/DiScOrDtOkEn-abc_DEF",
		[]string{"DiScOrDtOkEn-abc_DEF"}, []string{"/api/webhooks/112233445566778899/"}},
	{"discord webhook v10", "https://discord.com/api/v10/webhooks/1122/DiScOrDtOkEn2/slack",
		[]string{"DiScOrDtOkEn2"}, []string{"/api/v10/webhooks/1122/", "/slack"}},
	{"oauth callback", "https://app.example.com/oauth/callback?code=AuThCoDe4242&state=StAtEnOnCe77",
		[]string{"AuThCoDe4242", "StAtEnOnCe77"}, []string{"/oauth/callback?code="}},
	{"oauth callback code only", "https://app.example.com/auth/callback?code=AuThCoDe4343",
		[]string{"AuThCoDe4343"}, nil},
	{"oauth id_token query", "https://app.example.com/cb?id_token=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.SiGjWt&access_token=AcCeSsToK&token_type=Bearer",
		[]string{"eyJhbGciOiJSUzI1NiJ9", "AcCeSsToK"}, []string{"/cb?id_token="}},
	{"oauth implicit fragment", "https://app.example.com/cb#access_token=FrAgToKeN&state=FrAgStAtE&expires_in=3600",
		[]string{"FrAgToKeN", "FrAgStAtE"}, []string{"expires_in=3600"}},
	{"url userinfo", "https://alice:hunter2pass@git.example.com/repo.git",
		[]string{"hunter2pass"}, []string{"alice:", "@git.example.com/repo.git"}},
	{"token as user", "https://ghp_TokenAsUserName0123456789@github.com/o/r.git",
		[]string{"ghp_TokenAsUserName0123456789"}, []string{"@github.com/o/r.git"}},
	{"jwt in path", "https://app.example.com/magic/eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImEifQ.MaGiClInK/confirm",
		[]string{"eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImEifQ.MaGiClInK"}, []string{"/magic/", "/confirm"}},
}

func TestRedactCorpusURLs(t *testing.T) {
	for _, c := range redactCorpus {
		u, err := url.Parse(c.url)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		target := u.RequestURI()
		if u.Fragment != "" {
			target += "#" + u.EscapedFragment()
		}
		for form, got := range map[string]string{
			"RedactURL":             RedactURL(u),
			"FieldTarget":           Redact(FieldTarget, "", c.url),
			":path":                 RedactHeader(":path", target),
			"server request URL":    RedactURL(&url.URL{Path: u.Path, RawPath: u.RawPath, RawQuery: u.RawQuery, Fragment: u.Fragment}),
			"Location":              RedactHeader("Location", c.url),
			"rejected request line": Redact(FieldLine, "", "GET "+target+" HTTP/1.1"),
		} {
			for _, s := range c.secrets {
				if strings.Contains(got, s) {
					t.Errorf("%s, %s: %q shows %q", c.name, form, got, s)
				}
			}
			if form == "rejected request line" {
				continue // its query is hidden whole
			}
			for _, k := range c.keep {
				full := form == "RedactURL" || form == "FieldTarget" || form == "Location"
				if !strings.Contains(got, k) && (full || !strings.ContainsAny(k, ".@:")) {
					t.Errorf("%s, %s: %q lost %q", c.name, form, got, k)
				}
			}
		}
	}
}

// Plain URLs come back as they are, and so do parameters that share a
// name with OAuth's outside a callback.
func TestRedactURLUnchanged(t *testing.T) {
	for _, s := range []string{
		"https://example.com/a/b?q=go&page=2",
		"/search?q=monkey+keyboard&author=ann",
		"/services/status", "/services/T1/B2", "/bots/list", "/bottles/42", "/api/webhooks",
		"/countries?code=FR", "/api/v1/items?state=open",
		"https://api.example.com:8443/v1/",
		"*",
		"example.com:443",
	} {
		if got := Redact(FieldTarget, "", s); got != s {
			t.Errorf("%q rendered %q", s, got)
		}
	}
}

func TestRedactForm(t *testing.T) {
	body := "grant_type=authorization_code&code=FoRmCoDe123&redirect_uri=https%3A%2F%2Fapp%2Fcb&client_id=app1&client_secret=ClIeNtSeCrEt&code_verifier=VeRiFiEr"
	got := Redact(FieldForm, "", body)
	for _, s := range []string{"FoRmCoDe123", "ClIeNtSeCrEt", "VeRiFiEr"} {
		if strings.Contains(got, s) {
			t.Errorf("form shows %q: %s", s, got)
		}
	}
	for _, k := range []string{"grant_type=authorization_code", "client_id=app1", "redirect_uri=https%3A%2F%2Fapp%2Fcb"} {
		if !strings.Contains(got, k) {
			t.Errorf("form lost %q: %s", k, got)
		}
	}
	refresh := "grant_type=refresh_token&refresh_token=ReFrEsH&scope=read"
	if got := Redact(FieldForm, "", refresh); got != "grant_type=refresh_token&refresh_token=[REDACTED]&scope=read" {
		t.Errorf("refresh form: %s", got)
	}
}

// GOHTTPDBG_REDACT path rules: literal, *, prefix*, {name} and prefix{name}
// segments, with a mode.
func TestRedactPathRules(t *testing.T) {
	t.Cleanup(func() { _ = SetRedactRules("") })
	if err := SetRedactRules("path:/hooks/*/{secret},path:/i/tok_{t}:mask,path:/v*/keys/{k}:hash,salt=x"); err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"/hooks/team/s3cretHook":          "/hooks/team/[REDACTED]",
		"/hooks/team/s3cretHook/more?a=1": "/hooks/team/[REDACTED]/more?a=1",
		"/hooks/team":                     "/hooks/team",
		"/other/team/x":                   "/other/team/x",
		"/i/tok_abcdefghijkl":             "/i/tok_abc***kl",
	} {
		if got := Redact(FieldTarget, "", in); got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
	// The example of docs/PROBES.md.
	_ = SetRedactRules("path:/hooks/*/{secret},path:/u/{id}/files:hash")
	if got := Redact(FieldTarget, "", "/u/42/files"); !strings.HasPrefix(got, "/u/sha256:") || !strings.HasSuffix(got, "/files") {
		t.Errorf("docs example: %q", got)
	}
	_ = SetRedactRules("path:/hooks/*/{secret},path:/i/tok_{t}:mask,path:/v*/keys/{k}:hash,salt=x")
	if got := Redact(FieldTarget, "", "https://h/v2/keys/k3y"); !strings.HasPrefix(got, "https://h/v2/keys/sha256:") || strings.Contains(got, "k3y") {
		t.Errorf("hash path rule: %q", got)
	}
	for _, bad := range []string{"path:/hooks/*", "path:/a/{x", "path:/a//{x}", "path:/a/{x}:none", "path:/a/{x}:loud", "path:/a*b/{x}"} {
		if err := SetRedactRules(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	// "path:mode" without a pattern is a rule for a header called path.
	if err := SetRedactRules("path:hash"); err != nil {
		t.Fatal(err)
	}
	if got := RedactHeader("Path", "x"); !strings.HasPrefix(got, "sha256:") {
		t.Errorf("header rule path:hash: %q", got)
	}
}

// A rejected line: header value by name, the request target's path
// secrets and its whole query hidden.
func TestRedactLine(t *testing.T) {
	for in, want := range map[string]string{
		"GET /a?token=s3cret HTTP/1.1":             "GET /a?[REDACTED] HTTP/1.1",
		"POST /services/T1/B2/SeCrEt HTTP/1.1":     "POST /services/T1/B2/[REDACTED] HTTP/1.1",
		"Authorization Bearer s3cret":              "Authorization [REDACTED]",
		"X-Api-Key: s3cret":                        "X-Api-Key: [REDACTED]",
		"Referer: https://a/cb?code=C0de&state=S7": "Referer: https://a/cb?[REDACTED]",
		"Author: Ann":                              "Author: Ann",
	} {
		if got := Redact(FieldLine, "", in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// An error net/http's client returns quotes the URL as sent: the events
// that carry it (dial.error's err) show it redacted, whatever the sink.
func TestRedactEventText(t *testing.T) {
	t.Cleanup(func() { _ = SetRedactRules("") })
	_ = SetRedactRules("*:hash")
	uerr := &url.Error{Op: "Get", URL: "https://127.0.0.1:1/services/T1/B2/SeKrEtpath?token=SeKrEtq&page=2", Err: fmt.Errorf("dial tcp 127.0.0.1:1: connect: connection refused")}
	e := Event{Name: "dial.error", Msg: "request failed"}
	e.AddString(KeyErr, uerr.Error())
	e.AddString(KeyURL, "GET "+Redact(FieldTarget, "", uerr.URL))
	renderLazy(&e)
	once := e.Attrs[0].Str
	renderLazy(&e) // a second reader changes nothing (a hash is not hashed again)
	for _, s := range []string{e.Attrs[0].Str} {
		if strings.Contains(s, "SeKrEt") || !strings.Contains(s, "page=2") || !strings.Contains(s, "connection refused") {
			t.Errorf("rendered %q", s)
		}
	}
	if e.Attrs[0].Str != once {
		t.Errorf("rendered twice: %q then %q", once, e.Attrs[0].Str)
	}
	if e.Attrs[1].Str != "GET "+Redact(FieldTarget, "", uerr.URL) {
		t.Errorf("the url attribute was redacted again: %q", e.Attrs[1].Str)
	}
	if got := redactQuoted(`invalid header "Author" in "HTTP/1.1"`); got != `invalid header "Author" in "HTTP/1.1"` {
		t.Errorf("text without a URL changed: %q", got)
	}
}

// The rows of docs/PROBES.md's table that the other tests do not cover.
func TestRedactDocsTable(t *testing.T) {
	t.Cleanup(func() { _ = SetRedactRules("") })
	for _, n := range []string{"token_type", "X-Token-Count"} {
		if RedactModeFor(n) == RedactNone {
			t.Errorf("%s shown", n)
		}
	}
	_ = SetRedactRules("x-token-count:none")
	if got := RedactHeader("X-Token-Count", "3"); got != "3" {
		t.Errorf("x-token-count:none: %q", got)
	}
	for _, q := range []string{"/countries?code=FR", "/issues?state=open"} {
		if got := Redact(FieldTarget, "", q); got != q {
			t.Errorf("%s: %q", q, got)
		}
	}
}
