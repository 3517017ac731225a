package outlookcsv

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"contactsync/engine/contact"
	"contactsync/fixtures"
)

func realWorld(t testing.TB, rel string) string {
	t.Helper()
	dir, ok := fixtures.RealWorld()
	if !ok {
		t.Fatalf("real-world samples not found at %s", dir)
	}
	return filepath.Join(dir, rel)
}

func TestGermanOutlook2013(t *testing.T) {
	p := realWorld(t, "tine20/tests/tine20/Addressbook/Import/files/importtest_outlook2013.csv")
	f, err := ReadFile(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Locale != "de" || f.Dialect != "outlook" || f.Encoding != "windows-1252" || f.Delimiter != ',' {
		t.Errorf("locale %q dialect %q encoding %q delimiter %q, want de outlook windows-1252 ','", f.Locale, f.Dialect, f.Encoding, f.Delimiter)
	}
	if len(f.Warnings) != 0 {
		t.Errorf("warnings: %q", f.Warnings)
	}
	if len(f.Contacts) != 2 {
		t.Fatalf("%d contacts, want 2", len(f.Contacts))
	}
	a, b := f.Contacts[0], f.Contacts[1]
	checks := []struct {
		c    contact.Contact
		f    contact.Field
		want string
	}{
		{a, contact.First, "Christian"}, {a, contact.Last, "Baumann"}, {a, contact.Company, "unittest"},
		{a, contact.JobTitle, "Vertrieb"}, {a, contact.BusinessStreet, "Pickhuben 2"}, {a, contact.BusinessCity, "Hamburg"},
		{a, contact.BusinessPostalCode, "20457"}, {a, contact.BusinessCountry, "Deutschland"},
		{a, contact.PhoneBusiness, "+49 (0) 40 6432131-550"}, {a, contact.Email1, "c.baumann@unittest.de"},
		{a, contact.Notes, "\n"}, {a, contact.Birthday, ""},
		{b, contact.Last, "Weiß"}, {b, contact.PhoneHome, "040 6432131545"}, {b, contact.PhoneMobile, "0176 164321545"},
		{b, contact.Email1, "c.weiss@unittest.de"}, {b, contact.JobTitle, "Softwareengineering"},
	}
	for _, c := range checks {
		if got := c.c.Values[c.f]; got != c.want {
			t.Errorf("line %d %s = %q, want %q", c.c.Line, c.f, got, c.want)
		}
	}
	if a.Line != 2 || b.Line != 4 {
		t.Errorf("lines %d, %d; want 2, 4 (the first record's notes span two lines)", a.Line, b.Line)
	}
	for name, want := range map[string]string{"E-Mail-Typ": "SMTP", "Geschlecht": "Keine Angabe", "Priorität": "Normal", "Privat": "Aus", "Initialen": "C.W.", "Jahrestag": "0.0.00", "Geburtstag": "0.0.00", "E-Mail: Angezeigter Name": "Cornelius Weiß - Metaways (c.weiss@metaways.de)"} {
		if got, _ := b.ExtraValue(name); got != want {
			t.Errorf("extra %q = %q, want %q", name, got, want)
		}
	}
	roundTrip(t, f, Options{})
}

func TestRoundcubeOutlook(t *testing.T) {
	f, err := ReadFile(realWorld(t, "roundcubemail/tests/src/Csv2vcard/outlook.csv"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Contacts) != 1 {
		t.Fatalf("%d contacts", len(f.Contacts))
	}
	c := f.Contacts[0]
	if c.Values[contact.Email1] != "test1@domain.tld" || c.Values[contact.Email2] != "test2@domain.tld" || c.Values[contact.Email3] != "test3@domain.tld" {
		t.Errorf("emails %q %q %q", c.Values[contact.Email1], c.Values[contact.Email2], c.Values[contact.Email3])
	}
	roundTrip(t, f, Options{})
}

func TestGoogleLegacyGmail(t *testing.T) {
	f, err := ReadFile(realWorld(t, "roundcubemail/tests/src/Csv2vcard/gmail.csv"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Dialect != "google-legacy" || len(f.Contacts) != 1 {
		t.Fatalf("dialect %q, %d contacts", f.Dialect, len(f.Contacts))
	}
	c := f.Contacts[0]
	want := map[contact.Field]string{
		contact.First: "Firstname", contact.Middle: "Middle", contact.Last: "Lastname", contact.Prefix: "Prefix",
		contact.Suffix: "Suffix", contact.Birthday: "1975-12-12", contact.Notes: `note"note`,
		contact.Categories: "* My Contacts;Test", contact.Email1: "home@aaa.pl", contact.Email2: "work@email.pl",
		contact.Email3: "unknown@email.com", contact.PhonePager: "pager", contact.PhoneCompanyMain: "mainphone",
		contact.PhoneHome: "homephone", contact.PhoneFaxHome: "homefax", contact.PhoneMobile: "mobile",
		contact.PhoneBusiness: "workphone", contact.PhoneFaxBusiness: "workfax",
		contact.HomeStreet: "home_street", contact.HomeCity: "home_city", contact.HomeState: "home_state",
		contact.HomePostalCode: "home_zip", contact.HomeCountry: "home_country",
		contact.BusinessStreet: "work_street", contact.BusinessCity: "work_city", contact.BusinessPostalCode: "work_zip",
		contact.BusinessCountry: "work_country", contact.Company: "company", contact.JobTitle: "jobtitle",
		contact.WebPage: "test.com",
	}
	for fld, w := range want {
		if got := c.Values[fld]; got != w {
			t.Errorf("%s = %q, want %q", fld, got, w)
		}
	}
	// The fourth address is not lost: it is kept with its cells.
	if v, _ := c.ExtraValue("E-mail 4 - Value"); v != "other@email.com" {
		t.Errorf("E-mail 4 - Value extra = %q", v)
	}
	roundTrip(t, f, Options{})
}

func TestGoogleLegacyTine20(t *testing.T) {
	f, err := ReadFile(realWorld(t, "tine20/tests/tine20/Addressbook/Import/files/google_contacts.csv"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Dialect != "google-legacy" || len(f.Contacts) < 5 {
		t.Fatalf("dialect %q, %d contacts", f.Dialect, len(f.Contacts))
	}
	var bus, axel *contact.Contact
	for i := range f.Contacts {
		switch f.Contacts[i].Values[contact.First] {
		case "Bus Winsen":
			bus = &f.Contacts[i]
		case "axel":
			axel = &f.Contacts[i]
		}
	}
	if bus == nil || axel == nil {
		t.Fatal("contacts Bus Winsen or axel missing")
	}
	if bus.Values[contact.HomeStreet] != "Niedersachsen Ring 22" || bus.Values[contact.HomeCity] != "Winsen" || bus.Values[contact.PhoneHome] != "021224351809" {
		t.Errorf("Bus Winsen: street %q city %q phone %q", bus.Values[contact.HomeStreet], bus.Values[contact.HomeCity], bus.Values[contact.PhoneHome])
	}
	if v, _ := bus.ExtraValue("Address 1 - Formatted"); !strings.Contains(v, "\n") {
		t.Errorf("formatted address %q lost its line break", v)
	}
	if axel.Values[contact.Email1] != "abc@here.de" || axel.Values[contact.Categories] != "kunden;* My Contacts" || axel.Values[contact.Notes] != "rutan" {
		t.Errorf("axel: email %q categories %q notes %q", axel.Values[contact.Email1], axel.Values[contact.Categories], axel.Values[contact.Notes])
	}
	roundTrip(t, f, Options{})
}

// TestRealWorldCSVDates: every real CSV export is still read whole in the
// strict read that sync and convert use (a date column that no order reads
// is an error now), its dates in the language's usual order, without a
// date warning.
func TestRealWorldCSVDates(t *testing.T) {
	csvs := realWorldCSVs(t)
	dates := 0
	for _, p := range csvs {
		f, err := ReadFile(p, Options{})
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if f.DateInferred {
			t.Errorf("%s: dates inferred as %s", p, f.DateFormat)
		}
		for _, w := range f.Warnings {
			if strings.Contains(w.Text, "date") {
				t.Errorf("%s: %s", p, w)
			}
		}
		for _, c := range f.Contacts {
			if c.Values[contact.Birthday] != "" {
				dates++
			}
		}
	}
	// 4 CSVs today; the one birthday is Roundcube's gmail.csv 1975-12-12
	// (tine20's German export writes 0.0.00, no date).
	if len(csvs) < 4 || dates < 1 {
		t.Errorf("%d CSVs, %d birthdays read: the samples are not where they were", len(csvs), dates)
	}
}

// realWorldCSVs are the paths of the real-world CSV samples; the test
// fails when there are none.
func realWorldCSVs(t *testing.T) []string {
	t.Helper()
	dir, paths, err := fixtures.RealWorldFiles(".csv")
	if err != nil || len(paths) == 0 {
		t.Fatalf("real-world CSVs in %s: %d found (%v)", dir, len(paths), err)
	}
	return paths
}

// readFile is a sample's bytes.
func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestOnlyFilledCells: reading only the cells that are not empty (when no
// field has two sources) gives every record of every real-world CSV and
// of the generated samples of each language exactly as looking at every
// cell does.
func TestOnlyFilledCells(t *testing.T) {
	read := func(name string, b []byte, every bool) ([]contact.Contact, error) {
		everyCell = every
		defer func() { everyCell = false }()
		f, err := Read(bytes.NewReader(b), name, Options{})
		if err != nil {
			return nil, err
		}
		return f.Contacts, nil
	}
	check := func(name string, b []byte) {
		want, werr := read(name, b, true)
		got, gerr := read(name, b, false)
		if (werr == nil) != (gerr == nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: reading the filled cells only gives %d contacts (%v), every cell %d (%v)", name, len(got), gerr, len(want), werr)
		}
	}
	for _, loc := range []string{"en", "de", "fr", "es"} {
		check("sample-"+loc, []byte(sample(loc, 50, "ł")))
	}
	for _, p := range realWorldCSVs(t) {
		check(p, readFile(t, p))
	}
}
