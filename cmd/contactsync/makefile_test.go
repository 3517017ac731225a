package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// make fuzz bounds the time a target may spend minimising (one target did
// 17 executions in a minute, all of it minimising) and prints the
// executions of every target at the end.
func TestMakeFuzzBoundsMinimisingAndCounts(t *testing.T) {
	b, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	recipe := regexp.MustCompile(`(?ms)^fuzz:\n((?:\t.*\n)+)`).FindSubmatch(b)
	if recipe == nil {
		t.Fatal("Makefile has no fuzz target")
	}
	r := string(recipe[1])
	for _, want := range []string{"-fuzzminimizetime $(FUZZMINIMIZETIME)", "-fuzztime $(FUZZTIME)", "execs:", "executions per target"} {
		if !strings.Contains(r, want) {
			t.Errorf("fuzz recipe lacks %q:\n%s", want, r)
		}
	}
	if !regexp.MustCompile(`(?m)^FUZZMINIMIZETIME \?= \d+s$`).Match(b) {
		t.Error("Makefile sets no default FUZZMINIMIZETIME")
	}
}
