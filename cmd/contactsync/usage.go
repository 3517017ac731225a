package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// errSilent is a usage error whose explanation was already printed.
var errSilent = errors.New("")

// usageLine is a usage error in one line that says what is wrong and where
// the help is: "contactsync sync: missing --crm; see 'contactsync sync --help'".
func usageLine(path, msg string) error {
	if path == "contactsync" {
		return &cmdError{code: exitUsage, err: fmt.Errorf("%s; see 'contactsync --help'", msg)}
	}
	return &cmdError{code: exitUsage, err: fmt.Errorf("%s: %s; see '%s --help'", strings.TrimPrefix(path, "contactsync "), msg, path)}
}

// shortUsage makes every usage error one line on stderr with a pointer to
// the help, instead of urfave/cli's whole help page on stdout and the
// error twice: required flags are checked here (urfave/cli prints the help
// with a missing one), a flag error goes through OnUsageError, and an
// unknown command is answered with the nearest one. "contactsync" alone
// prints the command list on stderr and exits 2.
func shortUsage(app *cli.App) {
	app.OnUsageError = func(ctx *cli.Context, err error, _ bool) error {
		return usageLine("contactsync", err.Error())
	}
	app.Action = groupAction("contactsync", app.Commands, func(ctx *cli.Context) error { return cli.ShowAppHelp(ctx) })
	for _, c := range app.Commands {
		shortCommandUsage(c, "contactsync "+c.Name)
	}
}

func shortCommandUsage(c *cli.Command, path string) {
	var required []string
	for _, f := range c.Flags {
		if rf, ok := f.(cli.RequiredFlag); ok && rf.IsRequired() && unrequire(f) {
			required = append(required, f.Names()[0])
		}
	}
	c.OnUsageError = func(ctx *cli.Context, err error, _ bool) error {
		return usageLine(path, err.Error())
	}
	if len(required) > 0 {
		before := c.Before
		c.Before = func(ctx *cli.Context) error {
			var missing []string
			for _, n := range required {
				if !ctx.IsSet(n) {
					missing = append(missing, "--"+n)
				}
			}
			if len(missing) > 0 {
				return usageLine(path, "missing "+strings.Join(missing, ", "))
			}
			if before != nil {
				return before(ctx)
			}
			return nil
		}
	}
	if len(c.Subcommands) > 0 {
		if c.Action == nil {
			name := c.Name
			c.Action = groupAction(path, c.Subcommands, func(ctx *cli.Context) error { return cli.ShowCommandHelp(ctx.Lineage()[1], name) })
		}
		for _, s := range c.Subcommands {
			shortCommandUsage(s, path+" "+s.Name)
		}
	}
}

// unrequire turns a required flag into an optional one (shortUsage checks
// it) and reports whether it could.
func unrequire(f cli.Flag) bool {
	switch f := f.(type) {
	case *cli.StringFlag:
		f.Required = false
	case *cli.IntFlag:
		f.Required = false
	case *cli.BoolFlag:
		f.Required = false
	case *cli.PathFlag:
		f.Required = false
	case *cli.StringSliceFlag:
		f.Required = false
	default:
		return false
	}
	return true
}

// groupAction runs for a command that only groups others: without an
// argument it shows the group's help on stderr and exits 2; with an
// unknown one it names the nearest command.
func groupAction(path string, cmds []*cli.Command, help func(*cli.Context) error) cli.ActionFunc {
	return func(ctx *cli.Context) error {
		if ctx.NArg() == 0 {
			w := ctx.App.Writer
			ctx.App.Writer = ctx.App.ErrWriter
			err := help(ctx)
			ctx.App.Writer = w
			if err != nil {
				return err
			}
			return &cmdError{code: exitUsage, err: errSilent}
		}
		name := ctx.Args().First()
		msg := fmt.Sprintf("unknown command %q", name)
		if s := nearest(name, cmds); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		} else {
			for _, c := range cmds {
				for _, sub := range c.Subcommands {
					if sub.Name == strings.ToLower(name) {
						msg += fmt.Sprintf(" (did you mean %q?)", c.Name+" "+sub.Name)
					}
				}
			}
		}
		return usageLine(path, msg)
	}
}

// nearest returns the visible command name closest to name, or "" when
// none is close (at most a third of its letters differ).
func nearest(name string, cmds []*cli.Command) string {
	best, bestD := "", 0
	for _, c := range cmds {
		if c.Hidden {
			continue
		}
		for _, n := range c.Names() {
			d := editDistance(strings.ToLower(name), n)
			if strings.HasPrefix(n, strings.ToLower(name)) && len(name) >= 2 {
				d = min(d, 1)
			}
			if best == "" || d < bestD {
				best, bestD = n, d
			}
		}
	}
	if best == "" || bestD > max(1, len([]rune(best))/3) {
		return ""
	}
	return best
}

// editDistance is the edit distance of a and b, a swap of two neighbouring
// letters counting as one edit (optimal string alignment).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = slices.Min([]int{d[i-1][j] + 1, d[i][j-1] + 1, d[i-1][j-1] + cost})
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
