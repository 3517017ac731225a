package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"contactsync/formats"
)

// Not on a terminal, a cycle writes one line per phase with its time on
// stderr; --quiet writes nothing there.
func TestProgressLines(t *testing.T) {
	dir := t.TempDir()
	args := []string{"sync", "--journal", filepath.Join(dir, "j.db"), "--crm", "../../fixtures/crm", "--outlook", "../../fixtures/outlook/contacts.csv",
		"--outlook-exported-at", "2026-11-20T09:00:00Z", "--user", "U6UJ9A00000D"}
	code, _, stderr := runCLI(t, append(args, "--out", filepath.Join(dir, "c1"))...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	want := []string{
		`^contactsync: reading the CRM dump \S+ and the Outlook export \S+: [0-9.]+[mµn]?s \([0-9.]+ kB read(, [0-9.]+ [kMG]?B/s)?\)$`,
		`^contactsync: reconciling 44 CRM and 41 Outlook contacts: [0-9.]+[mµn]?s \(85 contacts(, \d+ contacts/s)?\)$`,
		`^contactsync: writing the outputs to \S+: [0-9.]+[mµn]?s \(\d+ changes(, \d+ changes/s)?\)$`,
		`^contactsync: committing the cycle to the journal: [0-9.]+[mµn]?s`,
	}
	if len(lines) != len(want) {
		t.Fatalf("stderr has %d lines, want one per phase (%d):\n%s", len(lines), len(want), stderr)
	}
	for i, re := range want {
		if !regexp.MustCompile(re).MatchString(lines[i]) {
			t.Errorf("phase line %d %q does not match %s", i+1, lines[i], re)
		}
	}
	// The bytes read are those of the inputs.
	if want := sizeText(filesSize(t, "../../fixtures/crm") + filesSize(t, "../../fixtures/outlook/contacts.csv")); !strings.Contains(lines[0], want+" read") {
		t.Errorf("read line %q does not say %s read", lines[0], want)
	}
	code, _, stderr = runCLI(t, append(args, "--out", filepath.Join(dir, "c2"), "--quiet", "--allow", "not-imported")...)
	if code != 0 || stderr != "" {
		t.Errorf("--quiet: exit %d, stderr %q", code, stderr)
	}
}

// On a terminal the read phase is a bar of bytes read against the size of
// the inputs, with the rate, cleared when the phase ends.
func TestProgressBarOnTerminal(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "big.csv")
	if err := os.WriteFile(f, bytes.Repeat([]byte("a,b,c\r\n"), 3<<20/7), 0o644); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	p := &progress{w: &b, tty: true}
	p.PhaseBytes("reading the exports", filesSize(t, f))
	// Read it slowly, as a large export is read, through a reader that
	// counts (the vCard and PST readers hash what they read with it).
	in, err := os.Open(f)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	hr := formats.NewHashReader(in)
	chunk := make([]byte, 512<<10)
	for {
		n, err := hr.Read(chunk)
		if n == 0 || err != nil {
			break
		}
		time.Sleep(120 * time.Millisecond)
	}
	p.End()
	out := b.String()
	if !strings.Contains(out, "reading the exports") || !regexp.MustCompile(`\d+% .*\([0-9.]+/3\.1 MB, [0-9.]+ [kMG]?B/s\)`).MatchString(out) || !regexp.MustCompile(`[0-9.]+ [kM]B/s`).MatchString(out) {
		t.Errorf("terminal bar:\n%q", out)
	}
	// A phase without bytes is a spinner with its elapsed time.
	b.Reset()
	p.Phase("reconciling", 10, "contacts")
	time.Sleep(400 * time.Millisecond)
	p.End()
	if out := b.String(); !strings.Contains(out, "reconciling") || !regexp.MustCompile(`\[\d+ms|\[\d+s|\d+s\]`).MatchString(out) {
		t.Errorf("terminal spinner:\n%q", out)
	}
}

// filesSize is the size of the regular files under path.
func filesSize(t *testing.T, path string) int64 {
	t.Helper()
	var n int64
	err := filepath.WalkDir(path, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		n += info.Size()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
