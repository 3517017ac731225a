package pst

import (
	"os"
	"path/filepath"
	"testing"

	"contactsync/fixtures"
	"contactsync/formats/conformance"
)

// TestConformance runs the suite every format runs (formats/conformance):
// the bundled sample store and a cut copy of it (PST is read-only: no
// round trip).
func TestConformance(t *testing.T) {
	good := filepath.Join(fixtures.Dir(), "pst", "SampleContacts.pst")
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.pst")
	if err := os.WriteFile(cut, raw[:len(raw)/3], 0o600); err != nil {
		t.Fatal(err)
	}
	conformance.Run(t, conformance.Suite{Kind: Kind, Good: []string{good}, MinRecords: 1,
		Broken: []conformance.Broken{{Path: cut, Want: ":"}}})
}

// FuzzReader: the conformance suite's fuzz target through the registry.
func FuzzReader(f *testing.F) {
	raw, err := os.ReadFile(filepath.Join(fixtures.Dir(), "pst", "SampleContacts.pst"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw[:1024])
	f.Add(raw)
	f.Fuzz(func(t *testing.T, b []byte) { conformance.Fuzz(t, Kind, ".pst", b, false) })
}
