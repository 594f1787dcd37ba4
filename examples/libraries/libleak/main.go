// Command libleak leaks response bodies through three real client
// libraries: go-retryablehttp, resty (SetDoNotParseResponse) and the
// minio S3 SDK (Core.GetObject), against a local S3-shaped server. None of
// the leaking calls is a net/http call in this file: the requests are made
// inside the libraries, and gohttpdbg's patched net/http still follows
// them, naming the line below that led to each and the library frame that
// sent it (via).
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/hashicorp/go-retryablehttp"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	go http.Serve(ln, http.HandlerFunc(serve))
	base := "http://" + ln.Addr().String()

	rc := retryablehttp.NewClient()
	rc.Logger = nil
	rresp, err := rc.Get(base + "/retry") // leaks: Body never closed
	if err != nil {
		fail(err)
	}
	fmt.Println("retryablehttp:", rresp.StatusCode)

	raw, err := resty.New().R().SetDoNotParseResponse(true).Get(base + "/resty") // leaks: RawBody never closed
	if err != nil {
		fail(err)
	}
	fmt.Println("resty:", raw.StatusCode())

	s3, err := minio.NewCore(ln.Addr().String(), &minio.Options{
		Creds:  credentials.NewStaticV4("AKIAEXAMPLE", "s3cr3t-key-never-printed", ""),
		Region: "us-east-1",
	})
	if err != nil {
		fail(err)
	}
	obj, info, _, err := s3.GetObject(context.Background(), "bucket", "report.csv", minio.GetObjectOptions{}) // leaks: obj never closed
	if err != nil {
		fail(err)
	}
	fmt.Println("s3:", info.Size, obj != nil)

	rresp, raw, obj = nil, nil, nil
	for i := 0; i < 5; i++ {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
	}
}

// serve answers every path with a small body; an S3 GetObject gets the
// headers the SDK checks.
func serve(w http.ResponseWriter, r *http.Request) {
	body := strings.Repeat("x", 512)
	if strings.HasPrefix(r.URL.Path, "/bucket/") {
		w.Header().Set("ETag", `"0123456789abcdef0123456789abcdef"`)
		w.Header().Set("Last-Modified", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Format(http.TimeFormat))
		w.Header().Set("Content-Type", "text/csv")
	}
	fmt.Fprint(w, body)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "libleak:", err)
	os.Exit(1)
}
