package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"contactsync/cycle"
	"contactsync/formats/outlookcsv"
	"contactsync/formats/phone"
)

func duplicatesCommand() *cli.Command {
	return &cli.Command{
		Name:  "duplicates",
		Usage: "list the groups of likely duplicate contacts within one side, as CSV",
		UsageText: `contactsync duplicates PATH [--region CC]   (an Outlook .csv, .vcf, vCard folder, .pst, or a CRM dump folder)

   Contacts are one group when they share an e-mail address (E-mail 1-3, compared without
   letter case, mailto: or display name), a personal phone number (business, business 2, mobile,
   home, home 2, other) in E.164 form, or their name and company after folding case and accents.
   Columns: group, reason, key, name, email, line; one row per contact of a group.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "region", Usage: "country `CC` (ISO 3166, e.g. DE, US) of phone numbers written without a country code; without it such numbers match only the same digits"},
			&cli.StringFlag{Name: "from", Usage: "format: csv, vcf, vdir, pst or crm (default: from the name and content)"},
			&cli.StringFlag{Name: "encoding", Usage: "code page of an Outlook CSV without BOM"},
			&cli.StringFlag{Name: "date-format", Usage: "short-date format of the Outlook CSV exporter, e.g. D.M.YYYY"},
			&cli.StringFlag{Name: "outlook-folder", Usage: "PST folder to read (default: the store's Contacts folder)"},
			&cli.StringFlag{Name: "outlook-key-column", Value: outlookcsv.DefaultKeyColumn, Usage: "Outlook CSV column that holds the sync key"},
			&cli.BoolFlag{Name: "case-sensitive-keys", Usage: "compare e-mail addresses case-sensitively"},
		},
		Action: func(ctx *cli.Context) error {
			if ctx.NArg() != 1 {
				return usagef("duplicates needs one PATH: an Outlook export or a CRM dump folder")
			}
			path := ctx.Args().First()
			norm, err := phone.New(ctx.String("region"))
			if err != nil {
				return usagef("--region: %v", err)
			}
			oo, err := outlookOptionsFrom(ctx)
			if err != nil {
				return err
			}
			found, err := cycle.Duplicates(ctx.App.Writer, path, cycle.DuplicatesOptions{From: ctx.String("from"), Outlook: oo,
				Phones: norm, CaseSensitiveKeys: ctx.Bool("case-sensitive-keys")})
			if err != nil {
				return classify(err)
			}
			fmt.Fprintf(ctx.App.ErrWriter, "%s: %d groups of likely duplicates (%d of %d contacts)\n", path, found.Groups, found.InGroups, found.Contacts)
			return nil
		},
	}
}
