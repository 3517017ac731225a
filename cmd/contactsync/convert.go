package main

import (
	"contactsync/cycle"
	"contactsync/formats/outlookcsv"
	"fmt"

	"github.com/urfave/cli/v2"
)

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
			c, err := cycle.Convert(ctx.Args().Get(0), ctx.Args().Get(1), ctx.String("to"), oo)
			if err != nil {
				return classify(err)
			}
			for _, w := range c.Warnings {
				fmt.Fprintf(ctx.App.ErrWriter, "warning: %s\n", w)
			}
			fmt.Fprintf(ctx.App.Writer, "%d contacts written to %s (%s)\n", c.Contacts, ctx.Args().Get(1), c.Format)
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
			v, err := cycle.Validate(path, ctx.String("from"), cycle.OutlookOptions{Encoding: ctx.String("encoding"), DateFormat: ctx.String("date-format")})
			if err != nil {
				return classify(err)
			}
			errs, warnings := v.Errors, v.Warnings
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
