package runtimehooks

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/gohttpdbg/gohttpdbg/runtimehooks/admin/api"
)

// API returns s as the admin socket's /v1/status shows it under "config"
// (api.StatusConfig):
//
//	{"build":{"tool":…,"go":…,"probes":…,"std_patch":[…],"note":…},"build_probes":"all=1",
//	 "env":"…","start":{"levels":{…},"slow_dns":"100ms",…},"out":"stderr","admin":"on",
//	 "redact":"","started":"2026-11-27T10:00:00Z","errors":[]}
//
// "build" is the build stamp's own JSON (null for a build gohttpdbg did
// not make), not the marked string the binary carries; "start" is
// probes.Config's shape (durations in Go syntax).
func (s Status) API() api.StatusConfig {
	errs := s.Errors
	if errs == nil {
		errs = []string{}
	}
	return api.StatusConfig{Build: stamp(s.Build), BuildProbes: s.Default, Env: s.Env, Start: api.NewStartConfig(s.Config),
		Out: s.Out, Admin: s.Admin, Redact: s.Redact, Started: s.Started.UTC().Format(time.RFC3339), Errors: errs}
}

// MarshalJSON renders s as API does.
func (s Status) MarshalJSON() ([]byte, error) { return json.Marshal(s.API()) }

// stamp returns the build stamp's JSON object (its markers stripped),
// or nil.
func stamp(marked string) *api.BuildStamp {
	i, j := strings.IndexByte(marked, '{'), strings.LastIndexByte(marked, '}')
	if i < 0 || j < i {
		return nil
	}
	var b api.BuildStamp
	if json.Unmarshal([]byte(marked[i:j+1]), &b) != nil {
		return nil
	}
	return &b
}
