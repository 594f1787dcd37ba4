package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

const smallMain = `package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
)

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") })
	go http.Serve(ln, mux)
	client := &http.Client{}
	resp, err := client.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Printf("status %d body %q\n", resp.StatusCode, b)
}
`

func writeSmall(dir string) error {
	return writeFiles(dir, map[string]string{
		"go.mod":  "module example.com/small\n\ngo 1.22\n",
		"main.go": smallMain,
	})
}

// writeMedium generates a module of n library packages and a main
// package. Package i imports packages i-1 and i-2 (a dependency chain, so
// the build is not embarrassingly parallel), has some ordinary code, and
// every third package has net/http call sites the rewriter instruments.
func writeMedium(dir string, n int) error {
	files := map[string]string{"go.mod": "module example.com/medium\n\ngo 1.22\n"}
	var mainImports, mainCalls []string
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("p%02d", i)
		var imports, uses []string
		for _, d := range []int{i - 1, i - 2} {
			if d >= 0 {
				imports = append(imports, fmt.Sprintf("\t\"example.com/medium/p%02d\"", d))
				uses = append(uses, fmt.Sprintf("\ts += p%02d.Work(n)", d))
			}
		}
		var b strings.Builder
		fmt.Fprintf(&b, "// Package %s is generated filler for the build-time benchmark.\npackage %s\n\nimport (\n\t\"sort\"\n\t\"strconv\"\n\t\"strings\"\n%s\n)\n\n", name, name, strings.Join(imports, "\n"))
		fmt.Fprintf(&b, "// Work does a little of everything.\nfunc Work(n int) int {\n\ts := 0\n%s\n\tfor i := 0; i < n; i++ {\n\t\ts += len(strconv.Itoa(i))\n\t}\n\treturn s\n}\n\n", strings.Join(uses, "\n"))
		for k := 0; k < 8; k++ {
			fmt.Fprintf(&b, "// T%d is a record.\ntype T%d struct {\n\tName string\n\tTags []string\n\tN    int\n}\n\n", k, k)
			fmt.Fprintf(&b, "// Sort%d sorts records.\nfunc Sort%d(ts []T%d) {\n\tsort.Slice(ts, func(i, j int) bool {\n\t\tif ts[i].N != ts[j].N {\n\t\t\treturn ts[i].N < ts[j].N\n\t\t}\n\t\treturn strings.Join(ts[i].Tags, \",\") < strings.Join(ts[j].Tags, \",\")\n\t})\n}\n\n", k, k, k)
			fmt.Fprintf(&b, "// String%d renders a record.\nfunc (t T%d) String() string {\n\treturn t.Name + \"[\" + strconv.Itoa(t.N) + \"]\" + strings.Join(t.Tags, \"|\")\n}\n\n", k, k)
		}
		files[filepath.Join(name, "work.go")] = b.String()
		if i%3 == 0 {
			files[filepath.Join(name, "http.go")] = fmt.Sprintf(`package %s

import (
	"io"
	"net/http"
	"time"
)

// Fetch gets a URL with a client of its own.
func Fetch(url string) (int, error) {
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return len(b), err
}

// Register adds this package's handler.
func Register(mux *http.ServeMux) {
	mux.HandleFunc("/%s", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "%s") })
}

// Server is this package's server.
func Server(addr string, mux *http.ServeMux) *http.Server {
	return &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: time.Second}
}
`, name, name, name)
		}
		mainImports = append(mainImports, fmt.Sprintf("\t\"example.com/medium/%s\"", name))
		mainCalls = append(mainCalls, fmt.Sprintf("\ts += %s.Work(3)", name))
	}
	files["main.go"] = fmt.Sprintf("package main\n\nimport (\n\t\"fmt\"\n%s\n)\n\nfunc main() {\n\ts := 0\n%s\n\tfmt.Println(s)\n}\n", strings.Join(mainImports, "\n"), strings.Join(mainCalls, "\n"))
	return writeFiles(dir, files)
}

// editLine changes one line of a file with net/http call sites (the
// instrumented build must re-rewrite it): the value of a marker constant
// appended to the file. run < 0 removes the marker.
func editLine(dir, mod string, n, run int) error {
	file := filepath.Join(dir, "main.go")
	if mod == "medium" {
		// A package in the middle of the dependency chain.
		file = filepath.Join(dir, fmt.Sprintf("p%02d", 3*(n/2/3)), "http.go")
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	s := string(b)
	if i := strings.Index(s, "\nconst editMarker"); i >= 0 {
		s = s[:i+1]
	}
	if run >= 0 {
		s += fmt.Sprintf("const editMarker = %d\n", run+1)
	}
	return os.WriteFile(file, []byte(s), 0o644)
}

func writeFiles(dir string, files map[string]string) error {
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}
