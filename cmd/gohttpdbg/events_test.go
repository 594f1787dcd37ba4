package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// eventMatches reports whether one NDJSON event line is the named event
// with fields matching every KEY=REGEXP (keys looked up at the top level,
// then in "attrs").
func eventMatches(line, event string, conds []string) bool {
	var ev map[string]any
	if json.Unmarshal([]byte(line), &ev) != nil || ev["event"] != event {
		return false
	}
	attrs, _ := ev["attrs"].(map[string]any)
	for _, c := range conds {
		k, re, ok := strings.Cut(c, "=")
		if !ok {
			return false
		}
		v, has := ev[k]
		if !has {
			v, has = attrs[k]
		}
		if !has || !regexp.MustCompile(re).MatchString(fmt.Sprint(v)) {
			return false
		}
	}
	return true
}
