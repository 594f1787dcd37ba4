package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
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

// eventText renders an NDJSON event with the runtime's renderer for a
// person (probes.AppendLine, the text sink's line without its prefix):
// TIME SEV EVENT [site=…] [conn=N] [stream=N] [req=N] MSG [k=v …], the
// attributes in the order the probe gave them. A line that is not an
// event is printed as it is.
func eventText(line []byte) string {
	e, ok := parseEvent(line)
	if !ok {
		return string(line)
	}
	return string(probes.AppendLine(nil, &e))
}

// parseEvent reads one NDJSON event (probes.AppendJSON) back into an
// Event, keeping the order of its attributes.
func parseEvent(line []byte) (probes.Event, bool) {
	var j struct {
		TS     string          `json:"ts"`
		Probe  string          `json:"probe"`
		Event  string          `json:"event"`
		Sev    string          `json:"sev"`
		Site   string          `json:"site"`
		Conn   uint64          `json:"conn"`
		Stream *uint32         `json:"stream"`
		Req    uint64          `json:"req"`
		Msg    string          `json:"msg"`
		Attrs  json.RawMessage `json:"attrs"`
	}
	if json.Unmarshal(line, &j) != nil || j.Event == "" {
		return probes.Event{}, false
	}
	e := probes.Event{Name: j.Event, Site: j.Site, Conn: j.Conn, Req: j.Req, Msg: j.Msg}
	if t, err := time.Parse(time.RFC3339Nano, j.TS); err == nil {
		e.Time = t.UnixNano()
	}
	e.Probe, _ = probes.ProbeByName(j.Probe)
	for s := probes.Debug; s <= probes.Error; s++ {
		if s.String() == j.Sev {
			e.Sev = s
		}
	}
	if j.Stream != nil {
		e.HasStream, e.Stream = true, *j.Stream
	}
	if len(j.Attrs) == 0 {
		return e, true
	}
	dec := json.NewDecoder(bytes.NewReader(j.Attrs))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return e, true
	}
	for dec.More() {
		t, err := dec.Token()
		name, ok := t.(string)
		if err != nil || !ok {
			break
		}
		key := probes.KeyOf(name)
		var v any
		if dec.Decode(&v) != nil {
			break
		}
		switch x := v.(type) {
		case string:
			e.AddString(key, x)
		case bool:
			e.AddBool(key, x)
		case json.Number:
			if n, err := x.Int64(); err == nil {
				e.AddInt(key, n)
			} else {
				e.AddString(key, x.String())
			}
		default:
			b, _ := json.Marshal(x)
			e.AddString(key, string(b))
		}
	}
	return e, true
}
