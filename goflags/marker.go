package goflags

import (
	"regexp"
	"strings"
)

// PatchMarkerFlag is the compile flag gohttpdbg adds, through a per-package
// -gcflags, to the std packages it patches. The go command folds it into
// those packages' cache keys, so patched objects never mix with plain ones;
// the toolexec program strips it before the real compiler sees it.
const PatchMarkerFlag = "-gohttpdbg="

// MarkerGcflags returns the -gcflags words that add the patch marker to
// each of pkgs while keeping whatever flags the user's own -gcflags give
// those packages: for a package the go command applies only the last
// matching -gcflags, so the user's flags are repeated beside the marker.
func MarkerGcflags(userGcflags []string, pkgs []string, id string) []string {
	var out []string
	for _, pkg := range pkgs {
		flags := ""
		for _, v := range userGcflags {
			pattern, f, hasPattern := strings.Cut(v, "=")
			if !hasPattern || strings.HasPrefix(pattern, "-") {
				continue // no pattern: command-line packages only, never std deps
			}
			if MatchPackagePattern(pattern, pkg) {
				flags = f
			}
		}
		words := strings.TrimSpace(flags + " " + PatchMarkerFlag + id)
		out = append(out, "-gcflags="+pkg+"="+words)
	}
	return out
}

// MatchPackagePattern mirrors the go command's per-package flag patterns for
// the import paths gohttpdbg marks: the std packages it patches, and its
// runtime's trees ("…/probes/...", matched as a literal path; no relative
// patterns there).
func MatchPackagePattern(pattern, pkg string) bool {
	switch pattern {
	case "all":
		return true
	case "std":
		return !strings.Contains(strings.SplitN(pkg, "/", 2)[0], ".")
	}
	re := regexp.QuoteMeta(pattern)
	re = strings.ReplaceAll(re, `\.\.\.`, `.*`)
	if strings.HasSuffix(pattern, "/...") {
		re = strings.TrimSuffix(re, `/.*`) + `(/.*)?`
	}
	ok, _ := regexp.MatchString("^"+re+"$", pkg)
	return ok
}

// StripMarker removes gohttpdbg's marker from a compile command line and
// returns the patch id it carried ("" if none).
func StripMarker(args []string) ([]string, string) {
	var out []string
	id := ""
	for _, a := range args {
		if strings.HasPrefix(a, PatchMarkerFlag) {
			id = strings.TrimPrefix(a, PatchMarkerFlag)
			continue
		}
		out = append(out, a)
	}
	return out, id
}
