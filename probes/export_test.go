package probes

import "testing"

// What package probes' external tests (package probes_test, which follow
// requests through the client and server probes) need of its internals.

// UseJournal gives the test a fresh journal of n slots and no capture
// rule.
func UseJournal(t *testing.T, n int) {
	t.Helper()
	currentJournal()
	old := theJournal.Load()
	theJournal.Store(newJournal(n))
	captureRule.Store(nil)
	t.Cleanup(func() { theJournal.Store(old); captureRule.Store(nil) })
}

// StopOTLP forgets the otlp sink a test opened, and the exporter's
// transport it made the probes ignore.
func StopOTLP() { otlpOn.Store(nil); IgnoreTransport(nil) }
