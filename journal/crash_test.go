package journal

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"contactsync/engine"
)

// killedPlan is cycle n of a journal of links links a cycle: the first
// cycle creates links 1..links, the second keeps them and creates as many.
func killedPlan(n, links int) *engine.Plan {
	p := benchPlan(n * links)
	p.Cycle = n
	for i := range p.Links[:(n-1)*links] {
		p.Links[i].Changed = false
	}
	p.Changes = p.Changes[(n-1)*links:]
	return p
}

// A process killed with every row of its cycle written, just before the
// transaction commits, leaves the journal as it was before the cycle: a
// cycle written in rollback mode, with its pages already in the database
// file, is rolled back from the -journal file; one in WAL mode (a journal
// another process held in it) leaves uncommitted frames the next open
// ignores. Either way the next run loads the state before, verifies, and
// commits the cycle.
func TestKilledCycleLeavesTheJournalAsItWas(t *testing.T) {
	const links = 40_000 // megabytes of pages: SQLite writes them before the commit
	if path := os.Getenv("JOURNAL_KILLED_CHILD"); path != "" {
		n, _ := strconv.Atoi(os.Getenv("JOURNAL_KILLED_CYCLE"))
		j, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if n >= 2 {
			if err := j.Commit(killedPlan(1, links), info(1)); err != nil {
				t.Fatal(err)
			}
		}
		if n == 3 {
			// As when another process holds the journal in WAL mode.
			if _, err := j.db.Exec(`PRAGMA journal_mode = WAL`); err != nil {
				t.Fatal(err)
			}
			j.rollback, n = false, 2
		}
		testHookBeforeTxCommit = func() {
			os.WriteFile(path+".ready", nil, 0o600)
			time.Sleep(time.Minute)
		}
		j.Commit(killedPlan(n, links), info(n))
		os.Exit(3) // not reached: killed
	}
	// Case 3 is cycle 2 in WAL mode.
	for _, c := range []int{1, 2, 3} {
		n := min(c, 2)
		t.Run(map[int]string{1: "cycle1", 2: "cycle2", 3: "cycle2-wal"}[c], func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sync.db")
			cmd := exec.Command(os.Args[0], "-test.run=^TestKilledCycleLeavesTheJournalAsItWas$")
			cmd.Env = append(os.Environ(), "JOURNAL_KILLED_CHILD="+path, "JOURNAL_KILLED_CYCLE="+strconv.Itoa(c))
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(2 * time.Minute)
			for {
				if _, err := os.Stat(path + ".ready"); err == nil {
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatal("the child never reached the commit")
				}
				time.Sleep(20 * time.Millisecond)
			}
			uncommitted := map[int]string{1: "-journal", 2: "-journal", 3: "-wal"}[c]
			st, err := os.Stat(path + uncommitted)
			if err != nil {
				t.Errorf("no %s file before the commit: %v", uncommitted, err)
			}
			if db, err := os.Stat(path); err != nil || c < 3 && db.Size() < int64(n)<<20 {
				t.Errorf("the cycle's pages are not in the database file before its commit (%d bytes, %v)", db.Size(), err)
			} else if c < 3 && st != nil && st.Size() > db.Size()/4 {
				t.Errorf("the rollback journal holds %d bytes of a database of %d: pages were written twice", st.Size(), db.Size())
			}
			cmd.Process.Kill()
			cmd.Wait()

			j, err := Open(path, Options{BreakStale: true})
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			state, err := j.Load()
			if err != nil || state.Cycle != n-1 || len(state.Links) != (n-1)*links {
				t.Fatalf("after the kill: cycle %d, %d links, %v; want cycle %d, %d links", state.Cycle, len(state.Links), err, n-1, (n-1)*links)
			}
			if err := j.Verify(); err != nil {
				t.Fatal(err)
			}
			if err := j.Commit(killedPlan(n, links), info(n)); err != nil {
				t.Fatal(err)
			}
			if err := j.Verify(); err != nil {
				t.Fatal(err)
			}
			checkForeignKeys(t, j)
		})
	}
}
