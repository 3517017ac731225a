package main

import (
	"contactsync/cycle"
	"fmt"

	"github.com/urfave/cli/v2"
)

// rebuildCommand is "journal rebuild": a lost journal started again from
// the sync keys the Outlook export holds (engine.Rebuild).
func rebuildCommand() *cli.Command {
	return &cli.Command{
		Name:  "rebuild",
		Usage: "start a new journal from the sync keys of an Outlook export, when the old journal is lost",
		UsageText: "contactsync journal rebuild --journal NEW-FILE --crm DIR --outlook PATH --user USERID [options]\n\n" +
			"Links each Outlook contact that carries a contactsync sync key to its CRM contact again (by e-mail and\n" +
			"name), takes as agreed the fields both sides agree on, and reports the rest. It writes no outputs: run\n" +
			"sync next.",
		Flags: cycleFlags(),
		Action: func(ctx *cli.Context) error {
			o, err := cycleOptionsFrom(ctx, true)
			if err != nil {
				return err
			}
			o.Notify = func(m string) { fmt.Fprintln(ctx.App.Writer, "notice: "+m) }
			plan, err := cycle.Rebuild(ctx.Context, o)
			if err != nil {
				return classify(err)
			}
			for _, n := range plan.Notices {
				fmt.Fprintln(ctx.App.Writer, n.Message)
			}
			fmt.Fprintf(ctx.App.Writer, "journal %s rebuilt as cycle 1 with %d links; run sync with it next (nothing was written for either side)\n", o.Journal, plan.Counts.Links)
			return nil
		},
	}
}
