package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"contactsync/engine"
	"contactsync/engine/contact"
	"contactsync/formats"
	"contactsync/formats/crmcsv"
	"contactsync/formats/outlookcsv"
	"contactsync/journal"
)

// adminName lists the CRM contacts an undo took out of the sync group, for
// the administrator (the tool never deletes a CRM contact).
const adminName = "crm-contacts-for-administrator.csv"

func undoCommand() *cli.Command {
	return &cli.Command{
		Name:  "undo",
		Usage: "return both sides to what they agreed before a cycle (a journaled cycle of its own)",
		UsageText: `contactsync undo --journal FILE --cycle N --out DIR [--imported | --not-imported]

   Every field cycle N changed gets its value from before N on both sides; what N sent to
   Deleted Items or took out of the sync group comes back; contacts N linked first go from both
   sides (Outlook: Deleted Items; CRM: out of the sync group, listed in ` + adminName + `).
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
			o := undoOptions{
				Journal: ctx.String("journal"), Cycle: ctx.Int("cycle"), Out: ctx.String("out"), Outlook: ctx.String("outlook"), CRM: ctx.String("crm"),
				Imported: ctx.Bool("imported"), NotImported: ctx.Bool("not-imported"), BreakStale: ctx.Bool("break-stale-lock"),
				Flags: map[string]string{},
			}
			for _, name := range ctx.FlagNames() {
				if ctx.IsSet(name) {
					o.Flags[name] = ctx.String(name)
					if ctx.Bool(name) {
						o.Flags[name] = "true"
					}
				}
			}
			oo, err := outlookOptionsFrom(ctx)
			if err != nil {
				return err
			}
			o.OutlookOpts = oo
			o.Ctx = ctx.Context
			return classify(runUndo(o, ctx.App.Writer))
		},
	}
}

type undoOptions struct {
	Journal                           string
	Cycle                             int
	Out                               string
	Outlook                           string // the current Outlook export, optional
	CRM                               string // the current CRM dump, optional
	Imported, NotImported, BreakStale bool
	OutlookOpts                       outlookOptions
	Flags                             map[string]string
	Now                               func() time.Time
	// Ctx, when done (Ctrl-C), keeps the cycle from being committed.
	Ctx context.Context
}

// undoCtx is the cycle options of an undo, for its interruption checks.
func undoCtx(o undoOptions) *cycleOptions { return &cycleOptions{Ctx: o.Ctx} }

// runUndo undoes or discards a cycle: it reads the journal, plans with
// engine.Undo or engine.Discard, writes the outputs (an undo only) and
// commits the cycle.
func runUndo(o undoOptions, stdout io.Writer) error {
	if o.Now == nil {
		o.Now = time.Now
	}
	started := o.Now().UTC()
	if o.Imported && o.NotImported {
		return usagef("--imported and --not-imported exclude each other")
	}
	if _, err := os.Stat(o.Journal); err != nil {
		return usagef("journal %q: %v", o.Journal, err)
	}
	if !o.NotImported {
		if err := checkOut(o.Out); err != nil {
			return err
		}
	}
	j, err := journal.Open(o.Journal, journal.Options{Now: o.Now, BreakStale: o.BreakStale})
	if err != nil {
		return err
	}
	defer j.Close()
	st, err := j.Load()
	if err != nil {
		return err
	}
	if o.Cycle < 1 || o.Cycle > st.Cycle {
		return usagef("cycle %d does not exist: the journal has cycles 1..%d", o.Cycle, st.Cycle)
	}
	last := o.Cycle == st.Cycle
	var dump *crmcsv.Dump
	if o.CRM != "" {
		if dump, err = crmcsv.ReadDir(o.CRM); err != nil {
			return fmt.Errorf("read CRM dump: %w", err)
		}
	}
	var ol *outlookSide
	if o.Outlook != "" {
		if ol, err = readOutlook(o.Outlook, o.OutlookOpts); err != nil {
			return fmt.Errorf("read Outlook export: %w", err)
		}
	}
	switch {
	case o.NotImported && !last:
		return usagef("--not-imported discards the last cycle (%d) only; cycle %d was followed by others, which read its imports", st.Cycle, o.Cycle)
	case last && !o.Imported && !o.NotImported && dump != nil && ol != nil:
		imported, why, err := importedByExports(st, dump, ol)
		if err != nil {
			return err
		}
		o.NotImported = !imported
		if !imported {
			fmt.Fprintf(stdout, "the exports do not show cycle %d's files (%s): discarding it\n", o.Cycle, why)
		}
	case last && !o.Imported && !o.NotImported:
		return usagef("cycle %d is the last cycle: say whether its files were imported (--imported undoes it with a cycle of its own) or not (--not-imported discards it), or give the current exports (--crm and --outlook) to tell", o.Cycle)
	}
	u, err := j.UndoSource(o.Cycle)
	if err != nil {
		return err
	}
	if u.UndoneBy > 0 {
		return usagef("cycle %d was already undone by cycle %d; to have its changes back, undo cycle %d", o.Cycle, u.UndoneBy, u.UndoneBy)
	}
	info := journal.CycleInfo{Started: started, User: osUser(), ToolVersion: buildVersion(), Options: o.Flags}
	if o.NotImported {
		plan, reopen, err := engine.Discard(st, u)
		if err != nil {
			return err
		}
		info.Kind, info.Reopen = "discard", reopen
		if err := j.CommitContext(undoCtx(o).context(), plan, info); err != nil {
			if ierr := undoCtx(o).interrupted(); ierr != nil {
				return ierr
			}
			return err
		}
		fmt.Fprintf(stdout, "cycle %d committed: cycle %d discarded; the journal is back to the state after cycle %d (%d links restored, %d closed, %d reopened); its output folder is not to be imported\n",
			plan.Cycle, o.Cycle, o.Cycle-1, len(plan.Changes)-len(plan.Closed)-len(reopen), len(plan.Closed), len(reopen))
		return nil
	}
	fields, dirs, err := engine.ParseMappingText(st.Mapping)
	if err != nil {
		return err
	}
	pol := engine.DefaultPolicy(st.User)
	pol.Fields, pol.FieldDirections = fields, dirs
	if dump != nil {
		u.Accounts = dump.Accounts
		if u.Accounts == nil {
			u.Accounts = []contact.Account{}
		}
	}
	plan, rep, err := engine.Undo(st, u, pol)
	if err != nil {
		return err
	}
	co := cycleOptions{Journal: o.Journal, Out: o.Out, Policy: pol, OutlookOpts: o.OutlookOpts, Now: o.Now, OutlookOutput: "changes", Ctx: o.Ctx}
	mode := "changes"
	if ol != nil {
		mode = fillFromExport(plan, ol, fields)
	} else {
		ol = &outlookSide{Kind: kindCSV}
	}
	if len(rep.Administrator) > 0 {
		b, err := adminCSV(rep, o.Cycle)
		if err != nil {
			return err
		}
		co.ExtraFiles = map[string][]byte{adminName: b}
		plan.Notices = append(plan.Notices, engine.Notice{Kind: "undo", Message: fmt.Sprintf(
			"%d CRM contacts leave the sync group; %s lists them for an administrator, who may delete those cycle %d created", len(rep.Administrator), adminName, o.Cycle)})
	}
	switch {
	case o.Outlook == "":
		plan.Notices = append(plan.Notices, engine.Notice{Kind: "outlook-output", Message: "Outlook output: changes (contacts-new.csv, contacts-update.csv for \"replace duplicates\", deleted-items.csv) holding the synced fields only, because no --outlook export was given: \"replace duplicates\" clears what else those contacts hold; give --outlook to keep it"})
	case mode == "snapshot":
		plan.Notices = append(plan.Notices, engine.Notice{Kind: "outlook-output", Message: outlookModeReason(mode, ol.Kind)})
	default:
		plan.Notices = append(plan.Notices, engine.Notice{Kind: "outlook-output", Message: "Outlook output: changes (contacts-new.csv, contacts-update.csv for \"replace duplicates\", deleted-items.csv), the contacts as the " + ol.Kind + " export holds them with the synced fields set back"})
	}
	co.OutlookOutput = mode
	outputs, err := writeOutputs(co, plan, nil, ol, mode, nil, nil, nil)
	if err != nil {
		return fmt.Errorf("write outputs to %q: %w", o.Out, err)
	}
	info.Kind, info.Outputs, info.OutDir = "undo", outputs, o.Out
	if err := j.CommitContext(co.context(), plan, info); err != nil {
		if ierr := co.interrupted(); ierr != nil {
			os.RemoveAll(o.Out) // the outputs of a cycle that is not committed
			return ierr
		}
		return fmt.Errorf("commit cycle %d to journal %q (the outputs in %q are complete; rerun the same command to commit them): %w", plan.Cycle, o.Journal, o.Out, err)
	}
	head, herr := anchorOutputs(j, o.Out, plan.Cycle)
	c := plan.Counts
	fmt.Fprintf(stdout, "cycle %d committed: undoes cycle %d; CRM +%d ~%d, group +%d -%d; Outlook +%d ~%d, %d to Deleted Items; %d fields changed after cycle %d left alone\n",
		plan.Cycle, o.Cycle, c.CRMCreated, c.CRMUpdated, c.GroupAdded, c.GroupRemoved, c.OutlookCreated, c.OutlookUpdated, c.OutlookDeleted, c.Conflicts, o.Cycle)
	fmt.Fprintf(stdout, "outputs in %s (see plan.txt); import them as %s says, then export both sides again and run the next cycle\n",
		o.Out, filepath.Join(o.Out, importFileName))
	if herr != nil {
		fmt.Fprintf(stdout, "notice: the chain head could not be recorded in %s: %v\n", filepath.Join(o.Out, markerName), herr)
	} else {
		fmt.Fprintf(stdout, "journal chain head after cycle %d: %s (kept in %s; journal verify --outputs checks it)\n", plan.Cycle, head, filepath.Join(o.Out, markerName))
	}
	return nil
}

// adminCSV lists the CRM contacts an undo took out of the sync group.
func adminCSV(rep *engine.UndoReport, cycle int) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("\uFEFF")
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	w.Write([]string{"CONTACTID", "name", "email", "created_by_cycle_" + strconv.Itoa(cycle)})
	for _, r := range rep.Administrator {
		created := "no"
		if r.Created {
			created = "yes"
		}
		w.Write([]string{formats.SpreadsheetCell(r.ContactID), formats.SpreadsheetCell(r.Name), formats.SpreadsheetCell(r.Email), created})
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// fillFromExport makes the undo's Outlook records whole from the current
// Outlook export: an updated contact is the export's record with the synced
// fields set back, a contact brought back is the one in Deleted Items when
// the export has it (a PST), and a CSV or vCard export gets the whole
// folder (mode "snapshot"), so importing it loses nothing. Records are
// found by key, else by the first e-mail. It returns the output mode.
func fillFromExport(plan *engine.Plan, ol *outlookSide, fields []contact.Field) string {
	inFolder, inDeleted := outlookFinder(ol.Contacts, false), outlookFinder(ol.Deleted, false)
	whole := func(from *contact.Contact, synced *contact.Contact) contact.Contact {
		c := from.Clone()
		for _, f := range fields {
			c.Values[f] = synced.Values[f]
		}
		c.Key = synced.Key
		return c
	}
	updated := map[int]int{} // export index → plan.Outlook.Updates index
	for k := range plan.Outlook.Updates {
		u := &plan.Outlook.Updates[k]
		if i := inFolder(u); i >= 0 {
			*u = whole(&ol.Contacts[i], u)
			updated[i] = k
		}
	}
	for k := range plan.Outlook.New {
		n := &plan.Outlook.New[k]
		if i := inDeleted(n); i >= 0 {
			*n = whole(&ol.Deleted[i], n)
		}
	}
	gone := map[int]bool{}
	for k := range plan.Outlook.Deleted {
		d := &plan.Outlook.Deleted[k]
		if i := inFolder(d); i >= 0 {
			gone[i] = true
			*d = ol.Contacts[i].Clone()
		}
	}
	if ol.Kind == kindPST {
		return "changes"
	}
	plan.Outlook.Folder = plan.Outlook.Folder[:0]
	for i := range ol.Contacts {
		switch k, ok := updated[i]; {
		case gone[i]:
		case ok:
			plan.Outlook.Folder = append(plan.Outlook.Folder, plan.Outlook.Updates[k])
		default:
			plan.Outlook.Folder = append(plan.Outlook.Folder, ol.Contacts[i])
		}
	}
	plan.Outlook.Folder = append(plan.Outlook.Folder, plan.Outlook.New...)
	return "snapshot"
}

// importedByExports tells from the current exports whether the last
// cycle's files were imported, as the next sync would: the engine's
// not-imported guard decides (created records missing, or none of a side's
// updates visible). The other guards do not matter here.
func importedByExports(st engine.State, dump *crmcsv.Dump, ol *outlookSide) (bool, string, error) {
	fields, dirs, err := engine.ParseMappingText(st.Mapping)
	if err != nil {
		return false, "", err
	}
	pol := engine.DefaultPolicy(st.User)
	pol.Fields, pol.FieldDirections = fields, dirs
	pol.Allow = []string{engine.GuardMaxDelete, engine.GuardEmptyInput, engine.GuardMappingChanged, engine.GuardUserChanged}
	crmIn := engine.CRMInput{Contacts: dump.Contacts, Accounts: dump.Accounts, SyncGroup: dump.SyncGroup, HasSyncGroup: dump.HasSyncGroup,
		Visible: dump.VisibleTo(st.User)}
	_, err = engine.Reconcile(st, crmIn, engine.OutlookInput{Contacts: ol.Contacts, Deleted: ol.Deleted}, pol)
	var ge *engine.GuardError
	if errors.As(err, &ge) && ge.Guard == engine.GuardNotImported {
		return false, ge.Message, nil
	}
	return true, "", nil
}
