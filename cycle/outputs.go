package cycle

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"contactsync/engine"
	"contactsync/engine/contact"
	"contactsync/formats"
	"contactsync/formats/crmcsv"
	"contactsync/journal"
)

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

// outputSet is what a cycle writes into its output folder.
type outputSet struct {
	plan     *engine.Plan
	dump     *crmcsv.Dump // the CRM dump read (its layout); nil for an undo without one
	ol       *OutlookSide // the Outlook export read (its layout)
	mode     OutlookMode  // the Outlook output
	rejected formats.ErrorList
	dups     *sideDuplicates
	res      *resolutions
	early    *earlyStage // the staging folder made before the plan, or nil
}

// earlyStage is a cycle's staging folder made before it reconciles, so
// that duplicates.csv, which needs only the duplicates search's groups
// and the records, is written there on the core the search leaves free
// while Reconcile finishes (a first cycle at a million a side: ~1 s of a
// core otherwise idle), instead of among the outputs. writeOutputs takes
// the folder and waits for the file as one of its jobs; a cycle that does
// not get there (a failed or interrupted plan, a dry run has none,
// --conflicts ask) drops it.
type earlyStage struct {
	dir  string
	hc   *hashCache
	done chan struct{} // closed once duplicates.csv is written; nil: it is not written here
	err  error
}

// newEarlyStage makes the staging folder of out when the folder above it
// exists (else nothing is made before the plan, and writeOutputs makes
// both as before): nil when it does not, or cannot be made now.
func newEarlyStage(out string) *earlyStage {
	parent := filepath.Dir(filepath.Clean(out))
	if !isDir(parent) {
		return nil
	}
	dir, err := os.MkdirTemp(parent, stagePrefix(out))
	if err != nil {
		return nil // writeOutputs tries again, and says why
	}
	return &earlyStage{dir: dir, hc: &hashCache{m: map[string]hashed{}}, done: make(chan struct{})}
}

// writeDuplicates writes duplicates.csv of d into the folder (a file
// written only when there are duplicates), at most once; when it is not
// called, done is set to nil before writeOutputs.
func (e *earlyStage) writeDuplicates(d *sideDuplicates) {
	defer close(e.done)
	if !d.empty() {
		e.err = writeHashed(filepath.Join(e.dir, duplicatesName), e.hc, d.writeCSV)
	}
}

// wait waits for what was started in the folder.
func (e *earlyStage) wait() error {
	if e == nil || e.done == nil {
		return nil
	}
	<-e.done
	return e.err
}

// drop waits for what was started in the folder and removes it (after
// writeOutputs renamed it into place there is nothing left to remove).
func (e *earlyStage) drop() {
	if e != nil {
		e.wait()
		os.RemoveAll(e.dir)
	}
}

// written is what writeOutputs wrote.
type written struct {
	hashes     []journal.FileHash // every file but the marker, with its path under o.Out
	outlookCSV string             // how outlook/contacts.csv was written (snapshot mode)
}

// writeOutputs writes every output file into a staging folder, then swaps
// it into place.
func writeOutputs(o Options, s outputSet) (*written, error) {
	if m, err := ReadMarker(o.Out); err == nil && m.Cycle != s.plan.Cycle {
		return nil, usagef("output folder %q holds the committed outputs of cycle %d; give a new --out for cycle %d", o.Out, m.Cycle, s.plan.Cycle)
	}
	e := s.early
	if e == nil {
		parent := filepath.Dir(filepath.Clean(o.Out))
		if err := formats.MkdirPrivate(parent); err != nil {
			return nil, err
		}
		// MkdirTemp makes the folder 0700 whatever the umask: contacts are
		// personal data. Once renamed into place it is the output folder.
		stage, err := os.MkdirTemp(parent, stagePrefix(o.Out))
		if err != nil {
			return nil, err
		}
		e = &earlyStage{dir: stage, hc: &hashCache{m: map[string]hashed{}}}
	}
	defer e.drop()
	stage, hc := e.dir, e.hc
	w := &written{}
	// The writers only read the plan, so they all run side by side: at a
	// million contacts each output takes seconds, and the machine has
	// more than one core. They start the longest first: the Outlook
	// output (the export read again, three goroutines), duplicates.csv,
	// the plan files, the CRM's change files, the small files.
	side, err := sideJobs(o, s, stage, &w.outlookCSV, hc)
	if err != nil {
		return nil, err
	}
	files := fileJobs(o, s, stage, hc)
	if e.done != nil {
		files[0] = e.wait // duplicates.csv, under way or written
	}
	jobs := append(append(append(side[:1:1], files[:1]...), planJobs(o, s, stage, hc)...), side[1])
	if err := parallel(append(jobs, files[1:]...)); err != nil {
		return nil, err
	}
	if s.dups != nil {
		// duplicates.csv and report.html are written: the records the
		// groups point into (a table of the CRM contacts the user may see,
		// when some are not theirs) are let go before the commit; the
		// summary needs the groups alone.
		s.dups.CRMContacts, s.dups.OutlookContacts = nil, nil
	}
	// IMPORT.txt names the files just written, in the order to import them.
	var steps strings.Builder
	if err := WriteImportSteps(&steps, ImportSteps{Cycle: s.plan.Cycle, Dir: o.Out, Has: filesIn(stage), KeyColumn: o.OutlookOpts.KeyColumn, OutlookCSV: w.outlookCSV}); err != nil {
		return nil, err
	}
	if err := formats.WriteFileAtomic(filepath.Join(stage, ImportFileName), []byte(steps.String()), formats.FilePerm); err != nil {
		return nil, err
	}
	if w.hashes, err = commitStage(o, s.plan.Cycle, stage, hc); err != nil {
		return nil, err
	}
	return w, nil
}

// sideJobs write the files for each side to import: crm/ and outlook/.
// csvFormat gets how outlook/contacts.csv was written. Each file is
// hashed into hc once committed.
func sideJobs(o Options, s outputSet, stage string, csvFormat *string, hc *hashCache) ([]func() error, error) {
	crmDir, olDir := filepath.Join(stage, "crm"), filepath.Join(stage, "outlook")
	for _, d := range []string{crmDir, olDir} {
		if err := formats.MkdirPrivate(d); err != nil {
			return nil, err
		}
	}
	plan := s.plan
	ch := &crmcsv.Changes{
		Fields: fieldsOf(o.Policy), NewRows: plan.CRM.New, UpdateRows: plan.CRM.Updates,
		NewAccounts: plan.CRM.NewAccounts, GroupAdd: plan.CRM.GroupAdd, GroupRemove: plan.CRM.GroupRemove,
	}
	jobs := []func() error{func() error {
		var err error
		*csvFormat, err = writeOutlook(olDir, plan, s.ol, s.mode, o.OutlookOpts, hc)
		return err
	}, func() error {
		paths, err := crmcsv.WriteChanges(crmDir, ch, s.dump)
		if err != nil {
			return err
		}
		for _, p := range paths {
			if err := hc.add(p); err != nil {
				return err
			}
		}
		return nil
	}}
	return jobs, nil
}

// fileJobs write the files beside the sides' files: duplicates.csv (first,
// the longest; a job that writes nothing when there is none), rejected.csv,
// the decided conflicts.csv and the caller's extra files.
func fileJobs(o Options, s outputSet, stage string, hc *hashCache) []func() error {
	jobs := []func() error{func() error {
		if s.dups.empty() {
			return nil
		}
		return writeHashed(filepath.Join(stage, duplicatesName), hc, s.dups.writeCSV)
	}}
	file := func(name string, data func() ([]byte, error)) {
		jobs = append(jobs, func() error {
			b, err := data()
			if err != nil {
				return err
			}
			path := filepath.Join(stage, name)
			if err := formats.WriteFileAtomic(path, b, formats.FilePerm); err != nil {
				return err
			}
			hc.put(path, b)
			return nil
		})
	}
	if len(s.rejected) > 0 {
		file("rejected.csv", func() ([]byte, error) { return rejectedCSV(s.rejected) })
	}
	if s.res != nil {
		// The decisions go with the outputs they made (the user's file
		// may be in the folder this cycle replaces).
		file(conflictsName, func() ([]byte, error) { return s.res.Data, nil })
	}
	for name, data := range o.ExtraFiles {
		file(name, func() ([]byte, error) { return data, nil })
	}
	return jobs
}

// planJobs write the plan files. They are streamed (a million-contact plan
// is large), side by side too.
func planJobs(o Options, s outputSet, stage string, hc *hashCache) []func() error {
	var jobs []func() error
	for _, pf := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{"plan.json", s.plan.WriteJSON},
		{"report.html", func(w io.Writer) error { return writeReport(w, s.plan, o.chainOK, o.chain, s.dups) }},
		{"plan.txt", s.plan.WriteText},
	} {
		jobs = append(jobs, func() error {
			path := filepath.Join(stage, pf.name)
			return writeHashed(path, hc, pf.write)
		})
	}
	return jobs
}

// writeHashed writes the file path atomically with write, and records
// its hash in hc, taken as the bytes went to the file.
func writeHashed(path string, hc *hashCache, write func(io.Writer) error) error {
	f, err := formats.CreateAtomic(path, formats.FilePerm)
	if err != nil {
		return err
	}
	defer f.Abort()
	f.Hash()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Commit(); err != nil {
		return err
	}
	return hc.committed(path, f)
}

// commitStage writes the marker into the staging folder, hashes its files
// (those not in hc yet) and swaps it into place as o.Out; an earlier
// uncommitted attempt (same cycle) is replaced. It returns the files'
// hashes under their final paths.
func commitStage(o Options, cycle int, stage string, hc *hashCache) ([]journal.FileHash, error) {
	mb, _ := json.MarshalIndent(Marker{Cycle: cycle, Journal: o.Journal, Written: o.Now().UTC()}, "", "  ")
	if err := formats.WriteFileAtomic(filepath.Join(stage, MarkerName), append(mb, '\n'), formats.FilePerm); err != nil {
		return nil, err
	}
	hashes, err := hashTree(stage, "output", hc)
	if err != nil {
		return nil, err
	}
	// The marker gets the chain head after the commit, so it is not one
	// of the files the cycle hashes.
	hashes = slices.DeleteFunc(hashes, func(h journal.FileHash) bool { return h.Path == MarkerName })
	if err := os.RemoveAll(o.Out); err != nil {
		return nil, err
	}
	if err := os.Rename(stage, o.Out); err != nil {
		return nil, err
	}
	if err := formats.SyncDir(filepath.Dir(filepath.Clean(o.Out))); err != nil {
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

// hashCache holds the hashes of output files taken as each was committed,
// by path, so that the files are not read again to be hashed at the end:
// each is hashed beside the files still being written, while in the
// system's cache. A nil hashCache keeps nothing.
type hashCache struct {
	mu sync.Mutex
	m  map[string]hashed
}

type hashed struct {
	sum  string
	size int64
}

// add hashes the file at path.
func (h *hashCache) add(path string) error {
	if h == nil {
		return nil
	}
	sum, n, err := hashFile(path)
	if err != nil {
		return err
	}
	h.mu.Lock()
	h.m[path] = hashed{sum, n}
	h.mu.Unlock()
	return nil
}

// summed is a file written that took its hash as its bytes went to it
// (see formats.AtomicFile.Hash); ok is false when it took none.
type summed interface {
	Sum() (sum string, size int64, ok bool)
}

// committed records the hash the committed file f (at path) took of its
// bytes, or hashes the file when f took none.
func (h *hashCache) committed(path string, f summed) error {
	if h == nil {
		return nil
	}
	sum, n, ok := f.Sum()
	if !ok {
		return h.add(path)
	}
	h.mu.Lock()
	h.m[path] = hashed{sum, n}
	h.mu.Unlock()
	return nil
}

// put records b as the content of the file at path.
func (h *hashCache) put(path string, b []byte) {
	if h == nil {
		return
	}
	sum := sha256.Sum256(b)
	h.mu.Lock()
	h.m[path] = hashed{hex.EncodeToString(sum[:]), int64(len(b))}
	h.mu.Unlock()
}

func (h *hashCache) get(path string) (hashed, bool) {
	if h == nil {
		return hashed{}, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	x, ok := h.m[path]
	return x, ok
}

// hashTree hashes a file, or every regular file under a folder (paths
// relative to it, sorted); those of hc are not read again. Files are
// streamed through the hash, two at a time.
func hashTree(root, role string, hc *hashCache) ([]journal.FileHash, error) {
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
				if x, ok := hc.get(paths[i]); ok {
					out[i].SHA256, out[i].Size = x.sum, x.size
					continue
				}
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
	slices.SortFunc(out, func(a, b journal.FileHash) int { return strings.Compare(a.Path, b.Path) })
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

// rejectedCSV lists the records set aside by --skip-invalid: where each
// is and what is wrong with it, for whoever fixes the export. Cells a
// spreadsheet would take for a formula get a leading "'".
func rejectedCSV(rejected formats.ErrorList) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("\uFEFF")
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	w.Write([]string{"file", "line", "column", "field", "problem"})
	for _, e := range rejected {
		problem := ""
		if e.Err != nil {
			problem = e.Err.Error()
		}
		w.Write([]string{contact.SpreadsheetCell(e.File), strconv.Itoa(e.Line), strconv.Itoa(e.Col), contact.SpreadsheetCell(e.Field), contact.SpreadsheetCell(problem)})
	}
	w.Flush()
	return b.Bytes(), w.Error()
}
