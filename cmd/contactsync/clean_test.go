package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"contactsync/fixtures"
)

// Clean cells everywhere: NUL and the other C0 controls (but tab, CR and
// LF) in either export are dropped with a warning, and no output file
// holds one; bytes that are not UTF-8 never reach the JSON or HTML raw.
func TestControlCharactersAreDropped(t *testing.T) {
	dir := t.TempDir()
	crm := filepath.Join(dir, "crm")
	if err := os.MkdirAll(crm, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"contacts.csv", "accounts.csv", "syncgroup.csv"} {
		b, err := os.ReadFile(filepath.Join(fixtures.Dir(), "crm", name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "contacts.csv" {
			b = bytes.Replace(b, []byte("Director of Purchasing"), []byte("Director\x00 of\x1b Purchasing"), 1)
		}
		if err := os.WriteFile(filepath.Join(crm, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(filepath.Join(fixtures.Dir(), "outlook", "contacts.csv"))
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte(`"Adele"`), []byte("\"Ad\x07ele\xff\""), 1)
	ol := filepath.Join(dir, "contacts.csv")
	if err := os.WriteFile(ol, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	mustCLI(t, "sync", "--journal", filepath.Join(dir, "j.db"), "--crm", crm, "--outlook", ol, "--outlook-exported-at", "2026-11-20T09:00:00Z",
		"--user", "U6UJ9A00000D", "--out", out)
	plan, err := os.ReadFile(filepath.Join(out, "plan.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{crm + ": 1 values held control characters", ol + ": 1 values held control characters"} {
		if !strings.Contains(string(plan), want) {
			t.Errorf("plan.txt lacks the warning %q", want)
		}
	}
	for name, content := range readTree(t, out) {
		for _, c := range content {
			if c < 0x20 && c != '\t' && c != '\r' && c != '\n' {
				t.Errorf("%s holds the control byte 0x%02x", name, c)
				break
			}
		}
		if strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".html") {
			if !bytes.Equal(bytes.ToValidUTF8(content, nil), content) {
				t.Errorf("%s holds bytes that are not UTF-8", name)
			}
		}
	}
	snap, err := os.ReadFile(filepath.Join(out, "outlook", "contacts.csv"))
	if err != nil || !bytes.Contains(snap, []byte("Director of Purchasing")) || !bytes.Contains(snap, []byte("Adele")) {
		t.Errorf("the values with their controls dropped are not in outlook/contacts.csv (%v)", err)
	}
}
