package crmcsv

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

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

// TestAppendDate: the usual layout written without the time package's
// layout interpreter is what AppendFormat writes, for every year it can
// hold and for times in other zones; other layouts go to AppendFormat.
func TestAppendDate(t *testing.T) {
	zone := time.FixedZone("X", -7*3600-30*60)
	for _, tm := range []time.Time{
		time.Date(2026, 1, 5, 1, 28, 15, 0, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(999, 12, 31, 23, 59, 59, 999, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-5, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 1, 0, 30, 0, 0, zone),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.Local),
	} {
		for _, layout := range dateLayouts {
			want := string(tm.UTC().AppendFormat(nil, layout))
			if got := string(appendDate([]byte("x"), tm, layout)); got != "x"+want {
				t.Errorf("appendDate(%v, %q) = %q, want %q", tm, layout, got, "x"+want)
			}
		}
	}
}
