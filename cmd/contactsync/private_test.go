//go:build unix

package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"contactsync/fixtures"
)

// checkPrivate fails for every file under root that is not 0600 and every
// folder that is not 0700.
func checkPrivate(t *testing.T, root string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s: mode %04o, want %04o", p, st.Mode().Perm(), want)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Private by default: with a umask that takes nothing away, the journal,
// its -wal, -shm and lock, the output folders and every file a command
// writes are created 0600/0700; a journal made readable by others is made
// private again with a notice.
func TestEverythingWrittenIsPrivate(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := t.TempDir()
	jpath := filepath.Join(dir, "journal.db")
	crm := filepath.Join(fixtures.Dir(), "crm")
	ol := filepath.Join(fixtures.Dir(), "outlook", "contacts.csv")
	out1 := filepath.Join(dir, "outs", "c1")
	var during []string
	// The files of the journal while a cycle commits: a cycle is written
	// in SQLite's rollback mode (a -journal file).
	hook := func(suffixes ...string) func() error {
		return func() error {
			for _, suffix := range append(suffixes, "", ".lock") {
				p := jpath + suffix
				st, err := os.Stat(p)
				if err != nil {
					during = append(during, p+": "+err.Error())
				} else if st.Mode().Perm() != 0o600 {
					during = append(during, fmt.Sprintf("%s: mode %04o", p, st.Mode().Perm()))
				}
			}
			return nil
		}
	}
	testHookBeforeCommit = hook("-journal")
	mustCLI(t, "sync", "--journal", jpath, "--crm", crm, "--outlook", ol, "--outlook-exported-at", "2026-11-20T09:00:00Z",
		"--user", "U6UJ9A00000D", "--out", out1)
	testHookBeforeCommit = nil
	if len(during) > 0 {
		t.Errorf("journal files during the cycle: %s; want each there and 0600", strings.Join(during, "; "))
	}
	if n := checkPrivate(t, filepath.Join(dir, "outs")); n < 6 {
		t.Errorf("only %d files and folders in the outputs", n)
	}
	checkPrivate(t, jpath)

	conv := filepath.Join(dir, "conv")
	mustCLI(t, "convert", ol, filepath.Join(conv, "vdir"), "--to", "vdir")
	mustCLI(t, "simulate", "--side", "crm", "--input", crm, "--outputs", out1, "--to", filepath.Join(conv, "crm2"), "--now", "2026-11-21T08:00:00Z")
	mustCLI(t, "simulate", "--side", "outlook", "--input", ol, "--outputs", out1, "--to", filepath.Join(conv, "ol2.csv"))
	mustCLI(t, "journal", "export", "--journal", jpath, "--out", filepath.Join(conv, "export.csv"))
	if n := checkPrivate(t, conv); n < 6 {
		t.Errorf("only %d files and folders converted, simulated and exported", n)
	}

	if err := os.Chmod(jpath, 0o644); err != nil {
		t.Fatal(err)
	}
	testHookBeforeCommit = hook("-journal")
	stdout := mustCLI(t, "sync", "--journal", jpath, "--crm", filepath.Join(conv, "crm2"), "--outlook", filepath.Join(conv, "ol2.csv"),
		"--outlook-exported-at", "2026-11-21T09:00:00Z", "--user", "U6UJ9A00000D", "--out", filepath.Join(dir, "outs", "c2"))
	testHookBeforeCommit = nil
	if len(during) > 0 {
		t.Errorf("journal files during the second cycle: %s; want each there and 0600", strings.Join(during, "; "))
	}
	if !strings.Contains(stdout, "mode 0644); made private (0600)") {
		t.Errorf("no notice of the tightened journal in:\n%s", stdout)
	}
	checkPrivate(t, jpath)
	checkPrivate(t, filepath.Join(dir, "outs"))
}

// A staging folder left by a killed run is removed by the next run with
// the same --out parent, with a notice; one of a process that still runs
// is left alone.
func TestLeftStagingIsRemoved(t *testing.T) {
	dir := t.TempDir()
	host, _ := os.Hostname()
	const deadPID = 1 << 30
	dead := filepath.Join(dir, fmt.Sprintf(".c0.partial-%s-%d-123", safeName(host), deadPID))
	legacy := filepath.Join(dir, ".c0.partial-4242")
	live := filepath.Join(dir, fmt.Sprintf(".other.partial-%s-%d-7", safeName(host), os.Getppid()))
	for _, d := range []string{dead, legacy, live} {
		if err := os.MkdirAll(filepath.Join(d, "crm"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	stdout := mustCLI(t, "sync", "--journal", filepath.Join(dir, "j.db"), "--crm", filepath.Join(fixtures.Dir(), "crm"),
		"--outlook", filepath.Join(fixtures.Dir(), "outlook", "contacts.csv"), "--outlook-exported-at", "2026-11-20T09:00:00Z",
		"--user", "U6UJ9A00000D", "--out", filepath.Join(dir, "c1"))
	for _, d := range []string{dead, legacy} {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s left behind: %v", d, err)
		}
		if !strings.Contains(stdout, "removed "+d) {
			t.Errorf("no notice of removing %s in:\n%s", d, stdout)
		}
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("the staging folder of a live process was removed: %v", err)
	}
	plan, err := os.ReadFile(filepath.Join(dir, "c1", "plan.txt"))
	if err != nil || !strings.Contains(string(plan), "the unfinished outputs of a run that was stopped") {
		t.Errorf("plan.txt does not note the removal: %v", err)
	}
}

// safeName keeps letters, digits, '.' and '-' of s, as the cycle does for
// the host name in its staging folders' names.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '.' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return -1
	}, s)
}
