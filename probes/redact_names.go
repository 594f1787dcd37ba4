package probes

import "strings"

// The built-in name rules. A header, query or form parameter name is cut
// into words ("-", "_", ".", ":", "/", " " and camelCase boundaries:
// X-Amz-Signature → x amz signature, apiKey → api key, X-CSRFToken → x
// csrf token) and is sensitive when one word is a sensitive word, or a
// known compound of one (HTTP/2 lower-cases names: x-csrftoken,
// jsessionid, apikey have no boundary left). Whole words, not
// substrings: :authority, Author, Keyboard, Monkey and Keep-Alive are
// shown; WWW-Authenticate and Proxy-Authenticate (a challenge, not a
// credential) too.

// sensitiveNames are whole names, compared ignoring case.
var sensitiveNames = []string{"authorization", "proxy-authorization", "cookie", "set-cookie"}

// sensitiveWords are words of a name, compared ignoring case.
var sensitiveWords = []string{
	"token", "secret", "password", "passwd", "passphrase", "pwd",
	"key", "apikey", "session", "sessionid", "sessid",
	"auth", "authorization", "authentication", "credential", "credentials",
	"signature", "sig", "hmac", "jwt", "assertion", "verifier", "csrf", "xsrf",
}

// sensitiveSuffixes make a word sensitive when it ends with one (and is
// longer): accesstoken, csrftoken, clientsecret, userpassword, jsessionid,
// phpsessid. "key" is not one (monkey, hockey, turkey): its compounds are
// listed in keyCompounds instead.
var sensitiveSuffixes = []string{"token", "secret", "password", "passwd", "sessionid", "sessid"}

var keyCompounds = []string{
	"accesskey", "secretkey", "privatekey", "authkey", "appkey", "clientkey",
	"sessionkey", "signingkey", "masterkey", "subscriptionkey", "hmackey",
}

// queryOnlyNames are sensitive as query or form parameters, not as
// headers (Content-Security-Policy is no secret; CloudFront's Policy
// parameter is half of a signed URL).
var queryOnlyNames = []string{"policy"}

// isSensitive reports whether a header or parameter name is in the
// built-in list. It does not allocate.
func isSensitive(name string) bool {
	for _, n := range sensitiveNames {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	found := false
	eachWord(name, func(w string) bool {
		found = sensitiveWord(w)
		return !found
	})
	return found
}

func sensitiveWord(w string) bool {
	for _, s := range sensitiveWords {
		if strings.EqualFold(s, w) {
			return true
		}
	}
	for _, s := range sensitiveSuffixes {
		if len(w) > len(s) && strings.EqualFold(w[len(w)-len(s):], s) {
			return true
		}
	}
	for _, s := range keyCompounds {
		if strings.EqualFold(s, w) {
			return true
		}
	}
	return false
}

// eachWord calls f with each word of name (see above) until f returns
// false.
func eachWord(name string, f func(w string) bool) {
	start := -1
	for i := 0; i <= len(name); i++ {
		var c byte
		if i < len(name) {
			c = name[i]
		}
		sep := i == len(name) || c == '-' || c == '_' || c == '.' || c == ':' || c == ' ' || c == '/'
		if !sep && start >= 0 && isUpper(c) {
			prev := name[i-1]
			// lower→Upper (apiKey), or the last capital of a run that
			// starts a word (CSRFToken: CSRF | Token).
			if isLower(prev) || isDigit(prev) || isUpper(prev) && i+1 < len(name) && isLower(name[i+1]) {
				if !f(name[start:i]) {
					return
				}
				start = i
			}
		}
		if sep {
			if start >= 0 && !f(name[start:i]) {
				return
			}
			start = -1
		} else if start < 0 {
			start = i
		}
	}
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isQueryOnlySensitive(name string) bool {
	for _, n := range queryOnlyNames {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// urlHeaders carry a URL as their value: it is redacted as a URL
// (an OAuth redirect's Location carries the authorization code, a
// Referer the token of the page that linked).
var urlHeaders = []string{"location", "content-location", "referer"}

func isURLHeader(name string) bool {
	for _, n := range urlHeaders {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// oauthPathWords mark a path as an OAuth redirect endpoint, where code
// and state are the authorization response even without each other.
var oauthPathWords = []string{"callback", "oauth", "oauth2", "redirect", "authorize", "auth", "signin", "login", "sso", "cb"}

func isOAuthPath(path string) bool {
	found := false
	eachWord(path, func(w string) bool {
		for _, o := range oauthPathWords {
			if strings.EqualFold(o, w) {
				found = true
				return false
			}
		}
		return true
	})
	return found
}
