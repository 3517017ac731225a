package msg

import (
	"os"
	"path/filepath"
	"testing"

	"contactsync/formats/conformance"
)

// TestConformance runs the suite every format runs (formats/conformance):
// a real Outlook contact item, a folder of them, and broken items (msg is
// read-only: no round trip).
func TestConformance(t *testing.T) {
	raw, err := os.ReadFile(realMSG(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	folder := filepath.Join(dir, "items")
	if err := os.Mkdir(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a.msg", "b.msg"} {
		if err := os.WriteFile(filepath.Join(folder, n), raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cut := filepath.Join(dir, "cut.msg")
	if err := os.WriteFile(cut, raw[:4096], 0o600); err != nil {
		t.Fatal(err)
	}
	conformance.Run(t, conformance.Suite{Kind: Kind, Good: []string{realMSG(t), folder}, MinRecords: 3,
		Broken: []conformance.Broken{{Path: cut, Want: ":"}}})
}

// FuzzReader: the conformance suite's fuzz target through the registry.
func FuzzReader(f *testing.F) {
	raw, err := os.ReadFile(realMSG(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add(raw[:4096])
	f.Fuzz(func(t *testing.T, b []byte) { conformance.Fuzz(t, Kind, ".msg", b, false) })
}
