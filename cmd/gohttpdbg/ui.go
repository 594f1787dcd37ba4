package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gohttpdbg/gohttpdbg/internal/ui"
	"github.com/spf13/pflag"
)

func init() {
	register(&verb{
		name:  "ui",
		short: "serve a live waterfall page of a running instrumented program on loopback.",
		long: "The page shows the program's exchanges as a waterfall (with their source lines, reuse,\n" +
			"diagnostics and GC pauses), its connections and HTTP/2 windows, and switches probes and\n" +
			"captures through the admin socket. PID|PROGRAM may name a program that has not started\n" +
			"yet: the page waits for it, and follows it again when it restarts. Without one, the page\n" +
			"offers a picker when several programs run. It prints the URL with a random token and\n" +
			"opens nothing. docs/UI.md is the reference.",
		usage: "ui [PID|PROGRAM|SOCKET] [--addr 127.0.0.1:PORT]",
		run:   uiVerb,
	})
}

func uiVerb(g *globals, args []string) int {
	fs := pflag.NewFlagSet("ui", pflag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "where to listen: a loopback address (127.0.0.1, ::1 or localhost) and a port, 0 for a free one")
	if !parseVerbFlags(g, fs, "ui", args) {
		return 2
	}
	if fs.NArg() > 1 {
		verbUsage(g, "ui")
		return 2
	}
	target := fs.Arg(0)
	if err := checkLoopback(*addr); err != nil {
		fmt.Fprintf(g.stderr, "gohttpdbg ui: --addr %s: %v\n", *addr, err)
		return 2
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(g.stderr, "gohttpdbg ui: %v\n", err)
		return 1
	}
	defer ln.Close()
	srv, err := ui.New(ui.Config{Procs: func() []ui.Proc { return uiProcs(g) }, Target: target}, ln.Addr().String())
	if err != nil {
		fmt.Fprintf(g.stderr, "gohttpdbg ui: %v\n", err)
		return 1
	}
	what := "the process picker"
	if target != "" {
		what = target
	}
	fmt.Fprintf(g.stdout, "gohttpdbg ui: serving %s at\n    %s\n", what, srv.URL(ln.Addr().String()))
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		hs.Shutdown(shut)
		hs.Close() // the live streams do not end by themselves
	}()
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(g.stderr, "gohttpdbg ui: %v\n", err)
		return 1
	}
	return 0
}

// checkLoopback refuses an address other hosts could reach: the page
// changes probes of the user's processes, and its token travels in clear.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return errors.New("the page listens on loopback only (127.0.0.1, ::1 or localhost)")
	}
	return nil
}

// uiProcs lists the live instrumented processes (as ps does) for the page.
func uiProcs(g *globals) []ui.Proc {
	quiet := *g
	quiet.verbose = false
	var list []ui.Proc
	for _, e := range psScan(&quiet) {
		list = append(list, ui.Proc{PID: e.PID, Program: e.Program, Socket: e.Socket, Mode: e.Mode, Uptime: e.Uptime})
	}
	return list
}
