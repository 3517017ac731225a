package crmcsv

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"contactsync/engine/contact"
)

// foreignExtras are values other formats read: vCard properties (names with
// ";", "=" and even a line break), PST tags, an Outlook CSV column, and
// foreign values named like columns of the CRM table.
var foreignExtras = []contact.Extra{
	{Name: "PHOTO;TYPE=JPEG;ENCODING=b", Value: "/9j/4AAQ", Format: contact.FormatVCard},
	{Name: "LABEL;TYPE=WORK\nPREF", Value: `1 Road\nTown`, Format: contact.FormatVCard},
	{Name: "=FN.text", Value: "Mr. X", Format: contact.FormatVCard},
	{Name: "CREATEUSER", Value: "from a vCard", Format: contact.FormatVCard},
	{Name: "PidTagNickname", Value: "Bob", Format: contact.FormatPST},
	{Name: "USERFIELD1", Value: "from a PST", Format: contact.FormatPST},
	{Name: "Spouse", Value: "Alex", Format: contact.FormatOutlookCSV},
	{Name: "Note", Value: "from Outlook", Format: contact.FormatOutlookCSV},
}

func TestReadMarksExtrasAsCRM(t *testing.T) {
	d := fixtureDump(t)
	n := 0
	for _, c := range d.Contacts {
		for _, e := range c.Extra {
			n++
			if e.Format != contact.FormatCRM {
				t.Fatalf("contact %s extra %s has format %q, want %q", c.Key, e.Name, e.Format, contact.FormatCRM)
			}
		}
	}
	for _, a := range d.Accounts {
		for _, e := range a.Extra {
			n++
			if e.Format != contact.FormatCRM {
				t.Fatalf("account %s extra %s has format %q", a.ID, e.Name, e.Format)
			}
		}
	}
	if n == 0 {
		t.Fatal("the fixture has no extras: nothing was checked")
	}
	// Rows Apply makes carry extras as reading them back gives them.
	got, err := Apply(d, changesFixture(d), applyNow)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range got.Contacts[len(got.Contacts)-1].Extra {
		if e.Format != contact.FormatCRM {
			t.Errorf("new contact extra %s has format %q", e.Name, e.Format)
		}
	}
}

// WriteDump writes a foreign Extra nowhere, even when its name is a column
// of the table; the CRM's own extras still fill their columns.
func TestWriteDumpIgnoresForeignExtras(t *testing.T) {
	head := "CONTACTID,LASTNAME,CREATEUSER,Note,USERFIELD1\r\n"
	d, err := ReadDir(dumpDir(t, map[string]string{
		ContactsFile: head + "C1,Doe,ADMIN       ,own note,\r\nC2,Roe,,,\r\n",
		AccountsFile: okAccounts,
	}))
	if err != nil {
		t.Fatal(err)
	}
	d.Contacts[0].Extra = append(d.Contacts[0].Extra, foreignExtras...)
	// A contact whose extras all came from elsewhere (as when the engine
	// builds a CRM record from an Outlook one) and that changed.
	d.Contacts[1].Extra = append([]contact.Extra(nil), foreignExtras...)
	d.Contacts[1].Values[contact.Last] = "Moe"
	out := t.TempDir()
	if err := WriteDump(out, d); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(out, ContactsFile))
	if err != nil {
		t.Fatal(err)
	}
	want := utf8BOM + head + "C1,Doe,ADMIN       ,own note,\r\nC2,Moe,,,\r\n"
	if string(got) != want {
		t.Errorf("WriteDump wrote\n%q\nwant\n%q", got, want)
	}
}

// WriteChanges writes the same files whether or not the contacts carry
// foreign extras.
func TestWriteChangesIgnoresForeignExtras(t *testing.T) {
	d := fixtureDump(t)
	plain := changesFixture(d)
	withForeign := changesFixture(d)
	for _, cs := range [][]contact.Contact{withForeign.Updates, withForeign.New} {
		for i := range cs {
			cs[i].Extra = append(cs[i].Extra, foreignExtras...)
		}
	}
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	pa, err := WriteChanges(a, plain, d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteChanges(b, withForeign, d); err != nil {
		t.Fatal(err)
	}
	for _, p := range pa {
		name := filepath.Base(p)
		x, _ := os.ReadFile(p)
		y, err := os.ReadFile(filepath.Join(b, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs when the contacts carry foreign extras:\n%q\n%q", name, x, y)
		}
	}
	if len(pa) == 0 {
		t.Fatal("no files written: nothing was compared")
	}
}
