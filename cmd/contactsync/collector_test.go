package main

import (
	"runtime/debug"
	"testing"
)

// The command collects at collectorPercent unless GOGC says otherwise, and
// what setCollector returns puts the percent back.
func TestSetCollector(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)

	t.Setenv("GOGC", "")
	restore := setCollector()
	if got := debug.SetGCPercent(collectorPercent); got != collectorPercent {
		t.Errorf("GOGC unset: percent %d, want %d", got, collectorPercent)
	}
	restore()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("after restore: percent %d, want 100", got)
	}

	t.Setenv("GOGC", "100")
	restore = setCollector()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC=100: percent %d, want the environment's 100", got)
	}
	restore()
}
