package crmcsv

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"contactsync/engine/contact"
)

// TestRowCacheKeepsOnlyDifferingRows checks that the dump keeps the cells
// of only the rows the writer would not give back by itself, and that the
// dump is still written back byte for byte, a changed row included.
func TestRowCacheKeepsOnlyDifferingRows(t *testing.T) {
	contacts := utf8BOM + "CONTACTID,ADDRESS1,ADDRESS2,TITLE,MODIFYDATE\r\n" +
		"C1,Elm St,Suite 3,Clerk,2025-03-04 17:06:07\r\n" + // as the writer writes it
		"C2          ,Elm St,,Clerk,2025-03-04 17:06:07\r\n" + // padded id
		"C3,Elm St,,Clerk,2025-03-04 17:06:07.000\r\n" + // a date in another form
		"C4,\"Line 1\r\nLine 2\",Suite 3,Clerk,\r\n" + // a line break of its own
		"C5,Oak St,,'Boss,2025-03-04 17:06:07\r\n" // the user's own "'"
	sync := utf8BOM + "CONTACTID\r\nC1\r\nC2 \r\nC2\r\nC3\r\n"
	dir := dumpDir(t, map[string]string{ContactsFile: contacts, AccountsFile: "ACCOUNTID,ACCOUNT\r\nA1,Acme\r\n", SyncGroupFile: sync})
	d, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for id := range d.contactRows {
		kept = append(kept, id)
	}
	slices.Sort(kept)
	if want := []string{"C2", "C3", "C4"}; !slices.Equal(kept, want) {
		t.Errorf("rows kept for %v, want %v", kept, want)
	}
	if len(d.syncRows) != 1 || d.syncRows["C2"] == nil {
		t.Errorf("sync rows kept: %v, want only C2's first (padded) row", d.syncRows)
	}
	out := t.TempDir()
	if err := WriteDump(out, d); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{ContactsFile: contacts, SyncGroupFile: utf8BOM + "CONTACTID\r\nC1\r\nC2 \r\nC2 \r\nC3\r\n"} {
		if got, _ := os.ReadFile(filepath.Join(out, name)); string(got) != want {
			t.Errorf("%s written back:\n%q\nwant\n%q", name, got, want)
		}
	}
	// A changed title: the other cells of a kept row stay as they were.
	for i := range d.Contacts {
		d.Contacts[i].Values[contact.JobTitle] = "Boss"
	}
	if err := WriteDump(out, d); err != nil {
		t.Fatal(err)
	}
	want := utf8BOM + "CONTACTID,ADDRESS1,ADDRESS2,TITLE,MODIFYDATE\r\n" +
		"C1,Elm St,Suite 3,Boss,2025-03-04 17:06:07\r\n" +
		"C2          ,Elm St,,Boss,2025-03-04 17:06:07\r\n" +
		"C3,Elm St,,Boss,2025-03-04 17:06:07.000\r\n" +
		"C4,\"Line 1\r\nLine 2\",Suite 3,Boss,\r\n" +
		"C5,Oak St,,Boss,2025-03-04 17:06:07\r\n"
	if got, _ := os.ReadFile(filepath.Join(out, ContactsFile)); string(got) != want {
		t.Errorf("changed dump written:\n%q\nwant\n%q", got, want)
	}
}

func TestStreetLine(t *testing.T) {
	for _, street := range []string{"", "a", "a\nb", "a\n\nc", "a\nb\nc\nd\ne", "\n", "a\n", "\n\nc"} {
		for n := 1; n <= 4; n++ {
			want := splitStreet(street, n)
			for k := range n {
				if got := streetLine(street, n, k); got != want[k] {
					t.Errorf("streetLine(%q, %d, %d) = %q, want %q (splitStreet)", street, n, k, got, want[k])
				}
			}
		}
	}
}
