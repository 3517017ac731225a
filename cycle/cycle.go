package cycle

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"contactsync/engine"
	"contactsync/engine/contact"
	"contactsync/formats"
	"contactsync/formats/crmcsv"
	"contactsync/formats/phone"
	"contactsync/journal"
)

// Options are the inputs of one cycle (sync and plan).
type Options struct {
	Journal       string
	CRM           string
	Outlook       string
	Out           string
	DryRun        bool // plan only: write nothing
	OutlookOutput string
	Policy        engine.Policy
	OutlookOpts   OutlookOptions
	BreakStale    bool
	Now           func() time.Time
	Flags         map[string]string // as given, journaled
	// ToolVersion names the build, for the journal.
	ToolVersion string
	// Progress shows the phases of the cycle; nil for none.
	Progress Progress
	// Notify receives the notices of housekeeping done before the plan
	// exists (a stale lock broken, unfinished outputs removed) as they
	// happen; they are in the plan's notices too. Nil: not told.
	Notify func(string)
	// AskConflicts (--conflicts ask) writes the conflicts a person may
	// decide to OUT/conflicts.csv and stops without committing.
	AskConflicts bool
	// Resolutions (--resolutions FILE) is a conflicts.csv a person decided.
	Resolutions string
	// ExtraFiles are written into the output folder beside the rest
	// (name → content), hashed and journaled with them.
	ExtraFiles map[string][]byte
	// Phones puts phone numbers in E.164 form for the likely-duplicates
	// list (--region); nil: no region.
	Phones *phone.Normalizer
	// AfterPlan, for benchmarks, runs once the plan is made, when the cycle
	// holds the most memory.
	AfterPlan func()
	// BeforeCommit, for tests, runs after the outputs are in place and
	// before the journal commit; an error stands for a crash there.
	BeforeCommit func() error

	ctx     context.Context // when done, the cycle stops at the next safe point
	chainOK bool            // the journal's hash chain before the cycle verified
	chain   string          // what its check said, for report.html
}

// Result is what a cycle did.
type Result struct {
	// Plan is the cycle's plan; in a dry run, all there is.
	Plan *engine.Plan
	// Outputs are the files written, with their hashes (none in a dry run).
	Outputs []journal.FileHash
	// Committed: the cycle is in the journal.
	Committed bool
	// Head is the journal's chain head after the commit, recorded in the
	// output folder's marker; HeadErr says why it could not be recorded.
	Head    string
	HeadErr error
	// FirstCycle: the journal had no cycle before this one.
	FirstCycle bool
	// Duplicates summarises the likely duplicates of both sides (the
	// first cycle tells them).
	Duplicates string
}

// interrupted returns an error when the cycle was asked to stop.
func (o *Options) interrupted() error {
	if o.ctx != nil && o.ctx.Err() != nil {
		return errInterrupted()
	}
	return nil
}

// context is the cycle's context, or one that is never done.
func (o *Options) context() context.Context {
	if o.ctx == nil {
		return context.Background()
	}
	return o.ctx
}

// notify tells o.Notify of m, when it listens.
func (o *Options) notify(m string) {
	if o.Notify != nil {
		o.Notify(m)
	}
}

// maxInputWarnings bounds the warnings about an export that a plan lists.
const maxInputWarnings = 1000

// Run reads both sides, reconciles them with the journal and, unless
// DryRun, writes the outputs and then commits the cycle. Nothing is written
// before the plan is complete; outputs are written to a staging folder and
// renamed into place before the journal transaction, so a crash leaves
// either no outputs or complete ones, and a journal that has either the old
// state or the new one. A rerun after a crash between the two rewrites the
// same outputs.
func Run(ctx context.Context, o Options) (_ *Result, err error) {
	o.ctx = ctx
	if o.Now == nil {
		o.Now = time.Now
	}
	started := o.Now().UTC()
	if dir := filepath.Dir(o.Journal); !o.DryRun {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, usagef("journal folder %q does not exist; create it, or name a journal file in an existing folder", dir)
		}
	}
	committed := false
	var early []string // notices from before the plan exists
	// Check before the work: the lock, the journal and the output folder
	// are checked before the inputs are read, so that a second run or a
	// folder that cannot be written fails at once, not after minutes.
	var j *journal.Journal
	if o.DryRun {
		if _, err := os.Stat(o.Journal); err == nil {
			j, err = journal.Open(o.Journal, journal.Options{ReadOnly: true, Now: o.Now})
			if err != nil {
				return nil, err // the journal names itself
			}
		}
	} else {
		if err := checkWritable(filepath.Dir(filepath.Clean(o.Out))); err != nil {
			return nil, err
		}
		if err := checkOut(o.Out); err != nil {
			return nil, err
		}
		_, statErr := os.Stat(o.Journal)
		created := errors.Is(statErr, fs.ErrNotExist)
		j, err = journal.Open(o.Journal, journal.Options{Now: o.Now, BreakStale: o.BreakStale})
		if err != nil {
			return nil, err // the journal names itself
		}
		early = append(early, j.Notices()...)
		// With the journal locked, what runs of it that were killed left
		// behind is cleaned up.
		removeLeftStaging(o.Out, func(m string) { early = append(early, m) })
		if created {
			// A first cycle that fails leaves no journal behind: it was
			// opened before the inputs were read only to hold the lock.
			defer func() {
				if err != nil && !committed { // j is closed by then (defers run last first)
					for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
						os.Remove(o.Journal + suffix)
					}
				}
			}()
		}
	}
	if j != nil {
		defer j.Close()
	}
	if j != nil && !o.DryRun {
		// The committed outputs of an earlier cycle are never overwritten.
		if last, _, err := j.Head(); err == nil {
			if m, err := ReadMarker(o.Out); err == nil && m.Cycle <= last {
				return nil, usagef("output folder %q holds the committed outputs of cycle %d; give a new --out for cycle %d", o.Out, m.Cycle, last+1)
			}
		}
	}
	for _, m := range early {
		o.notify(m)
	}
	if err := o.interrupted(); err != nil {
		return nil, err
	}
	pg := progressOf(o.Progress)
	defer pg.Cancel() // a phase that failed prints no line
	var res *resolutions
	if o.Resolutions != "" {
		var err error
		if res, err = readResolutions(o.Resolutions); err != nil {
			return nil, err
		}
		o.Policy.Decisions = res.Decisions
	}
	// The two exports are read at the same time (a core each). The CRM
	// dump's error is reported first, as when they were read in turn.
	pg.PhaseBytes("reading the CRM dump "+o.CRM+" and the Outlook export "+o.Outlook, inputSize(o.CRM)+inputSize(o.Outlook))
	var dump *crmcsv.Dump
	var ol *OutlookSide
	var crmErr, olErr error
	var wg sync.WaitGroup
	wg.Add(1)
	var crmRejected formats.ErrorList
	go func() {
		defer wg.Done()
		if !o.OutlookOpts.SkipInvalid {
			dump, crmErr = crmcsv.ReadDir(o.CRM)
			return
		}
		dump, crmRejected = crmcsv.ReadDirLenient(o.CRM)
		if dump == nil {
			crmErr, crmRejected = crmRejected, nil
		}
	}()
	ol, olErr = ReadOutlook(o.Outlook, o.OutlookOpts)
	wg.Wait()
	if crmErr != nil {
		return nil, fmt.Errorf("read CRM dump: %w", crmErr)
	}
	if olErr != nil {
		return nil, fmt.Errorf("read Outlook export: %w", olErr)
	}
	if w := dropControls(o.CRM, dump.Contacts); w != "" {
		early = append(early, w)
	}
	mode := o.OutlookOutput
	if mode == "" {
		mode = "snapshot"
		if ol.Kind == KindPST || ol.Kind == KindMSG {
			mode = "changes" // a CSV snapshot would lose what a PST or .msg item holds
		}
	}
	if mode != "snapshot" && mode != "changes" {
		return nil, usagef("--outlook-output must be snapshot or changes, not %q", mode)
	}

	var state engine.State
	if j != nil {
		if state, err = j.Load(); err != nil {
			return nil, fmt.Errorf("load journal %q: %w", o.Journal, err)
		}
	}
	// The hash chain is checked for report.html while the cycle reconciles
	// (it reads every row of the journal: seconds at a million links).
	chain := make(chan struct{})
	if !o.DryRun {
		go func() {
			defer close(chain)
			o.chainOK, o.chain = chainStatus(j, state.Cycle)
		}()
		defer func() { <-chain }() // before the journal closes
	} else {
		close(chain)
	}

	if err := o.interrupted(); err != nil {
		return nil, err
	}
	pg.Phase(fmt.Sprintf("reconciling %d CRM and %d Outlook contacts", len(dump.Contacts), len(ol.Contacts)), len(dump.Contacts)+len(ol.Contacts), "contacts")
	if !o.DryRun {
		if m, err := ReadMarker(o.Out); err == nil && m.Cycle <= state.Cycle {
			return nil, usagef("output folder %q holds the committed outputs of cycle %d; give a new --out for cycle %d", o.Out, m.Cycle, state.Cycle+1)
		}
	}
	// A mapped field whose CRM column the dump lacks cannot be synced: the
	// CRM would take the value on import, but the next dump would show it
	// empty, and that would read as the CRM clearing it. Such fields are
	// left out of this cycle's mapping (and the mapping guard notices when
	// the dump's columns change).
	var unmapped []string
	o.Policy.Fields, unmapped = fieldsInDump(fieldsOf(o.Policy), dump.ContactHeader)
	crmIn := engine.CRMInput{Contacts: dump.Contacts, Accounts: dump.Accounts, SyncGroup: dump.SyncGroup, HasSyncGroup: dump.HasSyncGroup,
		Visible: dump.VisibleTo(o.Policy.User), Incomplete: len(crmRejected) > 0}
	olIn := engine.OutlookInput{Contacts: ol.Contacts, Deleted: ol.Deleted, Incomplete: len(ol.Rejected) > 0}
	// The likely duplicates of each side, for duplicates.csv and the
	// report, found while the engine reconciles (both only read).
	var dups sideDuplicates
	dupsDone := make(chan struct{})
	go func() {
		defer close(dupsDone)
		if o.DryRun {
			return
		}
		// Contacts the user may not see are not theirs to be told about.
		crmContacts := dump.Contacts
		if crmIn.Visible != nil {
			crmContacts = nil
			for _, c := range dump.Contacts {
				if crmIn.OwnerVisible(c.CRM.Owner) {
					crmContacts = append(crmContacts, c)
				}
			}
		}
		dups = findSideDuplicates(crmContacts, ol.Contacts, o.Phones, o.Policy.CaseSensitiveKeys)
	}()
	plan, err := engine.Reconcile(state, crmIn, olIn, o.Policy)
	<-dupsDone
	var de *engine.DecisionError
	if errors.As(err, &de) {
		return nil, &Error{Kind: Usage, Err: fmt.Errorf("%s: %w", o.Resolutions, err),
			Hint: "decide the conflicts of these inputs: run the sync with --conflicts ask for a new conflicts.csv"}
	}
	if err != nil {
		return nil, err
	}
	if res != nil {
		plan.Notices = append(plan.Notices, engine.Notice{Kind: "decided-by-user", Message: fmt.Sprintf(
			"%d conflicts decided by a person in %s (sha256 %s), kept in the outputs as %s", len(res.Decisions), res.Path, res.SHA256, conflictsName)})
	}
	for _, m := range early {
		plan.Notices = append(plan.Notices, engine.Notice{Kind: "housekeeping", Message: m})
	}
	for i, w := range ol.Warnings {
		if i == maxInputWarnings {
			// Each reader counts its repeated warnings; this bounds the
			// rest, so hostile input cannot fill the plan and the journal.
			plan.Notices = append(plan.Notices, engine.Notice{Kind: "input", Message: fmt.Sprintf(
				"%d more warnings about the Outlook export not listed (%d in all); contactsync validate lists every problem", len(ol.Warnings)-i, len(ol.Warnings))})
			break
		}
		plan.Notices = append(plan.Notices, engine.Notice{Kind: "input", Message: w})
	}
	if ol.Note != "" {
		plan.Notices = append(plan.Notices, engine.Notice{Kind: "input", Message: ol.Note})
	}
	plan.Notices = append(plan.Notices, engine.Notice{Kind: "outlook-output", Message: outlookModeReason(mode, ol.Kind)})
	rejected := append(append(formats.ErrorList(nil), crmRejected...), ol.Rejected...)
	for _, e := range rejected {
		plan.Notices = append(plan.Notices, engine.Notice{Kind: "rejected", Message: e.Error()})
	}
	if len(rejected) > 0 {
		plan.Notices = append(plan.Notices, engine.Notice{Kind: "rejected", Message: fmt.Sprintf(
			"%d records could not be read and were set aside (rejected.csv); the contacts of a side with records set aside are neither deleted nor created on the other side this cycle; fix them and they are read next cycle", len(rejected))})
	}
	if len(unmapped) > 0 {
		plan.Notices = append(plan.Notices, engine.Notice{Kind: "not-synced", Message: "the CRM dump has no column for " + strings.Join(unmapped, ", ") + ": these fields are not synced; export those columns to sync them"})
	}
	if o.DryRun {
		pg.End()
		return &Result{Plan: plan}, nil
	}

	if o.AskConflicts && res == nil && askable(plan) > 0 {
		pg.End()
		return nil, askConflicts(o, plan)
	}
	if o.AfterPlan != nil {
		o.AfterPlan()
	}
	if err := o.interrupted(); err != nil {
		return nil, err
	}
	pg.Phase("writing the outputs to "+o.Out, len(plan.Changes), "changes")
	<-chain
	outputs, err := writeOutputs(o, plan, dump, ol, mode, rejected, &dups, res)
	if err != nil {
		return nil, fmt.Errorf("write outputs to %q: %w", o.Out, err)
	}
	if err := o.interrupted(); err != nil {
		os.RemoveAll(o.Out) // written by this run, not committed
		return nil, err
	}
	pg.Phase("committing the cycle to the journal", len(plan.Changes), "changes")
	if o.BeforeCommit != nil {
		if err := o.BeforeCommit(); err != nil {
			return nil, err
		}
	}
	// The inputs as they were parsed: hashed while read, not read again
	// now (an export may have been replaced meanwhile).
	var inputs []journal.FileHash
	for _, in := range dump.Inputs {
		inputs = append(inputs, journal.FileHash{Role: "crm-input", Path: in.Path, SHA256: in.SHA256, Size: in.Size})
	}
	for _, in := range ol.Inputs {
		inputs = append(inputs, journal.FileHash{Role: "outlook-input", Path: in.Path, SHA256: in.SHA256, Size: in.Size})
	}
	if res != nil {
		inputs = append(inputs, journal.FileHash{Role: "resolutions", Path: res.Path, SHA256: res.SHA256, Size: int64(len(res.Data))})
	}
	info := journal.CycleInfo{
		Kind: "sync", Started: started, User: osUser(), ToolVersion: o.ToolVersion,
		Options: o.Flags, Inputs: inputs, Outputs: outputs, OutDir: o.Out,
	}
	if err := j.CommitContext(o.context(), plan, info); err != nil {
		if ierr := o.interrupted(); ierr != nil {
			// Ctrl-C during the commit: rolled back, and the outputs of
			// a cycle that is not committed are removed.
			os.RemoveAll(o.Out)
			return nil, ierr
		}
		return nil, fmt.Errorf("commit cycle %d to journal %q (the outputs in %q are complete; rerun the same command to commit them): %w", plan.Cycle, o.Journal, o.Out, err)
	}
	committed = true
	pg.End()
	r := &Result{Plan: plan, Outputs: outputs, Committed: true, FirstCycle: state.Cycle == 0,
		Duplicates: dups.summary(filepath.Join(o.Out, duplicatesName))}
	r.Head, r.HeadErr = anchorOutputs(j, o.Out, plan.Cycle)
	return r, nil
}

func outlookModeReason(mode, kind string) string {
	if mode == "changes" {
		return "Outlook output: changes (contacts-new.csv, contacts-update.csv, deleted-items.csv), because replacing the folder from a " + kind + " would lose what a CSV cannot hold"
	}
	return "Outlook output: snapshot (outlook/contacts.csv and contacts.vcf are the whole sync folder; import into an emptied folder), because Outlook's import cannot delete"
}

func fieldsOf(p engine.Policy) []contact.Field {
	if p.Fields == nil {
		return engine.DefaultMapping
	}
	return p.Fields
}

// osUser names who ran the tool, for the journal ("who changed what").
func osUser() string {
	if u, err := user.Current(); err == nil {
		if h, err := os.Hostname(); err == nil {
			return u.Username + "@" + h
		}
		return u.Username
	}
	return ""
}

// fieldsInDump keeps the fields whose CRM column the dump's contacts header
// has, and names the others ("phone_mobile (MOBILE)").
func fieldsInDump(fields []contact.Field, header []string) (kept []contact.Field, missing []string) {
	have := map[string]bool{}
	for _, h := range header {
		have[strings.ToUpper(strings.TrimSpace(h))] = true
	}
	for _, f := range fields {
		col, ok := crmcsv.ColumnFor(f)
		if ok && have[strings.ToUpper(col)] {
			kept = append(kept, f)
			continue
		}
		missing = append(missing, f.String()+" ("+col+")")
	}
	return kept, missing
}
