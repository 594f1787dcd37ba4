package linemap

import (
	"go/scanner"
	"go/token"
	"math/rand"
	"strings"
	"testing"
)

// lcsLen is the textbook quadratic LCS length, the reference for diff.
func lcsLen(a, b []string) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return dp[0][0]
}

func TestDiffIsLongestCommonSubsequence(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewSource(1))
	gen := func() []string {
		s := make([]string, r.Intn(30))
		for i := range s {
			s[i] = string(rune('a' + r.Intn(4)))
		}
		return s
	}
	for n := 0; n < 3000; n++ {
		a, b := gen(), gen()
		pairs := diff(a, b)
		if len(pairs) != lcsLen(a, b) {
			t.Fatalf("diff(%q, %q) = %d pairs, want %d", a, b, len(pairs), lcsLen(a, b))
		}
		for k, p := range pairs {
			if a[p[0]] != b[p[1]] || (k > 0 && (p[0] <= pairs[k-1][0] || p[1] <= pairs[k-1][1])) {
				t.Fatalf("diff(%q, %q): bad pairs %v", a, b, pairs)
			}
		}
	}
}

func TestDiffPrefersLaterMatch(t *testing.T) {
	t.Parallel()
	// W(&Client{}) for &Client{}: the original Client is the second one.
	got := diff([]string{"&", "Client"}, []string{"W", "(", "&", "Client", "Client"})
	if len(got) != 2 || got[1] != [2]int{1, 4} {
		t.Errorf("got %v, want Client matched to index 4", got)
	}
}

// positions maps each identifier and literal of src to where go/scanner
// puts it, in order.
func positions(t *testing.T, name string, src []byte) []string {
	t.Helper()
	fset := token.NewFileSet()
	f := fset.AddFile(name, -1, len(src))
	var s scanner.Scanner
	s.Init(f, src, func(p token.Position, msg string) { t.Fatalf("%s: %s", p, msg) }, 0)
	var out []string
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			return out
		}
		if tok.IsLiteral() {
			out = append(out, lit+"@"+fset.Position(pos).String())
		}
	}
}

func TestApply(t *testing.T) {
	t.Parallel()
	const name = "/src/p/a.go"
	cases := []struct {
		name      string
		orig, out string
	}{
		{"identity", "package p\n\nvar x = 1\n", "package p\n\nvar x = 1\n"},
		{"lines added above", "package p\n\nvar x = 1\n", "package p\n\nimport \"fmt\"\n\nvar x = 1\n"},
		{"reindented", "package p\nfunc f() {\n  x := 1;  _ = x\n}\n", "package p\n\nfunc f() {\n\tx := 1\n\t_ = x\n}\n"},
		{"wrapped", "package p\nvar c = &T{}\n", "package p\n\nvar c = W(&T{}, \"s\")\n"},
		{"comment between", "package p\nvar a = 1 /* c */ + 2\n", "package p\n\nvar a = 1 /* c */ + 2\n"},
		{"after slash", "package p\nvar a = 1 /\n2\n", "package p\n\nvar a = 1 /2\n"},
		{"raw string", "package p\nvar a = `x\ny`; var b = 2\n", "package p\n\nvar a = `x\ny`\nvar b = 2\n"},
		{"raw string kept", "package p\nvar a, b = `x\ny`, 2\n", "package p\n\nvar a, b = W(`x\ny`), 2\n"},
		{"input directives", "package p\n//line /orig/x.go:40:1\nvar a = 1\nvar b = /*line /orig/y.go:7:3*/2\n", "package p\n\nvar a = 1\nvar b = 2\n"},
		{"input directive without column", "package p\n//line /orig/x.go:40\nvar a = 1\n", "package p\n\nvar a = W(1)\n"},
		{"output directives dropped", "package p\nvar a = 1\n", "package p\n//line /elsewhere.go:99:1\nvar a = 1\n"},
		{"outdented", "package p\nfunc f() {\n        x := 1\n_ = x\n}\n", "package p\n\nfunc f() {\n\tx := 1\n\t_ = x\n}\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := Apply(name, []byte(c.orig), []byte(c.out), "W")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(res), "//line ") {
				t.Errorf("result does not start with a line directive:\n%s", res)
			}
			want := positions(t, name, []byte(c.orig))
			got := map[string]bool{}
			for _, p := range positions(t, name, res) {
				got[p] = true
			}
			for _, w := range want {
				if !got[w] {
					t.Errorf("%s missing from the result:\n%s", w, res)
				}
			}
			if strings.Contains(c.name, "raw string") && strings.Contains(string(res), "x\n/*") {
				t.Errorf("directive inside a raw string:\n%s", res)
			}
		})
	}
}

func TestStripDirectives(t *testing.T) {
	t.Parallel()
	src := "package p\n//line a.go:1\n  //line b.go:2\nvar x = /*line c.go:3:4*/ 1 /*line not*/ // line d.go:5\n"
	blank := func(s string) string { return strings.Repeat(" ", len(s)) }
	want := "package p\n" + blank("//line a.go:1") + "\n  //line b.go:2\nvar x = " + blank("/*line c.go:3:4*/") + " 1 /*line not*/ // line d.go:5\n"
	if got := string(StripDirectives([]byte(src))); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestApplyRejectsRelativePath(t *testing.T) {
	t.Parallel()
	if _, err := Apply("a.go", []byte("package p\n"), []byte("package p\n")); err == nil {
		t.Error("no error for a relative path")
	}
}
