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
	// Numbers keep their JSON text: as float64, 1048576 would read
	// "1.048576e+06" to the patterns.
	var ev map[string]any
	d := json.NewDecoder(strings.NewReader(line))
	d.UseNumber()
	if d.Decode(&ev) != nil || ev["event"] != event {
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

// eventField returns the text of an event's field key (top-level or
// attrs), "" when it has none.
func eventField(line, key string) string {
	var ev map[string]any
	d := json.NewDecoder(strings.NewReader(line))
	d.UseNumber()
	if d.Decode(&ev) != nil {
		return ""
	}
	v, has := ev[key]
	if !has {
		attrs, _ := ev["attrs"].(map[string]any)
		v, has = attrs[key]
	}
	if !has {
		return ""
	}
	return fmt.Sprint(v)
}
