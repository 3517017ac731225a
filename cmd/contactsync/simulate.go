package main

import (
	"contactsync/cycle"
	"contactsync/engine"
	"contactsync/formats/outlookcsv"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"
)

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
		Action: simulate,
	}
}

// simulate writes the export a side gives after importing a cycle's files.
func simulate(ctx *cli.Context) error {
	side, err := engine.ParseSide(ctx.String("side"))
	if err != nil {
		return usagef("--side: %v", err)
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
}
