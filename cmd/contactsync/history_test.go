package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"contactsync/cycle"
	"contactsync/fixtures"
)

// dropCRMRows writes a copy of the dump at dir without the contacts whose
// CONTACTID is in ids (deleted in the CRM).
func dropCRMRows(t *testing.T, dir, to string, ids ...string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o700); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		var kept []string
		for _, line := range strings.SplitAfter(string(b), "\n") {
			drop := false
			for _, id := range ids {
				drop = drop || strings.HasPrefix(strings.TrimPrefix(line, "\uFEFF"), id)
			}
			if !drop {
				kept = append(kept, line)
			}
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), []byte(strings.Join(kept, "")), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// A lost journal is not a fresh start: exports that carry sync keys the
// journal never issued stop the cycle (guard unknown-history, exit 3)
// instead of creating again the contacts the CRM deleted; journal rebuild
// starts a journal from the keys, after which the deletions reach Outlook
// and nothing is created in the CRM.
func TestLostJournalIsNotAFreshStart(t *testing.T) {
	e := &cycleEnv{t: t, dir: t.TempDir(), user: "U6UJ9A00000D"}
	e.journal = filepath.Join(e.dir, "journal.db")
	crm1 := filepath.Join(fixtures.Dir(), "crm")
	ol1 := filepath.Join(fixtures.Dir(), "outlook", "contacts.csv")
	out1 := e.sync(1, crm1, ol1, time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
	crm2, ol2 := e.importBoth(1, crm1, ol1, out1, time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC))
	// The CRM deletes three contacts; the journal is lost.
	crm3 := filepath.Join(e.dir, "crm3")
	dropCRMRows(t, crm2, crm3, "C6UJ9A001001", "C6UJ9A001002", "C6UJ9A001003")
	lost := filepath.Join(e.dir, "new.db")
	args := []string{"--crm", crm3, "--outlook", ol2, "--outlook-exported-at", "2026-11-22T09:00:00Z", "--user", e.user}

	code, stdout, stderr := runCLI(t, append([]string{"sync", "--journal", lost, "--out", filepath.Join(e.dir, "lost1")}, args...)...)
	if code != exitGuard {
		t.Fatalf("sync with a new journal on keyed exports: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitGuard, stdout, stderr)
	}
	for _, want := range []string{"unknown-history", "wrong journal, or a lost one", "journal rebuild", "--allow unknown-history"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("guard message lacks %q:\n%s", want, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(e.dir, "lost1")); !os.IsNotExist(err) {
		t.Errorf("the stopped cycle wrote outputs: %v", err)
	}

	out := mustCLI(t, append([]string{"journal", "rebuild", "--journal", lost}, args...)...)
	if !regexp.MustCompile(`rebuilt \d+ links from sync keys: \d+ with their CRM contact .*, 3 whose CRM contact is gone`).MatchString(out) {
		t.Errorf("rebuild report:\n%s", out)
	}
	if code, _, stderr := runCLI(t, append([]string{"journal", "rebuild", "--journal", lost}, args...)...); code != exitUsage || !strings.Contains(stderr, "already holds 1 cycles") {
		t.Errorf("a second rebuild: exit %d, %s", code, stderr)
	}
	out = mustCLI(t, append([]string{"sync", "--journal", lost, "--out", filepath.Join(e.dir, "after")}, args...)...)
	if !strings.Contains(out, "CRM +0 ") || !strings.Contains(out, "3 to Deleted Items") {
		t.Errorf("the cycle after the rebuild did not delete the 3 in Outlook without creating in the CRM:\n%s", out)
	}
	mustCLI(t, "journal", "verify", "--journal", lost)

	// --allow unknown-history is today's fresh start, on purpose.
	out = mustCLI(t, append([]string{"sync", "--journal", filepath.Join(e.dir, "fresh.db"), "--allow", "unknown-history", "--out", filepath.Join(e.dir, "fresh")}, args...)...)
	if !strings.Contains(out, "cycle 1 committed") {
		t.Errorf("--allow unknown-history:\n%s", out)
	}
}

// The output folders anchor the journal: each cycle.json keeps the chain
// head after its commit, sync prints it, and journal verify --outputs
// fails on a journal put back to before its last cycle (the perfect
// deletion of that cycle and all its rows).
func TestVerifyOutputsCatchesARemovedLastCycle(t *testing.T) {
	e := &cycleEnv{t: t, dir: t.TempDir(), user: "U6UJ9A00000D"}
	e.journal = filepath.Join(e.dir, "journal.db")
	crm1 := filepath.Join(fixtures.Dir(), "crm")
	ol1 := filepath.Join(fixtures.Dir(), "outlook", "contacts.csv")
	outs := filepath.Join(e.dir, "outs")
	out1 := filepath.Join(outs, "1")
	stdout := mustCLI(t, "sync", "--journal", e.journal, "--crm", crm1, "--outlook", ol1, "--outlook-exported-at", "2026-11-20T09:00:00Z",
		"--user", e.user, "--out", out1)
	m := regexp.MustCompile(`journal chain head after cycle 1: ([0-9a-f]{64})`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("sync printed no chain head:\n%s", stdout)
	}
	if mk, err := cycle.ReadMarker(out1); err != nil || mk.Head != m[1] || mk.Chain != m[1] {
		t.Fatalf("cycle.json = %+v, %v; want head and chain %s", mk, err, m[1])
	}
	backup, err := os.ReadFile(e.journal)
	if err != nil {
		t.Fatal(err)
	}
	crm2, ol2 := e.importBoth(1, crm1, ol1, out1, time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC))
	mustCLI(t, "sync", "--journal", e.journal, "--crm", crm2, "--outlook", ol2, "--outlook-exported-at", "2026-11-21T09:00:00Z",
		"--user", e.user, "--out", filepath.Join(outs, "2"))
	out := mustCLI(t, "journal", "verify", "--journal", e.journal, "--outputs", outs)
	if !strings.Contains(out, "2 cycles") || !strings.Contains(out, "checked against 2 output folders") {
		t.Errorf("verify --outputs of an untouched journal:\n%s", out)
	}
	// The journal is put back to cycle 1: cycle 2 is gone with every row.
	if err := os.WriteFile(e.journal, backup, 0o600); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, "journal", "verify", "--journal", e.journal)
	code, _, stderr := runCLI(t, "journal", "verify", "--journal", e.journal, "--outputs", outs)
	if code != exitFailure || !strings.Contains(stderr, "at cycle 2, table cycles number 2") || !strings.Contains(stderr, "which the journal does not have") {
		t.Errorf("verify --outputs of a journal without its last cycle: exit %d\n%s", code, stderr)
	}
}
