package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestReadmeSitesExist keeps the README's sample events true: every
// site=FILE:LINE it shows must name a line of that file that makes an
// HTTP call, as the probes would report it.
func TestReadmeSitesExist(t *testing.T) {
	root := filepath.Join("..", "..")
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	sites := regexp.MustCompile(`site=(\S+\.go):(\d+)`).FindAllStringSubmatch(string(readme), -1)
	if len(sites) == 0 {
		t.Fatal("README shows no event with a site")
	}
	for _, m := range sites {
		src, err := os.ReadFile(filepath.Join(root, m[1]))
		if err != nil {
			t.Errorf("README: site=%s:%s: %v", m[1], m[2], err)
			continue
		}
		n, _ := strconv.Atoi(m[2])
		lines := strings.Split(string(src), "\n")
		if n < 1 || n > len(lines) || !strings.Contains(lines[n-1], "http.") {
			t.Errorf("README: site=%s:%s is not an HTTP call of that file", m[1], m[2])
		}
	}
}
