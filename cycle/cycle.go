package cycle

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
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

// MarkerName is the file in an output folder that says which cycle wrote it.
const MarkerName = "cycle.json"

type Marker struct {
	Cycle   int       `json:"cycle"`
	Journal string    `json:"journal"`
	Written time.Time `json:"written"`
	// Head is the journal's chain head after this cycle's commit (the
	// cycle's hash), and Chain the hash of its cycle 1, which names the
	// journal: written once the commit is done, so that journal verify
	// --outputs can prove the journal still has this cycle as it was
	// (DESIGN §8). Empty when the run stopped between commit and marker.
	Head  string `json:"head,omitempty"`
	Chain string `json:"chain,omitempty"`
}

// anchorOutputs writes the journal's chain head after the commit of cycle
// into the marker of out, and returns it.
func anchorOutputs(j *journal.Journal, out string, cycle int) (string, error) {
	m, err := ReadMarker(out)
	if err != nil {
		return "", err
	}
	head, ok, err := j.CycleHash(cycle)
	if err == nil && !ok {
		err = fmt.Errorf("the journal has no cycle %d", cycle)
	}
	if err != nil {
		return "", err
	}
	chain, _, err := j.CycleHash(1)
	if err != nil {
		return "", err
	}
	m.Head, m.Chain = head, chain
	mb, _ := json.MarshalIndent(m, "", "  ")
	return head, formats.WriteFileAtomic(filepath.Join(out, MarkerName), append(mb, '\n'), formats.FilePerm)
}

// runCycle reads both sides, reconciles them with the journal and, unless
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

// checkWritable makes sure that files can be created in dir or, when it
// does not exist yet, in the nearest folder above it that does.
func checkWritable(dir string) error {
	for {
		st, err := os.Stat(dir)
		if err == nil {
			if !st.IsDir() {
				return usagef("%q is not a folder: --out must be a folder in a folder", dir)
			}
			break
		}
		up := filepath.Dir(dir)
		if up == dir {
			break
		}
		dir = up
	}
	f, err := os.CreateTemp(dir, ".contactsync-probe-*")
	if err != nil {
		return &Error{Kind: Usage, Err: fmt.Errorf("cannot write the output folder in %q: %w", dir, err),
			Hint: "give an --out in a folder you may write to; nothing was read or written"}
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// checkOut refuses an output folder that holds anything but an uncommitted
// earlier attempt of contactsync.
func checkOut(dir string) error {
	if dir == "" {
		return usagef("--out is required")
	}
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(ents) == 0) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, MarkerName)); err != nil && !onlyConflicts(ents) {
		return usagef("output folder %q is not empty and was not written by contactsync; give a new --out for each cycle", dir)
	}
	return nil // replaced after the plan is known; see writeOutputs
}

// writeOutputs writes every output file into a staging folder, then swaps
// it into place. It returns the files written with their hashes.
func writeOutputs(o Options, plan *engine.Plan, dump *crmcsv.Dump, ol *OutlookSide, mode string, rejected formats.ErrorList, dups *sideDuplicates, res *resolutions) ([]journal.FileHash, error) {
	if m, err := ReadMarker(o.Out); err == nil && m.Cycle != plan.Cycle {
		return nil, usagef("output folder %q holds the committed outputs of cycle %d; give a new --out for cycle %d", o.Out, m.Cycle, plan.Cycle)
	}
	parent := filepath.Dir(filepath.Clean(o.Out))
	if err := formats.MkdirPrivate(parent); err != nil {
		return nil, err
	}
	stage, err := os.MkdirTemp(parent, stagePrefix(o.Out))
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	// MkdirTemp makes the folder 0700 whatever the umask: contacts are
	// personal data. Once renamed into place it is the output folder.

	crmDir := filepath.Join(stage, "crm")
	if err := formats.MkdirPrivate(crmDir); err != nil {
		return nil, err
	}
	olDir := filepath.Join(stage, "outlook")
	if err := formats.MkdirPrivate(olDir); err != nil {
		return nil, err
	}
	// The writers only read the plan, so they run side by side: at a
	// million contacts each output takes seconds, and the machine has
	// more than one core.
	ch := &crmcsv.Changes{
		Fields: fieldsOf(o.Policy), New: plan.CRM.New, Updates: plan.CRM.Updates,
		NewAccounts: plan.CRM.NewAccounts, GroupAdd: plan.CRM.GroupAdd, GroupRemove: plan.CRM.GroupRemove,
	}
	jobs := []func() error{func() error {
		_, err := crmcsv.WriteChanges(crmDir, ch, dump)
		return err
	}}
	oo := o.OutlookOpts
	csvJob := func(name string, contacts []contact.Contact, format *string) {
		if len(contacts) == 0 && format == nil {
			return
		}
		jobs = append(jobs, func() error {
			f, err := WriteContacts(filepath.Join(olDir, name), KindCSV, contacts, ol.CSV, oo)
			if format != nil {
				*format = f
			}
			return err
		})
	}
	var format string
	if mode == "snapshot" {
		csvJob("contacts.csv", plan.Outlook.Folder, &format)
		jobs = append(jobs, func() error {
			_, err := WriteContacts(filepath.Join(olDir, "contacts.vcf"), KindVCard, plan.Outlook.Folder, nil, oo)
			return err
		})
	} else {
		csvJob("contacts-new.csv", plan.Outlook.New, nil)
		csvJob("contacts-update.csv", plan.Outlook.Updates, nil)
	}
	csvJob("deleted-items.csv", plan.Outlook.Deleted, nil)
	if len(rejected) > 0 {
		jobs = append(jobs, func() error { return writeRejected(filepath.Join(stage, "rejected.csv"), rejected) })
	}
	if res != nil {
		// The decisions go with the outputs they made (the user's file
		// may be in the folder this cycle replaces).
		jobs = append(jobs, func() error {
			return formats.WriteFileAtomic(filepath.Join(stage, conflictsName), res.Data, formats.FilePerm)
		})
	}
	for name, data := range o.ExtraFiles {
		jobs = append(jobs, func() error { return formats.WriteFileAtomic(filepath.Join(stage, name), data, formats.FilePerm) })
	}
	if !dups.empty() {
		jobs = append(jobs, func() error {
			b, err := dups.csv()
			if err != nil {
				return err
			}
			return formats.WriteFileAtomic(filepath.Join(stage, duplicatesName), b, formats.FilePerm)
		})
	}
	if err := parallel(jobs); err != nil {
		return nil, err
	}
	if mode == "snapshot" {
		plan.Notices = append(plan.Notices, engine.Notice{Kind: "outlook-output", Message: "outlook/contacts.csv is " + format})
	}
	// IMPORT.txt names the files just written, in the order to import them.
	var steps strings.Builder
	if err := WriteImportSteps(&steps, ImportSteps{Cycle: plan.Cycle, Dir: o.Out, Has: filesIn(stage), KeyColumn: oo.KeyColumn}); err != nil {
		return nil, err
	}
	if err := formats.WriteFileAtomic(filepath.Join(stage, ImportFileName), []byte(steps.String()), formats.FilePerm); err != nil {
		return nil, err
	}
	// The plan files are streamed (a million-contact plan is large), side
	// by side too; they go after the outputs, whose notices they show.
	jobs = nil
	for _, pf := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{"plan.txt", plan.WriteText},
		{"plan.json", plan.WriteJSON},
		{"report.html", func(w io.Writer) error { return writeReport(w, plan, o.chainOK, o.chain, dups) }},
	} {
		jobs = append(jobs, func() error {
			f, err := formats.CreateAtomic(filepath.Join(stage, pf.name), formats.FilePerm)
			if err != nil {
				return err
			}
			defer f.Abort()
			if err := pf.write(f); err != nil {
				return err
			}
			return f.Commit()
		})
	}
	if err := parallel(jobs); err != nil {
		return nil, err
	}
	mb, _ := json.MarshalIndent(Marker{Cycle: plan.Cycle, Journal: o.Journal, Written: o.Now().UTC()}, "", "  ")
	if err := formats.WriteFileAtomic(filepath.Join(stage, MarkerName), append(mb, '\n'), formats.FilePerm); err != nil {
		return nil, err
	}
	hashes, err := hashTree(stage, "output")
	if err != nil {
		return nil, err
	}
	// The marker gets the chain head after the commit, so it is not one
	// of the files the cycle hashes.
	hashes = slices.DeleteFunc(hashes, func(h journal.FileHash) bool { return h.Path == MarkerName })
	// Swap the staging folder into place. An earlier uncommitted attempt
	// (same cycle) is replaced.
	if err := os.RemoveAll(o.Out); err != nil {
		return nil, err
	}
	if err := os.Rename(stage, o.Out); err != nil {
		return nil, err
	}
	if err := formats.SyncDir(parent); err != nil {
		return nil, err
	}
	for i := range hashes {
		hashes[i].Path = filepath.Join(o.Out, hashes[i].Path)
	}
	return hashes, nil
}

// stagePrefix is the name prefix of the staging folders of out: hidden,
// named for out, this host and this process, so that a later run can tell
// a folder left by a run that died from one still being written.
func stagePrefix(out string) string {
	host, _ := os.Hostname()
	return fmt.Sprintf(".%s.partial-%s-%d-", filepath.Base(filepath.Clean(out)), safeName(host), os.Getpid())
}

// safeName keeps letters, digits, '.' and '-' of s.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '.' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return -1
	}, s)
}

// removeLeftStaging removes the staging folders (".NAME.partial-*") that
// runs killed before their rename left in the parent of out, and says so.
// A folder of a process that still runs on this host, or of another host,
// is left alone: it may be being written.
func removeLeftStaging(out string, notice func(string)) {
	parent := filepath.Dir(filepath.Clean(out))
	ents, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	host, _ := os.Hostname()
	for _, e := range ents {
		name := e.Name()
		i := strings.Index(name, ".partial-")
		if !e.IsDir() || !strings.HasPrefix(name, ".") || i < 0 {
			continue
		}
		// .NAME.partial-HOST-PID-RANDOM; older runs wrote .NAME.partial-RANDOM.
		if rest := strings.Split(name[i+len(".partial-"):], "-"); len(rest) >= 3 {
			pid, err := strconv.Atoi(rest[len(rest)-2])
			h := strings.Join(rest[:len(rest)-2], "-")
			if err != nil || h != safeName(host) || pid == os.Getpid() || journal.ProcessRuns(pid) {
				continue
			}
		}
		p := filepath.Join(parent, name)
		if err := os.RemoveAll(p); err != nil {
			notice(fmt.Sprintf("could not remove %s, left by a run that was stopped: %v", p, err))
			continue
		}
		notice(fmt.Sprintf("removed %s, the unfinished outputs of a run that was stopped", p))
	}
}

// parallel runs every job at once and returns the error of the first
// job (in order) that failed.
func parallel(jobs []func() error) error {
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, job := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = job()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func ReadMarker(dir string) (*Marker, error) {
	b, err := os.ReadFile(filepath.Join(dir, MarkerName))
	if err != nil {
		return nil, err
	}
	var m Marker
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

func fieldsOf(p engine.Policy) []contact.Field {
	if p.Fields == nil {
		return engine.DefaultMapping
	}
	return p.Fields
}

// hashTree hashes a file, or every regular file under a folder (paths
// relative to it, sorted). Files are streamed through the hash, two at a
// time.
func hashTree(root, role string) ([]journal.FileHash, error) {
	var out []journal.FileHash
	var paths []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		out = append(out, journal.FileHash{Role: role, Path: rel})
		paths = append(paths, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	errs := make([]error, len(out))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(2, len(out)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i].SHA256, out[i].Size, errs[i] = hashFile(paths[i])
			}
		}()
	}
	for i := range out {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// hashFile returns the SHA-256 (hex) and size of the file at p.
func hashFile(p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
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

// writeRejected lists the records set aside by --skip-invalid: where each
// is and what is wrong with it, for whoever fixes the export. Cells a
// spreadsheet would take for a formula get a leading "'".
func writeRejected(path string, rejected formats.ErrorList) error {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	w.Write([]string{"file", "line", "column", "field", "problem"})
	for _, e := range rejected {
		problem := ""
		if e.Err != nil {
			problem = e.Err.Error()
		}
		w.Write([]string{formats.SpreadsheetCell(e.File), strconv.Itoa(e.Line), strconv.Itoa(e.Col), formats.SpreadsheetCell(e.Field), formats.SpreadsheetCell(problem)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return formats.WriteFileAtomic(path, append([]byte("\uFEFF"), b.Bytes()...), formats.FilePerm)
}
