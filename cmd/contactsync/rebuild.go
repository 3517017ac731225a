package main

import (
	"fmt"
	"io"
	"time"

	"contactsync/engine"
	"contactsync/formats/crmcsv"
	"contactsync/journal"

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
			o.Ctx = ctx.Context
			return classify(runRebuild(o, ctx.App.Writer))
		},
	}
}

func runRebuild(o cycleOptions, stdout io.Writer) error {
	if o.Now == nil {
		o.Now = time.Now
	}
	started := o.Now().UTC()
	j, err := journal.Open(o.Journal, journal.Options{Now: o.Now, BreakStale: o.BreakStale})
	if err != nil {
		return err
	}
	defer j.Close()
	for _, m := range j.Notices() {
		fmt.Fprintln(stdout, "notice: "+m)
	}
	state, err := j.Load()
	if err != nil {
		return fmt.Errorf("load journal %q: %w", o.Journal, err)
	}
	if state.Cycle > 0 {
		return usagef("journal %q already holds %d cycles: rebuild starts a new journal; name a new file", o.Journal, state.Cycle)
	}
	dump, err := crmcsv.ReadDir(o.CRM)
	if err != nil {
		return fmt.Errorf("read CRM dump: %w", err)
	}
	ol, err := readOutlook(o.Outlook, o.OutlookOpts)
	if err != nil {
		return fmt.Errorf("read Outlook export: %w", err)
	}
	if w := dropControls(o.CRM, dump.Contacts); w != "" {
		fmt.Fprintln(stdout, "notice: "+w)
	}
	o.Policy.Fields, _ = fieldsInDump(fieldsOf(o.Policy), dump.ContactHeader)
	plan, err := engine.Rebuild(
		engine.CRMInput{Contacts: dump.Contacts, Accounts: dump.Accounts, SyncGroup: dump.SyncGroup, HasSyncGroup: dump.HasSyncGroup, Visible: dump.VisibleTo(o.Policy.User)},
		engine.OutlookInput{Contacts: ol.Contacts, Deleted: ol.Deleted}, o.Policy)
	if err != nil {
		return err
	}
	var inputs []journal.FileHash
	for _, in := range dump.Inputs {
		inputs = append(inputs, journal.FileHash{Role: "crm-input", Path: in.Path, SHA256: in.SHA256, Size: in.Size})
	}
	for _, in := range ol.Inputs {
		inputs = append(inputs, journal.FileHash{Role: "outlook-input", Path: in.Path, SHA256: in.SHA256, Size: in.Size})
	}
	info := journal.CycleInfo{Kind: "rebuild", Started: started, User: osUser(), ToolVersion: version, Options: o.Flags, Inputs: inputs}
	if err := j.CommitContext(o.context(), plan, info); err != nil {
		if ierr := o.interrupted(); ierr != nil {
			return ierr
		}
		return fmt.Errorf("commit the rebuilt journal %q: %w", o.Journal, err)
	}
	for _, n := range plan.Notices {
		fmt.Fprintln(stdout, n.Message)
	}
	fmt.Fprintf(stdout, "journal %s rebuilt as cycle 1 with %d links; run sync with it next (nothing was written for either side)\n", o.Journal, plan.Counts.Links)
	return nil
}
