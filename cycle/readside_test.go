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
