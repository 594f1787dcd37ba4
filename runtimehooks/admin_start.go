package runtimehooks

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/runtimehooks/admin"
	"github.com/gohttpdbg/gohttpdbg/runtimehooks/admin/api"
)

// The admin socket (package admin) starts right after the configuration
// was applied, from the same init (start.go). GOHTTPDBG_ADMIN chooses
// the mode (on, off, ro, or a socket path); GOHTTPDBG_AUDIT names a file
// that mirrors the audit log; GOHTTPDBG_BREAKER sets the breaker's budget
// in events per second per probe (0 disables it). A socket that cannot be
// made safely is not made: the program runs without it and says why once
// on stderr.

var (
	adminOnce   sync.Once
	adminServer *admin.Server
)

// AdminSocket returns the path of the admin socket, "" when there is none.
func AdminSocket() string {
	if adminServer == nil {
		return ""
	}
	return adminServer.Path()
}

func startAdmin() {
	adminOnce.Do(func() {
		mode := status.Admin
		if mode == "off" {
			return
		}
		opt := admin.Options{
			ReadOnly:  mode == "ro",
			AuditFile: os.Getenv("GOHTTPDBG_AUDIT"),
			Status:    func() api.StatusConfig { return CurrentStatus().API() },
		}
		if strings.HasPrefix(mode, "/") {
			opt.Path = mode
		}
		if v := os.Getenv("GOHTTPDBG_BREAKER"); v != "" {
			n, err := strconv.Atoi(v)
			switch {
			case err != nil || n < 0:
				status.Errors = append(status.Errors, "GOHTTPDBG_BREAKER: want events per second, 0 to disable")
			case n == 0:
				opt.Budget = -1
			default:
				opt.Budget = n
			}
		}
		s, err := admin.Start(opt)
		if err != nil {
			msg := "admin socket disabled: " + err.Error()
			status.Errors = append(status.Errors, msg)
			fmt.Fprintln(os.Stderr, "gohttpdbg: "+msg)
		}
		adminServer = s
	})
}

// Exiting removes the admin socket's name because the program is about to
// exit: a main that returns (the rewriter defers gohttpdbgrt.Flush in func
// main) or os.Exit (gohttpdbgrt.Exit). Signals are not caught: catching
// SIGINT or SIGTERM would change what they do to a program that does not
// handle them; `gohttpdbg ps` removes the sockets such exits leave.
func Exiting() {
	// The OTLP exporter sends what it holds, but never holds the exit up
	// for long: a Collector that does not answer costs two seconds.
	probes.FlushOTLP(2 * time.Second)
	if adminServer != nil {
		adminServer.Unlink()
	}
}
