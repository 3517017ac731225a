// Command contactsync keeps Outlook contacts and Infor CRM (Saleslogix)
// contacts in step offline, through export files and a SQLite journal.
//
// The command only translates: each subcommand turns its flags into an
// options struct and makes one call; exitCode maps errors to exit codes
// (0 success, 1 runtime failure, 2 bad usage or unreadable input, 3 a safety
// guard stopped the cycle, 130 interrupted by Ctrl-C or SIGTERM).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"contactsync/cycle"
)

func main() {
	setCollector()
	os.Exit(runMain(os.Args, os.Stdout, os.Stderr))
}

// collectorPercent is the GOGC the command runs with, unless the
// environment sets GOGC. A cycle holds its tables and plan from when they
// are made to its end (at a million contacts a side, most of a gigabyte,
// almost all of it without pointers, which a collection marks without
// reading) and makes far more short-lived garbage around them: reading
// the exports, writing the outputs and the journal's rows. Go's default
// (100) lets the heap grow to twice what is live before it collects, and
// that is the cycle's peak; at 50 the peak is one and a half times what is
// live. Measured on a first cycle at a million contacts a side: a peak of
// 1,600 MiB instead of 1,871, for 2.2 s of the collector's CPU instead of
// 1.1 s (of about 45 s).
const collectorPercent = 50

// setCollector sets the collector's percent (collectorPercent) unless
// GOGC is set, and returns what restores it.
func setCollector() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(collectorPercent)
	return func() { debug.SetGCPercent(old) }
}

// runMain runs the command line args as the program does: the first Ctrl-C
// (SIGINT) or SIGTERM asks the command to stop at the next safe point
// (nothing is committed, the journal's lock is released, exit code 130); a
// second one stops at once. signal.Notify also takes a SIGINT that the
// shell set to be ignored (as it does for a background job), so Ctrl-C
// and kill -INT are honoured there too.
func runMain(args []string, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	go func() {
		if _, ok := <-sig; !ok {
			return
		}
		cancel() // before it says so: whoever reads the line may count on it
		fmt.Fprintln(stderr, "contactsync: interrupted; stopping after the current step, nothing will be committed (Ctrl-C again to stop at once)")
		if _, ok := <-sig; ok {
			fmt.Fprintln(stderr, "contactsync: interrupted again; stopping now")
			os.Exit(exitInterrupted)
		}
	}()
	code := run(ctx, args, stdout, stderr)
	if code != exitOK && ctx.Err() != nil {
		// Whatever failed once the command was asked to stop, it stopped
		// because it was asked to.
		code = exitInterrupted
	}
	return code
}

// run executes the command line args and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	err := app.RunContext(ctx, flagsFirst(args))
	if err == nil {
		return 0
	}
	code := exitCode(err)
	if errors.Is(err, errSilent) {
		return code
	}
	fmt.Fprintf(stderr, "contactsync: %v\n", err)
	if h := hint(err); h != "" {
		fmt.Fprintf(stderr, "  hint: %s\n", h)
	}
	return code
}

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
	exitGuard   = 3
	// exitInterrupted: Ctrl-C or SIGTERM stopped the command (128 + SIGINT,
	// as shells report it); nothing was committed.
	exitInterrupted = 130
)

// kindCodes are the exit codes of the cycle's error kinds.
var kindCodes = map[cycle.ErrorKind]int{
	cycle.Failure:     exitFailure,
	cycle.Usage:       exitUsage,
	cycle.Guard:       exitGuard,
	cycle.Interrupted: exitInterrupted,
}

// cmdError carries an exit code decided where the error was made.
type cmdError struct {
	code int
	err  error
	hint string
}

func (e *cmdError) Error() string { return e.err.Error() }
func (e *cmdError) Unwrap() error { return e.err }

// usagef reports bad usage (exit 2).
func usagef(format string, args ...any) error {
	return &cmdError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// classify gives an error from a subcommand the exit code of its kind
// (cycle.Classify): guards 3, bad input 2, anything else 1. Errors that
// never pass through here come from flag parsing and are usage errors.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var ce *cmdError
	if errors.As(err, &ce) {
		return err
	}
	e := cycle.Classify(err)
	return &cmdError{code: kindCodes[e.Kind], err: err, hint: e.Hint}
}

func exitCode(err error) int {
	var ce *cmdError
	if errors.As(err, &ce) {
		return ce.code
	}
	return exitUsage
}

func hint(err error) string {
	var ce *cmdError
	if errors.As(err, &ce) {
		return ce.hint
	}
	return "run 'contactsync help' or 'contactsync COMMAND --help'"
}

// boolFlags are the flags of the commands flagsFirst handles that take no value.
var boolFlags = map[string]bool{"case-sensitive-keys": true}

// flagsFirst moves the flags of the commands that take arguments before
// those arguments, so that "convert a.pst b.vcf --vcard-version 4.0" works:
// urfave/cli stops reading flags at the first argument. Every flag of these
// commands takes a value.
func flagsFirst(args []string) []string {
	at := -1
	for i, a := range args {
		if i == 0 || strings.HasPrefix(a, "-") {
			continue
		}
		switch a {
		case "convert", "validate", "show", "history", "diff", "duplicates":
			at = i
		}
		if at >= 0 || a != "journal" {
			break
		}
	}
	if at < 0 {
		return args
	}
	var flags, rest []string
	tail := args[at+1:]
	for i := 0; i < len(tail); i++ {
		a := tail[i]
		switch {
		case a == "--":
			rest = append(rest, tail[i:]...)
			i = len(tail)
		case strings.HasPrefix(a, "-") && len(a) > 1:
			flags = append(flags, a)
			if !strings.Contains(a, "=") && i+1 < len(tail) && a != "-h" && a != "--help" && !boolFlags[strings.TrimLeft(a, "-")] {
				i++
				flags = append(flags, tail[i])
			}
		default:
			rest = append(rest, a)
		}
	}
	out := append([]string{}, args[:at+1]...)
	out = append(out, flags...)
	return append(out, rest...)
}
