package probes

import (
	"errors"
	"strings"
)

// Path rules: secrets carried as path segments. A pattern is a path whose
// segments are a literal ("services"), "*" (any one segment), a prefix
// and "*" ("T*": a segment starting with T), or "{name}" (a segment to
// hide), possibly after a literal prefix ("bot{token}": the segment starts
// with bot, the rest is hidden). A pattern matches a path that starts with
// its segments; the path may go on (/hooks/*/{secret} hides the third
// segment of /hooks/a/s3cret/more).

type segKind uint8

const (
	segLit    segKind = iota // the segment is lit
	segAny                   // any one segment
	segPrefix                // a segment starting with lit
	segSecret                // a segment starting with lit, the rest hidden
)

type pathSeg struct {
	kind segKind
	lit  string
}

type pathRule struct {
	src  string
	segs []pathSeg
	mode RedactMode // RedactNone: the mode of the built-in list
	// shape, for a built-in rule, says whether the hidden part of a
	// segSecret looks like the credential (Telegram's bot tokens are
	// "123456:ABC…"; /bottles is not one).
	shape func(secret string) bool
}

// maxPathSegs bounds a pattern, and the segments a match looks at.
const maxPathSegs = 16

// builtinPathRules are the webhook and bot URLs whose path is the
// credential.
var builtinPathRules = []pathRule{
	mustPathRule("/services/T*/B*/{secret}", nil),                // Slack incoming webhooks
	mustPathRule("/bot{token}", telegramToken),                   // Telegram Bot API
	mustPathRule("/file/bot{token}", telegramToken),              // Telegram file downloads
	mustPathRule("/api/webhooks/*/{token}", nil),                 // Discord webhooks
	mustPathRule("/api/v*/webhooks/*/{token}", nil),              // Discord, versioned API
	mustPathRule("/webhookb2/*/IncomingWebhook/*/{secret}", nil), // Microsoft Teams (legacy)
}

func mustPathRule(pattern string, shape func(string) bool) pathRule {
	r, err := parsePathRule(pattern)
	if err != nil {
		panic(err)
	}
	r.shape = shape
	return r
}

// telegramToken: a bot id in digits, a colon, the secret.
func telegramToken(s string) bool {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i > 0 && i+1 < len(s) && (s[i] == ':' || strings.HasPrefix(s[i:], "%3A") || strings.HasPrefix(s[i:], "%3a"))
}

func parsePathRule(pattern string) (pathRule, error) {
	r := pathRule{src: pattern}
	if !strings.HasPrefix(pattern, "/") {
		return r, errors.New("a path pattern starts with /")
	}
	secrets := 0
	for _, s := range strings.Split(pattern[1:], "/") {
		var seg pathSeg
		switch open := strings.IndexByte(s, '{'); {
		case s == "":
			return r, errors.New("a path pattern has no empty segment")
		case s == "*":
			seg.kind = segAny
		case open >= 0:
			if !strings.HasSuffix(s, "}") || open+2 >= len(s) || strings.ContainsAny(s[open+1:len(s)-1], "{}*") || strings.ContainsAny(s[:open], "*}") {
				return r, errors.New("a hidden segment is {name}, after a literal prefix at most")
			}
			seg.kind, seg.lit = segSecret, s[:open]
			secrets++
		case strings.HasSuffix(s, "*"):
			seg.kind, seg.lit = segPrefix, s[:len(s)-1]
			if strings.ContainsAny(seg.lit, "*{}") {
				return r, errors.New("* stands for a whole segment or ends one")
			}
		default:
			if strings.ContainsAny(s, "*{}") {
				return r, errors.New("* stands for a whole segment or ends one")
			}
			seg.lit = s
		}
		r.segs = append(r.segs, seg)
	}
	if secrets == 0 {
		return r, errors.New("a path pattern names a segment to hide, as {secret}")
	}
	if len(r.segs) > maxPathSegs {
		return r, errors.New("a path pattern has at most 16 segments")
	}
	return r, nil
}

// hidden is what a path's match found: the segments to hide and how.
type hidden struct {
	mask  uint32 // bit i: segment i is (partly) hidden
	modes [maxPathSegs]RedactMode
	skip  [maxPathSegs]uint8 // bytes of the segment kept (a literal prefix)
}

// matchPath records in h the segments of path (escaped, starting with
// "/") that r hides.
func (r *pathRule) matchPath(path string, def RedactMode, h *hidden) {
	if len(path) == 0 || path[0] != '/' {
		return
	}
	rest := path[1:]
	var found hidden
	for i := range r.segs {
		if rest == "" && i > 0 {
			return
		}
		seg := rest
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			seg, rest = rest[:j], rest[j+1:]
		} else {
			rest = ""
		}
		p := &r.segs[i]
		switch p.kind {
		case segLit:
			if seg != p.lit {
				return
			}
		case segAny:
			if seg == "" {
				return
			}
		case segPrefix:
			if !strings.HasPrefix(seg, p.lit) || len(seg) == len(p.lit) {
				return
			}
		case segSecret:
			if !strings.HasPrefix(seg, p.lit) || len(seg) == len(p.lit) || r.shape != nil && !r.shape(seg[len(p.lit):]) {
				return
			}
			found.mask |= 1 << uint(i)
			found.modes[i] = r.mode
			if found.modes[i] == RedactNone {
				found.modes[i] = def
			}
			found.skip[i] = uint8(min(len(p.lit), 255))
		}
	}
	for i := 0; i < maxPathSegs; i++ {
		if found.mask&(1<<uint(i)) != 0 && h.mask&(1<<uint(i)) == 0 {
			h.mask |= 1 << uint(i)
			h.modes[i], h.skip[i] = found.modes[i], found.skip[i]
		}
	}
}

// hidePath returns which segments of path the rules hide, a JWT-shaped
// segment included. It does not allocate.
func (c *redactConfig) hidePath(path string, h *hidden) {
	def := c.builtinMode()
	for i := range c.paths {
		c.paths[i].matchPath(path, def, h)
	}
	for i := range builtinPathRules {
		builtinPathRules[i].matchPath(path, def, h)
	}
	// A JWT in a segment (magic links, signed download paths).
	if strings.Contains(path, "eyJ") {
		i, rest := 0, path
		for rest != "" && i < maxPathSegs {
			if rest[0] == '/' {
				rest = rest[1:]
			}
			var seg string
			seg, rest = nextSegment(rest)
			if looksLikeJWT(seg) && h.mask&(1<<uint(i)) == 0 {
				h.mask |= 1 << uint(i)
				h.modes[i] = def
			}
			i++
		}
	}
}

// nextSegment splits rest, a path after a '/', into its first segment and
// what follows it (from the next '/', or "").
func nextSegment(rest string) (seg, after string) {
	if j := strings.IndexByte(rest, '/'); j >= 0 {
		return rest[:j], rest[j:]
	}
	return rest, ""
}

// looksLikeJWT: three base64url parts, the first a JSON object ("eyJ" is
// base64 for `{"`).
func looksLikeJWT(s string) bool {
	return len(s) > 20 && strings.HasPrefix(s, "eyJ") && strings.Count(s, ".") == 2
}

// appendPath appends path with the segments h hides redacted.
func appendPath(b []byte, path string, h *hidden) []byte {
	if h.mask == 0 {
		return append(b, path...)
	}
	rest := path
	for i := 0; rest != ""; i++ {
		if rest[0] == '/' {
			b = append(b, '/')
			rest = rest[1:]
		}
		var seg string
		seg, rest = nextSegment(rest)
		if i < maxPathSegs && h.mask&(1<<uint(i)) != 0 {
			k := int(h.skip[i])
			b = append(b, seg[:k]...)
			b = appendEscaped(b, RedactValue(h.modes[i], seg[k:]))
			continue
		}
		b = append(b, seg...)
	}
	return b
}
