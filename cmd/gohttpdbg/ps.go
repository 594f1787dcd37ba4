package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gohttpdbg/gohttpdbg/runtimehooks/admin/api"
	"github.com/spf13/pflag"
)

func init() {
	register(&verb{
		name:  "ps",
		short: "list this user's running instrumented programs: pid, program, uptime, probe levels.",
		long: "The list comes from the programs' admin sockets; the sockets of processes that are\n" +
			"gone are removed.",
		usage: "ps [--json] [--wait D]",
		run:   psVerb,
	})
}

type psEntry struct {
	PID     int            `json:"pid"`
	Program string         `json:"program"`
	Uptime  string         `json:"uptime"`
	Mode    string         `json:"mode"`
	Probes  map[string]int `json:"probes"`
	Changes int            `json:"changes"`
	Socket  string         `json:"socket"`
	Error   string         `json:"error,omitempty"`
}

func psVerb(g *globals, args []string) int {
	fs := pflag.NewFlagSet("ps", pflag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print one JSON object per process")
	wait := fs.Duration("wait", 0, "wait up to this long for at least one process to appear (for scripts)")
	if !parseVerbFlags(g, fs, "ps", args) {
		return 2
	}
	if fs.NArg() != 0 {
		verbUsage(g, "ps")
		return 2
	}
	list := psScan(g)
	for deadline := time.Now().Add(*wait); len(list) == 0 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		list = psScan(g)
	}
	if *asJSON {
		enc := json.NewEncoder(g.stdout)
		for _, e := range list {
			enc.Encode(e)
		}
		return 0
	}
	if len(list) == 0 {
		fmt.Fprintf(g.stdout, "no instrumented process of this user has an admin socket (looked in %s)\n", strings.Join(socketDirs(), ", "))
		if *wait > 0 {
			return 1
		}
		return 0
	}
	tw := newTable(g.stdout, "PID\tPROGRAM\tUPTIME\tMODE\tPROBES\tCHANGES")
	for _, e := range list {
		if e.Error != "" {
			fmt.Fprintf(tw, "%d\t?\t?\t?\t%s\t\n", e.PID, e.Error)
			continue
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\n", e.PID, e.Program, e.Uptime, e.Mode, levelsLine(e.Probes), e.Changes)
	}
	tw.Flush()
	return 0
}

// psScan lists the live processes with a socket in socketDirs and removes
// the sockets of the others.
func psScan(g *globals) []psEntry {
	var list []psEntry
	seen := map[int]bool{}
	for _, dir := range socketDirs() {
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range ents {
			name := e.Name()
			if !strings.HasSuffix(name, ".sock") {
				continue
			}
			pid, err := strconv.Atoi(strings.TrimSuffix(name, ".sock"))
			if err != nil || pid <= 0 || seen[pid] {
				continue
			}
			sock := filepath.Join(dir, name)
			if removeIfDead(pid, sock) {
				if g.verbose {
					fmt.Fprintf(g.stderr, "gohttpdbg ps: removed stale socket %s (process gone)\n", sock)
				}
				continue
			}
			ent, refused := psQuery(pid, sock)
			if refused {
				// The process lives but does not answer: it may be starting
				// (the socket file exists between bind and listen), so the
				// file is left for it; only a dead process's socket is stale.
				continue
			}
			seen[pid] = true
			list = append(list, ent)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].PID < list[j].PID })
	return list
}

// psQuery asks one socket for its status; refused is true when nobody
// listens on it (yet, or any more).
func psQuery(pid int, sock string) (ent psEntry, refused bool) {
	ent = psEntry{PID: pid, Socket: sock}
	data, err := newAdminClient(sock, 3*time.Second).call("GET", "/v1/status", nil)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(err.Error(), "nobody is listening") {
			return ent, true
		}
		ent.Error = err.Error()
		return ent, false
	}
	var st api.Status
	if err := json.Unmarshal(data, &st); err != nil {
		ent.Error = "/v1/status: " + err.Error()
		return ent, false
	}
	ent.Program, ent.Uptime, ent.Mode, ent.Probes, ent.Changes = st.Program, st.Uptime, st.Mode, st.Probes, len(st.Overrides)
	return ent, false
}
