//go:build !unix

package cputime

import "time"

// used is not available here: the metric is left out.
func used() (time.Duration, bool) { return 0, false }
