// Package ui tests `gohttpdbg ui` end to end in a real headless Chromium
// (Debian's chromium package; .ci/run installs it): gohttpdbg built from
// this repository serves the page for instrumented examples, and the test
// drives the page as a user would. A module of its own, so that the
// browser driver (chromedp) stays out of the project's go.mod.
package ui

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

var (
	dirOnce sync.Once
	binDir  string
	builds  sync.Map // binary name → *built
)

type built struct {
	once sync.Once
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// chromiumPath finds the browser. Without one the tests skip, except
// under CI, where they fail: CI installs chromium.
func chromiumPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("CHROMIUM")
	if p == "" {
		p, _ = exec.LookPath("chromium")
	}
	if p == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set and chromium is not installed: .ci/run installs it (apt-get install -y chromium)")
		}
		t.Skip("chromium is not installed (apt-get install -y chromium); under CI=true this fails")
	}
	return p
}

// bin builds gohttpdbg (from this repository) or an example (with it),
// once, and returns its path. Each binary builds when a test first needs
// it, so one test's builds overlap another test's run.
func bin(t *testing.T, name string) string {
	t.Helper()
	path, err := build(name)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func build(name string) (string, error) {
	dirOnce.Do(func() {
		var err error
		if binDir, err = os.MkdirTemp("", "ui-e2e-"); err != nil {
			panic(err)
		}
	})
	path := filepath.Join(binDir, name)
	v, _ := builds.LoadOrStore(name, &built{})
	b := v.(*built)
	b.once.Do(func() {
		wd, _ := os.Getwd()
		args := []string{"go", "build", "-o", path, "./cmd/gohttpdbg"}
		if name != "gohttpdbg" {
			gh, err := build("gohttpdbg")
			if err != nil {
				b.err = err
				return
			}
			args = []string{gh, "build", "-o", path, "./examples/" + name}
		}
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = filepath.Join(wd, "..", "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("%v: %v\n%s", args, err, out)
		}
	})
	return path, b.err
}

// env is one test's world: its own socket directory (XDG_RUNTIME_DIR), so
// the page lists only the test's processes.
type env struct {
	t   *testing.T
	dir string
}

func newEnv(t *testing.T) *env {
	chromiumPath(t)
	dir, err := os.MkdirTemp("", "uie2e") // short: socket paths are at most 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return &env{t: t, dir: dir}
}

func (e *env) environ(extra ...string) []string {
	return append(os.Environ(), append([]string{"XDG_RUNTIME_DIR=" + e.dir}, extra...)...)
}

// start runs an example until the test ends (EXAMPLE_HOLD keeps it up
// after its work).
func (e *env) start(name string, envs []string, args ...string) int {
	cmd := exec.Command(bin(e.t, name), args...)
	cmd.Env = e.environ(append([]string{"EXAMPLE_HOLD=5m", "GOHTTPDBG_OUT=off"}, envs...)...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd.Process.Pid
}

// ui starts `gohttpdbg ui TARGET` and returns the URL it prints.
func (e *env) ui(target string) string {
	cmd := exec.Command(bin(e.t, "gohttpdbg"), "ui", target)
	cmd.Env = e.environ()
	out, err := cmd.StdoutPipe()
	if err != nil {
		e.t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(out)
	re := regexp.MustCompile(`http://127\.0\.0\.1:\d+/\?token=[0-9a-f]{32}`)
	for sc.Scan() {
		if u := re.FindString(sc.Text()); u != "" {
			go io.Copy(io.Discard, out)
			return u
		}
	}
	e.t.Fatal("gohttpdbg ui printed no URL")
	return ""
}

// admin reads path from pid's admin socket, as ctl would.
func (e *env) admin(pid int, path string) string {
	e.t.Helper()
	sock := filepath.Join(e.dir, "gohttpdbg", strconv.Itoa(pid)+".sock")
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}}
	resp, err := hc.Get("http://x" + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		e.t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
	}
	return string(b)
}

// browserCtx starts a headless Chromium for the test. The flags keep it
// off the network: without them it tries to reach Google's services and
// hangs on a closed network.
func browserCtx(t *testing.T) context.Context {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 900),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelA() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser on a context without a timeout
		t.Fatal(err)
	}
	return ctx
}

func run(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(c, steps...); err != nil {
		t.Fatal(err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(c, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// poll waits until the page's js is truthy (a minute at most: builds and
// the examples' own waits are in it) and returns its value.
func poll[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	v, err := chromedp.Run(c, chromedp.Poll[T](js, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(60*time.Second)))
	if err != nil {
		state := eval[string](t, ctx, `document.getElementById('state').textContent + ' | ' + document.getElementById('count').textContent`)
		t.Fatalf("waiting for %s: %v (page: %s)", js, err, state)
	}
	return v
}

// artifacts is where screenshots go: $GOHTTPDBG_ARTIFACTS, else a
// temporary directory that is kept (and logged).
func artifacts(t *testing.T) string {
	dir := os.Getenv("GOHTTPDBG_ARTIFACTS")
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "gohttpdbg-ui-artifacts-"); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(dir, 0o755)
	return dir
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var png []byte
	run(t, ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		var err error
		png, err = chromedp.CaptureScreenshot()(ctx, tg)
		return err
	}))
	p := filepath.Join(artifacts(t), name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

// TestLeakWaterfall: the leak example's exchanges in the waterfall with
// their source line and body.leak; the detail pane's "copy as curl" and
// "download HAR" give what the admin API gives; a probe level switched in
// the page is in /v1/probes and in the audit log.
func TestLeakWaterfall(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.start("leak", []string{"GOHTTPDBG=header=2"}) // headers kept: the detail pane and curl show them
	url := e.ui("leak")
	ctx := browserCtx(t)
	run(t, ctx, chromedp.Navigate(url))

	// Three leaked GETs, each on its row with the http.Get line, each
	// with its body.leak badge; and their server sides.
	const rows = `[...document.querySelectorAll('#rows .row.side-client')]`
	poll[bool](t, ctx, rows+`.filter(r => r.querySelector('.c-site').textContent === 'examples/leak/main.go:30' && r.textContent.includes('body.leak')).length === 3`)
	poll[bool](t, ctx, `document.querySelectorAll('#rows .row.side-server').length === 3`)
	if got := eval[string](t, ctx, `document.querySelector('#rows .row.side-client .badge').textContent`); got != "new conn" {
		t.Errorf("reuse shown as %q, want new conn (each leaked body pins its connection)", got)
	}
	if s := eval[string](t, ctx, `document.getElementById('state').textContent`); !strings.Contains(s, "pid "+strconv.Itoa(pid)) {
		t.Errorf("state %q does not name pid %d", s, pid)
	}
	screenshot(t, ctx, "waterfall.png")

	// The detail pane of the first client exchange.
	run(t, ctx, chromedp.Click(chromedp.CSS(`#rows .row.side-client`)), chromedp.WaitVisible(chromedp.CSS(`#detail`)))
	id := poll[string](t, ctx, `document.getElementById('detail').dataset.id`)
	title := eval[string](t, ctx, `document.getElementById('d-title').textContent`)
	if !strings.HasPrefix(title, "client GET http://127.0.0.1:") {
		t.Errorf("detail title %q", title)
	}
	run(t, ctx, chromedp.Click(chromedp.CSS(`#copy-curl`)))
	curl := poll[string](t, ctx, `document.getElementById('curl-text').textContent`)
	if want := e.admin(pid, "/v1/requests/"+id+"/curl"); curl != want {
		t.Errorf("copy as curl gave\n%s\nwant (/v1/requests/%s/curl)\n%s", curl, id, want)
	}
	screenshot(t, ctx, "detail.png")

	dl := t.TempDir()
	run(t, ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dl})
		return err
	}), chromedp.Click(chromedp.CSS(`#download-har`)))
	har := waitFile(t, dl, ".har")
	if want := e.admin(pid, "/v1/har"); string(har) != want {
		t.Errorf("download HAR gave %d bytes that differ from /v1/har's %d", len(har), len(want))
	}

	// Controls: frame from 1 to 2, with a TTL.
	run(t, ctx, chromedp.Click(chromedp.CSS(`.tab[data-view=controls]`)),
		chromedp.WaitVisible(chromedp.CSS(`#lvl-frame`)),
		chromedp.SetValue(chromedp.CSS(`#lvl-frame`), "2"),
		chromedp.SetValue(chromedp.CSS(`#ttl`), "3m"),
		chromedp.Click(chromedp.CSS(`#apply-probes`)))
	msg := poll[string](t, ctx, `(t => t.startsWith('changed') || t.startsWith('refused') ? t : '')(document.getElementById('ctl-msg').textContent)`)
	if !strings.HasPrefix(msg, "changed") {
		t.Fatalf("the page says %q", msg)
	}
	var probes struct {
		Probes map[string]int `json:"probes"`
	}
	json.Unmarshal([]byte(e.admin(pid, "/v1/probes")), &probes)
	if probes.Probes["frame"] != 2 {
		t.Errorf("/v1/probes: frame=%d, want 2", probes.Probes["frame"])
	}
	var audit struct {
		Entries []struct {
			Action string            `json:"action"`
			After  map[string]string `json:"after"`
			TTL    string            `json:"ttl"`
			Peer   struct{ PID int } `json:"peer"`
		} `json:"entries"`
	}
	json.Unmarshal([]byte(e.admin(pid, "/v1/audit")), &audit)
	if n := len(audit.Entries); n == 0 || audit.Entries[n-1].Action != "probes" || audit.Entries[n-1].After["probe/frame"] != "2" || audit.Entries[n-1].TTL != "3m0s" {
		t.Errorf("audit log does not end with the page's change: %+v", audit.Entries)
	}
	poll[bool](t, ctx, `document.getElementById('audit').textContent.includes('"probe/frame":"2"')`)
}

// waitFile waits for a finished download in dir.
func waitFile(t *testing.T, dir, ext string) []byte {
	t.Helper()
	for i := 0; i < 300; i++ {
		ents, _ := os.ReadDir(dir)
		for _, en := range ents {
			if strings.HasSuffix(en.Name(), ext) {
				b, err := os.ReadFile(filepath.Join(dir, en.Name()))
				if err == nil && len(b) > 0 {
					return b
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no %s file was downloaded to %s", ext, dir)
	return nil
}

// TestH2StallShown: the h2stall example's upload, stuck on flow control,
// is marked on its rows (frame.stall) and listed under Connections with
// its stream. The program runs with a read-only admin socket: the page
// disables its controls and says why.
func TestH2StallShown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.start("h2stall", []string{"GOHTTPDBG_ADMIN=ro"})
	url := e.ui("h2stall")
	ctx := browserCtx(t)
	run(t, ctx, chromedp.Navigate(url))
	for _, side := range []string{"client", "server"} {
		poll[bool](t, ctx, `[...document.querySelectorAll('#rows .row.side-`+side+`')].some(r => r.querySelector('.method').textContent === 'POST' && r.querySelector('.proto').textContent === 'h2' && r.querySelector('.badge.stall') !== null)`)
	}
	// Each exchange knows its connection and stream: its detail lists that
	// stream's frames (the stalls, at frame level 1) alone.
	for _, side := range []string{"client", "server"} {
		run(t, ctx, chromedp.Click(chromedp.CSS(`#rows .row.side-`+side)), chromedp.WaitVisible(chromedp.CSS(`#detail`)))
		poll[bool](t, ctx, `(h => h !== null && /^frames of stream 1 \(/.test(h.textContent))(document.querySelector('#d-h2 h4'))`)
		poll[bool](t, ctx, `(l => l.length > 0 && l.every(li => / frame\.\S+ stream=1 /.test(li.textContent)))([...document.querySelectorAll('#d-h2 ol.frames li')])`)
		poll[bool](t, ctx, `[...document.querySelectorAll('#d-h2 p.stalled')].some(p => /^stall: stream 1 /.test(p.textContent))`)
		run(t, ctx, chromedp.Click(chromedp.CSS(`#detail-close`)))
	}

	run(t, ctx, chromedp.Click(chromedp.CSS(`.tab[data-view=conns]`)))
	poll[bool](t, ctx, `[...document.querySelectorAll('#stalls li.stalled')].some(li => / stream 1 \(client\): stream 1 cannot send/.test(li.textContent))`)
	poll[bool](t, ctx, `[...document.querySelectorAll('#stalls li.stalled')].some(li => / stream 1 \(server\): /.test(li.textContent))`)
	screenshot(t, ctx, "stall.png")

	run(t, ctx, chromedp.Click(chromedp.CSS(`.tab[data-view=controls]`)))
	reason := poll[string](t, ctx, `(r => r.hidden ? '' : r.textContent)(document.getElementById('ro-reason'))`)
	if !strings.Contains(reason, "GOHTTPDBG_ADMIN=ro") {
		t.Errorf("ro reason %q", reason)
	}
	if !eval[bool](t, ctx, `document.getElementById('apply-probes').disabled && document.getElementById('lvl-frame').disabled && document.getElementById('capture-set').disabled`) {
		t.Error("controls enabled in ro mode")
	}
}

// TestSoakBounded: under the soak example at level 2 (thousands of
// exchanges a second) the page keeps its window of exchanges, the server
// samples what exceeds its relay rate, the page answers, and its
// JavaScript heap (after a collection) stays within a bound set once the
// window is full, over a minute of traffic.
func TestSoakBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("a minute of load")
	}
	t.Parallel()
	e := newEnv(t)
	e.start("soak", []string{"GOHTTPDBG=all=2"}, "-d", "120s", "-c", "16", "-max-growth-mib", "4096")
	url := e.ui("soak")
	ctx := browserCtx(t)
	run(t, ctx, chromedp.Navigate(url))
	window := eval[int](t, ctx, `WINDOW`)
	poll[bool](t, ctx, `st.exchanges.length === WINDOW`)
	heap := func() float64 {
		var used float64
		run(t, ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			if _, err := chromedp.Call(ctx, heapprofiler.CollectGarbage, cdp.Empty{}); err != nil {
				return err
			}
			u, err := chromedp.Call(ctx, runtime.GetHeapUsage, cdp.Empty{})
			used = u.UsedSize
			return err
		}))
		return used
	}
	base := heap()
	limit := base*1.5 + 4<<20
	seen0 := eval[int](t, ctx, `st.dropped + st.exchanges.length`)
	var peak float64
	for i := 0; i < 12; i++ { // a minute
		time.Sleep(5 * time.Second)
		if n := eval[int](t, ctx, `st.exchanges.length`); n > window {
			t.Fatalf("the page keeps %d exchanges, more than its window of %d", n, window)
		}
		h := heap()
		peak = max(peak, h)
		if h > limit {
			t.Fatalf("JS heap %.1f MiB after a collection, over the bound %.1f MiB (1.5× the %.1f MiB with a full window, +4 MiB)", h/(1<<20), limit/(1<<20), base/(1<<20))
		}
	}
	seen := eval[int](t, ctx, `st.dropped + st.exchanges.length`)
	skipped := eval[int](t, ctx, `st.skipped`)
	rows := eval[int](t, ctx, `document.querySelectorAll('#rows .row').length`)
	t.Logf("window %d: %d exchanges received in the minute, %d sampled out by the server; heap %.1f MiB with a full window, peak %.1f MiB; %d rows drawn",
		window, seen-seen0, skipped, base/(1<<20), peak/(1<<20), rows)
	if seen-seen0 < 2*window {
		t.Fatalf("only %d exchanges reached the page in a minute: the window did not turn over, so the bound says nothing", seen-seen0)
	}
	if rows == 0 || rows > 500 {
		t.Fatalf("%d rows drawn, want 1 to 500", rows)
	}
	screenshot(t, ctx, "soak.png")
}
