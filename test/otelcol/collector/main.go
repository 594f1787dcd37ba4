// Command collector is an OpenTelemetry Collector built from the upstream
// modules for gohttpdbg's OTLP tests: the otlp receiver, and an exporter
// of its own ("jsonfile") that appends every batch it receives, as OTLP
// JSON (one request per line), to a file the test reads.
package main

import (
	"context"
	"fmt"
	"os"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/otelcol"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/service/telemetry/otelconftelemetry"
)

type config struct {
	Path string `mapstructure:"path"`
}

type jsonFile struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

func (j *jsonFile) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (j *jsonFile) write(kind string, b []byte, err error) error {
	if err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	_, err = fmt.Fprintf(j.f, "%s %s\n", kind, b)
	return err
}

func (j *jsonFile) ConsumeTraces(_ context.Context, td ptrace.Traces) error {
	b, err := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	return j.write("traces", b, err)
}

func (j *jsonFile) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	b, err := (&plog.JSONMarshaler{}).MarshalLogs(ld)
	return j.write("logs", b, err)
}

var (
	filesMu sync.Mutex
	files   = map[string]*jsonFile{}
)

// one exporter value per path, shared by the traces and logs pipelines
func fileFor(cfg component.Config) *jsonFile {
	p := cfg.(*config).Path
	filesMu.Lock()
	defer filesMu.Unlock()
	if files[p] == nil {
		files[p] = &jsonFile{path: p}
	}
	return files[p]
}

func jsonFileFactory() exporter.Factory {
	return exporter.NewFactory(component.MustNewType("jsonfile"),
		func() component.Config { return &config{} },
		exporter.WithTraces(func(_ context.Context, _ exporter.Settings, cfg component.Config) (exporter.Traces, error) {
			return &tracesOnly{fileFor(cfg)}, nil
		}, component.StabilityLevelDevelopment),
		exporter.WithLogs(func(_ context.Context, _ exporter.Settings, cfg component.Config) (exporter.Logs, error) {
			return &logsOnly{fileFor(cfg)}, nil
		}, component.StabilityLevelDevelopment))
}

// The pipelines start and shut down each exporter they hold: the file is
// opened by whichever starts first and closed by the last.
type tracesOnly struct{ *jsonFile }
type logsOnly struct{ *jsonFile }

func (t *tracesOnly) Start(ctx context.Context, h component.Host) error { return t.open() }
func (t *tracesOnly) Shutdown(context.Context) error                    { return t.close() }
func (l *logsOnly) Start(ctx context.Context, h component.Host) error   { return l.open() }
func (l *logsOnly) Shutdown(context.Context) error                      { return l.close() }

func (j *jsonFile) open() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f != nil {
		return nil
	}
	f, err := os.OpenFile(j.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	j.f = f
	return err
}

func (j *jsonFile) close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}

func components() (otelcol.Factories, error) {
	f := otelcol.Factories{Telemetry: otelconftelemetry.NewFactory()}
	var err error
	if f.Receivers, err = otelcol.MakeFactoryMap(otlpreceiver.NewFactory()); err != nil {
		return f, err
	}
	f.Exporters, err = otelcol.MakeFactoryMap(jsonFileFactory())
	return f, err
}

func main() {
	set := otelcol.CollectorSettings{
		BuildInfo: component.BuildInfo{Command: "collector", Description: "gohttpdbg test collector", Version: "test"},
		Factories: components,
		ConfigProviderSettings: otelcol.ConfigProviderSettings{ResolverSettings: confmap.ResolverSettings{
			ProviderFactories: []confmap.ProviderFactory{fileprovider.NewFactory()},
			DefaultScheme:     "file",
		}},
	}
	if err := otelcol.NewCommand(set).Execute(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
