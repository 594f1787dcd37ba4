package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/runtimehooks/admin/api"
	"github.com/spf13/pflag"
)

// ctlSubcommands are ctl's subcommands, in the order help lists them,
// with their arguments: the one list the dispatch, the usage line, the
// help and the unknown-subcommand message are made from.
var ctlSubcommands = []struct {
	name, args string
	run        func(*adminClient, []string, *ctlOpts) error
}{
	{"status", "", ctlStatus},
	{"probes", "[PROBE=LEVEL ...] [--ttl D]", ctlProbes},
	{"godebug", "[KEY=VALUE ...] [--ttl D]", ctlGodebug},
	{"bodies", "", ctlBodies},
	{"conns", "", ctlConns},
	{"streams", "", ctlStreams},
	{"keylog", "[FILE|off] [--ttl D]", ctlKeyLog},
	{"audit", "[--verify]", ctlAudit},
	{"requests", "[KEY=VALUE filters: side, site, host, status, method, path, min]", ctlRequests},
	{"har", "[FILE] [KEY=VALUE filters]", ctlHAR},
	{"curl", "ID", ctlCurl},
	{"capture", "['METHOD PATH-GLOB'|off] [--bodies SIZE] [--field F=MODE ...] [--side S] [--host H] [--ttl D]", ctlCapture},
}

func ctlSubcommand(name string) func(*adminClient, []string, *ctlOpts) error {
	for _, c := range ctlSubcommands {
		if c.name == name {
			return c.run
		}
	}
	return nil
}

// ctlNames returns the subcommands' names; onlyTTL, those of the ones
// whose change takes --ttl.
func ctlNames(onlyTTL bool) []string {
	var names []string
	for _, c := range ctlSubcommands {
		if !onlyTTL || strings.Contains(c.args, "--ttl") {
			names = append(names, c.name)
		}
	}
	return names
}

// ctlUsage is the one usage line of ctl, for --help and for a short
// command line alike.
var ctlUsage = "ctl PID|PROGRAM|SOCKET " + strings.Join(ctlNames(false), "|") + " [args] [--ttl D] [--json] [--verify]"

// ctlHelp is the long help of ctl: its subcommands.
func ctlHelp() string {
	var b strings.Builder
	b.WriteString("Subcommands:\n")
	for _, c := range ctlSubcommands {
		fmt.Fprintf(&b, "  %s\n", strings.TrimSpace(c.name+" "+c.args))
	}
	b.WriteString("Changes revert after --ttl (default 15m, at most 24h). --json prints the admin socket's JSON answer.")
	return b.String()
}

func init() {
	register(&verb{
		name:  "ctl",
		short: "read and change a running instrumented program through its admin socket.",
		long:  ctlHelp(),
		usage: ctlUsage,
		run:   ctlVerb,
	})
}

// socketDirs are the directories where instrumented processes of this user
// put their admin sockets (runtimehooks/admin.Dir): $XDG_RUNTIME_DIR/gohttpdbg,
// and $TMPDIR/gohttpdbg-UID for processes started without XDG_RUNTIME_DIR.
func socketDirs() []string {
	var dirs []string
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" && filepath.IsAbs(d) {
		dirs = append(dirs, filepath.Join(d, "gohttpdbg"))
	}
	return append(dirs, filepath.Join(os.TempDir(), "gohttpdbg-"+strconv.Itoa(os.Getuid())))
}

// findSocket resolves a PID or a socket path to a socket path.
func findSocket(arg string) (string, error) {
	if strings.ContainsRune(arg, '/') {
		// A path in a socket directory names its process: PID.sock.
		pid, err := strconv.Atoi(strings.TrimSuffix(filepath.Base(arg), ".sock"))
		if err == nil && slices.Contains(socketDirs(), filepath.Dir(arg)) && removeIfDead(pid, arg) {
			return "", fmt.Errorf("no such process %d (its stale admin socket %s was removed); see 'gohttpdbg ps'", pid, arg)
		}
		return arg, nil
	}
	pid, err := strconv.Atoi(arg)
	if err != nil {
		return findSocketByName(arg)
	}
	if pid <= 0 {
		return "", fmt.Errorf("%q is neither a process id nor a socket path", arg)
	}
	if syscall.Kill(pid, 0) == syscall.ESRCH {
		removed := ""
		for _, d := range socketDirs() {
			if p := filepath.Join(d, arg+".sock"); removeIfDead(pid, p) {
				removed = " (its stale admin socket " + p + " was removed)"
			}
		}
		return "", fmt.Errorf("no such process %d%s; see 'gohttpdbg ps'", pid, removed)
	}
	for _, d := range socketDirs() {
		p := filepath.Join(d, arg+".sock")
		if fi, err := os.Lstat(p); err == nil && fi.Mode()&os.ModeSocket != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("process %d has no admin socket in %s (not instrumented, started with GOHTTPDBG_ADMIN=off or a socket path, or run by another user); see 'gohttpdbg ps'",
		pid, strings.Join(socketDirs(), " or "))
}

// removeIfDead removes sock, the admin socket of pid, if pid is gone, and
// reports whether it did. A process killed by a signal leaves its socket
// (docs/ADMIN.md says why it is not removed then): every command that
// comes across one removes it, as does the next instrumented process.
func removeIfDead(pid int, sock string) bool {
	if pid <= 0 || syscall.Kill(pid, 0) != syscall.ESRCH {
		return false
	}
	fi, err := os.Lstat(sock)
	return err == nil && fi.Mode()&os.ModeSocket != 0 && os.Remove(sock) == nil
}

// findSocketByName resolves a program name, as 'gohttpdbg ps' shows it,
// to the socket of the one running process of that name.
func findSocketByName(name string) (string, error) {
	var socks []string
	var pids []string
	for _, dir := range socketDirs() {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			pid, err := strconv.Atoi(strings.TrimSuffix(e.Name(), ".sock"))
			if err != nil || !strings.HasSuffix(e.Name(), ".sock") {
				continue
			}
			sock := filepath.Join(dir, e.Name())
			if removeIfDead(pid, sock) {
				continue
			}
			if ent, stale := psQuery(pid, sock); !stale && ent.Program == name {
				socks = append(socks, sock)
				pids = append(pids, strconv.Itoa(pid))
			}
		}
	}
	switch len(socks) {
	case 0:
		return "", fmt.Errorf("no instrumented process named %q has an admin socket; see 'gohttpdbg ps'", name)
	case 1:
		return socks[0], nil
	}
	return "", fmt.Errorf("%d processes are named %q (pids %s): give a pid", len(socks), name, strings.Join(pids, ", "))
}

// adminClient talks HTTP to one admin socket.
type adminClient struct {
	sock string
	hc   *http.Client
}

func newAdminClient(sock string, timeout time.Duration) *adminClient {
	return &adminClient{sock: sock, hc: &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		}},
	}}
}

// apiError is a non-2xx answer of the admin socket.
type apiError struct {
	status int
	body   api.Error
}

func (e *apiError) Error() string {
	msg := e.body.Error
	if msg == "" {
		msg = http.StatusText(e.status)
	}
	return fmt.Sprintf("%s (%d)", msg, e.status)
}

// call sends a request and returns the raw JSON answer.
func (c *adminClient) call(method, path string, body any) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, "http://gohttpdbg"+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, explainDialError(c.sock, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		e := &apiError{status: resp.StatusCode}
		if json.Unmarshal(data, &e.body) != nil {
			e.body = api.Error{Error: strings.TrimSpace(string(data))}
		}
		return nil, e
	}
	return data, nil
}

func explainDialError(sock string, err error) error {
	switch {
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("%s: permission denied (the admin socket serves only its process's user and root)", sock)
	case strings.Contains(err.Error(), "connection refused"):
		return fmt.Errorf("%s: nobody is listening (the process has exited; 'gohttpdbg ps' cleans stale sockets)", sock)
	case strings.Contains(err.Error(), "connection reset") || errors.Is(err, io.EOF):
		return fmt.Errorf("%s: the process closed the connection (peer refused: not its user or root, or too many admin connections)", sock)
	}
	return err
}

type ctlOpts struct {
	json   bool
	ttl    string
	verify bool
	out    io.Writer
	// capture's
	bodies     string
	fields     []string
	side, host string
}

func ctlVerb(g *globals, args []string) int {
	fs := pflag.NewFlagSet("ctl", pflag.ContinueOnError)
	var o ctlOpts
	fs.BoolVar(&o.json, "json", false, "print the JSON answer")
	fs.StringVar(&o.ttl, "ttl", "", "how long a change lasts before it reverts (default 15m, at most 24h)")
	fs.BoolVar(&o.verify, "verify", false, "audit: check the hash chain of the audit log")
	fs.StringVar(&o.bodies, "bodies", "", "capture: bytes kept per body (4096, 4KiB, 1MiB; default 4KiB, at most 1MiB)")
	fs.StringArrayVar(&o.fields, "field", nil, "capture: FIELD=MODE, a JSON or form field redacted in kept bodies (mode redact, hash or mask:A-B); repeatable")
	fs.StringVar(&o.side, "side", "", "capture: client or server (default both)")
	fs.StringVar(&o.host, "host", "", "capture: only requests to this host")
	if !parseVerbFlags(g, fs, "ctl", args) {
		return 2
	}
	rest := fs.Args()
	if len(rest) < 2 {
		verbUsage(g, "ctl")
		return 2
	}
	sock, err := findSocket(rest[0])
	if err != nil {
		fmt.Fprintf(g.stderr, "gohttpdbg ctl: %v\n", err)
		return 1
	}
	o.out = g.stdout
	c := newAdminClient(sock, 30*time.Second)
	sub, subArgs := rest[1], rest[2:]
	if ttl := ctlNames(true); o.ttl != "" && !slices.Contains(ttl, sub) {
		last := len(ttl) - 1
		fmt.Fprintf(g.stderr, "gohttpdbg ctl: --ttl applies to %s and %s, not %s\n", strings.Join(ttl[:last], ", "), ttl[last], sub)
		return 2
	}
	run := ctlSubcommand(sub)
	if run == nil {
		fmt.Fprintf(g.stderr, "gohttpdbg ctl: unknown subcommand %q; want one of %s\n", sub, strings.Join(ctlNames(false), ", "))
		return 2
	}
	if err := run(c, subArgs, &o); err != nil {
		fmt.Fprintf(g.stderr, "gohttpdbg ctl %s: %v\n", sub, err)
		var ae *apiError
		if errors.As(err, &ae) {
			if len(ae.body.Known) > 0 {
				fmt.Fprintf(g.stderr, "known keys: %s\n", strings.Join(ae.body.Known, ", "))
			}
			if len(ae.body.Probes) > 0 {
				fmt.Fprintf(g.stderr, "probes: %s\n", strings.Join(ae.body.Probes, ", "))
			}
		}
		return 1
	}
	return 0
}

// printJSON prints an answer as --json shows it: indented, keys sorted.
func printJSON(w io.Writer, data []byte) {
	var v any // any answer: printed as it came, only reformatted
	if json.Unmarshal(data, &v) == nil {
		if b, err := json.MarshalIndent(v, "", "  "); err == nil {
			data = b
		}
	}
	w.Write(bytes.TrimRight(data, "\n"))
	fmt.Fprintln(w)
}

// fetch GETs path into v; see callFor.
func (c *adminClient) fetch(path string, v any, o *ctlOpts) (bool, error) {
	return c.callFor("GET", path, nil, v, o)
}

// fetchNoArgs is fetch for a subcommand that takes no arguments: it
// refuses any before asking the program.
func (c *adminClient) fetchNoArgs(args []string, path string, v any, o *ctlOpts) (bool, error) {
	if len(args) != 0 {
		return false, errors.New("takes no arguments")
	}
	return c.fetch(path, v, o)
}

// callFor makes one admin request for a ctl subcommand and decodes the
// answer into v (an api type) for the subcommand to render, reporting
// true. With --json it prints the answer as it came instead, and reports
// false, as it does on an error.
func (c *adminClient) callFor(method, path string, body, v any, o *ctlOpts) (bool, error) {
	data, err := c.call(method, path, body)
	if err != nil {
		return false, err
	}
	if o.json {
		printJSON(o.out, data)
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("%s %s: the answer is not what this ctl reads: %v", method, path, err)
	}
	return true, nil
}

// levelsLine renders {"frame":0,…} as "frame=0 header=1 …".
func levelsLine(m map[string]int) string {
	var parts []string
	for _, p := range probes.Names() {
		if l, ok := m[p]; ok {
			parts = append(parts, p+"="+strconv.Itoa(l))
		}
	}
	return strings.Join(parts, " ")
}

func printOverrides(w io.Writer, list []api.Override) {
	if len(list) == 0 {
		fmt.Fprintln(w, "changes in force: none")
		return
	}
	fmt.Fprintln(w, "changes in force:")
	tw := newTable(w, "  KEY\tVALUE\tREVERTS TO\tEXPIRES IN\tBY PID")
	for _, o := range list {
		before := o.Before
		if o.Unset {
			before = "(unset)"
		}
		fmt.Fprintf(tw, "  %s/%s\t%s\t%s\t%s\t%d\n", o.Kind, o.Key, o.Value, before, time.Until(o.Expires).Round(time.Second), o.By.PID)
	}
	tw.Flush()
}

func ctlStatus(c *adminClient, args []string, o *ctlOpts) error {
	var st api.Status
	if ok, err := c.fetchNoArgs(args, "/v1/status", &st, o); !ok {
		return err
	}
	w := o.out
	fmt.Fprintf(w, "pid %d: %s (%s), up %s\n", st.PID, st.Program, st.Go, st.Uptime)
	fmt.Fprintf(w, "socket: %s (mode %s)\n", st.Socket, st.Mode)
	fmt.Fprintf(w, "probes: %s\n", levelsLine(st.Probes))
	fmt.Fprintf(w, "http2debug: %d\n", st.HTTP2Debug)
	if st.ClientHooks != "" {
		fmt.Fprintf(w, "client hooks: %s\n", st.ClientHooks)
	}
	if st.KeyLog != "" {
		fmt.Fprintf(w, "keylog: %s\n", st.KeyLog)
	}
	fmt.Fprintf(w, "events dropped: %d; breaker budget: %d events/s per probe\n", st.Dropped, st.BreakerBudget)
	if cfg := st.Config; cfg != nil {
		if cfg.Build != nil {
			fmt.Fprintf(w, "build: %s\n", buildLine(cfg.Build))
		}
		s := cfg.Start
		fmt.Fprintf(w, "thresholds: slow dns %s, connect %s, tls %s, ttfb %s; gc delay %s; ring %d events\n",
			s.SlowDNS, s.SlowConnect, s.SlowTLS, s.SlowTTFB, s.GCDelay, s.Ring)
		for _, e := range cfg.Errors {
			fmt.Fprintf(w, "config problem: %s\n", e)
		}
	}
	printOverrides(w, st.Overrides)
	return nil
}

// buildLine renders /v1/status's config.build (the build stamp) as
// "gohttpdbg VERSION, GO, probes SPEC, std patch PKG, …".
func buildLine(b *api.BuildStamp) string {
	std := "none"
	if len(b.StdPatch) > 0 {
		std = strings.Join(b.StdPatch, ", ")
	}
	return fmt.Sprintf("gohttpdbg %s, %s, probes %s, std patch %s", b.Tool, b.Go, b.Probes, std)
}

// settingArgs reads the arguments of a subcommand that shows settings
// without any and changes them with KEY=VALUE ones (want says which):
// show when there are none, and then --ttl, how long a change lasts, is
// refused.
func settingArgs(args []string, o *ctlOpts, want string) (sets [][2]string, show bool, err error) {
	if len(args) == 0 {
		if o.ttl != "" {
			return nil, false, fmt.Errorf("--ttl needs %s arguments", want)
		}
		return nil, true, nil
	}
	sets, err = parseSets(args)
	return sets, false, err
}

// parseSets splits KEY=VALUE arguments.
func parseSets(args []string) ([][2]string, error) {
	var out [][2]string
	for _, a := range args {
		for _, item := range strings.Split(a, ",") {
			if item == "" {
				continue
			}
			k, v, ok := strings.Cut(item, "=")
			if !ok || k == "" {
				return nil, fmt.Errorf("%q: want KEY=VALUE", item)
			}
			out = append(out, [2]string{k, v})
		}
	}
	return out, nil
}

func ctlProbes(c *adminClient, args []string, o *ctlOpts) error {
	sets, show, err := settingArgs(args, o, "PROBE=LEVEL")
	if err != nil {
		return err
	}
	if show {
		var res api.Probes
		if ok, err := c.fetch("/v1/probes", &res, o); !ok {
			return err
		}
		tw := newTable(o.out, "PROBE\tLEVEL")
		for _, p := range probes.Names() {
			if l, ok := res.Probes[p]; ok {
				fmt.Fprintf(tw, "%s\t%d\n", p, l)
			}
		}
		tw.Flush()
		printOverrides(o.out, res.Overrides)
		return nil
	}
	// Free-form: PUT /v1/probes takes a level by probe name (or "all"),
	// and "ttl", in one object.
	body := map[string]any{}
	for _, kv := range sets {
		n, err := strconv.Atoi(kv[1])
		if err != nil {
			return fmt.Errorf("%s=%s: the level must be 0, 1 or 2", kv[0], kv[1])
		}
		body[kv[0]] = n
	}
	if o.ttl != "" {
		body["ttl"] = o.ttl
	}
	return ctlChange(c, "/v1/probes", body, o)
}

// ctlChange sends a change and prints before → after.
func ctlChange(c *adminClient, path string, body any, o *ctlOpts) error {
	method := "PUT"
	if body == nil {
		method = "DELETE"
	}
	var res api.Change
	if ok, err := c.callFor(method, path, body, &res, o); !ok {
		return err
	}
	var keys []string
	for k := range res.After {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(o.out, "%s: %s -> %s\n", k, res.Before[k], res.After[k])
	}
	fmt.Fprintf(o.out, "reverts in %s (at %s); audit entry %d\n", res.TTL, res.Expires, res.Audit)
	return nil
}

func ctlGodebug(c *adminClient, args []string, o *ctlOpts) error {
	sets, show, err := settingArgs(args, o, "KEY=VALUE")
	if err != nil {
		return err
	}
	if show {
		var res api.Godebug
		if ok, err := c.fetch("/v1/godebug", &res, o); !ok {
			return err
		}
		fmt.Fprintf(o.out, "GODEBUG=%s (%s; classes from the %s source and runtime/metrics)\n", res.Godebug, res.Go, res.ClassifiedFrom)
		tw := newTable(o.out, "KEY\tCLASS\tVALUE\tPACKAGE")
		for _, k := range res.Keys {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.Name, k.Class, k.Value, k.Package)
		}
		tw.Flush()
		printOverrides(o.out, res.Overrides)
		return nil
	}
	body := api.GodebugPut{Set: map[string]string{}, TTL: o.ttl}
	for _, kv := range sets {
		body.Set[kv[0]] = kv[1]
	}
	return ctlChange(c, "/v1/godebug", body, o)
}

// newTable starts a table with its header line (tab-separated columns).
func newTable(out io.Writer, header string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	return tw
}

func ctlBodies(c *adminClient, args []string, o *ctlOpts) error {
	var res api.Bodies
	if ok, err := c.fetchNoArgs(args, "/v1/bodies", &res, o); !ok {
		return err
	}
	if len(res.Bodies) == 0 {
		fmt.Fprintf(o.out, "no open bodies (body probe at level %d)\n", res.BodyLevel)
		return nil
	}
	tw := newTable(o.out, "ID\tSIDE\tAGE\tBYTES\tEOF\tREQ\tCONN\tSITE\tURL")
	for _, b := range res.Bodies {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%t\t%d\t%d\t%s\t%s\n", b.ID, b.Side, b.Age, b.Bytes, b.EOF, b.Req, b.Conn, b.Site, b.URL)
	}
	return tw.Flush()
}

// ctlConns prints the connections, then the client side's hosts: how
// often their requests reused a connection.
func ctlConns(c *adminClient, args []string, o *ctlOpts) error {
	var res api.Conns
	if ok, err := c.fetchNoArgs(args, "/v1/conns", &res, o); !ok {
		return err
	}
	dial := -1
	if len(res.Conns) == 0 {
		// The empty table's message says what the dial probe's level does;
		// /v1/conns does not carry it.
		var pr api.Probes
		if p, err := c.call("GET", "/v1/probes", nil); err == nil && json.Unmarshal(p, &pr) == nil {
			if l, ok := pr.Probes["dial"]; ok {
				dial = l
			}
		}
	}
	return renderConns(o.out, res, dial)
}

// renderConns prints /v1/conns as tables; dial is the dial probe's level
// (-1: unknown).
func renderConns(w io.Writer, res api.Conns, dial int) error {
	if len(res.Conns) == 0 {
		switch {
		case dial == 0:
			fmt.Fprintln(w, "no connection known: the dial probe is off (level 0); at level 1 it tracks them ('ctl PID probes dial=1')")
		case dial > 0:
			fmt.Fprintf(w, "no open connection known to the probes (dial probe at level %d)\n", dial)
		default:
			fmt.Fprintln(w, "no open connection known to the probes")
		}
	} else {
		tw := newTable(w, "ID\tSIDE\tLOCAL\tREMOTE\tPROTO\tTLS\tSTATE\tFOR\tREQUESTS")
		for _, k := range res.Conns {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", k.ID, orDash(k.Side), orDash(k.Local), orDash(k.Remote),
				orDash(k.Proto), orDash(k.TLS), orDash(k.State), k.In, k.Requests)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(res.Hosts) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw := newTable(w, "HOST\tTRANSPORT\tNEW\tREUSED\tREUSE\tMAX_IDLE_PER_HOST")
	for _, h := range res.Hosts {
		// A ratio of no request at all is no ratio: "-", not 0%.
		reuse := "-"
		if n := h.NewConns + h.Reused; n > 0 {
			reuse = fmt.Sprintf("%.0f%%", 100*float64(h.Reused)/float64(n))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%d\n", h.Host, orDash(h.Transport), h.NewConns, h.Reused, reuse, h.MaxIdle)
	}
	return tw.Flush()
}

// ctlStreams prints the frame probe's view of HTTP/2 flow control: a line
// per connection (its own windows, STREAM "-"), then one per open stream.
// A window at or below zero says for how long in CLOSED: that stream (or
// the whole connection) cannot send in that direction until the other
// side reads and sends WINDOW_UPDATE.
func ctlStreams(c *adminClient, args []string, o *ctlOpts) error {
	var res api.Streams
	if ok, err := c.fetchNoArgs(args, "/v1/streams", &res, o); !ok {
		return err
	}
	if len(res.Conns) == 0 {
		fmt.Fprintf(o.out, "no HTTP/2 connection seen by the frame probe (level %d; it needs the std patch, and level 1 or above to follow the windows)\n",
			res.FrameLevel)
		return nil
	}
	tw := newTable(o.out, "CONN\tSIDE\tREMOTE\tSTREAM\tSEND\tRECV\tEND_STREAM\tCLOSED")
	for _, f := range res.Conns {
		closed := closedFor(f.SendClosed, f.RecvClosed)
		send, recv := strconv.FormatInt(f.Send, 10), strconv.FormatInt(f.Recv, 10)
		if !f.Exact {
			send, recv = "?", "?"
			closed += " (connection window not followed: frames went unseen while the frame probe was off; streams opened since it is back on are followed)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t-\t%s\t%s\t-\t%s\n", f.Conn, orDash(f.Side), orDash(f.Remote),
			send, recv, orDash(strings.TrimSpace(closed)))
		for _, st := range f.Streams {
			var ended []string
			if st.SentEnd {
				ended = append(ended, "sent")
			}
			if st.PeerEnded {
				ended = append(ended, "received")
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%d\t%s\t%s\n", f.Conn, orDash(f.Side), orDash(f.Remote),
				st.ID, st.Send, st.Recv, orDash(strings.Join(ended, ",")), orDash(closedFor(st.SendClosed, st.RecvClosed)))
		}
	}
	return tw.Flush()
}

// closedFor renders the send_closed_for and recv_closed_for of a
// connection or a stream of /v1/streams: "send 2.5s", "send 2.5s, recv 1s",
// or "".
func closedFor(send, recv string) string {
	var closed []string
	if send != "" {
		closed = append(closed, "send "+send)
	}
	if recv != "" {
		closed = append(closed, "recv "+recv)
	}
	return strings.Join(closed, ", ")
}

func ctlKeyLog(c *adminClient, args []string, o *ctlOpts) error {
	switch {
	case len(args) == 0:
		var res api.KeyLog
		if ok, err := c.fetch("/v1/keylog", &res, o); !ok {
			return err
		}
		if f := res.File; f != "" {
			fmt.Fprintf(o.out, "TLS key log: %s\n", f)
		} else {
			fmt.Fprintln(o.out, "TLS key log: off")
		}
		return nil
	case len(args) == 1 && args[0] == "off":
		return ctlChange(c, "/v1/keylog", nil, o)
	case len(args) == 1:
		file, err := filepath.Abs(args[0])
		if err != nil {
			return err
		}
		return ctlChange(c, "/v1/keylog", api.KeyLogPut{File: file, TTL: o.ttl}, o)
	}
	return errors.New("want FILE or off")
}

func ctlAudit(c *adminClient, args []string, o *ctlOpts) error {
	if len(args) != 0 {
		return errors.New("takes no arguments")
	}
	data, err := c.call("GET", "/v1/audit", nil)
	if err != nil {
		return err
	}
	var res api.Audit
	if err := json.Unmarshal(data, &res); err != nil {
		return err
	}
	if o.verify {
		// The server's own check, run here on what was received.
		if err := api.VerifyChain(res.Entries); err != nil {
			return fmt.Errorf("audit log chain BROKEN: %v", err)
		}
		first := "1"
		if len(res.Entries) > 0 {
			first = strconv.FormatInt(res.Entries[0].Seq, 10)
		}
		if !o.json {
			fmt.Fprintf(o.out, "audit log chain OK: %d entries from seq %s\n", len(res.Entries), first)
			return nil
		}
	}
	if o.json {
		printJSON(o.out, data)
		return nil
	}
	tw := newTable(o.out, "SEQ\tTIME\tPEER\tACTION\tCHANGE\tTTL\tRESULT")
	for _, e := range res.Entries {
		fmt.Fprintf(tw, "%d\t%s\tpid=%d uid=%d\t%s\t%s\t%s\t%s\n", e.Seq, e.Time, e.Peer.PID, e.Peer.UID,
			e.Action, changeText(e.Before, e.After), e.TTL, e.Result)
	}
	return tw.Flush()
}

func changeText(b, a map[string]string) string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		if bv, ok := b[k]; ok {
			parts = append(parts, k+" "+bv+"->"+a[k])
		} else {
			parts = append(parts, k+"="+a[k])
		}
	}
	return strings.Join(parts, ", ")
}

// orDash shows an empty cell as "-".
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
