package probes

import (
	"testing"
)

func TestCaptureRuleCheck(t *testing.T) {
	for _, r := range []CaptureRule{
		{Path: "/x", MaxBody: MaxCaptureBody + 1},
		{Path: "/x", MaxBody: 0},
		{Path: "orders/*", MaxBody: 10},
		{Path: "/[x", MaxBody: 10},
		{MaxBody: 10},
		{Method: "post", MaxBody: 10},
		{Path: "/x", MaxBody: 10, Fields: []FieldRule{{"a", "mask:x"}}},
		{Path: "/x", MaxBody: 10, Fields: []FieldRule{{"", "hash"}}},
	} {
		if err := SetCaptureRule(&r); err == nil {
			t.Errorf("%+v accepted", r)
		}
	}
	if CurrentCaptureRule() != nil {
		t.Error("a refused rule is in force")
	}
	if !GlobMatch("/api/v1/orders/*", "/api/v1/orders/9/items") || GlobMatch("/api/*/x", "/api/v1/y") || !GlobMatch("/a/*/c", "/a/b/c") {
		t.Error("GlobMatch")
	}
}

// Curl shows redacted values as variables, never in clear, and says
// which to set.
func TestCurl(t *testing.T) {
	x := &Exchange{Method: "PUT", URL: "https://api.test/v1/x?token=%5BREDACTED%5D&q=a+b", Proto: "h2",
		RequestHeaders:  []HeaderField{{"Authorization", Redacted}, {"X-Api-Key", Redacted}, {"Content-Type", "text/plain"}, {"Host", "api.test"}},
		RequestBodySize: 3, RequestBody: &CapturedBody{Text: "it's", Size: 4}}
	got := Curl(x)
	want := "# redacted values: set AUTHORIZATION TOKEN X_API_KEY before running this command\n" +
		`curl --http2 -X PUT "https://api.test/v1/x?q=a+b&token=$TOKEN" -H "Authorization: $AUTHORIZATION" -H "X-Api-Key: $X_API_KEY" -H 'Content-Type: text/plain' --data-binary 'it'\''s'` + "\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestJournalSpec(t *testing.T) {
	c := DefaultConfig()
	if c.JournalSize != DefaultJournalSize {
		t.Fatalf("default journal %d", c.JournalSize)
	}
	if err := ParseSpec("journal=0", &c); err != nil || c.JournalSize != 0 {
		t.Fatalf("journal=0: %v %d", err, c.JournalSize)
	}
	for _, bad := range []string{"journal=-1", "journal=x", "journal=70000"} {
		if err := ParseSpec(bad, &c); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
