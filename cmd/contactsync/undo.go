package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"contactsync/cycle"
	"contactsync/formats/outlookcsv"
)

func undoCommand() *cli.Command {
	return &cli.Command{
		Name:  "undo",
		Usage: "return both sides to what they agreed before a cycle (a journaled cycle of its own)",
		UsageText: `contactsync undo --journal FILE --cycle N --out DIR [--imported | --not-imported]

   Every field cycle N changed gets its value from before N on both sides; what N sent to
   Deleted Items or took out of the sync group comes back; contacts N linked first go from both
   sides (Outlook: Deleted Items; CRM: out of the sync group, listed in ` + cycle.AdminFileName + `).
   A field changed again after N is left alone and listed as a conflict. Import the files as
   DIR/IMPORT.txt says; the next sync then finds nothing to do.
   For the last cycle say whether its files were imported: --not-imported discards it (the
   journal returns to the state before it; nothing to import), --imported undoes it.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "journal", Required: true, Usage: "the journal `FILE`"},
			&cli.IntFlag{Name: "cycle", Required: true, Usage: "the cycle `N` to undo"},
			&cli.StringFlag{Name: "out", Usage: "output `DIR` for the undo's files (new or empty); not needed with --not-imported"},
			&cli.BoolFlag{Name: "imported", Usage: "the last cycle's files were imported: undo it with a cycle of its own"},
			&cli.BoolFlag{Name: "not-imported", Usage: "the last cycle's files were not imported: discard it"},
			&cli.StringFlag{Name: "crm", Usage: "the current CRM dump `DIR` (optional): with --outlook, tells whether the last cycle's files were imported"},
			&cli.StringFlag{Name: "outlook", Usage: "the current Outlook export `PATH` (optional): the Outlook files then keep everything else the contacts hold, and a CSV or vCard export gets a whole-folder snapshot"},
			&cli.StringFlag{Name: "from", Usage: "force the Outlook input format: csv, vcf, vdir or pst"},
			&cli.StringFlag{Name: "outlook-folder", Usage: "PST folder of the sync (default: the store's Contacts folder)"},
			&cli.StringFlag{Name: "encoding", Usage: "code page of an Outlook CSV without BOM"},
			&cli.StringFlag{Name: "date-format", Usage: "short-date format of the Outlook CSV exporter, e.g. D.M.YYYY"},
			&cli.StringFlag{Name: "outlook-key-column", Value: outlookcsv.DefaultKeyColumn, Usage: "Outlook CSV column that holds the sync key"},
			&cli.StringFlag{Name: "outlook-locale", Usage: "column language of the Outlook CSV files: en, de, fr or es"},
			&cli.BoolFlag{Name: "break-stale-lock", Usage: "remove a journal lock left by a run that died"},
		},
		Action: func(ctx *cli.Context) error {
			o := cycle.UndoOptions{
				Journal: ctx.String("journal"), Cycle: ctx.Int("cycle"), Out: ctx.String("out"), Outlook: ctx.String("outlook"), CRM: ctx.String("crm"),
				Imported: ctx.Bool("imported"), NotImported: ctx.Bool("not-imported"), BreakStale: ctx.Bool("break-stale-lock"),
				Flags: flagsSet(ctx), ToolVersion: buildVersion(),
			}
			oo, err := outlookOptionsFrom(ctx)
			if err != nil {
				return err
			}
			o.OutlookOpts = oo
			res, err := cycle.Undo(ctx.Context, o)
			if err != nil {
				return classify(err)
			}
			printUndone(ctx.App.Writer, o, res)
			return nil
		},
	}
}

// printUndone says what an undo did.
func printUndone(w io.Writer, o cycle.UndoOptions, res *cycle.UndoResult) {
	plan := res.Plan
	if res.Discarded {
		if res.Why != "" {
			fmt.Fprintf(w, "the exports do not show cycle %d's files (%s): discarding it\n", o.Cycle, res.Why)
		}
		fmt.Fprintf(w, "cycle %d committed: cycle %d discarded; the journal is back to the state after cycle %d (%d links restored, %d closed, %d reopened); its output folder is not to be imported\n",
			plan.Cycle, o.Cycle, o.Cycle-1, len(plan.Changes)-len(plan.Closed)-res.Reopened, len(plan.Closed), res.Reopened)
		return
	}
	c := plan.Counts
	fmt.Fprintf(w, "cycle %d committed: undoes cycle %d; CRM +%d ~%d, group +%d -%d; Outlook +%d ~%d, %d to Deleted Items; %d fields changed after cycle %d left alone\n",
		plan.Cycle, o.Cycle, c.CRMCreated, c.CRMUpdated, c.GroupAdded, c.GroupRemoved, c.OutlookCreated, c.OutlookUpdated, c.OutlookDeleted, c.Conflicts, o.Cycle)
	printOutputsDone(w, o.Out, plan.Cycle, res.Head, res.HeadErr)
}
