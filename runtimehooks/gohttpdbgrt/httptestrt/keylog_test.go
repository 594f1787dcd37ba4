package httptestrt

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/runtimehooks/gohttpdbgrt"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The key log the admin socket switches on reaches connections made after
// the switch, on both sides, and nothing is written while it is off.
func TestKeyLogReachesNewConnections(t *testing.T) {
	srv := NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }), "srv.go:1")
	defer srv.Close()
	tr := gohttpdbgrt.Transport(srv.Client().Transport.(*http.Transport), "cli.go:2")
	c := &http.Client{Transport: tr}
	get := func() {
		t.Helper()
		resp, err := gohttpdbgrt.ClientGet(c, srv.URL, "cli.go:3")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		tr.CloseIdleConnections()
	}

	get() // key log off: nothing to write to
	var log lockedBuffer
	probes.SetKeyLog(&log)
	get()
	probes.SetKeyLog(nil)
	got := log.String()
	// Each side logs the secrets of the handshake it took part in.
	if n := strings.Count(got, "CLIENT_TRAFFIC_SECRET_0 "); n != 2 {
		t.Fatalf("key log has %d CLIENT_TRAFFIC_SECRET_0 lines, want 2 (client and server):\n%s", n, got)
	}
	get()
	if log.String() != got {
		t.Fatalf("key log written after it was switched off")
	}
}
