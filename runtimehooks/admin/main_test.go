//go:build linux

package admin

import (
	"os"
	"testing"

	"github.com/gohttpdbg/gohttpdbg/probes"
)

func TestMain(m *testing.M) {
	probes.SetSink(nil) // subscribers still see every event
	os.Exit(m.Run())
}
