package cycle

import (
	"bytes"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"

	"contactsync/engine"
	"contactsync/engine/contact"
	"contactsync/fixtures/synth"
	"contactsync/formats/crmcsv"
	"contactsync/formats/outlookcsv"
	"contactsync/formats/phone"
)

// The duplicates command reads the side into a table, record by record;
// it lists what the side read whole lists, byte for byte (a CRM dump, an
// Outlook CSV, a vCard file).
func TestDuplicatesFromATable(t *testing.T) {
	dir := t.TempDir()
	s := synth.Generate(3000, 7, 0.8, 0.1)
	crmDir, olCSV, olVCF := filepath.Join(dir, "crm"), filepath.Join(dir, "ol.csv"), filepath.Join(dir, "ol.vcf")
	if err := crmcsv.WriteDump(crmDir, &crmcsv.Dump{Contacts: s.CRM, Accounts: s.Accounts}); err != nil {
		t.Fatal(err)
	}
	if _, err := outlookcsv.WriteFile(olCSV, s.Outlook, nil, outlookcsv.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteContacts(olVCF, "", s.Outlook, nil, OutlookOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{crmDir, olCSV, olVCF} {
		var got bytes.Buffer
		found, err := Duplicates(&got, in, DuplicatesOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var cs []contact.Contact
		if in == crmDir {
			d, err := crmcsv.ReadDir(in)
			if err != nil {
				t.Fatal(err)
			}
			cs = d.Contacts
		} else {
			side, err := ReadOutlook(in, OutlookOptions{})
			if err != nil {
				t.Fatal(err)
			}
			cs = side.Contacts
		}
		groups := engine.SearchDuplicates(contact.Contacts(cs), duplicateOptions(&phone.Normalizer{}, false))
		var want bytes.Buffer
		if err := writeDuplicatesCSV(&want, "", contact.Contacts(cs), groups); err != nil {
			t.Fatal(err)
		}
		if groups.Len() == 0 {
			t.Fatalf("%s: no duplicates: the test checks nothing", in)
		}
		if found.Contacts != len(cs) || found.Groups != groups.Len() || !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("%s: found %+v (%d bytes), read whole: %d contacts, %d groups (%d bytes)", in, found, got.Len(), len(cs), groups.Len(), want.Len())
		}
	}
}

// The search of both sides beside Reconcile finds what each side's search
// finds alone, on any number of cores and whichever goroutine takes a
// side: the one started for it, or the one that calls help.
func TestSideSearch(t *testing.T) {
	s := synth.Generate(2000, 3, 0.8, 0.1)
	crm, ol := contact.Contacts(s.CRM), contact.Contacts(s.Outlook)
	opt := duplicateOptions(&phone.Normalizer{}, false)
	want := [2]*engine.Duplicates{engine.SearchDuplicates(crm, opt), engine.SearchDuplicates(ol, opt)}
	if want[0].Len() == 0 || want[1].Len() == 0 {
		t.Fatal("no duplicates on a side: the test checks nothing")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 4} {
		runtime.GOMAXPROCS(procs)
		for range 20 {
			d := startSideSearch(crm, ol, nil, false, nil).help()
			if !reflect.DeepEqual(d.CRM, want[0]) || !reflect.DeepEqual(d.Outlook, want[1]) {
				t.Fatalf("GOMAXPROCS %d: the sides' groups differ from each side's search alone", procs)
			}
			if d.CRMContacts.Len() != crm.Len() || d.OutlookContacts.Len() != ol.Len() {
				t.Fatalf("GOMAXPROCS %d: the sides' records are not the ones searched", procs)
			}
		}
	}
}
