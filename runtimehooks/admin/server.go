//go:build linux

package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gohttpdbg/gohttpdbg/probes"
	"github.com/gohttpdbg/gohttpdbg/probes/body"
	probeclient "github.com/gohttpdbg/gohttpdbg/probes/client"
	"github.com/gohttpdbg/gohttpdbg/probes/frame"
	"github.com/gohttpdbg/gohttpdbg/probes/server"
	"github.com/gohttpdbg/gohttpdbg/runtimehooks/admin/api"
)

// Options configure the server; the zero value serves read-write on
// DefaultPath.
type Options struct {
	Path      string                  // socket path; "" for DefaultPath(os.Getpid())
	ReadOnly  bool                    // GOHTTPDBG_ADMIN=ro: GET only, changes get 403
	AuditFile string                  // mirror of the audit log (GOHTTPDBG_AUDIT), appended to
	Budget    int                     // breaker budget in events/s per probe; 0: 50 000; <0: no breaker
	Status    func() api.StatusConfig // the runtime's configuration, shown in /v1/status

	// Limits; zero values take the defaults. Tests shorten them.
	ReadHeaderTimeout time.Duration // 5s
	ReadTimeout       time.Duration // 10s
	MaxConns          int           // 16
}

// Limits of a request.
const (
	maxBody        = 64 << 10
	maxHeaderBytes = 8 << 10
)

// DefaultBudget is the breaker's default budget, events per second per
// probe.
const DefaultBudget = 50000

// Server is a running admin socket.
type Server struct {
	opt     Options
	path    string
	started time.Time
	hs      *http.Server
	ln      *listener
	audit   *auditLog
	done    chan struct{}
	kick    chan struct{} // a probe was raised to 2: the breaker samples at once
	wg      sync.WaitGroup

	mu         sync.Mutex
	closed     bool
	unlinked   bool
	overrides  map[string]*override
	gen        uint64
	keyLogPath string
	keyLogFile *os.File
	keyLogNext *os.File // opened by the handler, taken by apply

	refusals refusalLimiter
}

// Start creates the socket (and its directory) and serves it. On error
// there is no socket and the error says why.
func Start(opt Options) (*Server, error) {
	s := &Server{opt: opt, started: time.Now(), done: make(chan struct{}), kick: make(chan struct{}, 1), overrides: map[string]*override{}}
	s.path = opt.Path
	dir := ""
	if s.path == "" {
		s.path = DefaultPath(os.Getpid())
		dir = filepath.Dir(s.path)
		if err := prepareDir(dir, true); err != nil {
			return nil, err
		}
	} else {
		if !filepath.IsAbs(s.path) {
			return nil, fmt.Errorf("socket path %q is not absolute", s.path)
		}
		if err := prepareDir(filepath.Dir(s.path), false); err != nil {
			return nil, err
		}
	}
	if err := removeStale(s.path); err != nil {
		return nil, err
	}
	a, err := newAuditLog(opt.AuditFile)
	if err != nil {
		return nil, fmt.Errorf("audit mirror: %v", err)
	}
	s.audit = a
	ul, err := net.ListenUnix("unix", &net.UnixAddr{Name: s.path, Net: "unix"})
	if err != nil {
		a.close()
		return nil, err
	}
	// The directory is 0700, so nobody else could connect in between.
	if err := os.Chmod(s.path, 0o600); err != nil {
		ul.Close()
		a.close()
		return nil, err
	}
	ul.SetUnlinkOnClose(true)
	if dir != "" {
		cleanStale(dir)
	}
	maxConns := opt.MaxConns
	if maxConns <= 0 {
		maxConns = 16
	}
	s.ln = &listener{UnixListener: ul, s: s, slots: make(chan struct{}, maxConns)}
	rht, rt := opt.ReadHeaderTimeout, opt.ReadTimeout
	if rht <= 0 {
		rht = 5 * time.Second
	}
	if rt <= 0 {
		rt = 10 * time.Second
	}
	s.hs = &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: rht,
		ReadTimeout:       rt,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       30 * time.Second,
		MaxHeaderBytes:    maxHeaderBytes,
		ConnContext:       connContext,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	// The patched net/http follows every server's requests: not this one's.
	server.Ignore(s.hs)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = s.hs.Serve(s.ln)
	}()
	budget := opt.Budget
	if budget == 0 {
		budget = DefaultBudget
	}
	if budget > 0 {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.breaker(budget)
		}()
	}
	return s, nil
}

// Path returns the socket's path.
func (s *Server) Path() string { return s.path }

// Unlink removes the socket's name so that no new client can connect and
// none finds a stale socket after the process exits; connections already
// open are served on. The exit paths call it (runtimehooks.Exiting).
func (s *Server) Unlink() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.unlinked {
		s.unlinked = true
		s.ln.SetUnlinkOnClose(false)
		os.Remove(s.path)
	}
}

// Close stops the server, removes the socket and reverts every change in
// force.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.revertAllLocked()
	s.mu.Unlock()
	close(s.done)
	err := s.hs.Close()
	s.wg.Wait()
	s.audit.close()
	return err
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	handlers := s.handlers()
	for _, ep := range api.Endpoints {
		if h := handlers[ep.Pattern]; h != nil {
			mux.HandleFunc(ep.Pattern, h)
			delete(handlers, ep.Pattern) // one pattern may serve several paths
		}
	}
	notFound := func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, api.NotFound(), nil)
	}
	mux.HandleFunc("/", notFound)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// ServeMux answers a path that is not clean ("/.", "/v1//status",
		// "/v1/../v1/probes") with a redirect: the admin API serves its
		// endpoints' own paths only, anything else is not found.
		if p := r.URL.Path; !cleanPath(p) {
			notFound(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// cleanPath reports whether ServeMux would serve p as it is: absolute,
// clean, or clean but for one trailing slash.
func cleanPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	c := path.Clean(p)
	return c == p || c != "/" && c+"/" == p
}

// handlers maps each endpoint's mux pattern (api.Endpoints) to its
// handler.
func (s *Server) handlers() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"/v1/status":    s.get(s.handleStatus),
		"/v1/probes":    s.getPut(s.handleProbesGet, s.handleProbesPut),
		"/v1/godebug":   s.getPut(s.handleGodebugGet, s.handleGodebugPut),
		"/v1/events":    s.get(s.handleEvents),
		"/v1/bodies":    s.get(s.handleBodies),
		"/v1/conns":     s.get(s.handleConns),
		"/v1/streams":   s.get(s.handleStreams),
		"/v1/keylog":    s.handleKeyLog,
		"/v1/audit":     s.get(s.handleAudit),
		"/v1/requests":  s.get(s.handleRequests),
		"/v1/requests/": s.get(s.handleRequest),
		"/v1/har":       s.get(s.handleHAR),
		"/v1/capture":   s.getPutDelete(s.handleCaptureGet, s.handleCapturePut, s.handleCaptureDelete),
	}
}

func (s *Server) getPutDelete(get, put, del http.HandlerFunc) http.HandlerFunc {
	gp := s.getPut(get, put)
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete {
			if s.writable(w, r) {
				del(w, r)
			}
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodPut {
			w.Header().Set("Allow", "GET, PUT, DELETE")
			writeError(w, http.StatusMethodNotAllowed, r.Method+" not allowed; use GET, PUT or DELETE", nil)
			return
		}
		gp(w, r)
	}
}

func (s *Server) get(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET")
			writeError(w, http.StatusMethodNotAllowed, r.Method+" not allowed; use GET", nil)
			return
		}
		h(w, r)
	}
}

func (s *Server) getPut(get, put http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			get(w, r)
		case http.MethodPut:
			if s.writable(w, r) {
				put(w, r)
			}
		default:
			w.Header().Set("Allow", "GET, PUT")
			writeError(w, http.StatusMethodNotAllowed, r.Method+" not allowed; use GET or PUT", nil)
		}
	}
}

// writable refuses changes in read-only mode.
func (s *Server) writable(w http.ResponseWriter, r *http.Request) bool {
	if !s.opt.ReadOnly {
		return true
	}
	s.refuse(peerFrom(r.Context()), r.Method+" "+r.URL.Path, "read-only admin socket (GOHTTPDBG_ADMIN=ro)")
	writeError(w, http.StatusForbidden, "read-only admin socket (GOHTTPDBG_ADMIN=ro): changes are refused", nil)
	return false
}

// refuse audits and reports a refused connection or request. Refusals
// are rate-limited so that a flood cannot fill the audit mirror.
func (s *Server) refuse(p Peer, what, why string) {
	if !s.refusals.allow() {
		return
	}
	s.audit.append(Entry{Peer: p, Action: "refused", After: map[string]string{"request": what}, Result: "refused: " + why})
	e := probes.Event{Probe: probes.Admin, Sev: probes.Warn, Name: "admin.refused",
		Msg: "admin socket refused " + what + " from pid " + strconv.Itoa(p.PID) + " uid " + strconv.Itoa(p.UID) + ": " + why}
	e.Add(probes.Int(probes.KeyPID, int64(p.PID)), probes.Int(probes.KeyUid, int64(p.UID)), probes.String(probes.KeyRequest, what))
	probes.Emit(&e)
}

// refusalLimiter allows 20 refusal records a second.
type refusalLimiter struct {
	mu    sync.Mutex
	start time.Time
	n     int
}

func (l *refusalLimiter) allow() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if now.Sub(l.start) > time.Second {
		l.start, l.n = now, 0
	}
	l.n++
	return l.n <= 20
}

type apiError struct{ msg string }

func (e apiError) Error() string { return e.msg }

func errf(format string, args ...any) error { return apiError{fmt.Sprintf(format, args...)} }

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"error":"encoding the answer failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}

// writeError answers api.Error{Error: msg}, with what extra adds (nil:
// nothing).
func writeError(w http.ResponseWriter, code int, msg string, extra *api.Error) {
	e := api.Error{Error: msg}
	if extra != nil {
		e.Known, e.Probes, e.Restart = extra.Known, extra.Probes, extra.Restart
	}
	writeJSON(w, code, e)
}

// readBody decodes a JSON request body of at most maxBody bytes into v.
func readBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if r.ContentLength > maxBody {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes", maxBody), nil)
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes", maxBody), nil)
			return false
		}
		writeError(w, http.StatusBadRequest, "malformed JSON: "+err.Error(), nil)
		return false
	}
	if dec.More() {
		writeError(w, http.StatusBadRequest, "malformed JSON: more than one value", nil)
		return false
	}
	return true
}

func probeNames() []string {
	var out []string
	for p := probes.Probe(0); p < probes.NumProbes; p++ {
		out = append(out, p.String())
	}
	return out
}

// levels is the level by probe name.
func levels() map[string]int {
	m := map[string]int{}
	for p := probes.Probe(0); p < probes.NumProbes; p++ {
		m[p.String()] = int(probes.Level(p))
	}
	return m
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	exe, _ := os.Executable()
	mode := "on"
	if s.opt.ReadOnly {
		mode = "ro"
	}
	s.mu.Lock()
	ovs := s.overridesLocked()
	keyLog := s.keyLogPath
	s.mu.Unlock()
	st := api.Status{
		PID:        os.Getpid(),
		Program:    filepath.Base(exe),
		Executable: exe,
		Go:         runtime.Version(),
		Started:    s.started.UTC().Format(time.RFC3339),
		Uptime:     time.Since(s.started).Round(time.Second).String(),
		Mode:       mode,
		Socket:     s.path,
		Probes:     levels(),
		HTTP2Debug: frame.HTTP2Debug(),
		Overrides:  ovs,
		KeyLog:     keyLog,
		Dropped:    probes.Dropped(),
		// The OTLP exporter's queue and drops (GOHTTPDBG_OUT=otlp), else nil.
		OTLP: probes.OTLPStats(),
		// How client requests are followed: "std patch" (net/http's own
		// hooks, no per-request trace at level 1) or "httptrace".
		ClientHooks: probeclient.Hooks(),
	}
	st.BreakerBudget = s.opt.Budget
	if st.BreakerBudget == 0 {
		st.BreakerBudget = DefaultBudget
	}
	if s.opt.Status != nil {
		cfg := s.opt.Status()
		st.Config = &cfg
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) handleProbesGet(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ovs := s.overridesLocked()
	s.mu.Unlock()
	var pov []api.Override
	for _, o := range ovs {
		if o.Kind == kindProbe {
			pov = append(pov, o)
		}
	}
	writeJSON(w, http.StatusOK, api.Probes{Probes: levels(), Overrides: pov})
}

func (s *Server) handleProbesPut(w http.ResponseWriter, r *http.Request) {
	var req map[string]json.RawMessage
	if !readBody(w, r, &req) {
		return
	}
	ttl, err := parseTTL(rawString(req["ttl"]))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	delete(req, "ttl")
	if len(req) == 0 {
		writeError(w, http.StatusBadRequest, `no probe to set; want e.g. {"frame":2,"ttl":"10m"}`, &api.Error{Probes: probeNames()})
		return
	}
	var cs []change
	for k, raw := range req {
		var lvl int
		if err := json.Unmarshal(raw, &lvl); err != nil || lvl < 0 || lvl > 2 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("%s: level must be 0, 1 or 2", k), nil)
			return
		}
		if k == "all" {
			for _, n := range probeNames() {
				cs = append(cs, change{kindProbe, n, strconv.Itoa(lvl)})
			}
			continue
		}
		if _, ok := probes.ProbeByName(k); !ok {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown probe %q", k), &api.Error{Probes: probeNames()})
			return
		}
		cs = append(cs, change{kindProbe, k, strconv.Itoa(lvl)})
	}
	s.commit(w, r, "probes", cs, ttl)
}

// commit applies the changes, audits them, emits admin.change and answers.
func (s *Server) commit(w http.ResponseWriter, r *http.Request, action string, cs []change, ttl time.Duration) {
	sortChanges(cs)
	peer := peerFrom(r.Context())
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		writeError(w, http.StatusServiceUnavailable, "admin socket closing", nil)
		return
	}
	before, after := s.setOverridesLocked(cs, ttl, peer)
	ovs := s.overridesLocked()
	s.mu.Unlock()
	entry := s.audit.append(Entry{Action: action, Peer: peer, Before: before, After: after, TTL: ttl.String(), Result: "ok"})
	var b strings.Builder
	for _, c := range cs {
		k := okey(c.kind, c.key)
		fmt.Fprintf(&b, " %s %s→%s", k, before[k], after[k])
	}
	e := probes.Event{Probe: probes.Admin, Sev: probes.Info, Name: "admin.change",
		Msg: action + " changed for " + ttl.String() + " by pid " + strconv.Itoa(peer.PID) + ":" + b.String()}
	e.Add(probes.String(probes.KeyAction, action), probes.Duration(probes.KeyTTL, ttl), probes.Int(probes.KeyPID, int64(peer.PID)),
		probes.Int(probes.KeyUid, int64(peer.UID)), probes.Int(probes.KeyAudit, entry.Seq))
	probes.Emit(&e)
	writeJSON(w, http.StatusOK, api.Change{Before: before, After: after, TTL: ttl.String(),
		Expires: time.Now().Add(ttl).UTC().Format(time.RFC3339), Overrides: ovs, Audit: entry.Seq})
}

func sortChanges(cs []change) {
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && okey(cs[j].kind, cs[j].key) < okey(cs[j-1].kind, cs[j-1].key); j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}

func rawString(raw json.RawMessage) string {
	var s string
	if raw != nil && json.Unmarshal(raw, &s) != nil {
		return string(raw) // not a string: parseTTL rejects it with the text
	}
	return s
}

func (s *Server) handleGodebugGet(w http.ResponseWriter, r *http.Request) {
	var keys []api.GodebugKey
	for _, n := range knownKeyNames() {
		k := godebugKeys()[n]
		v, _ := godebugGet(n)
		switch n {
		case "http2debug":
			v = strconv.Itoa(frame.HTTP2Debug())
		case "httpdebug":
			v = strconv.Itoa(int(min32(probes.Level(probes.Header), probes.Level(probes.Body))))
		case "httptrace":
			v = strconv.Itoa(int(min32(probes.Level(probes.Dial), probes.Level(probes.GC))))
		}
		keys = append(keys, api.GodebugKey{Name: n, Package: k.Package, Class: k.Class, Value: v})
	}
	s.mu.Lock()
	ovs := s.overridesLocked()
	s.mu.Unlock()
	var gov []api.Override
	for _, o := range ovs {
		if o.Kind != kindKeyLog {
			gov = append(gov, o)
		}
	}
	writeJSON(w, http.StatusOK, api.Godebug{Godebug: os.Getenv("GODEBUG"), Go: runtime.Version(),
		ClassifiedFrom: godebugSource, Keys: keys, Overrides: gov})
}

func min32(a, b int32) int32 {
	if a < b {
		return a
	}
	return b
}

func (s *Server) handleGodebugPut(w http.ResponseWriter, r *http.Request) {
	var req api.GodebugPut
	ttl, ok := readChange(w, r, &req, &req.TTL)
	if !ok {
		return
	}
	if len(req.Set) == 0 {
		writeError(w, http.StatusBadRequest, `nothing to set; want e.g. {"set":{"http2debug":"2"},"ttl":"5m"}`, nil)
		return
	}
	keys := godebugKeys()
	var cs []change
	var restart []string
	for k, v := range req.Set {
		info, ok := keys[k]
		if !ok {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown GODEBUG key %q for %s", k, runtime.Version()),
				&api.Error{Known: knownKeyNames()})
			return
		}
		if v == "" || len(v) > 64 || strings.ContainsAny(v, ",= \t\r\n") {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("%s: bad value %q", k, v), nil)
			return
		}
		switch info.Class {
		case classStartOnly:
			restart = append(restart, k+"="+v)
			continue
		case classOwn:
			if v != "0" && v != "1" && v != "2" {
				writeError(w, http.StatusBadRequest, fmt.Sprintf("%s: want 0, 1 or 2", k), nil)
				return
			}
			switch k {
			case "http2debug":
				cs = append(cs, change{kindHTTP2Debug, k, v})
			case "httpdebug":
				cs = append(cs, change{kindProbe, "header", v}, change{kindProbe, "body", v})
			case "httptrace":
				cs = append(cs, change{kindProbe, "dial", v}, change{kindProbe, "gc", v})
			}
		default:
			cs = append(cs, change{kindGodebug, k, v})
		}
	}
	if len(restart) > 0 {
		sortStrings(restart)
		hint := "GODEBUG=" + strings.Join(restart, ",")
		msg := fmt.Sprintf("%s read once at start by %s: restart with %s", strings.Join(restart, ", "), runtime.Version(), hint)
		s.refuse(peerFrom(r.Context()), "PUT /v1/godebug "+strings.Join(restart, ","), "start-only key")
		writeError(w, http.StatusConflict, msg, &api.Error{Restart: hint})
		return
	}
	s.commit(w, r, "godebug", cs, ttl)
}

func sortStrings(a []string) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

func (s *Server) handleBodies(w http.ResponseWriter, r *http.Request) {
	out := []api.Body{}
	for _, b := range body.Open() {
		out = append(out, api.Body{ID: b.ID, Side: b.Side, Site: b.Site, Req: b.Req, Conn: b.Conn, URL: b.URL,
			Opened: b.Opened.UTC().Format(time.RFC3339Nano), Age: b.Age.Round(time.Millisecond).String(), Bytes: b.Bytes, EOF: b.EOF})
	}
	writeJSON(w, http.StatusOK, api.Bodies{Bodies: out, BodyLevel: probes.Level(probes.Body)})
}

func (s *Server) handleConns(w http.ResponseWriter, r *http.Request) {
	out := []api.Conn{}
	now := time.Now()
	streams := map[uint64]int{}
	for _, f := range frame.Flows() {
		if f.Conn != 0 {
			streams[f.Conn] = len(f.Streams)
		}
	}
	for _, c := range probes.Conns() {
		cj := api.Conn{ID: c.ID, Side: c.Side, Local: c.Local, Remote: c.Remote, State: c.State,
			Since: c.Since.UTC().Format(time.RFC3339Nano), In: now.Sub(c.Since).Round(time.Millisecond).String(),
			Opened: c.Opened.UTC().Format(time.RFC3339Nano), Requests: c.Requests, Proto: c.Proto, TLS: c.TLS}
		if n, ok := streams[c.ID]; ok {
			cj.H2Streams = &n
			if cj.State == "" {
				// An HTTP/2 client connection: net/http reports no
				// ConnState or GotConn for it; its streams tell.
				cj.State = "idle"
				if n > 0 {
					cj.State = "active"
				}
			}
		}
		out = append(out, cj)
	}
	hosts := []api.Host{}
	for _, h := range probeclient.Hosts() {
		hj := api.Host{Host: h.Host, Transport: h.Transport, NewConns: h.NewConns, Reused: h.Reused, MaxIdle: h.MaxIdle}
		if n := h.NewConns + h.Reused; n > 0 {
			hj.Reuse = float64(h.Reused) / float64(n)
		}
		hosts = append(hosts, hj)
	}
	writeJSON(w, http.StatusOK, api.Conns{Conns: out, Hosts: hosts})
}

// handleStreams serves the frame probe's view of HTTP/2 flow control: the
// live connections, their windows, and their open streams.
func (s *Server) handleStreams(w http.ResponseWriter, r *http.Request) {
	dur := func(d time.Duration) string {
		if d <= 0 {
			return ""
		}
		return d.Round(time.Millisecond).String()
	}
	out := []api.Flow{}
	for _, f := range frame.Flows() {
		fj := api.Flow{Conn: f.Conn, Side: f.Side, Remote: f.Remote, Exact: f.Exact, Send: f.Send, Recv: f.Recv,
			SendClosed: dur(f.SendClosed), RecvClosed: dur(f.RecvClosed), InitialSend: f.InitialSend, InitialRecv: f.InitialRecv, Streams: []api.Stream{}}
		for _, st := range f.Streams {
			fj.Streams = append(fj.Streams, api.Stream{ID: st.ID, Send: st.Send, Recv: st.Recv, SentEnd: st.SentEnd,
				PeerEnded: st.PeerEnded, SendClosed: dur(st.SendClosed), RecvClosed: dur(st.RecvClosed)})
		}
		out = append(out, fj)
	}
	writeJSON(w, http.StatusOK, api.Streams{Conns: out, FrameLevel: probes.Level(probes.Frame)})
}

func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) {
	res := api.Audit{Entries: s.audit.list(), Verified: true}
	if err := api.VerifyChain(res.Entries); err != nil {
		res.Verified, res.VerifyError = false, err.Error()
	}
	writeJSON(w, http.StatusOK, res)
}

// context helper kept here so handlers can stop on server close too.
func (s *Server) reqContext(r *http.Request) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(r.Context())
	go func() {
		select {
		case <-s.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}
