// Command soak is a bounded load test on loopback: 64 concurrent clients
// against one server for a fixed time (default 20 s), every probe at the
// level GOHTTPDBG gives. It samples its own resident memory and fails if it
// keeps growing after the warm-up: built with gohttpdbg and given a sink
// that reads slowly, the probes must drop events (and say how many with
// admin.dropped), never buffer without bound or block the traffic.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// rssKiB reads the resident set size from /proc (Linux); ok is false
// where it cannot be read.
func rssKiB() (kib int64, ok bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

func main() {
	dur := flag.Duration("d", 20*time.Second, "how long to run")
	clients := flag.Int("c", 64, "concurrent clients")
	maxGrowth := flag.Int64("max-growth-mib", 64, "fail if RSS grows more than this after the warm-up")
	flag.Parse()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("X-Request", r.URL.Path)
		io.WriteString(w, "ok")
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)

	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *clients}}
	url := "http://" + ln.Addr().String() + "/load"
	var requests, failures atomic.Int64
	deadline := time.Now().Add(*dur)
	var wg sync.WaitGroup
	for i := 0; i < *clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				resp, err := c.Post(url, "text/plain", strings.NewReader("payload"))
				if err != nil {
					failures.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				requests.Add(1)
			}
		}()
	}

	warm := *dur / 4
	time.Sleep(warm)
	base, measured := rssKiB()
	peak := base
	for time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
		r, ok := rssKiB()
		measured = measured && ok
		if r > peak {
			peak = r
		}
	}
	wg.Wait()
	srv.Close()
	if !measured {
		// Without /proc the check cannot fail: say so rather than pass.
		fmt.Printf("requests=%d failures=%d\nrss not measured (no /proc/self/status here)\n", requests.Load(), failures.Load())
		return
	}
	growth := (peak - base) / 1024
	fmt.Printf("requests=%d failures=%d rss_after_warmup=%dMiB rss_peak=%dMiB growth=%dMiB\n",
		requests.Load(), failures.Load(), base/1024, peak/1024, growth)
	if growth > *maxGrowth {
		fmt.Printf("rss grew by %d MiB after the warm-up (limit %d MiB)\n", growth, *maxGrowth)
		os.Exit(1)
	}
	fmt.Println("rss bounded")
}
