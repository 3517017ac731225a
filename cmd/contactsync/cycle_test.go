package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"contactsync/engine"
	"contactsync/engine/contact"
	"contactsync/fixtures"
	"contactsync/formats/crmcsv"
	"contactsync/formats/outlookcsv"
	"contactsync/journal"
)

// runCLI runs contactsync with args and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"contactsync"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("contactsync %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

type cycleEnv struct {
	t       *testing.T
	dir     string
	journal string
	user    string
}

// sync runs one cycle and returns its output folder.
func (e *cycleEnv) sync(n int, crm, outlook string, exportedAt time.Time) string {
	e.t.Helper()
	out := filepath.Join(e.dir, "cycle"+strconv.Itoa(n))
	mustCLI(e.t, "sync", "--journal", e.journal, "--crm", crm, "--outlook", outlook,
		"--outlook-exported-at", exportedAt.Format(time.RFC3339), "--user", e.user, "--out", out)
	return out
}

// importBoth simulates importing a cycle's outputs on both sides.
func (e *cycleEnv) importBoth(n int, crm, outlook, out string, at time.Time) (string, string) {
	e.t.Helper()
	crm2 := filepath.Join(e.dir, "crm"+strconv.Itoa(n+1))
	ol2 := filepath.Join(e.dir, "outlook"+strconv.Itoa(n+1)+".csv")
	mustCLI(e.t, "simulate", "--side", "crm", "--input", crm, "--outputs", out, "--to", crm2, "--now", at.Format(time.RFC3339))
	mustCLI(e.t, "simulate", "--side", "outlook", "--input", outlook, "--outputs", out, "--to", ol2)
	return crm2, ol2
}

func (e *cycleEnv) changes(cycle int) ([]engine.Change, []engine.Conflict) {
	e.t.Helper()
	j, err := journal.Open(e.journal, journal.Options{ReadOnly: true})
	if err != nil {
		e.t.Fatal(err)
	}
	defer j.Close()
	ch, err := j.Changes(cycle)
	if err != nil {
		e.t.Fatal(err)
	}
	co, err := j.Conflicts(cycle)
	if err != nil {
		e.t.Fatal(err)
	}
	return ch, co
}

// TestFourCycles is the backbone scenario of issue 2: cycle 1 on the
// fixtures, both imports simulated, cycle 2 finds nothing to do; then an
// edit on each side and a conflicting edit on both, cycle 3 carries them
// (the conflict decided by the latest change), and cycle 4 is quiet again.
func TestFourCycles(t *testing.T) {
	e := &cycleEnv{t: t, dir: t.TempDir(), user: "U6UJ9A00000D"}
	e.journal = filepath.Join(e.dir, "journal.db")
	crm1 := filepath.Join(fixtures.Dir(), "crm")
	ol1 := filepath.Join(fixtures.Dir(), "outlook", "contacts.csv")
	t1 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

	out1 := e.sync(1, crm1, ol1, t1)
	ch1, _ := e.changes(1)
	if len(ch1) == 0 {
		t.Fatal("cycle 1 journaled no changes on the fixtures")
	}
	ops := map[engine.Op]int{}
	for _, c := range ch1 {
		if c.Field == "" {
			ops[c.Op]++
		}
	}
	if ops[engine.OpLink] == 0 || ops[engine.OpCreate] == 0 {
		t.Fatalf("cycle 1 ops = %v, want links and creations", ops)
	}
	if st, err := os.Stat(e.journal); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("journal mode = %v, %v; want 0600", st.Mode().Perm(), err)
	}

	crm2, ol2 := e.importBoth(1, crm1, ol1, out1, t1.Add(time.Hour))
	t2 := t1.Add(24 * time.Hour)
	e.sync(2, crm2, ol2, t2)
	if ch, co := e.changes(2); len(ch) != 0 || len(co) != 0 {
		t.Fatalf("cycle 2: %d changes, %d conflicts; want none:\n%s", len(ch), len(co), lines(ch))
	}

	// Edit: a field in the CRM, another in Outlook, and one field on both
	// sides differently, the CRM edit being the later one.
	dump, err := crmcsv.ReadDir(crm2)
	if err != nil {
		t.Fatal(err)
	}
	olf, err := outlookcsv.ReadFile(ol2, outlookcsv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	linked := linkedPairs(dump.Contacts, olf.Contacts)
	if len(linked) < 3 {
		t.Fatalf("only %d linked contacts found after cycle 2", len(linked))
	}
	a, b, c := linked[0], linked[1], linked[2]
	t3 := t2.Add(24 * time.Hour)
	crmEdit := t3.Add(time.Hour) // later than the Outlook export of cycle 3
	dump.Contacts[a[0]].Values[contact.JobTitle] = "Head of Procurement"
	dump.Contacts[a[0]].Modified = t3.Add(-time.Hour)
	olf.Contacts[b[1]].Values[contact.PhoneMobile] = "+1 555 0199 777"
	dump.Contacts[c[0]].Values[contact.PhoneBusiness] = "+1 555 0100 111"
	dump.Contacts[c[0]].Modified = crmEdit
	olf.Contacts[c[1]].Values[contact.PhoneBusiness] = "+1 555 0100 222"
	crm3 := filepath.Join(e.dir, "crm3")
	ol3 := filepath.Join(e.dir, "outlook3.csv")
	if err := os.MkdirAll(crm3, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := crmcsv.WriteDump(crm3, dump); err != nil {
		t.Fatal(err)
	}
	if _, err := outlookcsv.WriteFile(ol3, olf.Contacts, olf, outlookcsv.Options{}); err != nil {
		t.Fatal(err)
	}

	out3 := e.sync(3, crm3, ol3, t3)
	ch3, co3 := e.changes(3)
	want := []struct {
		side, field, value string
		rule               engine.Rule
	}{
		{"outlook", "job_title", "Head of Procurement", engine.RuleChangedInCRM},
		{"crm", "phone_mobile", "+1 555 0199 777", engine.RuleChangedInOutlook},
		{"outlook", "phone_business", "+1 555 0100 111", engine.RuleConflictLatest},
	}
	if len(ch3) != len(want) {
		t.Fatalf("cycle 3: %d changes, want %d:\n%s", len(ch3), len(want), lines(ch3))
	}
	for _, w := range want {
		found := false
		for _, c := range ch3 {
			if c.Side.String() == w.side && c.Op == engine.OpUpdate && c.Field == w.field && c.New == w.value && c.Rule == w.rule {
				found = true
			}
		}
		if !found {
			t.Errorf("cycle 3: no %s update of %s to %q by %s in:\n%s", w.side, w.field, w.value, w.rule, lines(ch3))
		}
	}
	if len(co3) != 1 || co3[0].Field != "phone_business" || co3[0].Winner != "crm" ||
		co3[0].CRM != "+1 555 0100 111" || co3[0].Outlook != "+1 555 0100 222" || co3[0].Rule != engine.RuleConflictLatest {
		t.Fatalf("cycle 3 conflicts = %+v; want phone_business won by crm as the latest change", co3)
	}
	show := mustCLI(t, "journal", "show", "--journal", e.journal, "3")
	for _, s := range []string{"phone_business", "conflict-latest-wins", "Head of Procurement"} {
		if !strings.Contains(show, s) {
			t.Errorf("journal show 3 lacks %q:\n%s", s, show)
		}
	}

	crm4, ol4 := e.importBoth(3, crm3, ol3, out3, t3.Add(2*time.Hour))
	e.sync(4, crm4, ol4, t3.Add(24*time.Hour))
	if ch, co := e.changes(4); len(ch) != 0 || len(co) != 0 {
		t.Fatalf("cycle 4: %d changes, %d conflicts; want none:\n%s", len(ch), len(co), lines(ch))
	}
	log := mustCLI(t, "journal", "log", "--journal", e.journal)
	if n := strings.Count(log, "\n"); n < 4 {
		t.Errorf("journal log has %d lines, want one per cycle:\n%s", n, log)
	}
	mustCLI(t, "journal", "verify", "--journal", e.journal)
}

// linkedPairs returns [crm index, outlook index] of contacts present on both
// sides with the same e-mail and a sync key, in CRM order.
func linkedPairs(crm, ol []contact.Contact) [][2]int {
	byEmail := map[string]int{}
	for i, c := range ol {
		if e := contact.NormalizeEmail(c.Values[contact.Email1], false); e != "" && strings.HasPrefix(c.Key, engine.SyncKeyPrefix) {
			if _, dup := byEmail[e]; !dup {
				byEmail[e] = i
			}
		}
	}
	var out [][2]int
	seen := map[string]bool{}
	for i, c := range crm {
		e := contact.NormalizeEmail(c.Values[contact.Email1], false)
		if j, ok := byEmail[e]; ok && !seen[e] && c.Values[contact.Last] == ol[j].Values[contact.Last] {
			seen[e] = true
			out = append(out, [2]int{i, j})
		}
	}
	return out
}

func lines(ch []engine.Change) string {
	var b strings.Builder
	for _, c := range ch {
		b.WriteString("  " + c.Line() + "\n")
	}
	return b.String()
}

var positioned = regexp.MustCompile(`[^\s:]+:\d+:\d+: `)

// TestBadInputStopsCycle: unreadable input exits 2 with file:line:col and
// leaves the journal and the output folder untouched.
func TestBadInputStopsCycle(t *testing.T) {
	dir := t.TempDir()
	jpath := filepath.Join(dir, "journal.db")
	crm := filepath.Join(fixtures.Dir(), "crm")
	ol := filepath.Join(fixtures.Dir(), "outlook", "contacts.csv")

	broken := filepath.Join(dir, "broken.csv")
	if err := os.WriteFile(broken, []byte("First Name,Last Name,E-mail Address\r\nAnn,\"Lee,ann@example.com\r\nBob,Ray,bob@example.com\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	noID := filepath.Join(dir, "noid")
	if err := os.MkdirAll(noID, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(noID, "contacts.csv"), []byte("LASTNAME,FIRSTNAME,EMAIL\r\nLee,Ann,ann@example.com\r\n"), 0o644)
	os.WriteFile(filepath.Join(noID, "accounts.csv"), []byte("ACCOUNTID,ACCOUNT\r\nA1,Acme\r\n"), 0o644)

	cases := []struct {
		name, crm, outlook string
		want               *regexp.Regexp
	}{
		{"missing Outlook file", crm, filepath.Join(dir, "nope.csv"), regexp.MustCompile(`nope\.csv`)},
		{"broken quote", crm, broken, positioned},
		{"dump without CONTACTID", noID, ol, regexp.MustCompile(`contacts\.csv:\d+:\d+: .*CONTACTID`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, "out-"+strings.ReplaceAll(tc.name, " ", "-"))
			code, _, errs := runCLI(t, "sync", "--journal", jpath, "--crm", tc.crm, "--outlook", tc.outlook, "--user", "U1", "--out", out)
			if code != 2 {
				t.Fatalf("exit %d, want 2; stderr:\n%s", code, errs)
			}
			if !tc.want.MatchString(errs) {
				t.Errorf("stderr %q does not match %v", errs, tc.want)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("output folder %s was written", out)
			}
			if _, err := os.Stat(jpath); !os.IsNotExist(err) {
				t.Errorf("journal %s was created", jpath)
			}
		})
	}
}

// TestGuardEmptyOutlook: an empty Outlook export after a cycle with links
// stops with exit 3 and writes nothing.
func TestGuardEmptyOutlook(t *testing.T) {
	dir := t.TempDir()
	jpath := filepath.Join(dir, "journal.db")
	crm := filepath.Join(fixtures.Dir(), "crm")
	ol := filepath.Join(fixtures.Dir(), "outlook", "contacts.csv")
	mustCLI(t, "sync", "--journal", jpath, "--crm", crm, "--outlook", ol, "--user", "U1", "--out", filepath.Join(dir, "c1"),
		"--outlook-exported-at", "2026-11-20T09:00:00Z")
	empty := filepath.Join(dir, "empty.csv")
	hdr, _ := os.ReadFile(ol)
	first := strings.SplitN(string(hdr), "\n", 2)[0] + "\n"
	os.WriteFile(empty, []byte(first), 0o644)
	before, _ := os.ReadFile(jpath)
	code, _, errs := runCLI(t, "sync", "--journal", jpath, "--crm", crm, "--outlook", empty, "--user", "U1", "--out", filepath.Join(dir, "c2"))
	if code != 3 || !strings.Contains(errs, "empty") {
		t.Fatalf("exit %d, stderr %q; want 3 and the empty-input guard", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "c2")); !os.IsNotExist(err) {
		t.Error("guarded cycle wrote its output folder")
	}
	after, _ := os.ReadFile(jpath)
	if !bytes.Equal(before, after) {
		t.Error("guarded cycle changed the journal")
	}
}

// TestDeletionsAcrossCycles: a contact deleted in Outlook leaves the CRM sync
// group and is not created again in later cycles; a contact taken out of
// the sync group in the CRM goes to Outlook's Deleted Items. Both stay that
// way through the journal (detached links).
func TestDeletionsAcrossCycles(t *testing.T) {
	e := &cycleEnv{t: t, dir: t.TempDir(), user: "U6UJ9A00000D"}
	e.journal = filepath.Join(e.dir, "journal.db")
	crm1 := filepath.Join(fixtures.Dir(), "crm")
	ol1 := filepath.Join(fixtures.Dir(), "outlook", "contacts.csv")
	t1 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	out1 := e.sync(1, crm1, ol1, t1)
	crm2, ol2 := e.importBoth(1, crm1, ol1, out1, t1.Add(time.Hour))

	dump, err := crmcsv.ReadDir(crm2)
	if err != nil {
		t.Fatal(err)
	}
	olf, err := outlookcsv.ReadFile(ol2, outlookcsv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pairs := linkedPairs(dump.Contacts, olf.Contacts)
	gone := olf.Contacts[pairs[0][1]]      // deleted in Outlook
	left := dump.Contacts[pairs[1][0]].Key // taken out of the sync group
	olf.Contacts = append(olf.Contacts[:pairs[0][1]:pairs[0][1]], olf.Contacts[pairs[0][1]+1:]...)
	var group []string
	for _, id := range dump.SyncGroup {
		if id != left {
			group = append(group, id)
		}
	}
	dump.SyncGroup = group
	crm3, ol3 := filepath.Join(e.dir, "crm3"), filepath.Join(e.dir, "outlook3.csv")
	if err := crmcsv.WriteDump(crm3, dump); err != nil {
		t.Fatal(err)
	}
	if _, err := outlookcsv.WriteFile(ol3, olf.Contacts, olf, outlookcsv.Options{}); err != nil {
		t.Fatal(err)
	}
	t2 := t1.Add(24 * time.Hour)
	out2 := e.sync(2, crm3, ol3, t2)
	ch, _ := e.changes(2)
	var ops []string
	for _, c := range ch {
		ops = append(ops, string(c.Op)+" "+c.Side.String()+" "+string(c.Rule))
	}
	slices.Sort(ops)
	want := []string{
		"delete outlook left-sync-group",
		"group-remove crm deleted-in-outlook",
		"unlink - deleted-in-outlook",
		"unlink - left-sync-group",
	}
	if !slices.Equal(ops, want) {
		t.Fatalf("cycle 2 ops = %q, want %q\n%s", ops, want, lines(ch))
	}
	if _, err := os.Stat(filepath.Join(out2, "outlook", "deleted-items.csv")); err != nil {
		t.Errorf("no deleted-items.csv: %v", err)
	}
	crm4, ol4 := e.importBoth(2, crm3, ol3, out2, t2.Add(time.Hour))
	e.sync(3, crm4, ol4, t2.Add(24*time.Hour))
	if ch, co := e.changes(3); len(ch) != 0 || len(co) != 0 {
		t.Fatalf("cycle 3: %d changes, %d conflicts; want none (the deleted contact must stay deleted):\n%s", len(ch), len(co), lines(ch))
	}
	f4, err := outlookcsv.ReadFile(ol4, outlookcsv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range f4.Contacts {
		if c.Values[contact.Email1] == gone.Values[contact.Email1] {
			t.Errorf("%q came back to Outlook", gone.DisplayName())
		}
	}
}

// TestCrashBeforeCommit: a cycle that dies after writing its outputs and
// before committing leaves the journal as it was; running the same command
// again writes the same outputs, byte for byte, and commits them once.
func TestCrashBeforeCommit(t *testing.T) {
	dir := t.TempDir()
	jpath, out := filepath.Join(dir, "journal.db"), filepath.Join(dir, "c1")
	args := []string{"sync", "--journal", jpath, "--crm", filepath.Join(fixtures.Dir(), "crm"),
		"--outlook", filepath.Join(fixtures.Dir(), "outlook", "contacts.csv"),
		"--outlook-exported-at", "2026-11-20T09:00:00Z", "--user", "U6UJ9A00000D", "--out", out}
	testHookBeforeCommit = func() error { return errors.New("simulated crash") }
	code, _, errs := runCLI(t, args...)
	testHookBeforeCommit = nil
	if code != 1 || !strings.Contains(errs, "simulated crash") {
		t.Fatalf("exit %d, stderr %q; want the crash reported", code, errs)
	}
	first := readTree(t, out)
	if len(first) == 0 {
		t.Fatal("no outputs were in place before the commit")
	}
	// The journal was missing; a first cycle that failed (here: returned
	// an error; a real crash leaves it empty) leaves none or an empty one.
	if _, err := os.Stat(jpath); err == nil {
		j, err := journal.Open(jpath, journal.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		st, err := j.Load()
		j.Close()
		if err != nil || st.Cycle != 0 || len(st.Links) != 0 {
			t.Fatalf("journal after the crash: cycle %d, %d links, %v; want it untouched", st.Cycle, len(st.Links), err)
		}
	}
	mustCLI(t, args...)
	second := readTree(t, out)
	for name, b := range first {
		if name == "cycle.json" {
			continue // records when it was written
		}
		if !bytes.Equal(b, second[name]) {
			t.Errorf("%s differs between the crashed run and the rerun", name)
		}
	}
	if len(second) != len(first) {
		t.Errorf("the rerun wrote %d files, the crashed run %d", len(second), len(first))
	}
	if ch, _ := (&cycleEnv{t: t, journal: jpath}).changes(1); len(ch) == 0 {
		t.Error("the rerun committed no changes")
	}
}

// readTree returns every file under dir by its relative path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestInterruptAtCommit: a Ctrl-C that arrives once the outputs are in
// place, as the commit starts, commits nothing, removes the output folder
// of the uncommitted cycle, and exits 130.
func TestInterruptAtCommit(t *testing.T) {
	dir := t.TempDir()
	jpath, out := filepath.Join(dir, "journal.db"), filepath.Join(dir, "c1")
	args := []string{"contactsync", "sync", "--journal", jpath, "--crm", filepath.Join(fixtures.Dir(), "crm"),
		"--outlook", filepath.Join(fixtures.Dir(), "outlook", "contacts.csv"),
		"--outlook-exported-at", "2026-11-20T09:00:00Z", "--user", "U6UJ9A00000D", "--out", out}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sawOutputs := false
	testHookBeforeCommit = func() error {
		_, err := os.Stat(filepath.Join(out, "plan.txt"))
		sawOutputs = err == nil
		cancel() // Ctrl-C
		return nil
	}
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, &stdout, &stderr)
	testHookBeforeCommit = nil
	if !sawOutputs {
		t.Fatal("the outputs were not in place before the commit")
	}
	if code != exitInterrupted || !strings.Contains(stderr.String(), "interrupted: nothing was committed") {
		t.Fatalf("exit %d, stderr %q; want 130 and the interruption reported", code, stderr.String())
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("the output folder of the uncommitted cycle is still there (%v)", err)
	}
	if _, err := os.Stat(jpath); err == nil {
		j, err := journal.Open(jpath, journal.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		if st, err := j.Load(); err != nil || st.Cycle != 0 {
			t.Errorf("journal after the interruption: cycle %d, %v; want nothing committed", st.Cycle, err)
		}
	}
	// The same command runs through afterwards.
	mustCLI(t, args[1:]...)
}
