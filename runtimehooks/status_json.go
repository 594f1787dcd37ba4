package runtimehooks

import (
	"encoding/json"
	"strings"
	"time"
)

// MarshalJSON renders s with named fields, as the admin socket's
// /v1/status shows it under "config":
//
//	{"build":{"tool":…,"go":…,"probes":…,"std_patch":[…],"note":…},"build_probes":"all=1",
//	 "env":"…","start":{"levels":{…},"slow_dns":"100ms",…},"out":"stderr","admin":"on",
//	 "redact":"","started":"2026-11-27T10:00:00Z","errors":[]}
//
// "build" is the build stamp's own JSON (null for a build gohttpdbg did
// not make), not the marked string the binary carries; "start" is
// probes.Config's shape (durations in Go syntax).
func (s Status) MarshalJSON() ([]byte, error) {
	errs := s.Errors
	if errs == nil {
		errs = []string{}
	}
	return json.Marshal(struct {
		Build       json.RawMessage `json:"build"`
		BuildProbes string          `json:"build_probes"`
		Env         string          `json:"env"`
		Start       any             `json:"start"`
		Out         string          `json:"out"`
		Admin       string          `json:"admin"`
		Redact      string          `json:"redact"`
		Started     string          `json:"started"`
		Errors      []string        `json:"errors"`
	}{stampJSON(s.Build), s.Default, s.Env, s.Config, s.Out, s.Admin, s.Redact, s.Started.UTC().Format(time.RFC3339), errs})
}

// stampJSON returns the JSON object inside a build stamp (its markers
// stripped), or null.
func stampJSON(stamp string) json.RawMessage {
	i, j := strings.IndexByte(stamp, '{'), strings.LastIndexByte(stamp, '}')
	if i < 0 || j < i || !json.Valid([]byte(stamp[i:j+1])) {
		return json.RawMessage("null")
	}
	return json.RawMessage(stamp[i : j+1])
}
