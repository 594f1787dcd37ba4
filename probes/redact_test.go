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
