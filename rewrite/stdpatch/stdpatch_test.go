package stdpatch

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

func init() { cacheDisabled = true }

// listFiles returns the absolute Go files of pkg as the toolchain of e
// compiles them.
func listFiles(t *testing.T, e goEnv, pkg string) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", "{{.Dir}}\n{{range .GoFiles}}{{.}}\n{{end}}", pkg)
	cmd.Dir = moduleRoot(t)
	cmd.Env = append(os.Environ(), e.env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pkg, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var files []string
	for _, f := range lines[1:] {
		files = append(files, filepath.Join(lines[0], f))
	}
	return files
}

func TestTargets(t *testing.T) {
	for v, want := range map[string]string{
		"go1.26.8":          "net/http golang.org/x/net/http2",
		"go1.27.3":          "net/http net/http/internal/http2 golang.org/x/net/http2",
		"devel go1.28-abcd": "net/http net/http/internal/http2 golang.org/x/net/http2",
		"go1.27rc1":         "net/http net/http/internal/http2 golang.org/x/net/http2",
	} {
		if got := strings.Join(Targets(v), " "); got != want {
			t.Errorf("Targets(%q) = %q, want %q", v, got, want)
		}
	}
}

// TestPatchRealSources patches the real packages of both releases and
// checks: nothing missing, every replaced file parses, keeps all its
// original lines at their numbers, and names the original path.
func TestPatchRealSources(t *testing.T) {
	for _, e := range toolchains(t) {
		version := goVersion(t, e)
		for _, pkg := range Targets(version) {
			files := listFiles(t, e, pkg)
			r, err := Patch(pkg, files, version)
			if err != nil {
				t.Fatalf("%s %s: %v", e.name, pkg, err)
			}
			if len(r.Missing) > 0 {
				t.Errorf("%s %s: missing %v", e.name, pkg, r.Missing)
			}
			if len(r.Replace) == 0 {
				t.Errorf("%s %s: nothing replaced", e.name, pkg)
			}
			for path, content := range r.Replace {
				checkLineFidelity(t, path, content)
			}
			for name, content := range r.Add {
				if _, err := parser.ParseFile(token.NewFileSet(), name, content, 0); err != nil {
					t.Errorf("%s %s: added %s: %v", e.name, pkg, name, err)
				}
			}
		}
	}
}

func checkLineFidelity(t *testing.T, path string, content []byte) {
	t.Helper()
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	first, rest, _ := bytes.Cut(content, []byte("\n"))
	if want := "//line " + path + ":1:1"; string(first) != want {
		t.Errorf("%s: first line %q, want %q", path, first, want)
	}
	fset := token.NewFileSet()
	if _, err := parser.ParseFile(fset, path, content, parser.ParseComments); err != nil {
		t.Errorf("%s: patched file does not parse: %v", path, err)
	}
	// Every original line is still at its number: either unchanged, or
	// changed only by a same-line edit (a rename or a splice) that still
	// contains the original line's code.
	ol := strings.Split(string(orig), "\n")
	pl := strings.Split(string(rest), "\n")
	if len(pl) < len(ol) {
		t.Fatalf("%s: %d lines, want at least %d", path, len(pl), len(ol))
	}
	changed := 0
	for i, o := range ol {
		if pl[i] == o {
			continue
		}
		changed++
		if !strings.Contains(pl[i], "gohttpdbg") && !strings.Contains(pl[i], "Gohttpdbg") {
			t.Errorf("%s:%d: changed without a gohttpdbg edit:\n%q\n%q", path, i+1, o, pl[i])
		}
	}
	if changed > 44 { // hooks (frames, server answers, client bodies and events, server bodies, header sizes, server connection states), plus the http2debug lines whose values are redacted (h2debug.go)
		t.Errorf("%s: %d lines changed; the patch should touch only a handful", path, changed)
	}
	if len(pl) > len(ol) && !strings.Contains(strings.Join(pl[len(ol)-1:], "\n"), "//line "+syntheticPath(path)+":1") {
		t.Errorf("%s: code appended without a //line directive", path)
	}
}

func TestPatchNotTarget(t *testing.T) {
	r, err := Patch("net/url", []string{"/nonexistent.go"}, "go1.26.8")
	if err != nil || len(r.Replace)+len(r.Add)+len(r.Missing) != 0 {
		t.Fatalf("Patch(net/url) = %+v, %v; want empty", r, err)
	}
}

// TestPatchMissing: a package where the hook points cannot be found still
// gets its hook variables (so the wiring compiles) and reports what is
// missing, by name. (Request, Response, Transport, Server, Handler,
// ResponseWriter and ConnState, which the hook set's signatures name, are
// in every net/http.)
func TestPatchMissing(t *testing.T) {
	dir := t.TempDir()
	src := "package http\n\nimport (\n\t\"io\"\n\t\"net\"\n)\n\ntype conn struct{ rwc net.Conn }\n\ntype Request struct{}\n\ntype Response struct{}\n\ntype Transport struct{}\n\ntype Server struct{}\n\ntype Handler interface{}\n\ntype ResponseWriter interface{}\n\ntype ConnState int\n\nvar _ io.Reader\n"
	p := filepath.Join(dir, "server.go")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Patch("net/http", []string{p}, "go1.28.0")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Missing) == 0 || len(r.Add) != 1 || len(r.Replace) != 0 {
		t.Fatalf("got %+v", r)
	}
	add := string(r.Add[AddedFile])
	for _, want := range []string{"var GohttpdbgH2 ", "var GohttpdbgHTTP1 ", "HTTP/2", "(*conn).readRequest", "(*Transport).dialConn"} {
		if !strings.Contains(add+strings.Join(r.Missing, " "), want) {
			t.Errorf("missing %q in added file or Missing list", want)
		}
	}
	// The added file and the package compile together.
	if err := os.WriteFile(filepath.Join(dir, AddedFile), r.Add[AddedFile], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/http\n\ngo 1.21\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "vet", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go vet: %v\n%s", err, out)
	}
}

func TestWiringParses(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "wiring.go", Wiring("go1.26.8"), parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	if f.Name.Name != "runtimehooks" {
		t.Fatalf("package %s", f.Name.Name)
	}
}

func TestIDStable(t *testing.T) {
	a, b := ID(), ID()
	if a != b || !strings.HasPrefix(a, "sp1-") {
		t.Fatal(a, b)
	}
}

// TestHooksFire builds testdata/e2e with the patch applied through
// -toolexec on each toolchain and checks that every hook fired: HTTP/2
// frames both ways with the conn bound on client and server, decoded
// HEADERS, an HTTP/1 rejection (400 and 431), a client response-read error,
// h2c through x/net and x/net's own Framer.
func TestHooksFire(t *testing.T) {
	if testing.Short() {
		t.Skip("builds net/http")
	}
	for _, e := range toolchains(t) {
		t.Run(e.name, func(t *testing.T) {
			bin := buildPatched(t, e, "./rewrite/stdpatch/testdata/e2e")
			out, err := exec.Command(bin).CombinedOutput()
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			counts := map[string]string{}
			sc := bufio.NewScanner(bytes.NewReader(out))
			callers := 0
			for sc.Scan() {
				if file, line, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "caller "), ":"); ok && strings.HasPrefix(sc.Text(), "caller ") {
					// The frame of the patched ReadFrameForHeader names the
					// original file and the line of the frame parser call.
					callers++
					src, err := os.ReadFile(file)
					n, _ := strconv.Atoi(line)
					if err != nil || n < 1 || n > len(strings.Split(string(src), "\n")) ||
						!strings.Contains(strings.Split(string(src), "\n")[n-1], "typeFrameParser(") {
						t.Errorf("patched frame reported at %s:%s, not at the original frame parser call (%v)", file, line, err)
					}
				}
				f := strings.Fields(sc.Text())
				if len(f) == 3 && f[0] == "count" {
					counts[f[1]] = f[2]
				}
			}
			for _, k := range []string{"bind.client=true", "bind.client=false", "read", "write", "headers", "headers.auth", "reject", "clientreaderror"} {
				if counts[k] == "" || counts[k] == "0" {
					t.Errorf("hook %s did not fire", k)
				}
			}
			if callers != 1 {
				t.Errorf("%d caller lines, want 1", callers)
			}
			for _, want := range []string{"h2: hello HTTP/2.0", "h1: HTTP/1.1 400 Bad Request", "h1: HTTP/1.1 431", "h2c: hello HTTP/2.0", "xnet framer read: 1", "statuses: [400 431]",
				// The body hooks: bytes as the program read them (gzip decoded),
				// EOF, Close, a read after Close, a dropped body's finalizer.
				"body h1.known: bytes=512 eof=true closes=1 kept=1 read_after_close=true gone=false",
				"body h1.chunked: bytes=1024 eof=true closes=2 kept=1 read_after_close=false gone=false",
				"body h1.gzip: bytes=512 eof=true closes=1 kept=1 read_after_close=false gone=false",
				// With an origin, Close twice then Read twice after it: one
				// Close, one release, one read after Close, from the origin.
				`body h1.origin: bytes=512 eof=true closes=1 kept=1 read_after_close=false gone=false released=1 origin_read_after_close="req=7 conn=9"`,
				"body h1.leak: bytes=0 eof=false closes=0 kept=0 read_after_close=false gone=true",
				"body h2: bytes=14 eof=true closes=1 kept=1 read_after_close=true gone=false",
				`body h2.origin: bytes=14 eof=true closes=1 kept=1 read_after_close=false gone=false released=1 origin_read_after_close="req=8 conn=9"`,
				"body h2c: bytes=14 eof=true closes=1 kept=1 read_after_close=false gone=false",
				// net/http's HTTP/1 writer answers the server probe's
				// accessor (HTTP/2's below).
				// The header as written, reported once.
				// A small response's header leaves after the watch
				// (finishRequest), a flushed one's while watched, once;
				// the header it sends is the one written.
				`answer HTTP/1.1 /created: reported 201 "created" x1, status 201, 14 bytes, sent x0, sends "created"`,
				`answer HTTP/1.1 /: reported 200 "" x1, status 200, 14 bytes, sent x0, sends ""`,
				`answer HTTP/1.1 /flushed: reported 200 "" x1, status 200, 14 bytes, sent x1, sends ""`,
				// net/http's own 200 comes after the watch: not reported.
				`answer HTTP/1.1 /empty: reported 0 "" x0, status 0, 0 bytes, sent x0, sends ""`,
				`answer HTTP/1.1 /hijack: reported 0 "" x0, status -1, 0 bytes, sent x0, sends ""`} {
				if !strings.Contains(string(out), want) {
					t.Errorf("output lacks %q", want)
				}
			}
			// Go's HTTP/2 server over TLS, then x/net's h2c server.
			if n := strings.Count(string(out), "answer HTTP/2.0 /: reported 200 \"\" x1, status 200, 14 bytes, sent x0, sends \"\"\n"); n != 2 {
				t.Errorf("%d HTTP/2 answers read from the writer, want 2", n)
			}
			if t.Failed() {
				t.Logf("output:\n%s", out)
			}
		})
	}
}

// TestWiredEvents builds testdata/wired with the patch and the generated
// wiring (in an overlay-only package) and checks the probe events end to
// end: frames both ways with redacted header fields, frame.stall on both
// sides of an upload to a handler that does not read, frame.goaway on both
// sides of a server shutdown, and header.reject with reason and status for
// raw malformed requests.
func TestWiredEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("builds net/http")
	}
	overlay := wiringOverlay(t, "wired")
	// GOHTTPDBG_TEST_RACE=1 builds with -race (slow: std is rebuilt).
	var extra []string
	if os.Getenv("GOHTTPDBG_TEST_RACE") != "" {
		extra = append(extra, "-race")
	}
	for _, e := range toolchains(t) {
		t.Run(e.name, func(t *testing.T) {
			bin := buildPatched(t, e, "./rewrite/stdpatch/testdata/wired", append([]string{"-overlay=" + overlay}, extra...)...)
			var stderr bytes.Buffer
			cmd := exec.Command(bin)
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil || stderr.Len() > 0 {
				t.Fatalf("%v\n%s", err, stderr.String())
			}
			type ev struct {
				Event  string         `json:"event"`
				Sev    string         `json:"sev"`
				Conn   uint64         `json:"conn"`
				Stream *uint32        `json:"stream"`
				Msg    string         `json:"msg"`
				Attrs  map[string]any `json:"attrs"`
			}
			var evs []ev
			count := map[string]int{}
			sc := bufio.NewScanner(bytes.NewReader(out))
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				var x ev
				if err := json.Unmarshal(sc.Bytes(), &x); err != nil {
					t.Fatalf("bad event line %q: %v", sc.Text(), err)
				}
				evs = append(evs, x)
				count[x.Event]++
				side, _ := x.Attrs["side"].(string)
				count[x.Event+"/"+side]++
			}
			if strings.Contains(string(out), "s3cret") {
				t.Error("secret header value in the events")
			}
			for _, k := range []string{"frame.read/client", "frame.read/server", "frame.write/client", "frame.write/server",
				"frame.headers/server", "frame.stall/client", "frame.stall/server", "frame.goaway/client", "frame.goaway/server"} {
				if count[k] == 0 {
					t.Errorf("no %s event", k)
				}
			}
			var reasons []string
			streamStalls := map[string]int{}
			for _, x := range evs {
				switch x.Event {
				case "frame.headers":
					if strings.Contains(x.Msg, "authorization=") && !strings.Contains(x.Msg, `authorization="[REDACTED]"`) {
						t.Errorf("authorization not redacted: %s", x.Msg)
					}
				case "frame.stall":
					if x.Attrs["window"] == nil || x.Stream == nil {
						t.Errorf("stall without window or stream: %+v", x)
					} else if *x.Stream != 0 {
						streamStalls[x.Attrs["side"].(string)+"/"+x.Attrs["dir"].(string)]++
					}
				case "header.reject":
					reasons = append(reasons, fmt.Sprintf("%v/%v", x.Attrs["reason"], x.Attrs["status"]))
				}
			}
			if streamStalls["client/send"] == 0 || streamStalls["server/recv"] == 0 {
				t.Errorf("stream stalls by side/dir: %v; want client/send and server/recv", streamStalls)
			}
			sort.Strings(reasons)
			if got, want := strings.Join(reasons, " "), "missing_colon/400 missing_colon/400 too_large/431"; got != want {
				t.Errorf("header.reject reasons %q, want %q", got, want)
			}
			if t.Failed() {
				t.Logf("events:\n%s", out)
			}

			// GODEBUG=http2debug=2: Go's own output (header values in
			// clear) is replaced by the probe's redacted lines.
			stderr.Reset()
			cmd = exec.Command(bin)
			cmd.Env = append(os.Environ(), "GODEBUG=http2debug=2")
			cmd.Stderr = &stderr
			if _, err := cmd.Output(); err != nil {
				t.Fatalf("http2debug=2 run: %v\n%s", err, stderr.String())
			}
			log := stderr.String()
			for _, want := range []string{`http2: decoded hpack field header field "authorization" = "[REDACTED]"`, ": wrote SETTINGS len="} {
				if !strings.Contains(log, want) {
					t.Errorf("http2debug=2 output lacks %q", want)
				}
			}
			if strings.Contains(log, "s3cret") {
				t.Errorf("http2debug=2 output shows the secret")
			}
		})
	}
}

func TestDiskCache(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("GOHTTPDBG_CACHE", "")
	t.Setenv("HOME", t.TempDir())
	cacheDisabled = false
	defer func() { cacheDisabled = true }()
	e := goEnv{name: "local"}
	files := listFiles(t, e, "net/http")
	v := goVersion(t, e)
	r1, err := Patch("net/http", files, v)
	if err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(cacheDir())
	if err != nil || len(ents) != 1 {
		t.Fatalf("cache dir %s: %v entries, %v", cacheDir(), len(ents), err)
	}
	r2, err := Patch("net/http", files, v)
	if err != nil {
		t.Fatal(err)
	}
	if len(r1.Replace) != len(r2.Replace) || len(r2.Replace) == 0 {
		t.Fatalf("cached result differs: %d vs %d files", len(r1.Replace), len(r2.Replace))
	}
	for k, c := range r1.Replace {
		if !bytes.Equal(c, r2.Replace[k]) {
			t.Fatalf("cached %s differs", k)
		}
	}
}

// TestLevel2HooksSkipped builds testdata/l2hooks with the patch and the
// generated wiring and runs it: over real HTTP/1 requests at level 1 the
// client hooks of level-2 events (GetConn, WroteRequest, FirstByte,
// WriteTrace) are never called, and a switch of the header probe to 2 at
// run time has the next request call each once (header.request reported,
// the program's own trace still called); see the program.
func TestLevel2HooksSkipped(t *testing.T) {
	if testing.Short() {
		t.Skip("builds net/http")
	}
	overlay := wiringOverlay(t, "l2hooks")
	for _, e := range toolchains(t) {
		t.Run(e.name, func(t *testing.T) {
			bin := buildPatched(t, e, "./rewrite/stdpatch/testdata/l2hooks", "-overlay="+overlay)
			var stderr bytes.Buffer
			cmd := exec.Command(bin)
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil || stderr.Len() > 0 || strings.TrimSpace(string(out)) != "ok" {
				t.Fatalf("%v\n%s%s", err, out, stderr.String())
			}
		})
	}
}

// wiringOverlay writes the generated wiring and an overlay that puts it
// in testdata/DIR's overlay-only package rh, and returns the overlay.
func wiringOverlay(t *testing.T, dir string) string {
	t.Helper()
	wiring := filepath.Join(t.TempDir(), "wiring.go")
	if err := os.WriteFile(wiring, Wiring("go1.26.8"), 0o644); err != nil {
		t.Fatal(err)
	}
	overlay := filepath.Join(t.TempDir(), "overlay.json")
	key := filepath.Join(moduleRoot(t), "rewrite/stdpatch/testdata", dir, "rh/zz_wiring.go")
	if err := os.WriteFile(overlay, []byte(`{"Replace":{`+strconv.Quote(key)+`:`+strconv.Quote(wiring)+`}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return overlay
}
