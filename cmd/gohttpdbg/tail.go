package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

func init() {
	register(&verb{
		name:  "tail",
		short: "print the events of a running instrumented program as they happen, through its admin socket.",
		long: "It starts with the last few events the program kept (-n). Text lines by default,\n" +
			"NDJSON with --json.",
		usage: "tail PID|PROGRAM|SOCKET [--json] [--probe P[,P]] [--event E[,E]] [-n N] [--no-follow] [--count N] [--timeout D]",
		run:   tailVerb,
	})
}

func tailVerb(g *globals, args []string) int {
	fs := pflag.NewFlagSet("tail", pflag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print events as NDJSON, as the admin socket sends them")
	probe := fs.String("probe", "", "only events of these probes (comma-separated)")
	event := fs.String("event", "", "only these events (comma-separated; \"frame.*\" for a prefix)")
	recent := fs.IntP("lines", "n", 10, "start with the last N matching events the program kept (at most 256)")
	noFollow := fs.Bool("no-follow", false, "print the kept events and exit")
	count := fs.Int("count", 0, "exit after N events (0: no limit)")
	timeout := fs.Duration("timeout", 0, "exit after this long (0: run until interrupted)")
	if !parseVerbFlags(g, fs, "tail", args) {
		return 2
	}
	if fs.NArg() != 1 {
		verbUsage(g, "tail")
		return 2
	}
	sock, err := findSocket(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(g.stderr, "gohttpdbg tail: %v\n", err)
		return 1
	}
	q := url.Values{}
	if *probe != "" {
		q.Set("probe", *probe)
	}
	if *event != "" {
		q.Set("event", *event)
	}
	q.Set("recent", strconv.Itoa(*recent))
	if !*noFollow {
		q.Set("follow", "1")
	}
	c := newAdminClient(sock, *timeout)
	resp, err := c.hc.Get("http://gohttpdbg/v1/events?" + q.Encode())
	if err != nil {
		fmt.Fprintf(g.stderr, "gohttpdbg tail: %v\n", explainDialError(sock, err))
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		e := &apiError{status: resp.StatusCode}
		json.Unmarshal(data, &e.body)
		fmt.Fprintf(g.stderr, "gohttpdbg tail: %v\n", e)
		return 1
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	n := 0
	for sc.Scan() {
		line := sc.Bytes()
		if *asJSON {
			g.stdout.Write(append(line, '\n'))
		} else {
			fmt.Fprintln(g.stdout, eventText(line))
		}
		n++
		if *count > 0 && n >= *count {
			return 0
		}
	}
	if err := sc.Err(); err != nil && *timeout > 0 && strings.Contains(err.Error(), "Client.Timeout") {
		if *count > 0 {
			fmt.Fprintf(g.stderr, "gohttpdbg tail: %d of %d events before the %v timeout\n", n, *count, *timeout)
			return 1
		}
		return 0
	}
	if *noFollow {
		return 0
	}
	fmt.Fprintln(g.stderr, "gohttpdbg tail: the program closed the event stream")
	return 1
}

// eventText renders an NDJSON event as the runtime's text sink does:
// TIME SEV EVENT [site=…] [conn=N] [stream=N] [req=N] MSG [k=v …].
func eventText(line []byte) string {
	var e map[string]any
	if json.Unmarshal(line, &e) != nil {
		return string(line)
	}
	var b strings.Builder
	ts := str(e["ts"])
	if t, err := time.Parse(time.RFC3339Nano, ts); err == nil {
		ts = t.Local().Format("15:04:05.000000")
	}
	fmt.Fprintf(&b, "%s %s %s", ts, str(e["sev"]), str(e["event"]))
	for _, k := range []string{"site", "conn", "stream", "req"} {
		if v, ok := e[k]; ok {
			fmt.Fprintf(&b, " %s=%s", k, str(v))
		}
	}
	if m := str(e["msg"]); m != "" {
		b.WriteString(" " + m)
	}
	if attrs, ok := e["attrs"].(map[string]any); ok {
		var keys []string
		for k := range attrs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := str(attrs[k])
			if strings.ContainsAny(v, " \t\"") || v == "" {
				v = strconv.Quote(v)
			}
			fmt.Fprintf(&b, " %s=%s", k, v)
		}
	}
	return b.String()
}
