package cycle

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"contactsync/engine"
	"contactsync/engine/contact"
	"contactsync/formats/crmcsv"
	"contactsync/journal"
)

// AdminFileName lists the CRM contacts an undo took out of the sync group,
// for the administrator (the tool never deletes a CRM contact).
const AdminFileName = "crm-contacts-for-administrator.csv"

// UndoOptions are the inputs of an undo.
type UndoOptions struct {
	Journal string // the journal
	Cycle   int    // the cycle to undo or discard
	Out     string // the output folder of the undo; not needed to discard
	Outlook string // the current Outlook export, optional
	CRM     string // the current CRM dump, optional
	// Imported and NotImported say whether the last cycle's files were
	// imported (undo it) or not (discard it); for the last cycle one of
	// them, or both exports, must say.
	Imported, NotImported bool
	BreakStale            bool              // remove a journal lock left by a run that died
	OutlookOpts           OutlookOptions    // how the Outlook side is read and written
	Flags                 map[string]string // the flags as given, journaled
	Now                   func() time.Time  // the clock; nil: time.Now
	// ToolVersion names the build, for the journal.
	ToolVersion string
}

// UndoResult is what an undo did.
type UndoResult struct {
	Plan *engine.Plan
	// Discarded: the cycle was discarded (its files were not imported),
	// not undone; Reopened links were closed by it and are open again.
	Discarded bool
	Reopened  int
	// Why says, when the exports decided that the files were not
	// imported, what showed it.
	Why string
	// Head is the journal's chain head after an undo, recorded in the
	// output folder's marker; HeadErr says why it could not be recorded.
	Head    string
	HeadErr error
}

// Undo undoes or discards a cycle: it reads the journal, plans with
// engine.Undo or engine.Discard, writes the outputs (an undo only) and
// commits the cycle. Once ctx is done, nothing is committed.
func Undo(ctx context.Context, o UndoOptions) (*UndoResult, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	u := &undo{o: &o, co: &Options{ctx: ctx}, res: &UndoResult{}}
	u.info = journal.CycleInfo{Started: o.Now().UTC(), User: osUser(), ToolVersion: o.ToolVersion, Options: o.Flags}
	if o.Imported && o.NotImported {
		return nil, usagef("--imported and --not-imported exclude each other")
	}
	if _, err := os.Stat(o.Journal); err != nil {
		return nil, usagef("journal %q: %v", o.Journal, err)
	}
	if !o.NotImported {
		if err := checkOut(o.Out); err != nil {
			return nil, err
		}
	}
	var err error
	if u.j, err = journal.Open(o.Journal, journal.Options{Now: o.Now, BreakStale: o.BreakStale}); err != nil {
		return nil, err
	}
	defer u.j.Close()
	if err := u.load(); err != nil {
		return nil, err
	}
	src, err := u.j.UndoSource(o.Cycle)
	if err != nil {
		return nil, err
	}
	if src.UndoneBy > 0 {
		return nil, usagef("cycle %d was already undone by cycle %d; to have its changes back, undo cycle %d", o.Cycle, src.UndoneBy, src.UndoneBy)
	}
	if o.NotImported {
		return u.discard(src)
	}
	return u.undo(ctx, src)
}

// undo is an undo under way.
type undo struct {
	o    *UndoOptions
	co   *Options // the options of the cycle it writes
	j    *journal.Journal
	st   engine.State
	dump *crmcsv.Dump // the current CRM dump, or nil
	ol   *OutlookSide // the current Outlook export, or nil
	info journal.CycleInfo
	res  *UndoResult
}

// load loads the journal's state and the current exports, and decides
// whether the last cycle is discarded (its files were not imported) or
// undone.
func (u *undo) load() error {
	o := u.o
	var err error
	if u.st, err = u.j.Load(); err != nil {
		return err
	}
	if o.Cycle < 1 || o.Cycle > u.st.Cycle {
		return usagef("cycle %d does not exist: the journal has cycles 1..%d", o.Cycle, u.st.Cycle)
	}
	if o.CRM != "" {
		if u.dump, err = crmcsv.ReadDir(o.CRM); err != nil {
			return fmt.Errorf("read CRM dump: %w", err)
		}
	}
	if o.Outlook != "" {
		if u.ol, err = ReadOutlook(o.Outlook, o.OutlookOpts); err != nil {
			return fmt.Errorf("read Outlook export: %w", err)
		}
	}
	last := o.Cycle == u.st.Cycle
	switch {
	case o.NotImported && !last:
		return usagef("--not-imported discards the last cycle (%d) only; cycle %d was followed by others, which read its imports", u.st.Cycle, o.Cycle)
	case last && !o.Imported && !o.NotImported && u.dump != nil && u.ol != nil:
		imported, why, err := importedByExports(u.st, u.dump, u.ol)
		if err != nil {
			return err
		}
		o.NotImported = !imported
		if !imported {
			u.res.Why = why
		}
	case last && !o.Imported && !o.NotImported:
		return usagef("cycle %d is the last cycle: say whether its files were imported (--imported undoes it with a cycle of its own) or not (--not-imported discards it), or give the current exports (--crm and --outlook) to tell", o.Cycle)
	}
	return nil
}

// discard commits a cycle that returns the journal to the state before
// the last one, whose files were not imported.
func (u *undo) discard(src *engine.UndoInput) (*UndoResult, error) {
	plan, reopen, err := engine.Discard(u.st, src)
	if err != nil {
		return nil, err
	}
	u.info.Kind, u.info.Reopen = "discard", reopen
	if err := u.j.CommitContext(u.co.context(), plan, u.info); err != nil {
		if ierr := u.co.interrupted(); ierr != nil {
			return nil, ierr
		}
		return nil, err
	}
	u.res.Plan, u.res.Discarded, u.res.Reopened = plan, true, len(reopen)
	return u.res, nil
}

// undo plans the cycle that undoes src, writes its outputs and commits it.
func (u *undo) undo(ctx context.Context, src *engine.UndoInput) (*UndoResult, error) {
	o := u.o
	fields, dirs, err := engine.ParseMappingText(u.st.Mapping)
	if err != nil {
		return nil, err
	}
	pol := engine.DefaultPolicy(u.st.User)
	pol.Fields, pol.FieldDirections = fields, dirs
	if u.dump != nil {
		src.Accounts = u.dump.Accounts
		if src.Accounts == nil {
			src.Accounts = []contact.Account{}
		}
	}
	plan, rep, err := engine.Undo(u.st, src, pol)
	if err != nil {
		return nil, err
	}
	u.co = &Options{Journal: o.Journal, Out: o.Out, Policy: pol, OutlookOpts: o.OutlookOpts, Now: o.Now, ctx: ctx}
	ol, mode := u.ol, Changes
	if ol != nil {
		if mode, err = fillFromExport(plan, ol, fields); err != nil {
			return nil, err
		}
	} else {
		ol = &OutlookSide{Kind: KindCSV}
	}
	u.co.OutlookOutput = mode.String()
	if err := u.notices(plan, rep, ol.Kind, mode); err != nil {
		return nil, err
	}
	outputs, err := writeOutputs(*u.co, outputSet{plan: plan, ol: ol, mode: mode})
	if err != nil {
		return nil, fmt.Errorf("write outputs to %q: %w", o.Out, err)
	}
	u.info.Kind, u.info.Outputs, u.info.OutDir = "undo", outputs.hashes, o.Out
	if err := u.j.CommitContext(u.co.context(), plan, u.info); err != nil {
		if ierr := u.co.interrupted(); ierr != nil {
			os.RemoveAll(o.Out) // the outputs of a cycle that is not committed
			return nil, ierr
		}
		return nil, fmt.Errorf("commit cycle %d to journal %q (the outputs in %q are complete; rerun the same command to commit them): %w", plan.Cycle, o.Journal, o.Out, err)
	}
	u.res.Plan = plan
	u.res.Head, u.res.HeadErr = anchorOutputs(u.j, o.Out, plan.Cycle)
	return u.res, nil
}

// notices adds to an undo's plan what the administrator is given and which
// Outlook output it writes, and why.
func (u *undo) notices(plan *engine.Plan, rep *engine.UndoReport, kind string, mode OutlookMode) error {
	add := func(kind engine.NoticeKind, msg string) {
		plan.Notices = append(plan.Notices, engine.Notice{Kind: kind, Message: msg})
	}
	if len(rep.Administrator) > 0 {
		b, err := adminCSV(rep, u.o.Cycle)
		if err != nil {
			return err
		}
		u.co.ExtraFiles = map[string][]byte{AdminFileName: b}
		add("undo", fmt.Sprintf("%d CRM contacts leave the sync group; %s lists them for an administrator, who may delete those cycle %d created", len(rep.Administrator), AdminFileName, u.o.Cycle))
	}
	switch {
	case u.o.Outlook == "":
		add("outlook-output", "Outlook output: changes (contacts-new.csv, contacts-update.csv for \"replace duplicates\", deleted-items.csv) holding the synced fields only, because no --outlook export was given: \"replace duplicates\" clears what else those contacts hold; give --outlook to keep it")
	case mode == Snapshot:
		add("outlook-output", outlookModeReason(mode, kind))
	default:
		add("outlook-output", "Outlook output: changes (contacts-new.csv, contacts-update.csv for \"replace duplicates\", deleted-items.csv), the contacts as the "+kind+" export holds them with the synced fields set back")
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
		w.Write([]string{contact.SpreadsheetCell(r.ContactID), contact.SpreadsheetCell(r.Name), contact.SpreadsheetCell(r.Email), created})
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// fillFromExport makes the undo's Outlook records whole from the current
// Outlook export: an updated contact is the export's record with the synced
// fields set back, a contact brought back is the one in Deleted Items when
// the export has it (a PST), and an export of a format contactsync writes
// (CSV, vCard) gets the whole folder (Snapshot), so importing it loses
// nothing; one it cannot write (PST, .msg) gets the changes, as in a sync. Records are
// found by key, else by the first e-mail. It returns the output mode.
func fillFromExport(plan *engine.Plan, ol *OutlookSide, fields []contact.Field) (OutlookMode, error) {
	inFolder, inDeleted := outlookFinder(ol.Contacts, false), outlookFinder(ol.Deleted, false)
	out := &plan.Outlook
	for k := range out.Patches {
		// An update or deletion of a contact the export holds patches that
		// record, so that the written record keeps everything it has.
		p := &out.Patches[k]
		if p.Record < 0 && p.Find != nil {
			if i := inFolder(p.Find); i >= 0 {
				p.Record, p.Find = i, nil
			}
		}
	}
	out.SortPatches()
	if out.New.Len() > 0 {
		var rest *contact.Table
		for k := range out.New.Len() {
			n := out.New.Contact(k)
			if i := inDeleted(&n); i >= 0 {
				c := ol.Deleted[i].Clone()
				for _, f := range fields {
					c.Values[f] = n.Values[f]
				}
				c.Key = n.Key
				out.Whole = append(out.Whole, c)
				continue
			}
			if rest == nil {
				rest = contact.NewTable(fields)
			}
			if err := rest.Add(&n); err != nil {
				return 0, fmt.Errorf("the undo's new Outlook records: %w", err)
			}
		}
		out.New = rest
	}
	if !writable(ol.Kind) {
		return Changes, nil // a PST or .msg export, as a sync writes for it
	}
	return Snapshot, nil
}

// importedByExports tells from the current exports whether the last
// cycle's files were imported, as the next sync would: the engine's
// not-imported guard decides (created records missing, or none of a side's
// updates visible). The other guards do not matter here.
func importedByExports(st engine.State, dump *crmcsv.Dump, ol *OutlookSide) (bool, string, error) {
	fields, dirs, err := engine.ParseMappingText(st.Mapping)
	if err != nil {
		return false, "", err
	}
	pol := engine.DefaultPolicy(st.User)
	pol.Fields, pol.FieldDirections = fields, dirs
	pol.Allow = []engine.Guard{engine.GuardMaxDelete, engine.GuardEmptyInput, engine.GuardMappingChanged, engine.GuardUserChanged}
	crmIn := engine.CRMInput{Contacts: dump.Contacts, Accounts: dump.Accounts, SyncGroup: dump.SyncGroup, HasSyncGroup: dump.HasSyncGroup,
		Visible: dump.VisibleTo(st.User)}
	_, err = engine.Reconcile(st, crmIn, engine.OutlookInput{Contacts: ol.Contacts, Deleted: ol.Deleted}, pol)
	var ge *engine.GuardError
	if errors.As(err, &ge) && ge.Guard == engine.GuardNotImported {
		return false, ge.Message, nil
	}
	return true, "", nil
}
