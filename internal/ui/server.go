// Package ui serves `gohttpdbg ui`: a live page (a waterfall of exchanges,
// connections, probe controls) for a running instrumented process. The
// page server runs in the wrapper and reads the process's admin socket;
// the instrumented process opens no TCP port. docs/UI.md is the reference.
package ui

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed assets
var assets embed.FS

// Proc is one instrumented process the page can show. Program is empty
// when the process did not answer in time.
type Proc struct {
	PID     int    `json:"pid"`
	Program string `json:"program"`
	Socket  string `json:"socket"`
	Mode    string `json:"mode"`
	Uptime  string `json:"uptime"`
}

// Config configures a Server.
type Config struct {
	// Procs lists the live instrumented processes of this user (the
	// wrapper's `ps`).
	Procs func() []Proc
	// Target is what the page shows when its URL names nothing: a pid, a
	// program name or a socket path; "" shows the picker unless exactly
	// one process runs.
	Target string
	// Token is required on every request (the URL's ?token= once, then a
	// cookie); CSRF is required in a header on every change. Both are
	// random when empty.
	Token, CSRF string
	// Window is the number of exchanges the page keeps (default 2000).
	Window int
}

// Server is the page server. Its Handler checks every request (Host,
// Origin, token) before anything else.
type Server struct {
	cfg   Config
	hosts map[string]bool // Host values accepted: the listener's address by its names
	index *template.Template

	mu     sync.Mutex
	procs  []Proc // Procs' last answer, reused for procsTTL
	procAt time.Time
	names  map[int]string // program by pid, as last answered
}

// procsTTL bounds how often the process list (one status request per
// socket) is made again: the page's calls and live streams share it.
const procsTTL = 300 * time.Millisecond

func (s *Server) listProcs() []Proc {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.procAt.IsZero() || time.Since(s.procAt) > procsTTL {
		s.procs, s.procAt = s.cfg.Procs(), time.Now()
		// A process too busy to answer its status in time is listed
		// without its name; the name it gave before still finds it.
		if s.names == nil {
			s.names = map[int]string{}
		}
		for i, p := range s.procs {
			if p.Program == "" {
				s.procs[i].Program = s.names[p.PID]
			} else {
				s.names[p.PID] = p.Program
			}
		}
	}
	return s.procs
}

// cookieName is the token's cookie.
const cookieName = "gohttpdbg_ui"

// csrfHeader carries the page's CSRF token on every change.
const csrfHeader = "X-Gohttpdbg-Csrf"

// csp allows the page's own script and style and nothing else: no inline
// script, no other origin, no framing.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// RandomToken returns 32 random hex digits.
func RandomToken() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return hex.EncodeToString(b)
}

// New returns a server for pages reached at addr (host:port, loopback).
func New(cfg Config, addr string) (*Server, error) {
	if cfg.Token == "" {
		cfg.Token = RandomToken()
	}
	if cfg.CSRF == "" {
		cfg.CSRF = RandomToken()
	}
	if cfg.Window <= 0 {
		cfg.Window = 2000
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("%s is not a loopback address: the page serves this machine only", addr)
	}
	hosts := map[string]bool{net.JoinHostPort(host, port): true, net.JoinHostPort("localhost", port): true}
	t, err := template.ParseFS(assets, "assets/index.html")
	if err != nil {
		return nil, err
	}
	return &Server{cfg: cfg, hosts: hosts, index: t}, nil
}

// Token is the token the URL must carry.
func (s *Server) Token() string { return s.cfg.Token }

// URL is the address to open, with the token.
func (s *Server) URL(addr string) string {
	return "http://" + addr + "/?token=" + s.cfg.Token
}

// Handler serves the page and its API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.serveIndex)
	static, _ := fs.Sub(assets, "assets")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServer(http.FS(static))))
	mux.HandleFunc("GET /api/procs", s.serveProcs)
	mux.HandleFunc("GET /api/live", s.serveLive)
	mux.HandleFunc("GET /api/reqevents", s.serveReqEvents)
	mux.HandleFunc("/api/admin/", s.serveAdmin)
	return s.guard(mux)
}

// guard refuses what did not come from the page this server gave out:
// a Host other than the listener's (DNS rebinding), an Origin of another
// site (a cross-site request), a request without the token, a change
// without the CSRF token.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		if !s.hosts[r.Host] {
			http.Error(w, "refused: Host "+strconv.Quote(r.Host)+" is not this server's address (DNS rebinding?)", http.StatusMisdirectedRequest)
			return
		}
		if o := r.Header.Get("Origin"); o != "" {
			u, err := url.Parse(o)
			if err != nil || u.Scheme != "http" || !s.hosts[u.Host] {
				http.Error(w, "refused: cross-origin request from "+strconv.Quote(o), http.StatusForbidden)
				return
			}
		}
		if sf := r.Header.Get("Sec-Fetch-Site"); sf != "" && sf != "same-origin" && sf != "none" {
			http.Error(w, "refused: cross-site request ("+sf+")", http.StatusForbidden)
			return
		}
		tok := r.URL.Query().Get("token")
		fromURL := tok != ""
		if !fromURL {
			if c, err := r.Cookie(cookieName); err == nil {
				tok = c.Value
			}
		}
		if tok == "" {
			http.Error(w, "refused: no token; open the URL `gohttpdbg ui` printed", http.StatusUnauthorized)
			return
		}
		if subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.Token)) != 1 {
			http.Error(w, "refused: wrong token; open the URL `gohttpdbg ui` printed", http.StatusForbidden)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if subtle.ConstantTimeCompare([]byte(r.Header.Get(csrfHeader)), []byte(s.cfg.CSRF)) != 1 {
				http.Error(w, "refused: a change needs the page's CSRF token in "+csrfHeader, http.StatusForbidden)
				return
			}
		}
		if fromURL {
			http.SetCookie(w, &http.Cookie{Name: cookieName, Value: s.cfg.Token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
			if r.Method == http.MethodGet && r.URL.Path == "/" {
				// The token leaves the address bar (and the history): the
				// cookie carries it from now on.
				q := r.URL.Query()
				q.Del("token")
				u := "/"
				if len(q) > 0 {
					u += "?" + q.Encode()
				}
				http.Redirect(w, r, u, http.StatusSeeOther)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	s.index.Execute(w, map[string]any{"CSRF": s.cfg.CSRF, "Target": s.cfg.Target, "Window": s.cfg.Window})
}

func (s *Server) serveProcs(w http.ResponseWriter, r *http.Request) {
	list := s.listProcs()
	if list == nil {
		list = []Proc{}
	}
	writeJSON(w, list)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// resolve finds the process target names: a pid, a program name (the
// one live process of that name; the newest pid after a restart) or a
// socket path.
func (s *Server) resolve(target string) (Proc, error) {
	if target == "" {
		target = s.cfg.Target
	}
	list := s.listProcs()
	if target == "" {
		if len(list) == 1 {
			return list[0], nil
		}
		return Proc{}, fmt.Errorf("%d instrumented processes run: pick one", len(list))
	}
	var found []Proc
	for _, p := range list {
		if strconv.Itoa(p.PID) == target || p.Socket == target || p.Program == target {
			found = append(found, p)
		}
	}
	switch len(found) {
	case 0:
		return Proc{}, fmt.Errorf("no instrumented process %s has an admin socket (yet)", target)
	case 1:
		return found[0], nil
	}
	return Proc{}, fmt.Errorf("%d processes are named %q: pick one", len(found), target)
}

// adminGets are the admin paths the page reads; adminChanges, those it
// changes (each change is audited by the process).
var (
	adminGets    = []string{"/v1/status", "/v1/probes", "/v1/conns", "/v1/streams", "/v1/audit", "/v1/requests/", "/v1/har", "/v1/capture", "/v1/bodies"}
	adminChanges = map[string]string{"/v1/probes": "PUT", "/v1/capture": "PUT, DELETE"}
)

// serveAdmin relays /api/admin/v1/... to the admin socket of ?t.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/api/admin")
	allowed := false
	switch r.Method {
	case http.MethodGet:
		for _, p := range adminGets {
			if path == p || (strings.HasSuffix(p, "/") && strings.HasPrefix(path, p)) {
				allowed = true
			}
		}
	case http.MethodPut, http.MethodDelete:
		allowed = strings.Contains(adminChanges[path], r.Method)
		if allowed && r.Method == http.MethodPut && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			http.Error(w, "a change is JSON (Content-Type: application/json)", http.StatusUnsupportedMediaType)
			return
		}
	}
	if !allowed {
		http.Error(w, "the page does not "+r.Method+" "+path, http.StatusForbidden)
		return
	}
	p, err := s.resolve(r.URL.Query().Get("t"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	download := q.Get("download") != ""
	q.Del("t")
	q.Del("download")
	u := "http://gohttpdbg" + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, u, bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if len(body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := adminClient(p.Socket, 30*time.Second).Do(req)
	if err != nil {
		http.Error(w, "admin socket of pid "+strconv.Itoa(p.PID)+": "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	if download && resp.StatusCode == http.StatusOK {
		name := fmt.Sprintf("%s-%d.har", p.Program, p.PID)
		w.Header().Set("Content-Disposition", "attachment; filename="+strconv.Quote(name))
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

// adminClient talks HTTP to one admin socket.
func adminClient(sock string, timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "unix", sock)
			},
			DisableKeepAlives: true, // the page's calls are few; a kept connection would hold one of the socket's 16
		},
	}
}

// serveReqEvents returns the kept events (the process's ring, the last
// 256) of one exchange (?req) and of its connection (?conn): the detail
// pane's "events" and, for HTTP/2, its frames.
func (s *Server) serveReqEvents(w http.ResponseWriter, r *http.Request) {
	p, err := s.resolve(r.URL.Query().Get("t"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	req, _ := strconv.ParseUint(r.URL.Query().Get("req"), 10, 64)
	conn, _ := strconv.ParseUint(r.URL.Query().Get("conn"), 10, 64)
	resp, err := adminClient(p.Socket, 10*time.Second).Get("http://gohttpdbg/v1/events")
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	type ev struct {
		Req  uint64 `json:"req"`
		Conn uint64 `json:"conn"`
	}
	out := []json.RawMessage{}
	for _, line := range bytes.Split(readAll(resp.Body), []byte{'\n'}) {
		var e ev
		if json.Unmarshal(line, &e) != nil {
			continue
		}
		if (req != 0 && e.Req == req) || (conn != 0 && e.Conn == conn) {
			out = append(out, json.RawMessage(line))
		}
	}
	writeJSON(w, out)
}

func readAll(r io.Reader) []byte {
	b, _ := io.ReadAll(io.LimitReader(r, 16<<20))
	return b
}
