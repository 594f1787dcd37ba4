// Command sizes prints, as JSON, the sizes of the net/http structs the std
// patch appends fields to: the test's toolexec adds GohttpdbgTestSizes to
// net/http (TestPatchedSizes).
package main

import (
	"encoding/json"
	"net/http"
	"os"
)

func main() { json.NewEncoder(os.Stdout).Encode(http.GohttpdbgTestSizes()) }
