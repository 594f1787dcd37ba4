package probes

import (
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
