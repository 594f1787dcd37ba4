// Command gcpause serves a GC-heavy handler: it allocates garbage fast
// and copies large buffers. A large copy cannot be preempted, so the
// garbage collector's stop-the-world waits for it and requests in flight
// stall for milliseconds. Built with gohttpdbg it reports gc.delay naming
// the in-flight requests and, at level 2, every gc.pause. Whether a
// collection lands on a copy is the scheduler's luck: if a run reports no
// gc.delay, GOHTTPDBG=gc.delay=100us lowers the threshold from 1ms.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

var src = make([]byte, 64<<20)

func heavy(w http.ResponseWriter, r *http.Request) {
	var garbage []*[128]byte
	for i := 0; i < 100000; i++ {
		garbage = append(garbage, new([128]byte))
		if len(garbage) > 50000 {
			garbage = nil
		}
	}
	dst := make([]byte, len(src))
	copy(dst, src) // one long non-preemptible memmove
	io.WriteString(w, "done\n")
}

func main() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/heavy", heavy)
	srv := &http.Server{Handler: mux}
	go srv.Serve(l)
	defer srv.Close()

	var wg sync.WaitGroup
	url := "http://" + l.Addr().String() + "/heavy"
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 5; j++ { // enough pauses that one lands on a copy, even on a busy machine
				resp, err := http.Get(url)
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	time.Sleep(300 * time.Millisecond) // the gc probe polls every 100ms
	fmt.Println("done")
}
