package runtimehooks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"

	"github.com/gohttpdbg/gohttpdbg/probes"
)

// DiagDirEnv names a directory where the process also appends its
// diagnostics (warn and error events), as NDJSON, to a file of its own.
// `gohttpdbg test` sets it for the test binaries it runs: go test shows a
// passing package's output only with -v, so gohttpdbg reads these files
// after go test exits and prints a summary per package. The file's first
// line says which program wrote it.
const DiagDirEnv = "GOHTTPDBG_DIAG_DIR"

// diagHeader is the first line of a diagnostics file.
type diagHeader struct {
	Diagnostics string `json:"gohttpdbg_diagnostics"` // the program's path ("example.com/app/pkg.test")
	PID         int    `json:"pid"`
}

// withDiagFile returns a sink that writes to main and copies the
// diagnostics to a file in dir; main alone if the file cannot be made (a
// summary is not worth failing the program).
func withDiagFile(main probes.Sink, dir string) probes.Sink {
	if !filepath.IsAbs(dir) {
		return main
	}
	pid := os.Getpid()
	f, err := os.OpenFile(filepath.Join(dir, strconv.Itoa(pid)+".jsonl"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return main
	}
	h := diagHeader{PID: pid}
	if bi, ok := debug.ReadBuildInfo(); ok {
		h.Diagnostics = bi.Path
	}
	line, _ := json.Marshal(h)
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return main
	}
	return &diagTee{main: main, diag: probes.NewJSONSink(f)}
}

// diagTee is the sink withDiagFile makes. Emit writes diagnostics and
// flushes the sink before it returns, so the file is whole even when a
// test binary ends with os.Exit.
type diagTee struct {
	main   probes.Sink
	diag   probes.Sink
	failed bool // the file failed once: the main sink goes on alone
}

func (t *diagTee) WriteEvent(e *probes.Event) error {
	if e.Sev >= probes.Warn && !t.failed {
		t.failed = t.diag.WriteEvent(e) != nil
	}
	if t.main == nil {
		return nil
	}
	return t.main.WriteEvent(e)
}

func (t *diagTee) Flush() error {
	if !t.failed {
		t.failed = t.diag.Flush() != nil
	}
	if t.main == nil {
		return nil
	}
	return t.main.Flush()
}
