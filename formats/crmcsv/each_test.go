package crmcsv

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"contactsync/engine/contact"
)

// ReadDirEach hands out the contacts ReadDir keeps, in order, and the
// same dump besides; lenient, those ReadDirLenient keeps.
func TestReadDirEachIsReadDir(t *testing.T) {
	bad := t.TempDir()
	for _, f := range []string{"accounts.csv", "syncgroup.csv"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "crm", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(bad, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "crm", "contacts.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// A row whose CONTACTID repeats the first row's is set aside by a lenient read.
	lines := splitLines(b)
	b = append(append(b, lines[1]...), '\n')
	if err := os.WriteFile(filepath.Join(bad, "contacts.csv"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		dir     string
		lenient bool
	}{{filepath.Join("..", "..", "fixtures", "crm"), false}, {bad, true}} {
		var want *Dump
		var wantErrs int
		if tc.lenient {
			d, errs := ReadDirLenient(tc.dir)
			want, wantErrs = d, len(errs)
		} else {
			d, err := ReadDir(tc.dir)
			if err != nil {
				t.Fatal(err)
			}
			want = d
		}
		var got []contact.Contact
		d, errs := ReadDirEach(tc.dir, tc.lenient, func(c *contact.Contact) { got = append(got, c.Clone()) })
		if d == nil || len(errs) != wantErrs {
			t.Fatalf("%s: ReadDirEach = %v, %d problems; want a dump and %d", tc.dir, d, len(errs), wantErrs)
		}
		if len(got) == 0 || !reflect.DeepEqual(got, want.Contacts) {
			t.Errorf("%s: ReadDirEach gave %d contacts, ReadDir keeps %d, or they differ", tc.dir, len(got), len(want.Contacts))
		}
		if d.Contacts != nil || !reflect.DeepEqual(d.Accounts, want.Accounts) || !reflect.DeepEqual(d.ContactHeader, want.ContactHeader) ||
			!reflect.DeepEqual(d.SyncGroup, want.SyncGroup) || !reflect.DeepEqual(d.Inputs, want.Inputs) {
			t.Errorf("%s: the dump besides its contacts differs", tc.dir)
		}
	}
}

func splitLines(b []byte) [][]byte {
	var out [][]byte
	start := 0
	for i, c := range b {
		if c == '\n' {
			out = append(out, b[start:i])
			start = i + 1
		}
	}
	return out
}

// ReadDirEachViewControls says a contact may hold control characters when
// a cell of its row does, and when it says not, DropControls changes
// nothing; with an ADDRESS table joined, it says so of every contact.
func TestReadDirEachViewControls(t *testing.T) {
	dir := t.TempDir()
	contacts := "CONTACTID,ACCOUNTID,LASTNAME,FIRSTNAME,ADDRESS1,ADDRESS2,TITLE,USERFIELD1,MODIFYDATE\n" +
		"C1,A1,Lee,Ann,1 Main St,Floor 2,Engineer,x,2026-01-05 01:28:15\n" +
		"C2,A1,Lee,Bo\x07b,,,,,2026-01-05 01:28:15\n" +
		"C3,A1,Lee,Cy,1 Main\x00 St,,,,2026-01-05 01:28:15\n" +
		"C4,A1,Lee,Di,,\"Floor\r\n\x1b2\",,,2026-01-05 01:28:15\n" +
		"C5,A1,Lee,Ed,,,,\"user\x1ffield\",2026-01-05 01:28:15\n" +
		"C6,A1,Lee,Fa,,,\"a \"\"quoted\"\"\ttitle\",,2026-01-05 01:28:15\n"
	want := []bool{false, true, true, true, true, false}
	for name, text := range map[string]string{"contacts.csv": contacts, "accounts.csv": "ACCOUNTID,ACCOUNT\nA1,Acme\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	_, errs := ReadDirEachViewControls(dir, false, func(c *contact.Contact, controls bool) {
		if n < len(want) && controls != want[n] {
			t.Errorf("row %d: controls %v, want %v", n+2, controls, want[n])
		}
		if clone := c.Clone(); len(contact.DropControls(&clone)) > 0 && !controls {
			t.Errorf("row %d: DropControls changes a contact said to hold no control characters", n+2)
		}
		n++
	})
	if len(errs) > 0 || n != len(want) {
		t.Fatalf("%d contacts, %v", n, errs)
	}
}
