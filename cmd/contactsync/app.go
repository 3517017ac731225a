package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"contactsync/cycle"
	"contactsync/engine"
	"contactsync/formats"
	"contactsync/formats/crmcsv"
	"contactsync/formats/msg"
	"contactsync/formats/outlookcsv"
	"contactsync/formats/phone"
	"contactsync/formats/pst"
	"contactsync/formats/vcard"
	"contactsync/journal"
	"contactsync/journal/audit"
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
		&cli.StringFlag{Name: "outlook-output", Usage: "snapshot (the whole folder) or changes (new/updated/deleted files); default: snapshot, changes for PST"},
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
		BreakStale: ctx.Bool("break-stale-lock"), Flags: map[string]string{}, ToolVersion: buildVersion(),
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
	for _, name := range ctx.FlagNames() {
		if ctx.IsSet(name) {
			o.Flags[name] = ctx.String(name)
			if b := ctx.Bool(name); b {
				o.Flags[name] = "true"
			}
		}
	}
	p := engine.DefaultPolicy(strings.TrimSpace(ctx.String("user")))
	if p.User == "" {
		return o, usagef("--user must name the syncing CRM user id")
	}
	var err error
	if p.Prefer, err = engine.ParseSide(ctx.String("prefer")); err != nil {
		return o, usagef("--prefer: %v", err)
	}
	if p.Direction, err = engine.ParseDirection(ctx.String("direction")); err != nil {
		return o, usagef("--direction: %v", err)
	}
	md := strings.TrimSuffix(strings.TrimSpace(ctx.String("max-delete")), "%")
	if p.MaxDeletePercent, err = strconv.ParseFloat(md, 64); err != nil || p.MaxDeletePercent < 0 || p.MaxDeletePercent > 100 {
		return o, usagef("--max-delete %q: want a percentage between 0 and 100, such as 10%%", ctx.String("max-delete"))
	}
	p.Force = ctx.Bool("force")
	if p.Allow, err = parseAllow(ctx.String("allow")); err != nil {
		return o, err
	}
	p.AcceptMapping = ctx.Bool("accept-mapping")
	if m := ctx.String("mapping"); m != "" {
		fields, dirs, err := readMapping(m)
		if err != nil {
			return o, classify(fmt.Errorf("read mapping: %w", err))
		}
		p.Fields, p.FieldDirections = fields, dirs
	}
	p.CaseSensitiveKeys = ctx.Bool("case-sensitive-keys")
	o.Policy = p
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

func simulateCommand() *cli.Command {
	return &cli.Command{
		Name:  "simulate",
		Usage: "write the export a side would give after importing a cycle's output files",
		UsageText: `contactsync simulate --side crm --input DUMPDIR --outputs OUTDIR --to NEWDUMPDIR [--now TIME]
   contactsync simulate --side outlook --input EXPORT --outputs OUTDIR --to NEWEXPORT`,
		Description: `For the CRM: the new contacts are appended with fresh CONTACTIDs (and added to the sync
group, as the Import Wizard's ad hoc group option does), updated rows are replaced by CONTACTID,
new accounts are added, and the sync group changes are applied; MODIFYDATE is --now.
For Outlook: the sync folder becomes the cycle's snapshot (outlook/contacts.csv), written in the
input's own format and columns; in changes mode, new and updated contacts are applied by key and
the deleted ones removed.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "side", Required: true, Usage: "crm or outlook"},
			&cli.StringFlag{Name: "input", Required: true, Usage: "the side's export that the cycle read"},
			&cli.StringFlag{Name: "outputs", Required: true, Usage: "the cycle's --out folder"},
			&cli.StringFlag{Name: "to", Required: true, Usage: "where to write the side's next export"},
			&cli.StringFlag{Name: "now", Usage: "import time (RFC 3339) for CREATEDATE/MODIFYDATE; default: now"},
			&cli.StringFlag{Name: "outlook-key-column", Value: outlookcsv.DefaultKeyColumn, Usage: "Outlook CSV column that holds the sync key"},
			&cli.StringFlag{Name: "encoding", Usage: "code page of an Outlook CSV without BOM"},
			&cli.StringFlag{Name: "date-format", Usage: "short-date format of the Outlook CSV exporter, e.g. D.M.YYYY (default: the usual one of the file's language: M/D/YYYY English, D.M.YYYY German, DD/MM/YYYY French and Spanish)"},
			&cli.StringFlag{Name: "outlook-locale", Usage: "column language for a new Outlook CSV layout"},
			&cli.StringFlag{Name: "outlook-folder", Usage: "PST folder"},
			&cli.StringFlag{Name: "from", Usage: "force the Outlook input format"},
			&cli.StringFlag{Name: "vcard-version", Value: "3.0", Usage: "vCard version to write: 3.0 or 4.0"},
		},
		Action: func(ctx *cli.Context) error {
			side, err := engine.ParseSide(ctx.String("side"))
			if err != nil {
				return usagef("--side: %v", err)
			}
			if _, err := cycle.ReadMarker(ctx.String("outputs")); err != nil {
				return usagef("--outputs %q is not the output folder of a contactsync cycle (it has no readable %s)", ctx.String("outputs"), cycle.MarkerName)
			}
			now := time.Now().UTC().Truncate(time.Second)
			if s := ctx.String("now"); s != "" {
				if now, err = parseTime(s); err != nil {
					return usagef("--now: %v", err)
				}
			}
			if side == engine.CRM {
				r, err := cycle.SimulateCRM(ctx.String("input"), ctx.String("outputs"), ctx.String("to"), now)
				if err != nil {
					return classify(err)
				}
				fmt.Fprintf(ctx.App.Writer, "CRM dump after import: %d contacts (+%d new, %d updated), %d accounts (+%d) in %s\n",
					r.Contacts, r.New, r.Updated, r.Accounts, r.NewAccounts, ctx.String("to"))
				return nil
			}
			oo, err := outlookOptionsFrom(ctx)
			if err != nil {
				return err
			}
			r, err := cycle.SimulateOutlook(ctx.String("input"), ctx.String("outputs"), ctx.String("to"), oo)
			if err != nil {
				return classify(err)
			}
			fmt.Fprintf(ctx.App.Writer, "Outlook export after import: %d contacts in %s (%s)\n", r.Contacts, ctx.String("to"), r.Format)
			return nil
		},
	}
}

func convertCommand() *cli.Command {
	return &cli.Command{
		Name:      "convert",
		Usage:     "convert an Outlook export between PST, vCard and Outlook CSV",
		UsageText: "contactsync convert IN OUT [--from csv|vcf|vdir|pst|msg] [--to csv|vcf|vdir]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "from", Usage: "input format: csv, vcf, vdir, pst or msg (default: from the name and content)"},
			&cli.StringFlag{Name: "to", Usage: "output format: csv, vcf or vdir (default: from the name)"},
			&cli.StringFlag{Name: "vcard-version", Value: "3.0", Usage: "vCard version to write: 3.0 or 4.0"},
			&cli.StringFlag{Name: "encoding", Usage: "code page of an Outlook CSV input without BOM"},
			&cli.StringFlag{Name: "date-format", Usage: "short-date format of the Outlook CSV exporter, e.g. D.M.YYYY (default: the usual one of the file's language: M/D/YYYY English, D.M.YYYY German, DD/MM/YYYY French and Spanish)"},
			&cli.StringFlag{Name: "outlook-locale", Usage: "column language of the Outlook CSV written: en, de, fr, es or nl"},
			&cli.StringFlag{Name: "outlook-folder", Usage: "PST folder to read"},
			&cli.StringFlag{Name: "outlook-key-column", Value: outlookcsv.DefaultKeyColumn, Usage: "Outlook CSV column of the sync key"},
		},
		Action: func(ctx *cli.Context) error {
			if ctx.NArg() != 2 {
				return usagef("convert needs IN and OUT, e.g. contactsync convert contacts.pst contacts.vcf")
			}
			oo, err := outlookOptionsFrom(ctx)
			if err != nil {
				return err
			}
			in, err := cycle.ReadOutlook(ctx.Args().Get(0), oo)
			if err != nil {
				return classify(err)
			}
			if in.Kind == cycle.KindCSV && oo.ExportedAt.IsZero() {
				// An Outlook CSV has no modification times; the file's mtime
				// stands in for them in a sync, but written into a vCard as
				// REV it would look like a real one.
				for i := range in.Contacts {
					in.Contacts[i].Modified, in.Contacts[i].ModifiedFrom = time.Time{}, ""
				}
			}
			var layout *outlookcsv.File
			if in.CSV != nil && oo.Locale == "" {
				layout = in.CSV
			}
			format, err := cycle.WriteContacts(ctx.Args().Get(1), ctx.String("to"), in.Contacts, layout, oo)
			if err != nil {
				return classify(err)
			}
			for _, w := range in.Warnings {
				fmt.Fprintf(ctx.App.ErrWriter, "warning: %s\n", w)
			}
			fmt.Fprintf(ctx.App.Writer, "%d contacts written to %s (%s)\n", len(in.Contacts), ctx.Args().Get(1), format)
			return nil
		},
	}
}

func validateCommand() *cli.Command {
	return &cli.Command{
		Name:      "validate",
		Usage:     "check an export and list every problem with file:line:col",
		UsageText: "contactsync validate PATH   (an Outlook .csv, .vcf, vCard folder, .pst, .msg or folder of them, or a CRM dump folder)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "from", Usage: "format: csv, vcf, vdir, pst, msg or crm (default: from the name and content)"},
			&cli.StringFlag{Name: "encoding", Usage: "code page of an Outlook CSV without BOM"},
			&cli.StringFlag{Name: "date-format", Usage: "short-date format of the Outlook CSV exporter, e.g. D.M.YYYY (default: the usual one of the file's language: M/D/YYYY English, D.M.YYYY German, DD/MM/YYYY French and Spanish)"},
		},
		Action: func(ctx *cli.Context) error {
			if ctx.NArg() != 1 {
				return usagef("validate needs one PATH")
			}
			path := ctx.Args().Get(0)
			kind := ctx.String("from")
			if kind == "" {
				if crmcsv.IsDumpDir(path) {
					kind = "crm"
				}
			}
			var errs formats.ErrorList
			var warnings []string
			if kind == "crm" {
				errs = crmcsv.Validate(path)
			} else {
				k, err := cycle.DetectKind(path, kind)
				if err != nil {
					return classify(err)
				}
				switch k {
				case cycle.KindCSV:
					errs = outlookcsv.Validate(path, outlookcsv.Options{Encoding: ctx.String("encoding"), DateFormat: ctx.String("date-format")})
				case cycle.KindVCard, cycle.KindVdir:
					errs, warnings = vcard.Check(path)
				case cycle.KindMSG:
					errs = msg.Validate(path)
				case cycle.KindPST:
					errs = pst.Validate(path)
					if len(errs) == 0 {
						// A store without a contacts folder cannot be synced
						// or converted without --outlook-folder: say so here.
						if st, err := pst.ReadFile(path, pst.Options{}); err == nil && st.Unchosen != nil {
							errs = append(errs, &formats.ParseError{File: path, Err: fmt.Errorf("%s (sync and convert need --outlook-folder)",
								strings.TrimPrefix(st.Unchosen.Error(), path+": "))})
						}
					}
				}
				if warnings == nil && (len(errs) == 0 || k == cycle.KindCSV) {
					// What a read reads past is listed too, so that nothing
					// is taken leniently without the user seeing it (an
					// Outlook CSV reads despite its listed problems).
					if in, err := cycle.ReadOutlook(path, cycle.OutlookOptions{From: k, Encoding: ctx.String("encoding"), DateFormat: ctx.String("date-format")}); err == nil {
						listed := map[string]bool{}
						for _, e := range errs {
							listed[e.Error()] = true
						}
						for _, w := range in.Warnings {
							if !listed[w] {
								warnings = append(warnings, w)
							}
						}
					}
				}
			}
			for _, e := range errs {
				fmt.Fprintln(ctx.App.Writer, e.Error())
			}
			for _, w := range warnings {
				fmt.Fprintln(ctx.App.Writer, "warning: "+w)
			}
			if len(errs) > 0 {
				noun := "problems"
				if len(errs) == 1 {
					noun = "problem"
				}
				return &cmdError{code: exitUsage, err: fmt.Errorf("%s: %d %s", path, len(errs), noun)}
			}
			if len(warnings) > 0 {
				fmt.Fprintf(ctx.App.Writer, "%s: no problems found, %d warnings (read as shown)\n", path, len(warnings))
				return nil
			}
			fmt.Fprintf(ctx.App.Writer, "%s: no problems found\n", path)
			return nil
		},
	}
}

func journalCommand() *cli.Command {
	jflag := &cli.StringFlag{Name: "journal", Required: true, Usage: "the journal `FILE`"}
	open := func(ctx *cli.Context) (*journal.Journal, error) {
		p := ctx.String("journal")
		if _, err := os.Stat(p); err != nil {
			return nil, classify(fmt.Errorf("journal %q: %w", p, err))
		}
		j, err := journal.Open(p, journal.Options{ReadOnly: true})
		if err != nil {
			return nil, classify(err) // the journal names itself
		}
		return j, nil
	}
	return &cli.Command{
		Name:  "journal",
		Usage: "read the journal: who changed what, when, and why",
		Subcommands: []*cli.Command{
			{
				Name: "log", Usage: "list the cycles", Flags: []cli.Flag{jflag},
				Action: func(ctx *cli.Context) error {
					j, err := open(ctx)
					if err != nil {
						return err
					}
					defer j.Close()
					return classify(audit.WriteLog(ctx.App.Writer, j))
				},
			},
			{
				Name: "show", Usage: "show one cycle: files, every change with its rule, conflicts, notices",
				UsageText: "contactsync journal show --journal FILE CYCLE", Flags: []cli.Flag{jflag},
				Action: func(ctx *cli.Context) error {
					n, err := strconv.Atoi(ctx.Args().First())
					if err != nil || ctx.NArg() != 1 {
						return usagef("journal show needs a cycle number, e.g. contactsync journal show --journal sync.db 3")
					}
					j, err := open(ctx)
					if err != nil {
						return err
					}
					defer j.Close()
					return classify(audit.WriteShow(ctx.App.Writer, j, n))
				},
			},
			{
				Name: "history", Usage: "every change of one contact, by CONTACTID, Outlook key or e-mail",
				UsageText: "contactsync journal history --journal FILE CONTACTID|EMAIL", Flags: []cli.Flag{jflag},
				Action: func(ctx *cli.Context) error {
					if ctx.NArg() != 1 {
						return usagef("journal history needs a CONTACTID, Outlook key or e-mail")
					}
					j, err := open(ctx)
					if err != nil {
						return err
					}
					defer j.Close()
					return classify(audit.WriteHistory(ctx.App.Writer, j, ctx.Args().First()))
				},
			},
			{
				Name: "diff", Usage: "word-level diff of every field a cycle changed ([-removed-]{+added+})",
				UsageText: "contactsync journal diff --journal FILE CYCLE", Flags: []cli.Flag{jflag},
				Action: func(ctx *cli.Context) error {
					n, err := strconv.Atoi(ctx.Args().First())
					if err != nil || ctx.NArg() != 1 {
						return usagef("journal diff needs a cycle number, e.g. contactsync journal diff --journal sync.db 3")
					}
					j, err := open(ctx)
					if err != nil {
						return err
					}
					defer j.Close()
					return classify(audit.WriteDiff(ctx.App.Writer, j, n))
				},
			},
			{
				Name: "export", Usage: "the audit trail as CSV (one row per change) or JSON (everything), for any cycles or one contact",
				UsageText: "contactsync journal export --journal FILE [--format csv|json] [--cycle N] [--contact ID-OR-EMAIL] [--since DATE] [--until DATE] [--out FILE]",
				Flags: []cli.Flag{jflag,
					&cli.StringFlag{Name: "format", Value: "csv", Usage: "csv or json"},
					&cli.IntFlag{Name: "cycle", Usage: "only cycle `N`", DefaultText: "all cycles"},
					&cli.StringFlag{Name: "contact", Usage: "only the history of one contact: its CONTACTID, Outlook key or e-mail `ID-OR-EMAIL` (as journal history finds it)"},
					&cli.StringFlag{Name: "since", Usage: "only cycles started on or after `DATE` (2026-11-01, or a time in RFC 3339)"},
					&cli.StringFlag{Name: "until", Usage: "only cycles started before `DATE` (with --since: one month is --since 2026-11-01 --until 2026-12-01)"},
					&cli.StringFlag{Name: "out", Usage: "write to `FILE` instead of standard output"},
				},
				Action: func(ctx *cli.Context) error {
					f := ctx.String("format")
					if f != "csv" && f != "json" {
						return usagef("--format must be csv or json, not %q", f)
					}
					filter := audit.ExportFilter{Cycle: ctx.Int("cycle"), Contact: ctx.String("contact")}
					for _, d := range []struct {
						name string
						to   *time.Time
					}{{"since", &filter.Since}, {"until", &filter.Until}} {
						if v := ctx.String(d.name); v != "" {
							t, err := parseTime(v)
							if err != nil {
								return usagef("--%s: %v", d.name, err)
							}
							*d.to = t
						}
					}
					if ctx.IsSet("contact") && strings.TrimSpace(filter.Contact) == "" {
						return usagef("--contact needs a CONTACTID, Outlook key or e-mail address")
					}
					j, err := open(ctx)
					if err != nil {
						return err
					}
					defer j.Close()
					return classify(writeTo(ctx.String("out"), ctx.App.Writer, func(w io.Writer) error {
						return audit.ExportFiltered(w, j, f, filter)
					}))
				},
			},
			{
				Name: "report", Usage: "the report page of any cycles (as each cycle's report.html), the hash chain checked at the top",
				UsageText: "contactsync journal report --journal FILE [--cycle N | --from N --to M] [--out FILE.html]",
				Flags: []cli.Flag{jflag,
					&cli.IntFlag{Name: "cycle", Usage: "only cycle `N`", DefaultText: "all cycles"},
					&cli.IntFlag{Name: "from", Usage: "the first cycle `N` of a range", DefaultText: "the first"},
					&cli.IntFlag{Name: "to", Usage: "the last cycle `M` of a range", DefaultText: "the last"},
					&cli.StringFlag{Name: "out", Usage: "write to `FILE` instead of standard output"},
					&cli.BoolFlag{Name: "html", Usage: "accepted for DESIGN's 'journal report --html': HTML is the only form"},
				},
				Action: func(ctx *cli.Context) error {
					from, to := ctx.Int("from"), ctx.Int("to")
					if n := ctx.Int("cycle"); n != 0 {
						if ctx.IsSet("from") || ctx.IsSet("to") {
							return usagef("journal report: give --cycle N or --from/--to, not both")
						}
						from, to = n, n
					}
					if from < 0 || to < 0 || (to != 0 && from > to) {
						return usagef("journal report: --from %d --to %d is not a range of cycles", from, to)
					}
					j, err := open(ctx)
					if err != nil {
						return err
					}
					defer j.Close()
					return classify(writeTo(ctx.String("out"), ctx.App.Writer, func(w io.Writer) error {
						return audit.WriteReportRange(w, j, from, to)
					}))
				},
			},
			rebuildCommand(),
			{
				Name: "verify", Usage: "check the hash chain: detect any edit of the journal after the fact",
				UsageText: "contactsync journal verify --journal FILE [--outputs DIR]...\n\n" +
					"With --outputs, also checks the journal against the output folders found in DIR (each cycle's\n" +
					"cycle.json holds the chain head after its commit): this proves that no cycle was removed from the end.",
				Flags: []cli.Flag{jflag,
					&cli.StringSliceFlag{Name: "outputs", Usage: "a `DIR` holding output folders (or one output folder); repeatable"},
				},
				Action: func(ctx *cli.Context) error {
					j, err := open(ctx)
					if err != nil {
						return err
					}
					defer j.Close()
					hint := "the journal was changed outside contactsync; restore it from a backup"
					if err := j.Verify(); err != nil {
						return &cmdError{code: exitFailure, err: err, hint: hint}
					}
					dirs := append(ctx.StringSlice("outputs"), ctx.Args().Slice()...)
					anchors, other, err := cycle.FindAnchors(j, dirs)
					if err != nil {
						return classify(err)
					}
					if err := j.VerifyAnchors(anchors); err != nil {
						return &cmdError{code: exitFailure, err: err, hint: hint}
					}
					n, head, err := j.Head()
					if err != nil {
						return classify(err)
					}
					fmt.Fprintf(ctx.App.Writer, "journal verified: the hash chain is intact; %d cycles, chain head %s\n", n, head)
					if len(dirs) > 0 {
						fmt.Fprintf(ctx.App.Writer, "checked against %d output folders", len(anchors))
						if other > 0 {
							fmt.Fprintf(ctx.App.Writer, " (%d folders of another journal left out)", other)
						}
						fmt.Fprintln(ctx.App.Writer)
						if len(anchors) == 0 {
							return &cmdError{code: exitUsage, err: fmt.Errorf("no output folder of this journal in %s", strings.Join(dirs, ", ")),
								hint: "name the folder that holds the --out folders of the cycles"}
						}
					}
					return nil
				},
			},
		},
	}
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
