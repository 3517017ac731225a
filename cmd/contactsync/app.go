package main

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"contactsync/cycle"
	"contactsync/engine"
	"contactsync/formats"
	"contactsync/formats/outlookcsv"
	"contactsync/formats/phone"
)

func newApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:    "contactsync",
		Usage:   "keep Outlook and Infor CRM (Saleslogix) contacts in step, offline, with an audit journal",
		Version: buildVersion(),
		Description: `Each cycle reads the newest export of both sides (an Outlook CSV, vCard file or folder,
PST or .msg files; a CRM dump folder with contacts.csv and accounts.csv), reconciles them against the
journal of earlier cycles, writes files each side can import into --out, and records every
decision in the journal.

Exit codes: 0 success, 1 runtime failure, 2 bad usage or unreadable input,
3 a safety guard stopped the cycle (nothing was written), 130 interrupted (Ctrl-C or
SIGTERM; nothing was committed); see 'contactsync help exit-codes'.`,
		CustomAppHelpTemplate: appHelpTemplate(),
		Writer:                stdout,
		ErrWriter:             stderr,
		ExitErrHandler:        func(*cli.Context, error) {}, // run() maps errors to exit codes
		EnableBashCompletion:  true,
		Commands: append([]*cli.Command{
			syncCommand(false),
			syncCommand(true),
			simulateCommand(),
			convertCommand(),
			validateCommand(),
			journalCommand(),
			duplicatesCommand(),
			undoCommand(),
			manCommand(),
		}, topicCommands()...),
	}
	shortUsage(app)
	return app
}

func cycleFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "journal", Usage: "the SQLite journal `FILE` (created on the first cycle, mode 0600)", Required: true},
		&cli.StringFlag{Name: "crm", Usage: "the CRM dump `DIR` (contacts.csv, accounts.csv, optional syncgroup.csv)", Required: true},
		&cli.StringFlag{Name: "outlook", Usage: "the Outlook export `PATH`: .csv, .vcf, a folder of .vcf files, or .pst", Required: true},
		&cli.StringFlag{Name: "user", Usage: "the syncing CRM user `USERID` (account manager of new accounts and contacts)", Required: true},
		&cli.StringFlag{Name: "prefer", Value: "crm", Usage: "side that wins a conflict when both changes have the same time: crm or outlook"},
		&cli.StringFlag{Name: "direction", Value: "both", Usage: "where changes may go: both, to-outlook or to-crm"},
		&cli.StringFlag{Name: "max-delete", Value: "10%", Usage: "stop when more than this percentage of a side's links (and at least 5 records) would be deleted or unlinked: 10% or 10 both mean ten percent"},
		&cli.BoolFlag{Name: "force", Usage: "override every safety guard (mass deletion, empty input, outputs not imported, mapping or user changed, unknown history)"},
		&cli.StringFlag{Name: "allow", Usage: "override only the named safety `GUARD`s, comma-separated, as named in the guard's message: " + engine.GuardNames()},
		&cli.StringFlag{Name: "mapping", Usage: "mapping `FILE`: the fields to sync, one per line, each optionally one-way (to-outlook, to-crm); default: the CRM's own mapping"},
		&cli.BoolFlag{Name: "accept-mapping", Usage: "acknowledge that the mapping changed since the last cycle"},
		&cli.BoolFlag{Name: "case-sensitive-keys", Usage: "compare e-mail addresses and names case-sensitively, as Infor's own sync does"},
		&cli.StringFlag{Name: "outlook-exported-at", Usage: "when the Outlook CSV was exported (RFC 3339); default: the file's modification time"},
		&cli.StringFlag{Name: "outlook-key-column", Value: outlookcsv.DefaultKeyColumn, Usage: "Outlook CSV column that holds contactsync's sync key"},
		&cli.StringFlag{Name: "encoding", Usage: "code page of an Outlook CSV without BOM (e.g. 1250); default: UTF-8 if valid, else Windows-1252"},
		&cli.StringFlag{Name: "date-format", Usage: "short-date format of the Outlook CSV exporter, e.g. D.M.YYYY (default: the usual one of the file's language: M/D/YYYY English, D.M.YYYY German, DD/MM/YYYY French and Spanish)"},
		&cli.StringFlag{Name: "outlook-locale", Usage: "column language for a new Outlook CSV layout: en, de, fr, es or nl"},
		&cli.StringFlag{Name: "outlook-folder", Usage: "PST folder to sync, e.g. Contacts/CRM (default: the store's Contacts folder)"},
		&cli.StringFlag{Name: "from", Usage: "force the Outlook input format: csv, vcf, vdir, pst or msg"},
		&cli.StringFlag{Name: "outlook-output", Usage: "snapshot (the whole folder) or changes (new/updated/deleted files); default: snapshot, changes for the read-only PST and .msg inputs"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress on stderr (on a terminal a bar per phase, else one line per phase with its time)"},
		&cli.BoolFlag{Name: "break-stale-lock", Usage: "remove a journal lock left by a run that died"},
		&cli.StringFlag{Name: "region", Usage: "country `CC` (ISO 3166, e.g. DE, US) of phone numbers written without a country code, for the list of likely duplicates"},
		&cli.BoolFlag{Name: "skip-invalid", Usage: "set aside the records of a CRM dump or Outlook export (CSV record, vCard card, PST item) that cannot be read (listed in OUT/rejected.csv and journaled) instead of stopping; their side's contacts are then neither deleted nor created on the other side this cycle"},
	}
}

func syncCommand(planOnly bool) *cli.Command {
	c := &cli.Command{
		Name:      "sync",
		Usage:     "run one cycle: read both sides, reconcile, write --out, journal every decision",
		UsageText: "contactsync sync --journal FILE --crm DIR --outlook PATH --out DIR --user USERID [options]",
		Flags: append(cycleFlags(),
			&cli.StringFlag{Name: "out", Usage: "output `DIR` for this cycle (new or empty; crm/, outlook/, plan.txt, plan.json, report.html)"},
			&cli.BoolFlag{Name: "dry-run", Usage: "print the plan and write nothing (same as the plan command)"},
			&cli.StringFlag{Name: "conflicts", Usage: "ask: write the conflicts to OUT/conflicts.csv for a person to decide and stop (exit 3) without committing; default: the latest change wins"},
			&cli.StringFlag{Name: "resolutions", Usage: "a conflicts.csv `FILE` whose choose column a person filled (crm, outlook or a value): run the cycle with those decisions"},
		),
	}
	if planOnly {
		c.Name = "plan"
		c.Usage = "print what a sync would do, and write nothing"
		c.UsageText = "contactsync plan --journal FILE --crm DIR --outlook PATH --user USERID [options]"
		c.Flags = append(cycleFlags(),
			&cli.StringFlag{Name: "resolutions", Usage: "a conflicts.csv `FILE` whose choose column a person filled: plan with those decisions"})
	}
	c.Action = func(ctx *cli.Context) error {
		o, err := cycleOptionsFrom(ctx, planOnly)
		if err != nil {
			return err
		}
		o.Progress = newProgress(ctx.App.ErrWriter, ctx.Bool("quiet"))
		o.Notify = func(m string) { fmt.Fprintln(ctx.App.Writer, "notice: "+m) }
		o.BeforeCommit = testHookBeforeCommit
		res, err := cycle.Run(ctx.Context, o)
		if err != nil {
			return classify(err)
		}
		return classify(printCycle(ctx.App.Writer, o, res))
	}
	return c
}

func cycleOptionsFrom(ctx *cli.Context, planOnly bool) (cycle.Options, error) {
	o := cycle.Options{
		Journal: ctx.String("journal"), CRM: ctx.String("crm"), Outlook: ctx.String("outlook"),
		DryRun: planOnly || ctx.Bool("dry-run"), OutlookOutput: ctx.String("outlook-output"),
		BreakStale: ctx.Bool("break-stale-lock"), Flags: flagsSet(ctx), ToolVersion: buildVersion(),
	}
	switch c := ctx.String("conflicts"); c {
	case "", "latest":
	case "ask":
		o.AskConflicts = !o.DryRun
	default:
		return o, usagef("--conflicts %q: want ask (or latest, the default)", c)
	}
	o.Resolutions = ctx.String("resolutions")
	if !planOnly {
		o.Out = ctx.String("out")
		if o.Out == "" && !o.DryRun {
			return o, usagef("sync needs --out DIR (a new folder for this cycle's files), or --dry-run")
		}
	}
	var err error
	if o.Policy, err = policyFrom(ctx); err != nil {
		return o, err
	}
	if o.Phones, err = phone.New(ctx.String("region")); err != nil {
		return o, usagef("--region: %v", err)
	}
	oo, err := outlookOptionsFrom(ctx)
	if err != nil {
		return o, err
	}
	o.OutlookOpts = oo
	return o, nil
}

// flagsSet are the flags given, by name, for the journal.
func flagsSet(ctx *cli.Context) map[string]string {
	flags := map[string]string{}
	for _, name := range ctx.FlagNames() {
		if ctx.IsSet(name) {
			flags[name] = ctx.String(name)
			if ctx.Bool(name) {
				flags[name] = "true"
			}
		}
	}
	return flags
}

// policyFrom reads the flags that make the engine's policy.
func policyFrom(ctx *cli.Context) (engine.Policy, error) {
	p := engine.DefaultPolicy(strings.TrimSpace(ctx.String("user")))
	if p.User == "" {
		return p, usagef("--user must name the syncing CRM user id")
	}
	var err error
	if p.Prefer, err = engine.ParseSide(ctx.String("prefer")); err != nil {
		return p, usagef("--prefer: %v", err)
	}
	if p.Direction, err = engine.ParseDirection(ctx.String("direction")); err != nil {
		return p, usagef("--direction: %v", err)
	}
	md := strings.TrimSuffix(strings.TrimSpace(ctx.String("max-delete")), "%")
	if p.MaxDeletePercent, err = strconv.ParseFloat(md, 64); err != nil || p.MaxDeletePercent < 0 || p.MaxDeletePercent > 100 {
		return p, usagef("--max-delete %q: want a percentage between 0 and 100, such as 10%%", ctx.String("max-delete"))
	}
	p.Force = ctx.Bool("force")
	if p.Allow, err = parseAllow(ctx.String("allow")); err != nil {
		return p, err
	}
	p.AcceptMapping = ctx.Bool("accept-mapping")
	if m := ctx.String("mapping"); m != "" {
		fields, dirs, err := cycle.ReadMapping(m)
		if err != nil {
			return p, classify(fmt.Errorf("read mapping: %w", err))
		}
		p.Fields, p.FieldDirections = fields, dirs
	}
	p.CaseSensitiveKeys = ctx.Bool("case-sensitive-keys")
	return p, nil
}

// parseAllow reads --allow: guard names separated by commas (blanks
// ignored), each one the engine knows.
func parseAllow(s string) ([]engine.Guard, error) {
	var guards []engine.Guard
	for _, n := range strings.Split(s, ",") {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" {
			continue
		}
		g, err := engine.ParseGuard(n)
		if err != nil {
			return nil, usagef("--allow %q: no such guard (the guards are %s)", n, engine.GuardNames())
		}
		if !slices.Contains(guards, g) {
			guards = append(guards, g)
		}
	}
	return guards, nil
}

func outlookOptionsFrom(ctx *cli.Context) (cycle.OutlookOptions, error) {
	oo := cycle.OutlookOptions{
		From: ctx.String("from"), KeyColumn: ctx.String("outlook-key-column"), Encoding: ctx.String("encoding"),
		DateFormat: ctx.String("date-format"), Locale: ctx.String("outlook-locale"), Folder: ctx.String("outlook-folder"),
		VCardVer: ctx.String("vcard-version"),
	}
	oo.SkipInvalid = ctx.Bool("skip-invalid")
	if s := ctx.String("outlook-exported-at"); s != "" {
		t, err := parseTime(s)
		if err != nil {
			return oo, usagef("--outlook-exported-at: %v", err)
		}
		oo.ExportedAt = t
	}
	switch oo.Locale {
	case "", "en", "de", "fr", "es", "nl":
	default:
		return oo, usagef("--outlook-locale %q: want en, de, fr, es or nl", oo.Locale)
	}
	return oo, nil
}

// writeTo runs write into the file path (atomically) or, without a path, w.
func writeTo(path string, w io.Writer, write func(io.Writer) error) error {
	if path == "" {
		return write(w)
	}
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return err
	}
	return formats.WriteFileAtomic(path, b.Bytes(), formats.FilePerm)
}

// printCycle says what a cycle did: a dry run prints its plan, a sync its
// counts, where its outputs are and the journal's chain head.
func printCycle(w io.Writer, o cycle.Options, res *cycle.Result) error {
	plan := res.Plan
	if !res.Committed {
		return plan.WriteText(w)
	}
	c := plan.Counts
	fmt.Fprintf(w, "cycle %d committed: %d links; CRM +%d ~%d, accounts +%d, group +%d -%d; Outlook +%d ~%d, %d to Deleted Items; %d conflicts; %d changes\n",
		plan.Cycle, c.Links, c.CRMCreated, c.CRMUpdated, c.AccountsNew, c.GroupAdded, c.GroupRemoved,
		c.OutlookCreated, c.OutlookUpdated, c.OutlookDeleted, c.Conflicts, len(plan.Changes))
	if res.OutlookCSV != "" {
		fmt.Fprintf(w, "outlook/contacts.csv is %s\n", res.OutlookCSV)
	}
	printOutputsDone(w, o.Out, plan.Cycle, res.Head, res.HeadErr)
	if res.FirstCycle {
		fmt.Fprint(w, res.Duplicates)
	}
	return nil
}

// printOutputsDone says where a committed cycle's outputs are and the
// journal's chain head recorded with them.
func printOutputsDone(w io.Writer, out string, n int, head string, herr error) {
	fmt.Fprintf(w, "outputs in %s (see plan.txt); import them as %s says, then export both sides again and run the next cycle\n",
		out, filepath.Join(out, cycle.ImportFileName))
	if herr != nil {
		fmt.Fprintf(w, "notice: the chain head could not be recorded in %s: %v\n", filepath.Join(out, cycle.MarkerName), herr)
	} else {
		fmt.Fprintf(w, "journal chain head after cycle %d: %s (kept in %s; journal verify --outputs checks it)\n", n, head, filepath.Join(out, cycle.MarkerName))
	}
}

// testHookBeforeCommit, when set by a test, runs after a sync's outputs are
// in place and before its journal commit; an error stands for a crash there.
var testHookBeforeCommit func() error
