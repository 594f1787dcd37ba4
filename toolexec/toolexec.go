package toolexec

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Run is the -toolexec program: args are STATE TOOL TOOLARGS...
// It returns the exit code to use.
func Run(args []string, stdout, stderr io.Writer) int {
	if len(args) < 2 {
		fmt.Fprintln(stderr, "gohttpdbg toolexec: usage: gohttpdbg toolexec STATE TOOL [ARGS...]")
		return 2
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		fmt.Fprintf(stderr, "gohttpdbg toolexec: %v\n", err)
		return 2
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		fmt.Fprintf(stderr, "gohttpdbg toolexec: %s: %v\n", args[0], err)
		return 2
	}
	tool, toolArgs := args[1], args[2:]
	name := strings.TrimSuffix(filepath.Base(tool), ".exe")
	if len(toolArgs) > 0 && strings.HasPrefix(toolArgs[0], "-V") {
		// The go command's tool-identity query: answered unchanged, so the
		// cache keys of unmarked packages are those of a plain build.
		return runTool(&st, tool, toolArgs, stdout, stderr)
	}
	switch name {
	case "compile":
		toolArgs, err = st.compileArgs(toolArgs, stderr)
	case "cover":
		return st.runCover(tool, toolArgs, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "gohttpdbg toolexec: %v\n", err)
		return 1
	}
	return runTool(&st, tool, toolArgs, stdout, stderr)
}

func runTool(st *State, tool string, args []string, stdout, stderr io.Writer) int {
	argv := append(append(append([]string{}, st.UserToolexec...), tool), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		fmt.Fprintf(stderr, "gohttpdbg toolexec: %v\n", err)
		return 1
	}
	return 0
}
