package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"contactsync/cycle"
	"contactsync/journal"
	"contactsync/journal/audit"
)

// journalFlag names the journal every journal subcommand reads.
var journalFlag = &cli.StringFlag{Name: "journal", Required: true, Usage: "the journal `FILE`"}

func journalCommand() *cli.Command {
	return &cli.Command{
		Name:  "journal",
		Usage: "read the journal: who changed what, when, and why",
		Subcommands: []*cli.Command{
			journalLogCommand(), journalShowCommand(), journalHistoryCommand(), journalDiffCommand(),
			journalExportCommand(), journalReportCommand(), rebuildCommand(), journalVerifyCommand(),
		},
	}
}

// withJournal is the action that opens the journal of --journal read-only,
// runs act with it, closes it, and classifies act's error.
func withJournal(act func(ctx *cli.Context, j *journal.Journal) error) cli.ActionFunc {
	return func(ctx *cli.Context) error {
		p := ctx.String("journal")
		if _, err := os.Stat(p); err != nil {
			return classify(fmt.Errorf("journal %q: %w", p, err))
		}
		j, err := journal.Open(p, journal.Options{ReadOnly: true})
		if err != nil {
			return classify(err) // the journal names itself
		}
		defer j.Close()
		return classify(act(ctx, j))
	}
}

// cycleArg reads the one argument of a command that names a cycle.
func cycleArg(ctx *cli.Context, command string) (int, error) {
	n, err := strconv.Atoi(ctx.Args().First())
	if err != nil || ctx.NArg() != 1 {
		return 0, usagef("journal %s needs a cycle number, e.g. contactsync journal %s --journal sync.db 3", command, command)
	}
	return n, nil
}

func journalLogCommand() *cli.Command {
	return &cli.Command{
		Name: "log", Usage: "list the cycles", Flags: []cli.Flag{journalFlag},
		Action: withJournal(func(ctx *cli.Context, j *journal.Journal) error {
			return audit.WriteLog(ctx.App.Writer, j)
		}),
	}
}

func journalShowCommand() *cli.Command {
	return &cli.Command{
		Name: "show", Usage: "show one cycle: files, every change with its rule, conflicts, notices",
		UsageText: "contactsync journal show --journal FILE CYCLE", Flags: []cli.Flag{journalFlag},
		Before: func(ctx *cli.Context) error { _, err := cycleArg(ctx, "show"); return err },
		Action: withJournal(func(ctx *cli.Context, j *journal.Journal) error {
			n, _ := cycleArg(ctx, "show")
			return audit.WriteShow(ctx.App.Writer, j, n)
		}),
	}
}

func journalHistoryCommand() *cli.Command {
	return &cli.Command{
		Name: "history", Usage: "every change of one contact, by CONTACTID, Outlook key or e-mail",
		UsageText: "contactsync journal history --journal FILE CONTACTID|EMAIL", Flags: []cli.Flag{journalFlag},
		Before: func(ctx *cli.Context) error {
			if ctx.NArg() != 1 {
				return usagef("journal history needs a CONTACTID, Outlook key or e-mail")
			}
			return nil
		},
		Action: withJournal(func(ctx *cli.Context, j *journal.Journal) error {
			return audit.WriteHistory(ctx.App.Writer, j, ctx.Args().First())
		}),
	}
}

func journalDiffCommand() *cli.Command {
	return &cli.Command{
		Name: "diff", Usage: "word-level diff of every field a cycle changed ([-removed-]{+added+})",
		UsageText: "contactsync journal diff --journal FILE CYCLE", Flags: []cli.Flag{journalFlag},
		Before: func(ctx *cli.Context) error { _, err := cycleArg(ctx, "diff"); return err },
		Action: withJournal(func(ctx *cli.Context, j *journal.Journal) error {
			n, _ := cycleArg(ctx, "diff")
			return audit.WriteDiff(ctx.App.Writer, j, n)
		}),
	}
}

func journalExportCommand() *cli.Command {
	return &cli.Command{
		Name: "export", Usage: "the audit trail as CSV (one row per change) or JSON (everything), for any cycles or one contact",
		UsageText: "contactsync journal export --journal FILE [--format csv|json] [--cycle N] [--contact ID-OR-EMAIL] [--since DATE] [--until DATE] [--out FILE]",
		Flags: []cli.Flag{journalFlag,
			&cli.StringFlag{Name: "format", Value: "csv", Usage: "csv or json"},
			&cli.IntFlag{Name: "cycle", Usage: "only cycle `N`", DefaultText: "all cycles"},
			&cli.StringFlag{Name: "contact", Usage: "only the history of one contact: its CONTACTID, Outlook key or e-mail `ID-OR-EMAIL` (as journal history finds it)"},
			&cli.StringFlag{Name: "since", Usage: "only cycles started on or after `DATE` (2026-11-01, or a time in RFC 3339)"},
			&cli.StringFlag{Name: "until", Usage: "only cycles started before `DATE` (with --since: one month is --since 2026-11-01 --until 2026-12-01)"},
			&cli.StringFlag{Name: "out", Usage: "write to `FILE` instead of standard output"},
		},
		Before: func(ctx *cli.Context) error { _, err := exportFilterFrom(ctx); return err },
		Action: withJournal(func(ctx *cli.Context, j *journal.Journal) error {
			filter, _ := exportFilterFrom(ctx)
			return writeTo(ctx.String("out"), ctx.App.Writer, func(w io.Writer) error {
				return audit.ExportFiltered(w, j, ctx.String("format"), filter)
			})
		}),
	}
}

// exportFilterFrom reads the flags of journal export.
func exportFilterFrom(ctx *cli.Context) (audit.ExportFilter, error) {
	filter := audit.ExportFilter{Cycle: ctx.Int("cycle"), Contact: ctx.String("contact")}
	if f := ctx.String("format"); f != "csv" && f != "json" {
		return filter, usagef("--format must be csv or json, not %q", f)
	}
	for _, d := range []struct {
		name string
		to   *time.Time
	}{{"since", &filter.Since}, {"until", &filter.Until}} {
		if v := ctx.String(d.name); v != "" {
			t, err := parseTime(v)
			if err != nil {
				return filter, usagef("--%s: %v", d.name, err)
			}
			*d.to = t
		}
	}
	if ctx.IsSet("contact") && strings.TrimSpace(filter.Contact) == "" {
		return filter, usagef("--contact needs a CONTACTID, Outlook key or e-mail address")
	}
	return filter, nil
}

func journalReportCommand() *cli.Command {
	return &cli.Command{
		Name: "report", Usage: "the report page of any cycles (as each cycle's report.html), the hash chain checked at the top",
		UsageText: "contactsync journal report --journal FILE [--cycle N | --from N --to M] [--out FILE.html]",
		Flags: []cli.Flag{journalFlag,
			&cli.IntFlag{Name: "cycle", Usage: "only cycle `N`", DefaultText: "all cycles"},
			&cli.IntFlag{Name: "from", Usage: "the first cycle `N` of a range", DefaultText: "the first"},
			&cli.IntFlag{Name: "to", Usage: "the last cycle `M` of a range", DefaultText: "the last"},
			&cli.StringFlag{Name: "out", Usage: "write to `FILE` instead of standard output"},
			&cli.BoolFlag{Name: "html", Usage: "accepted for DESIGN's 'journal report --html': HTML is the only form"},
		},
		Before: func(ctx *cli.Context) error { _, _, err := reportRange(ctx); return err },
		Action: withJournal(func(ctx *cli.Context, j *journal.Journal) error {
			from, to, _ := reportRange(ctx)
			return writeTo(ctx.String("out"), ctx.App.Writer, func(w io.Writer) error {
				return audit.WriteReportRange(w, j, from, to)
			})
		}),
	}
}

// reportRange reads the cycles journal report covers: 0 means the first
// or the last.
func reportRange(ctx *cli.Context) (from, to int, err error) {
	from, to = ctx.Int("from"), ctx.Int("to")
	if n := ctx.Int("cycle"); n != 0 {
		if ctx.IsSet("from") || ctx.IsSet("to") {
			return 0, 0, usagef("journal report: give --cycle N or --from/--to, not both")
		}
		from, to = n, n
	}
	if from < 0 || to < 0 || (to != 0 && from > to) {
		return 0, 0, usagef("journal report: --from %d --to %d is not a range of cycles", from, to)
	}
	return from, to, nil
}

func journalVerifyCommand() *cli.Command {
	return &cli.Command{
		Name: "verify", Usage: "check the hash chain: detect any edit of the journal after the fact",
		UsageText: "contactsync journal verify --journal FILE [--outputs DIR]...\n\n" +
			"With --outputs, also checks the journal against the output folders found in DIR (each cycle's\n" +
			"cycle.json holds the chain head after its commit): this proves that no cycle was removed from the end.",
		Flags: []cli.Flag{journalFlag,
			&cli.StringSliceFlag{Name: "outputs", Usage: "a `DIR` holding output folders (or one output folder); repeatable"},
		},
		Action: withJournal(func(ctx *cli.Context, j *journal.Journal) error {
			dirs := append(ctx.StringSlice("outputs"), ctx.Args().Slice()...)
			v, err := cycle.Verify(j, dirs)
			if v == nil {
				return err
			}
			w := ctx.App.Writer
			fmt.Fprintf(w, "journal verified: the hash chain is intact; %d cycles, chain head %s\n", v.Cycles, v.Head)
			if len(dirs) > 0 {
				fmt.Fprintf(w, "checked against %d output folders", v.Folders)
				if v.Other > 0 {
					fmt.Fprintf(w, " (%d folders of another journal left out)", v.Other)
				}
				fmt.Fprintln(w)
			}
			return err
		}),
	}
}
