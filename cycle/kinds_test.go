package cycle

import (
	"os"
	"path/filepath"
	"testing"

	"contactsync/engine"
)

// TestUndoOutputByFormat: an undo writes for an export of a format
// contactsync cannot write (PST, .msg) the changes, as a sync does, and
// for one it writes (CSV, vCard) the whole folder: the registry says
// which, not the kind's name.
func TestUndoOutputByFormat(t *testing.T) {
	for kind, want := range map[string]OutlookMode{KindPST: Changes, KindMSG: Changes, KindCSV: Snapshot, KindVCard: Snapshot, KindVdir: Snapshot} {
		if got, err := fillFromExport(&engine.Plan{}, &OutlookSide{Kind: kind}, nil); err != nil || got != want {
			t.Errorf("undo with a %s export: %v, %v, want %v", kind, got, err, want)
		}
		if got, err := outlookMode("", kind); err != nil || got != want {
			t.Errorf("sync with a %s export: %v, %v, want %v", kind, got, err, want)
		}
	}
}

// TestValidateFindsCRMDump: validate tells a CRM dump by what the registry
// knows of it (named, or sniffed from the folder), and checks it with its
// format's check, which lists a dump's problems with their places.
func TestValidateFindsCRMDump(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dump")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "contacts.csv"), []byte("CONTACTID,LASTNAME\nC1,\"unterminated\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, from := range []string{"", "crm"} {
		v, err := Validate(dir, from, OutlookOptions{})
		if err != nil {
			t.Fatalf("from %q: %v", from, err)
		}
		if len(v.Errors) == 0 || v.Errors[0].File == "" {
			t.Errorf("from %q: errors %v, want the dump's positioned problem", from, v.Errors)
		}
	}
}
