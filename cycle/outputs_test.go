package cycle

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"contactsync/engine/contact"
	"contactsync/fixtures/synth"
	"contactsync/journal"
)

// The hashes a cycle journals for its outputs, taken as each file was
// committed, are those of the files in place.
func TestOutputHashesAreTheFiles(t *testing.T) {
	o := fixtureOptions(t)
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Outputs) < 6 {
		t.Fatalf("%d outputs hashed, want every file: %v", len(res.Outputs), res.Outputs)
	}
	for _, h := range res.Outputs {
		sum, n, err := hashFile(h.Path)
		if err != nil {
			t.Fatal(err)
		}
		if sum != h.SHA256 || n != h.Size || n == 0 {
			t.Errorf("%s: journaled sha256 %s (%d bytes), the file has %s (%d bytes)", h.Path, h.SHA256, h.Size, sum, n)
		}
	}
}

// duplicates.csv written into the staging folder while Reconcile finishes
// (earlyStage) makes the same output folder, byte for byte and hash for
// hash, as duplicates.csv written among the outputs.
func TestEarlyDuplicatesAreTheSame(t *testing.T) {
	dir := t.TempDir()
	r, plan := firstPlan(t, dir, 3000, 3, 0.1)
	o := *r.o
	if r.dups.empty() {
		t.Fatal("no duplicates: the test checks nothing")
	}
	write := func(early bool) (map[string][]byte, []journal.FileHash) {
		t.Helper()
		os.RemoveAll(o.Out)
		dups := r.dups // the outputs let go of its records
		set := outputSet{plan: plan, dump: r.dump, ol: r.ol, mode: r.mode, rejected: r.rejected(), dups: &dups, res: r.res}
		if early {
			set.early = newEarlyStage(o.Out)
			if set.early == nil {
				t.Fatal("no staging folder made")
			}
			go set.early.writeDuplicates(&dups)
		}
		w, err := writeOutputs(o, set)
		if err != nil {
			t.Fatal(err)
		}
		files := map[string][]byte{}
		err = filepath.WalkDir(o.Out, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files[p], err = os.ReadFile(p)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return files, w.hashes
	}
	late, lateHashes := write(false)
	early, earlyHashes := write(true)
	if len(early[filepath.Join(o.Out, duplicatesName)]) < 1000 {
		t.Fatalf("duplicates.csv has %d bytes", len(early[filepath.Join(o.Out, duplicatesName)]))
	}
	if len(late) != len(early) {
		t.Fatalf("%d files written among the outputs, %d with duplicates.csv early", len(late), len(early))
	}
	for p, b := range late {
		if !bytes.Equal(b, early[p]) && filepath.Base(p) != MarkerName {
			t.Errorf("%s differs when duplicates.csv is written early", p)
		}
	}
	if !reflect.DeepEqual(lateHashes, earlyHashes) {
		t.Errorf("hashes differ:\n%v\n%v", lateHashes, earlyHashes)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".partial-") {
			t.Errorf("%s left beside the outputs", e.Name())
		}
	}
}

// The search runs then once, in its own goroutine, exactly when it ended
// the search (thenRan), with both sides' groups; never in help's caller.
func TestSideSearchThen(t *testing.T) {
	s := synth.Generate(2000, 3, 0.8, 0.1)
	crm, ol := contact.Contacts(s.CRM), contact.Contacts(s.Outlook)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	ran := map[bool]int{}
	for _, procs := range []int{1, 2, 4} {
		runtime.GOMAXPROCS(procs)
		for i := range 30 {
			var calls atomic.Int32
			got := make(chan sideDuplicates, 2)
			ss := startSideSearch(crm, ol, nil, false, func(d sideDuplicates) { calls.Add(1); got <- d })
			if i%2 == 0 {
				time.Sleep(time.Millisecond) // let the searcher take the tasks
			}
			d := ss.help()
			ran[ss.thenRan]++
			if !ss.thenRan {
				time.Sleep(time.Millisecond)
				if n := calls.Load(); n != 0 {
					t.Fatalf("GOMAXPROCS %d: then ran %d times, thenRan false", procs, n)
				}
				continue
			}
			g := <-got
			if n := calls.Load(); n != 1 {
				t.Fatalf("GOMAXPROCS %d: then ran %d times", procs, n)
			}
			if g.CRM == nil || g.Outlook == nil || !reflect.DeepEqual(g.CRM, d.CRM) || !reflect.DeepEqual(g.Outlook, d.Outlook) {
				t.Fatalf("GOMAXPROCS %d: then got other groups than help", procs)
			}
		}
	}
	if ran[true] == 0 {
		t.Errorf("then never ran in %d searches", ran[false])
	}
}
