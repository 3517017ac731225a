package main

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"contactsync/fixtures"
)

// TestMain lets the test binary stand in for the contactsync command in the
// scripts under testdata/script.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"contactsync": func() { os.Exit(runMain(os.Args, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the command-line scenarios in testdata/script: each file
// is a readable session (commands, expected output, files) in txtar form.
// Besides testscript's own commands, "exits CODE cmd args..." runs a command
// and requires its exit code.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("FIXTURES", fixtures.Dir())
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// "nostaging DIR": DIR holds no staging folder of outputs
			// (".NAME.partial-*"): a cycle that stops leaves none behind.
			"nostaging": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 1 {
					ts.Fatalf("usage: nostaging DIR")
				}
				ents, err := os.ReadDir(ts.MkAbs(args[0]))
				ts.Check(err)
				for _, e := range ents {
					if strings.HasPrefix(e.Name(), ".") && strings.Contains(e.Name(), ".partial-") {
						ts.Fatalf("%s is left in %s", e.Name(), args[0])
					}
				}
			},
			"exits": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 {
					ts.Fatalf("usage: exits CODE command [args...]")
				}
				want, err := strconv.Atoi(args[0])
				if err != nil {
					ts.Fatalf("exits: bad code %q", args[0])
				}
				got := 0
				if err := ts.Exec(args[1], args[2:]...); err != nil {
					var ee *exec.ExitError
					if !errors.As(err, &ee) {
						ts.Fatalf("exits: %v", err)
					}
					got = ee.ExitCode()
				}
				if got != want {
					ts.Fatalf("%s exited %d, want %d", args[1], got, want)
				}
			},
		},
	})
}
