package otlp

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is the exporter's configuration, from the standard OpenTelemetry
// variables (ConfigFromEnv).
type Config struct {
	TracesURL, LogsURL string
	Headers            [][2]string // sent with every request, after Content-Type
	Resource           Resource
	TLS                *tls.Config // nil: the system pool
	Timeout            time.Duration
}

// DefaultEndpoint is the OTLP/HTTP endpoint used when none is set: a
// Collector on the same host (or pod), as the specification says.
const DefaultEndpoint = "http://localhost:4318"

// ConfigFromEnv reads the OTLP exporter variables through getenv:
// OTEL_EXPORTER_OTLP_ENDPOINT (a base URL: /v1/traces and /v1/logs are
// appended), OTEL_EXPORTER_OTLP_TRACES_ENDPOINT and
// OTEL_EXPORTER_OTLP_LOGS_ENDPOINT (used as they are),
// OTEL_EXPORTER_OTLP_HEADERS, OTEL_EXPORTER_OTLP_PROTOCOL (http/protobuf
// only), OTEL_EXPORTER_OTLP_CERTIFICATE (a PEM file of CAs trusted instead
// of the system pool), OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and
// OTEL_EXPORTER_OTLP_CLIENT_KEY, OTEL_EXPORTER_OTLP_TIMEOUT (ms),
// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES. Each per-signal variant
// (…_TRACES_…, …_LOGS_…) overrides the general one where the
// specification defines it. A bad value is an error: nothing is sent.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var c Config
	get := func(signal, name string) string {
		if v := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_" + signal + "_" + name)); v != "" {
			return v
		}
		return strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_" + name))
	}
	for _, sig := range []string{"TRACES", "LOGS"} {
		if p := get(sig, "PROTOCOL"); p != "" && p != "http/protobuf" {
			return c, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%s: only http/protobuf is supported", p)
		}
	}
	var err error
	if c.TracesURL, err = signalURL(getenv, "TRACES", "/v1/traces"); err != nil {
		return c, err
	}
	if c.LogsURL, err = signalURL(getenv, "LOGS", "/v1/logs"); err != nil {
		return c, err
	}
	if c.Headers, err = parseHeaders(getenv("OTEL_EXPORTER_OTLP_HEADERS")); err != nil {
		return c, fmt.Errorf("OTEL_EXPORTER_OTLP_HEADERS: %v", err)
	}
	c.Timeout = 10 * time.Second
	if v := get("TRACES", "TIMEOUT"); v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil || ms <= 0 {
			return c, fmt.Errorf("OTEL_EXPORTER_OTLP_TIMEOUT=%s: want a positive number of milliseconds", v)
		}
		c.Timeout = time.Duration(ms) * time.Millisecond
	}
	if c.TLS, err = tlsConfig(get("TRACES", "CERTIFICATE"), get("TRACES", "CLIENT_CERTIFICATE"), get("TRACES", "CLIENT_KEY")); err != nil {
		return c, err
	}
	c.Resource, err = resourceFromEnv(getenv)
	return c, err
}

func signalURL(getenv func(string) string, signal, path string) (string, error) {
	name := "OTEL_EXPORTER_OTLP_" + signal + "_ENDPOINT"
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		name = "OTEL_EXPORTER_OTLP_ENDPOINT"
		v = strings.TrimSpace(getenv(name))
		if v == "" {
			v = DefaultEndpoint
		}
		v = strings.TrimSuffix(v, "/") + path
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%s=%s: want an http:// or https:// URL", name, v)
	}
	return v, nil
}

// parseHeaders reads "k=v,k2=v2" with percent-encoded values (W3C
// Baggage syntax, as the specification says).
func parseHeaders(s string) ([][2]string, error) {
	var out [][2]string
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k, v, ok := strings.Cut(item, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("%q: want name=value", redactedItem(item))
		}
		dv, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("%q: bad percent-encoding", k)
		}
		out = append(out, [2]string{k, dv})
	}
	return out, nil
}

// redactedItem names a bad header item without its value: headers carry
// credentials.
func redactedItem(item string) string {
	if k, _, ok := strings.Cut(item, "="); ok {
		return k + "=…"
	}
	if len(item) > 3 {
		return item[:3] + "…"
	}
	return item
}

func tlsConfig(caFile, certFile, keyFile string) (*tls.Config, error) {
	if caFile == "" && certFile == "" && keyFile == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_CERTIFICATE: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_CERTIFICATE: no PEM certificate in %s", caFile)
		}
		cfg.RootCAs = pool
	}
	if (certFile == "") != (keyFile == "") {
		return nil, errors.New("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and OTEL_EXPORTER_OTLP_CLIENT_KEY go together")
	}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: %v", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// resourceFromEnv builds the resource: OTEL_RESOURCE_ATTRIBUTES
// (k=v,… percent-encoded), service.name from OTEL_SERVICE_NAME, else
// from the attributes, else "unknown_service:" and the executable's name;
// process.pid, host.name and the telemetry.sdk attributes.
func resourceFromEnv(getenv func(string) string) (Resource, error) {
	var r Resource
	kvs, err := parseHeaders(getenv("OTEL_RESOURCE_ATTRIBUTES"))
	if err != nil {
		return r, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: %v", err)
	}
	service := strings.TrimSpace(getenv("OTEL_SERVICE_NAME"))
	for _, kv := range kvs {
		if kv[0] == "service.name" {
			if service == "" {
				service = kv[1]
			}
			continue
		}
		r.Attrs = append(r.Attrs, Str(kv[0], kv[1]))
	}
	if service == "" {
		exe, _ := os.Executable()
		service = "unknown_service:" + filepath.Base(exe)
	}
	r.Attrs = append([]KeyValue{Str("service.name", service)}, r.Attrs...)
	r.Attrs = append(r.Attrs, Int("process.pid", int64(os.Getpid())))
	if h, err := os.Hostname(); err == nil && !has(r.Attrs, "host.name") {
		r.Attrs = append(r.Attrs, Str("host.name", h))
	}
	r.Attrs = append(r.Attrs, Str("telemetry.sdk.name", "gohttpdbg"), Str("telemetry.sdk.language", "go"))
	return r, nil
}

func has(attrs []KeyValue, key string) bool {
	for _, a := range attrs {
		if a.Key == key {
			return true
		}
	}
	return false
}
