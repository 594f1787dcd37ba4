package api

import (
	"encoding/json"
	"sort"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/otlp"
)

// The JSON field names of the answers below that were maps once are in
// sorted order, so the bytes on the wire did not change when they became
// types.

// Status is GET /v1/status.
type Status struct {
	BreakerBudget int            `json:"breaker_budget"` // events/s per probe
	ClientHooks   string         `json:"client_hooks"`   // "std patch" or "httptrace": how client requests are followed
	Config        *StatusConfig  `json:"config,omitempty"`
	Dropped       uint64         `json:"dropped"` // events the probes lost
	Executable    string         `json:"executable"`
	Go            string         `json:"go"`
	HTTP2Debug    int            `json:"http2debug"`
	KeyLog        string         `json:"keylog"` // the TLS key log file, "" for none
	Mode          string         `json:"mode"`   // on, ro
	OTLP          *OTLPStats     `json:"otlp"`   // nil: no OTLP sink
	Overrides     []Override     `json:"overrides"`
	PID           int            `json:"pid"`
	Probes        map[string]int `json:"probes"` // level by probe name
	Program       string         `json:"program"`
	Socket        string         `json:"socket"`
	Started       string         `json:"started"` // RFC 3339, UTC
	Uptime        string         `json:"uptime"`  // a Go duration, to the second
}

// OTLPStats is the OTLP exporter's counters (GOHTTPDBG_OUT=otlp).
type OTLPStats = otlp.Stats

// StatusConfig is /v1/status's "config": the runtime's configuration as
// resolved at start (runtimehooks.Status).
type StatusConfig struct {
	Build       *BuildStamp `json:"build"`        // nil: a build gohttpdbg did not make
	BuildProbes string      `json:"build_probes"` // the build-time levels, GOHTTPDBG syntax
	Env         string      `json:"env"`          // GOHTTPDBG as read at start
	Start       StartConfig `json:"start"`
	Out         string      `json:"out"`
	Admin       string      `json:"admin"`
	Redact      string      `json:"redact"`
	Started     string      `json:"started"` // RFC 3339, UTC
	Errors      []string    `json:"errors"`  // configuration problems; never null
}

// BuildStamp is the build stamp an instrumented binary carries (written
// by buildplan.Stamp).
type BuildStamp struct {
	Tool     string   `json:"tool"`   // gohttpdbg version
	Go       string   `json:"go"`     // Go version of the build
	Probes   string   `json:"probes"` // build-time default probe levels
	StdPatch []string `json:"std_patch"`
	Note     string   `json:"note"`
}

// StartConfig is the levels and thresholds in force at start
// (probes.Config, durations in Go syntax).
type StartConfig struct {
	Levels      ProbeLevels `json:"levels"`
	SlowDNS     string      `json:"slow_dns"`
	SlowConnect string      `json:"slow_connect"`
	SlowTLS     string      `json:"slow_tls"`
	SlowTTFB    string      `json:"slow_ttfb"`
	GCDelay     string      `json:"gc_delay"`
	Ring        int         `json:"ring"`
}

// NewStartConfig renders c.
func NewStartConfig(c probes.Config) StartConfig {
	l := ProbeLevels{}
	for p := probes.Probe(0); p < probes.NumProbes; p++ {
		l[p.String()] = c.Levels[p]
	}
	return StartConfig{Levels: l, SlowDNS: c.SlowDNS.String(), SlowConnect: c.SlowConnect.String(), SlowTLS: c.SlowTLS.String(),
		SlowTTFB: c.SlowTTFB.String(), GCDelay: c.GCDelay.String(), Ring: c.RingSize}
}

// ProbeLevels is a level by probe name. It encodes in the probes' order
// (then any other name, sorted), as probes.Config does.
type ProbeLevels map[string]int

// MarshalJSON encodes l in the probes' order.
func (l ProbeLevels) MarshalJSON() ([]byte, error) {
	if l == nil {
		return []byte("null"), nil
	}
	names := probes.Names()
	known := map[string]bool{}
	for _, n := range names {
		known[n] = true
	}
	var rest []string
	for n := range l {
		if !known[n] {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	b := []byte{'{'}
	for _, n := range append(names, rest...) {
		v, ok := l[n]
		if !ok {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		k, _ := json.Marshal(n)
		vb, _ := json.Marshal(v)
		b = append(append(append(b, k...), ':'), vb...)
	}
	return append(b, '}'), nil
}

// Override is one change in force (in /v1/status, /v1/probes,
// /v1/godebug and a change's answer).
type Override struct {
	Kind    string    `json:"kind"` // probe, godebug, http2debug, keylog, capture
	Key     string    `json:"key"`
	Value   string    `json:"value"`
	Before  string    `json:"before"` // restored on expiry ("" with unset: absent)
	Unset   bool      `json:"unset"`  // the key was absent before (GODEBUG)
	Expires time.Time `json:"expires"`
	By      Peer      `json:"by"`
}

// Probes is GET /v1/probes.
type Probes struct {
	Overrides []Override     `json:"overrides"` // of probes only
	Probes    map[string]int `json:"probes"`    // level by probe name
}

// Change is the answer of every change (PUT /v1/probes, /v1/godebug,
// /v1/keylog, /v1/capture; DELETE /v1/keylog, /v1/capture).
type Change struct {
	// After and Before are the values of the keys changed, by "kind/key"
	// ("probe/frame", "godebug/http2client"): free-form, one entry per
	// key the change named.
	After     map[string]string `json:"after"`
	Audit     int64             `json:"audit"`   // the change's audit seq
	Before    map[string]string `json:"before"`  // "(unset)": the key was absent
	Expires   string            `json:"expires"` // RFC 3339, UTC
	Overrides []Override        `json:"overrides"`
	TTL       string            `json:"ttl"`
}

// Godebug is GET /v1/godebug.
type Godebug struct {
	ClassifiedFrom string       `json:"classified_from"` // the Go release whose source classified the keys
	Go             string       `json:"go"`              // the running Go
	Godebug        string       `json:"godebug"`         // $GODEBUG now
	Keys           []GodebugKey `json:"keys"`
	Overrides      []Override   `json:"overrides"` // all but the key log's
}

// GodebugKey describes a key for /v1/godebug.
type GodebugKey struct {
	Name    string `json:"name"`
	Package string `json:"package"`
	Class   string `json:"class"` // dynamic, start-only, gohttpdbg
	Value   string `json:"value"` // in GODEBUG now, or the probes' level for gohttpdbg's keys
}

// GodebugPut is PUT /v1/godebug's body.
type GodebugPut struct {
	Set map[string]string `json:"set"` // GODEBUG key → value: free-form, validated by the server
	TTL string            `json:"ttl,omitempty"`
}

// KeyLog is GET /v1/keylog.
type KeyLog struct {
	Active bool   `json:"active"`
	File   string `json:"file"`
}

// KeyLogPut is PUT /v1/keylog's body.
type KeyLogPut struct {
	File string `json:"file"` // absolute
	TTL  string `json:"ttl,omitempty"`
}

// Bodies is GET /v1/bodies.
type Bodies struct {
	Bodies    []Body `json:"bodies"`
	BodyLevel int32  `json:"body_level"`
}

// Body is an open body as /v1/bodies lists it.
type Body struct {
	ID     uint64 `json:"id"`
	Side   string `json:"side"`
	Site   string `json:"site"`
	Req    uint64 `json:"req"`
	Conn   uint64 `json:"conn"`
	URL    string `json:"url"`
	Opened string `json:"opened"` // RFC 3339, nanoseconds, UTC
	Age    string `json:"age"`
	Bytes  int64  `json:"bytes"`
	EOF    bool   `json:"eof"`
}

// Conns is GET /v1/conns.
type Conns struct {
	Conns []Conn `json:"conns"`
	Hosts []Host `json:"hosts"`
}

// Conn is a connection as /v1/conns lists it.
type Conn struct {
	ID       uint64 `json:"id"`
	Side     string `json:"side"`
	Local    string `json:"local"`
	Remote   string `json:"remote"`
	State    string `json:"state"`
	Since    string `json:"since"`
	In       string `json:"in_state"`
	Opened   string `json:"opened"`
	Requests int64  `json:"requests"`
	Proto    string `json:"proto,omitempty"`
	TLS      string `json:"tls,omitempty"`
	// H2Streams is the number of open HTTP/2 streams the frame probe sees
	// on the connection (/v1/streams has them); absent for a connection
	// the frame probe does not follow.
	H2Streams *int `json:"h2_streams,omitempty"`
}

// Host is one host of one client Transport in /v1/conns: how many
// connections its requests dialed and how many reused one (reuse is
// reused / (new + reused)).
type Host struct {
	Host      string  `json:"host"`
	Transport string  `json:"transport,omitempty"`
	NewConns  int64   `json:"new_conns"`
	Reused    int64   `json:"reused"`
	Reuse     float64 `json:"reuse"`
	MaxIdle   int     `json:"max_idle_per_host"`
}

// Streams is GET /v1/streams.
type Streams struct {
	Conns      []Flow `json:"conns"`
	FrameLevel int32  `json:"frame_level"`
}

// Flow is one HTTP/2 connection's flow control in /v1/streams.
// Exact is false once frames went unseen while the frame probe was at 0:
// the connection's windows are not known again (Send and Recv are 0), and
// Streams lists the streams opened since the probe is back on.
type Flow struct {
	Conn        uint64   `json:"conn"`
	Side        string   `json:"side"`
	Remote      string   `json:"remote"`
	Exact       bool     `json:"exact"`
	Send        int64    `json:"send_window"`
	Recv        int64    `json:"recv_window"`
	SendClosed  string   `json:"send_closed_for,omitempty"`
	RecvClosed  string   `json:"recv_closed_for,omitempty"`
	InitialSend int64    `json:"initial_send_window"`
	InitialRecv int64    `json:"initial_recv_window"`
	Streams     []Stream `json:"streams"`
}

// Stream is one open stream in /v1/streams. The durations say how long a
// window has been at or below zero ("" while it is open).
type Stream struct {
	ID         uint32 `json:"id"`
	Send       int64  `json:"send_window"`
	Recv       int64  `json:"recv_window"`
	SentEnd    bool   `json:"sent_end_stream"`
	PeerEnded  bool   `json:"peer_end_stream"`
	SendClosed string `json:"send_closed_for,omitempty"`
	RecvClosed string `json:"recv_closed_for,omitempty"`
}
