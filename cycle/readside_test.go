package cycle

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"contactsync/engine/contact"
)

// TestReadOutlookDateOrderLate: an Outlook CSV whose date order is
// settled only after a record whose date reads differently in it is read
// again in that order, as a whole; every record has the file's dates.
func TestReadOutlookDateOrderLate(t *testing.T) {
	p := filepath.Join(t.TempDir(), "contacts.csv")
	if err := os.WriteFile(p, []byte("First Name,Birthday\nA,3/4/1985\nB,20/1/1991\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := ReadOutlook(p, OutlookOptions{ExportedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Contacts) != 2 || s.Contacts[0].Values[contact.Birthday] != "1985-04-03" || s.Contacts[1].Values[contact.Birthday] != "1991-01-20" {
		t.Fatalf("records %+v", s.Contacts)
	}
	if !strings.Contains(s.Note, "dates read as D/M/YYYY") || s.CSV == nil || s.CSV.DateFormat != "D/M/YYYY" || len(s.Inputs) != 1 {
		t.Errorf("note %q, layout %+v, inputs %v", s.Note, s.CSV, s.Inputs)
	}
	if s.Contacts[0].ModifiedFrom != "--outlook-exported-at" {
		t.Errorf("modified from %q", s.Contacts[0].ModifiedFrom)
	}
}

// TestReadOutlookTableStreams: an export of another format than CSV (a
// vCard file, a PST) goes into the cycle's table as it is read, each
// record as ReadOutlook gives it, and is not kept as records (the outputs
// read it again); its Deleted Items and warnings are ReadOutlook's.
func TestReadOutlookTableStreams(t *testing.T) {
	dir := t.TempDir()
	vcf := filepath.Join(dir, "contacts.vcf")
	cards := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë Müller\r\nN:Müller;Zoë;;;\r\nEMAIL:mailto:zoe@example.com\r\nTITLE:Head\x1b of Things\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nN:Lee;Ann;;;\r\nORG:Acme\r\nREV:2026-01-02T03:04:05Z\r\nEND:VCARD\r\n"
	if err := os.WriteFile(vcf, []byte(cards), 0o600); err != nil {
		t.Fatal(err)
	}
	o := OutlookOptions{ExportedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Folder: "Contacts"}
	for _, path := range []string{vcf, filepath.Join("..", "fixtures", "pst", "SampleContacts.pst")} {
		whole, err := ReadOutlook(path, o)
		if err != nil {
			t.Fatal(err)
		}
		all := make([]contact.Field, contact.NumFields)
		for f := range all {
			all[f] = contact.Field(f)
		}
		tab := contact.NewTable(all)
		s, err := readOutlookTable(path, o, tab)
		if err != nil {
			t.Fatal(err)
		}
		if s.Contacts != nil || !s.dropped || s.table != tab || tab.Len() != len(whole.Contacts) || len(whole.Contacts) == 0 {
			t.Fatalf("%s: kept %d records, dropped %v, table of %d; ReadOutlook reads %d", path, len(s.Contacts), s.dropped, tab.Len(), len(whole.Contacts))
		}
		for i := range whole.Contacts {
			want := whole.Contacts[i]
			want.Extra = nil
			want.Values = tab.Contact(i).Values // the fields the table keeps, compared below
			got := tab.Contact(i)
			for _, f := range tab.Fields() {
				if got.Values[f] != whole.Contacts[i].Values[f] {
					t.Errorf("%s record %d %s: %q, ReadOutlook %q", path, i, f, got.Values[f], whole.Contacts[i].Values[f])
				}
			}
			if got.Key != want.Key || !got.Modified.Equal(want.Modified) || got.ModifiedFrom != want.ModifiedFrom || got.Line != want.Line {
				t.Errorf("%s record %d: %+v, ReadOutlook %+v", path, i, got, want)
			}
		}
		if path == vcf && (len(whole.Warnings) == 0 || tab.Get(0, contact.Email1) != "zoe@example.com") {
			t.Errorf("the vCard's control character was not told, or its e-mail not cleaned: %q, %q", whole.Warnings, tab.Get(0, contact.Email1))
		}
		if strings.Join(s.Warnings, "\n") != strings.Join(whole.Warnings, "\n") || len(s.Deleted) != len(whole.Deleted) || s.Note != whole.Note || len(s.Inputs) != len(whole.Inputs) {
			t.Errorf("%s: warnings %q, %d deleted, note %q; ReadOutlook %q, %d, %q", path, s.Warnings, len(s.Deleted), s.Note, whole.Warnings, len(whole.Deleted), whole.Note)
		}
	}
}
