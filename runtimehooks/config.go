package runtimehooks

import (
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
)

// Set by the generated zz_gohttpdbg_build.go of an instrumented build
// (setBuild).
var (
	buildProbes string // default probe levels, GOHTTPDBG syntax ("all=1", "body=2,dial=1")
	buildStamp  string // opaque: gohttpdbg version and build options
)

// Status is the configuration in force, as resolved by Start.
type Status struct {
	Build   string        // the build stamp, "" for a build not made by gohttpdbg
	Default string        // the build-time probe levels (buildProbes)
	Env     string        // GOHTTPDBG as read at start
	Config  probes.Config // levels and thresholds in force at start
	Out     string        // GOHTTPDBG_OUT, "stderr" by default
	Admin   string        // GOHTTPDBG_ADMIN: "on", "off", "ro" or a socket path
	Redact  string        // GOHTTPDBG_REDACT
	Started time.Time
	Errors  []string // configuration problems, also reported as admin.config events
}

var (
	startOnce sync.Once
	status    Status
)

// Start resolves the configuration and applies it to the probes, once.
// It runs from this package's init (start.go); calling it again does nothing.
func Start() { startOnce.Do(start) }

// CurrentStatus returns the configuration Start resolved.
func CurrentStatus() Status {
	Start()
	s := status
	s.Errors = append([]string(nil), status.Errors...)
	return s
}

func start() {
	st := Status{Build: buildStamp, Default: buildProbes, Started: time.Now()}
	var errs []string
	note := func(what string, err error) {
		if err != nil {
			errs = append(errs, what+": "+strings.ReplaceAll(err.Error(), "\n", "; "))
		}
	}

	cfg := probes.DefaultConfig()
	note("build-time probes", probes.ParseSpec(buildProbes, &cfg))
	st.Env = os.Getenv("GOHTTPDBG")
	note("GOHTTPDBG", probes.ParseSpec(st.Env, &cfg))
	probes.Configure(cfg)
	st.Config = cfg

	st.Redact = os.Getenv("GOHTTPDBG_REDACT")
	note("GOHTTPDBG_REDACT", probes.SetRedactRules(st.Redact))

	st.Out = os.Getenv("GOHTTPDBG_OUT")
	if st.Out == "" {
		st.Out = "stderr"
	}
	sink, err := openSinks(st.Out)
	if err != nil {
		note("GOHTTPDBG_OUT", err)
		sink, _ = probes.OpenSink("stderr")
	}
	if dir := os.Getenv(DiagDirEnv); dir != "" && st.Out != "off" {
		sink = withDiagFile(sink, dir)
	}
	probes.SetSink(sink)

	st.Admin = parseAdmin(os.Getenv("GOHTTPDBG_ADMIN"), note)
	st.Errors = errs
	status = st

	for _, msg := range errs {
		if probes.Level(probes.Admin) >= 1 {
			e := probes.Event{Probe: probes.Admin, Sev: probes.Warn, Name: "admin.config", Msg: msg}
			probes.Emit(&e)
		}
	}
}

// openSinks opens the sinks GOHTTPDBG_OUT names, comma-separated
// ("stderr,otlp"): "otlp" is the OpenTelemetry exporter (configured by the
// OTEL_* variables), any other item is what probes.OpenSink takes. A
// value without a comma is one sink, so a lone path may contain one. Any
// bad item fails the whole value (the caller falls back to stderr), and
// a sink opened before it is closed.
func openSinks(out string) (probes.Sink, error) {
	items := []string{out}
	if strings.Contains(out, ",") {
		items = strings.Split(out, ",")
	}
	var sinks []probes.Sink
	fail := func(err error) (probes.Sink, error) {
		for _, s := range sinks {
			if c, ok := s.(interface{ Close() error }); ok {
				_ = c.Close()
			}
		}
		return nil, err
	}
	for _, it := range items {
		it = strings.TrimSpace(it)
		var s probes.Sink
		var err error
		switch {
		case it == "otlp":
			s, err = probes.OpenOTLPSink(os.Getenv)
		case len(items) > 1 && (it == "off" || it == ""):
			err = configError("\"" + it + "\" cannot be one of several sinks")
		default:
			s, err = probes.OpenSink(it)
		}
		if err != nil {
			return fail(err)
		}
		if s != nil {
			sinks = append(sinks, s)
		}
	}
	switch len(sinks) {
	case 0:
		return nil, nil
	case 1:
		return sinks[0], nil
	}
	return probes.MultiSink(sinks...), nil
}

// parseAdmin validates GOHTTPDBG_ADMIN: on (default), off, ro, or an
// absolute socket path. The socket itself is served by the admin server.
func parseAdmin(v string, note func(string, error)) string {
	switch v {
	case "":
		return "on"
	case "on", "off", "ro":
		return v
	}
	if strings.HasPrefix(v, "/") {
		return v
	}
	note("GOHTTPDBG_ADMIN", errBadAdmin)
	return "on"
}

type configError string

func (e configError) Error() string { return string(e) }

const errBadAdmin = configError("want on, off, ro or an absolute socket path")
