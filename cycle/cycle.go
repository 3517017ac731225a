package cycle

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
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
	Journal string // the journal file; created by the first cycle
	CRM     string // the CRM dump folder
	Outlook string // the Outlook export: a file or a folder
	Out     string // the output folder of this cycle: new, or an uncommitted attempt of it
	DryRun  bool   // plan only: write nothing, not even a journal
	// OutlookOutput asks for an Outlook output mode ("snapshot" or
	// "changes"); "": the default of the input's kind (outlookMode).
	OutlookOutput string
	// Policy is the engine's; its Fields lose those the dump has no
	// column for.
	Policy      engine.Policy
	OutlookOpts OutlookOptions    // how the Outlook side is read and written
	BreakStale  bool              // remove a journal lock left by a run that died
	Now         func() time.Time  // the clock; nil: time.Now
	Flags       map[string]string // the flags as given, journaled
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
	// OutlookCSV says how outlook/contacts.csv of a snapshot was written
	// (its encoding, what of another format it could not hold); empty
	// when none was.
	OutlookCSV string
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
// same outputs. The plan a dry run returns is the plan a sync of the same
// inputs writes to plan.txt.
func Run(ctx context.Context, o Options) (_ *Result, err error) {
	o.ctx = ctx
	defer adviseHugePages()() // see hugepages_linux.go
	if o.Now == nil {
		o.Now = time.Now
	}
	r := &run{o: &o, started: o.Now().UTC(), pg: progressOf(o.Progress)}
	created, err := r.openJournal()
	if err != nil {
		return nil, err
	}
	committed := false
	if created {
		// A first cycle that fails leaves no journal behind: it was opened
		// before the inputs were read only to hold the lock.
		defer func() {
			if err != nil && !committed { // r.j is closed by then (defers run last first)
				for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
					os.Remove(o.Journal + suffix)
				}
			}
		}()
	}
	if r.j != nil {
		defer r.j.Close()
	}
	defer func() { r.stage.drop() }() // the staging folder, unless writeOutputs renamed it into place
	defer r.pg.Cancel()               // a phase that failed prints no line
	if err := r.prepare(); err != nil {
		return nil, err
	}
	chain := r.checkChain()
	defer func() { <-chain }() // before the journal closes
	plan, err := r.plan()
	if err != nil {
		return nil, err
	}
	if o.DryRun {
		r.pg.End()
		return &Result{Plan: plan}, nil
	}
	if o.AskConflicts && r.res == nil && askable(plan) > 0 {
		r.pg.End()
		return nil, askConflicts(o, plan)
	}
	if o.AfterPlan != nil {
		o.AfterPlan()
	}
	<-chain
	collectReconciled()
	res, err := r.write(plan)
	if err != nil {
		return nil, err
	}
	committed = true
	r.pg.End()
	res.Head, res.HeadErr = anchorOutputs(r.j, o.Out, plan.Cycle)
	return res, nil
}

// collectReconciled starts a collection beside the output writers. What
// reconciling and the duplicates search held beside the plan (their keys,
// pairs and indexes: a couple of hundred MB at a million a side) is
// garbage once the plan is made, but the collector's goal is still the
// live heap it last found times 1 + GOGC/100, found while they lived: the
// outputs would grow the heap to it before the next collection. One
// started now sets the goal from what lives on (a second cycle at a
// million a side peaked at 1,061 MiB instead of 1,176, for one collection
// more).
func collectReconciled() { go runtime.GC() }

// run is one cycle under way: what Run has learnt so far.
type run struct {
	o       *Options
	pg      Progress
	started time.Time
	j       *journal.Journal // nil: a dry run without a journal yet
	early   []string         // notices from before the plan exists
	res     *resolutions     // the decided conflicts.csv, or nil
	state   engine.State     // the journal's state before the cycle
	// The two sides as read.
	dump        *crmcsv.Dump
	crmTable    *contact.Table // the dump's contacts (dump.Contacts is nil)
	crmRejected formats.ErrorList
	ol          *OutlookSide
	mode        OutlookMode // the Outlook output
	unmapped    []string
	dups        sideDuplicates
	stage       *earlyStage // the outputs' staging folder, made before reconciling
}

// openJournal opens the journal (read-only for a dry run, which needs
// none) and checks the output folder: the lock, the journal and the output
// folder are checked before the inputs are read, so that a second run or a
// folder that cannot be written fails at once, not after minutes. created
// says the journal did not exist before.
func (r *run) openJournal() (created bool, err error) {
	o := r.o
	if o.DryRun {
		if _, err := os.Stat(o.Journal); err == nil {
			r.j, err = journal.Open(o.Journal, journal.Options{ReadOnly: true, Now: o.Now})
			return false, err // the journal names itself
		}
		return false, nil
	}
	if dir := filepath.Dir(o.Journal); !isDir(dir) {
		return false, usagef("journal folder %q does not exist; create it, or name a journal file in an existing folder", dir)
	}
	if err := checkWritable(filepath.Dir(filepath.Clean(o.Out))); err != nil {
		return false, err
	}
	if err := checkOut(o.Out); err != nil {
		return false, err
	}
	_, statErr := os.Stat(o.Journal)
	created = errors.Is(statErr, fs.ErrNotExist)
	if r.j, err = journal.Open(o.Journal, journal.Options{Now: o.Now, BreakStale: o.BreakStale}); err != nil {
		return false, err // the journal names itself
	}
	r.early = append(r.early, r.j.Notices()...)
	// With the journal locked, what runs of it that were killed left
	// behind is cleaned up.
	removeLeftStaging(o.Out, func(m string) { r.early = append(r.early, m) })
	return created, nil
}

// prepare refuses the committed outputs of an earlier cycle as the output
// folder, reads the resolutions and both sides, and loads the journal.
func (r *run) prepare() error {
	o := r.o
	if r.j != nil && !o.DryRun {
		// The committed outputs of an earlier cycle are never overwritten.
		if last, _, err := r.j.Head(); err == nil {
			if m, err := ReadMarker(o.Out); err == nil && m.Cycle <= last {
				return usagef("output folder %q holds the committed outputs of cycle %d; give a new --out for cycle %d", o.Out, m.Cycle, last+1)
			}
		}
	}
	for _, m := range r.early {
		o.notify(m)
	}
	if err := o.interrupted(); err != nil {
		return err
	}
	if o.Resolutions != "" {
		var err error
		if r.res, err = readResolutions(o.Resolutions); err != nil {
			return err
		}
		o.Policy.Decisions = r.res.Decisions
	}
	// The journal is loaded while the sides are read: a core is free once
	// the smaller side is read, and a later cycle's Load is seconds at a
	// million links. An error reading the sides is reported before one
	// loading the journal, as when they ran in turn. The load counts among
	// the tasks that share the cores with the sides (see cores).
	load := make(chan error, 1)
	tasks := newCores(2)
	if r.j != nil {
		tasks = newCores(3)
		go func() {
			var err error
			r.state, err = r.j.LoadArena()
			tasks.done()
			load <- err
		}()
	} else {
		load <- nil
	}
	err := r.readSides(tasks)
	if lerr := <-load; err == nil && lerr != nil {
		err = fmt.Errorf("load journal %q: %w", o.Journal, lerr)
	}
	return err
}

// readSides reads the two exports at the same time (a core each), tasks
// among those that share the cores: the side that reads longer splits its
// work once a core is idle. The CRM dump's error is reported first, as
// when they were read in turn.
func (r *run) readSides(tasks *cores) error {
	o := r.o
	r.pg.PhaseBytes("reading the CRM dump "+o.CRM+" and the Outlook export "+o.Outlook, inputSize(o.CRM)+inputSize(o.Outlook))
	var crmErr, olErr error
	var wg sync.WaitGroup
	wg.Add(1)
	// Both sides go straight into tables that share one string pool: the
	// values both hold are stored once, and no side is held as records.
	fields := engine.TableFields(o.Policy)
	pool := newPool()
	r.crmTable = contact.NewTableIn(pool, fields)
	var ctl controls
	go func() {
		defer wg.Done()
		defer tasks.done()
		var errs formats.ErrorList
		add := tableAdder{t: r.crmTable, path: crmcsv.ContactsPath(o.CRM), cores: tasks}
		r.dump, errs = crmcsv.ReadDirEachViewControls(o.CRM, o.OutlookOpts.SkipInvalid, func(c *contact.Contact, controls bool) {
			if controls { // else the row's text held none
				ctl.add(c)
			}
			add.add(c)
		})
		add.finish()
		switch {
		case add.err != nil:
			crmErr = add.err
		case len(errs) > 0 && !o.OutlookOpts.SkipInvalid:
			crmErr = errs[0]
		case r.dump == nil:
			crmErr = errs
		default:
			r.crmRejected = errs
		}
	}()
	r.ol, olErr = readOutlookTableOn(o.Outlook, o.OutlookOpts, contact.NewTableIn(pool, fields), tasks)
	tasks.done()
	wg.Wait()
	if crmErr != nil {
		return fmt.Errorf("read CRM dump: %w", crmErr)
	}
	if olErr != nil {
		return fmt.Errorf("read Outlook export: %w", olErr)
	}
	if w := ctl.warning(o.CRM); w != "" {
		r.early = append(r.early, w)
	}
	var err error
	r.mode, err = outlookMode(o.OutlookOutput, r.ol.Kind)
	return err
}

// writable reports whether the format of kind can be written.
func writable(kind string) bool {
	f, ok := formats.Lookup(kind)
	return ok && f.Create != nil
}

// OutlookMode is what a cycle writes for Outlook.
type OutlookMode int

const (
	// Snapshot: outlook/contacts.csv and contacts.vcf are the whole sync
	// folder after the cycle, imported into an emptied folder.
	Snapshot OutlookMode = iota
	// Changes: contacts-new.csv, contacts-update.csv ("replace
	// duplicates") and deleted-items.csv.
	Changes
)

// String is the mode's name, as --outlook-output takes it.
func (m OutlookMode) String() string {
	if m == Changes {
		return "changes"
	}
	return "snapshot"
}

// outlookMode is the Outlook output mode: the one asked for, else Snapshot,
// or Changes for an input of a format that cannot be written (PST, .msg),
// whose items hold more than a CSV snapshot could keep.
func outlookMode(asked, kind string) (OutlookMode, error) {
	switch {
	case asked == Snapshot.String():
		return Snapshot, nil
	case asked == Changes.String():
		return Changes, nil
	case asked != "":
		return Snapshot, usagef("--outlook-output must be snapshot or changes, not %q", asked)
	case !writable(kind):
		return Changes, nil
	}
	return Snapshot, nil
}

// checkChain checks the journal's hash chain for report.html while the
// cycle reconciles (it reads every row of the journal: seconds at a
// million links). The channel is closed when the check is done.
func (r *run) checkChain() chan struct{} {
	chain := make(chan struct{})
	if r.o.DryRun {
		close(chain)
		return chain
	}
	go func() {
		defer close(chain)
		r.o.chainOK, r.o.chain = chainStatus(r.j, r.state.Cycle)
	}()
	return chain
}

// plan reconciles the sides with the journal's state. The plan it returns
// is complete: what the cycle has to say besides the engine's decisions
// (input warnings, fields not synced, records set aside, the Outlook
// output mode) is among its notices, the same in a dry run and a sync.
func (r *run) plan() (*engine.Plan, error) {
	o := r.o
	if err := o.interrupted(); err != nil {
		return nil, err
	}
	r.pg.Phase(fmt.Sprintf("reconciling %d CRM and %d Outlook contacts", r.crmTable.Len(), r.ol.records()), r.crmTable.Len()+r.ol.records(), "contacts")
	if !o.DryRun {
		if m, err := ReadMarker(o.Out); err == nil && m.Cycle <= r.state.Cycle {
			return nil, usagef("output folder %q holds the committed outputs of cycle %d; give a new --out for cycle %d", o.Out, m.Cycle, r.state.Cycle+1)
		}
	}
	// A mapped field whose CRM column the dump lacks cannot be synced: the
	// CRM would take the value on import, but the next dump would show it
	// empty, and that would read as the CRM clearing it. Such fields are
	// left out of this cycle's mapping (and the mapping guard notices when
	// the dump's columns change).
	o.Policy.Fields, r.unmapped = fieldsInDump(fieldsOf(o.Policy), r.dump.ContactHeader)
	crmIn := engine.CRMInput{Accounts: r.dump.Accounts, SyncGroup: r.dump.SyncGroup, HasSyncGroup: r.dump.HasSyncGroup,
		Visible: r.dump.VisibleTo(o.Policy.User), Incomplete: len(r.crmRejected) > 0}
	olIn := engine.OutlookInput{Deleted: r.ol.Deleted, Incomplete: len(r.ol.Rejected) > 0}
	// The engine and the duplicates search read both sides as tables that
	// share one string pool; the records themselves, with everything a
	// format holds beyond the table's fields, are let go: the Outlook
	// export is read again to write its outputs.
	var crmDups contact.Records
	var err error
	if crmIn.Table, olIn.Table, crmDups, err = sideTables(r.crmTable, r.ol, crmIn.OwnerVisible, crmIn.Visible != nil); err != nil {
		return nil, err
	}
	dups := r.findDuplicates(crmDups, olIn.Table)
	// The engine gets the state's links, loaded as the arena it makes the
	// plan's links in (engine.State.Arena), and the run lets go of them:
	// the plan holds every link (Plan.Links), and Commit compares with what
	// the journal kept of its rows.
	st := r.state
	r.state.Links, r.state.Arena, r.state.Bases = nil, nil, nil
	plan, err := engine.Reconcile(st, crmIn, olIn, o.Policy)
	dups()
	var de *engine.DecisionError
	if errors.As(err, &de) {
		return nil, &Error{Kind: Usage, Err: fmt.Errorf("%s: %w", o.Resolutions, err),
			Hint: "decide the conflicts of these inputs: run the sync with --conflicts ask for a new conflicts.csv"}
	}
	if err != nil {
		return nil, err
	}
	plan.Notices = append(plan.Notices, r.notices()...)
	return plan, nil
}

// findDuplicates starts the search for the likely duplicates of each side,
// for duplicates.csv and the report, while the engine reconciles (both
// only read); a dry run writes neither. The function it returns, called
// once Reconcile is done, helps with what is left of the search and waits
// for it.
//
// The staging folder of the outputs is made now (r.stage), and when the
// search ends before Reconcile, as in a first cycle, its goroutine writes
// duplicates.csv there while Reconcile finishes, on the core that would
// idle; otherwise writeOutputs writes it among the outputs.
func (r *run) findDuplicates(crm, ol contact.Records) func() {
	if r.o.DryRun {
		return func() {}
	}
	r.stage = newEarlyStage(r.o.Out)
	var then func(sideDuplicates)
	if r.stage != nil {
		then = func(d sideDuplicates) { r.stage.writeDuplicates(&d) }
	}
	s := startSideSearch(crm, ol, r.o.Phones, r.o.Policy.CaseSensitiveKeys, then)
	return func() {
		r.dups = s.help()
		if r.stage != nil && !s.thenRan {
			r.stage.done = nil // writeOutputs writes duplicates.csv
		}
	}
}

// notices are what the cycle adds to the engine's notices: decisions
// taken from a person, housekeeping, what the readers said about the
// inputs (bounded), the Outlook output mode, the records set aside and
// the fields not synced.
func (r *run) notices() []engine.Notice {
	var ns []engine.Notice
	add := func(kind engine.NoticeKind, format string, args ...any) {
		ns = append(ns, engine.Notice{Kind: kind, Message: fmt.Sprintf(format, args...)})
	}
	if r.res != nil {
		add("decided-by-user", "%d conflicts decided by a person in %s (sha256 %s), kept in the outputs as %s", len(r.res.Decisions), r.res.Path, r.res.SHA256, conflictsName)
	}
	for _, m := range r.early {
		add("housekeeping", "%s", m)
	}
	ol := r.ol
	for i, w := range ol.Warnings {
		if i == maxInputWarnings {
			// Each reader counts its repeated warnings; this bounds the
			// rest, so hostile input cannot fill the plan and the journal.
			add("input", "%d more warnings about the Outlook export not listed (%d in all); contactsync validate lists every problem", len(ol.Warnings)-i, len(ol.Warnings))
			break
		}
		add("input", "%s", w)
	}
	if ol.Note != "" {
		add("input", "%s", ol.Note)
	}
	add("outlook-output", "%s", outlookModeReason(r.mode, ol.Kind))
	rejected := r.rejected()
	for _, e := range rejected {
		add("rejected", "%s", e.Error())
	}
	if len(rejected) > 0 {
		add("rejected", "%d records could not be read and were set aside (rejected.csv); the contacts of a side with records set aside are neither deleted nor created on the other side this cycle; fix them and they are read next cycle", len(rejected))
	}
	if len(r.unmapped) > 0 {
		add("not-synced", "the CRM dump has no column for %s: these fields are not synced; export those columns to sync them", strings.Join(r.unmapped, ", "))
	}
	return ns
}

// rejected are the records of both sides set aside by a lenient read.
func (r *run) rejected() formats.ErrorList {
	return append(append(formats.ErrorList(nil), r.crmRejected...), r.ol.Rejected...)
}

// write writes the outputs and commits the cycle to the journal. The
// journal's rows are staged (written in a transaction not yet committed)
// while the outputs are written, a core each; the cycle's row, with the
// outputs' hashes, goes in once they are in place, and commits all.
func (r *run) write(plan *engine.Plan) (*Result, error) {
	o := r.o
	if err := o.interrupted(); err != nil {
		return nil, err
	}
	r.pg.Phase("writing the outputs to "+o.Out, len(plan.Changes), "changes")
	info := journal.CycleInfo{
		Kind: "sync", Started: r.started, User: osUser(), ToolVersion: o.ToolVersion,
		Options: o.Flags, Inputs: r.inputHashes(), OutDir: o.Out,
	}
	type staged struct {
		s   *journal.Staged
		err error
	}
	stage := make(chan staged, 1)
	go func() {
		s, err := r.j.Stage(o.context(), plan, info)
		stage <- staged{s, err}
	}()
	outputs, err := writeOutputs(*o, outputSet{plan: plan, dump: r.dump, ol: r.ol, mode: r.mode, rejected: r.rejected(), dups: &r.dups, res: r.res, early: r.stage})
	st := <-stage
	if st.s != nil {
		defer st.s.Abort() // when not committed
	}
	if err != nil {
		return nil, fmt.Errorf("write outputs to %q: %w", o.Out, err)
	}
	if err := o.interrupted(); err != nil {
		os.RemoveAll(o.Out) // written by this run, not committed
		return nil, err
	}
	r.pg.Phase("committing the cycle to the journal", len(plan.Changes), "changes")
	if o.BeforeCommit != nil {
		if err := o.BeforeCommit(); err != nil {
			return nil, err
		}
	}
	err = st.err
	if err == nil {
		err = st.s.Commit(outputs.hashes)
	}
	if err != nil {
		if ierr := o.interrupted(); ierr != nil {
			// Ctrl-C during the commit: rolled back, and the outputs of
			// a cycle that is not committed are removed.
			os.RemoveAll(o.Out)
			return nil, ierr
		}
		return nil, fmt.Errorf("commit cycle %d to journal %q (the outputs in %q are complete; rerun the same command to commit them): %w", plan.Cycle, o.Journal, o.Out, err)
	}
	return &Result{Plan: plan, Outputs: outputs.hashes, OutlookCSV: outputs.outlookCSV, Committed: true, FirstCycle: r.state.Cycle == 0,
		Duplicates: r.dups.summary(filepath.Join(o.Out, duplicatesName))}, nil
}

// inputHashes are the inputs as they were parsed: hashed while read, not
// read again now (an export may have been replaced meanwhile).
func (r *run) inputHashes() []journal.FileHash {
	var inputs []journal.FileHash
	for _, in := range r.dump.Inputs {
		inputs = append(inputs, journal.FileHash{Role: "crm-input", Path: in.Path, SHA256: in.SHA256, Size: in.Size})
	}
	for _, in := range r.ol.Inputs {
		inputs = append(inputs, journal.FileHash{Role: "outlook-input", Path: in.Path, SHA256: in.SHA256, Size: in.Size})
	}
	if r.res != nil {
		inputs = append(inputs, journal.FileHash{Role: "resolutions", Path: r.res.Path, SHA256: r.res.SHA256, Size: int64(len(r.res.Data))})
	}
	return inputs
}

// outlookModeReason says, for the plan, which Outlook output a cycle
// writes and why.
func outlookModeReason(mode OutlookMode, kind string) string {
	if mode == Changes {
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

// isDir reports whether path is a folder.
func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}
