package crmcsv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"contactsync/engine/contact"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for n, s := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestTableShapedDump: the CRM database's CONTACT, ACCOUNT and ADDRESS
// tables exported as they are (the Saleslogix schema: the contact's
// address is the ADDRESS row its ADDRESSID names) read like a flat dump,
// and write back to the same three tables: the address into its ADDRESS
// row, a new ADDRESS row for a contact that gets its first address. The
// T/F flag columns (DONOTEMAIL, ISPRIMARY) are kept as they are.
func TestTableShapedDump(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"CONTACT.csv": "CONTACTID,ACCOUNTID,ACCOUNT,LASTNAME,FIRSTNAME,EMAIL,WORKPHONE,ADDRESSID,DONOTEMAIL,SECCODEID,MODIFYDATE\r\n" +
			"C6UJ9A000001,A6UJ9A000001,Acme,Lee,Ann,ann@acme.example,+1 555,ADDR00000001,F,SYST00000001,2026-01-01 10:00:00\r\n" +
			"C6UJ9A000002,A6UJ9A000001,Acme,Ray,Bob,bob@acme.example,,,T,SYST00000001,2026-01-01 10:00:00\r\n",
		"ACCOUNT.csv": "ACCOUNTID,ACCOUNT,TYPE,STATUS\r\nA6UJ9A000001,Acme,Customer,Active\r\n",
		"ADDRESS.csv": "ADDRESSID,ENTITYID,DESCRIPTION,ADDRESS1,ADDRESS2,CITY,STATE,POSTALCODE,COUNTRY,ISPRIMARY\r\n" +
			"ADDR00000001,C6UJ9A000001,Office,1 Main St,Floor 2,Springfield,IL,62701,USA,T\r\n" +
			"ADDR00000009,A6UJ9A000001,Mailing,PO Box 9,,Springfield,IL,62701,USA,F\r\n",
	})
	if !IsDumpDir(dir) {
		t.Fatal("a folder with CONTACT.csv is a dump")
	}
	d, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !d.TableShaped() || len(d.Contacts) != 2 || len(d.Accounts) != 1 {
		t.Fatalf("table-shaped %v, %d contacts, %d accounts", d.TableShaped(), len(d.Contacts), len(d.Accounts))
	}
	ann := d.Contacts[0]
	for f, w := range map[contact.Field]string{contact.BusinessStreet: "1 Main St\nFloor 2", contact.BusinessCity: "Springfield",
		contact.BusinessPostalCode: "62701", contact.BusinessCountry: "USA", contact.Email1: "ann@acme.example"} {
		if ann.Values[f] != w {
			t.Errorf("Ann %s = %q, want %q", f, ann.Values[f], w)
		}
	}
	if d.Contacts[1].Values[contact.BusinessCity] != "" {
		t.Errorf("Bob has no ADDRESSID but city %q", d.Contacts[1].Values[contact.BusinessCity])
	}
	// Unchanged, the tables are written back as they were.
	out := t.TempDir()
	if err := WriteDump(out, d); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"CONTACT.csv", "ACCOUNT.csv", "ADDRESS.csv"} {
		got, err := os.ReadFile(filepath.Join(out, n))
		if err != nil {
			t.Fatalf("%s not written: %v", n, err)
		}
		want, _ := os.ReadFile(filepath.Join(dir, n))
		if strings.TrimPrefix(string(got), utf8BOM) != string(want) {
			t.Errorf("%s written back differs:\n got %q\nwant %q", n, got, want)
		}
	}
	if _, err := os.Stat(filepath.Join(out, ContactsFile)); err == nil {
		t.Error("a table-shaped dump was written back as contacts.csv")
	}
	// A changed city goes into Ann's ADDRESS row; Bob's first address gets
	// an ADDRESS row of its own, named in his CONTACT row.
	d.Contacts[0].Values[contact.BusinessCity] = "Shelbyville"
	d.Contacts[1].Values[contact.BusinessStreet] = "2 Elm St"
	if err := WriteDump(out, d); err != nil {
		t.Fatal(err)
	}
	back, err := ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if c := back.Contacts[0].Values[contact.BusinessCity]; c != "Shelbyville" {
		t.Errorf("Ann's city %q after write", c)
	}
	if s := back.Contacts[1].Values[contact.BusinessStreet]; s != "2 Elm St" {
		t.Errorf("Bob's street %q after write", s)
	}
	addr, _ := os.ReadFile(filepath.Join(out, "ADDRESS.csv"))
	if !strings.Contains(string(addr), "ADDR00000009,A6UJ9A000001,Mailing,PO Box 9") || strings.Count(string(addr), "\r\n") != 4 {
		t.Errorf("ADDRESS.csv:\n%s", addr)
	}
	for _, c := range back.Contacts {
		flag := ""
		for _, e := range c.Extra {
			if e.Name == "DONOTEMAIL" {
				flag = e.Value
			}
		}
		if want := map[string]string{"Lee": "F", "Ray": "T"}[c.Values[contact.Last]]; flag != want {
			t.Errorf("%s DONOTEMAIL %q, want %q kept as it was", c.Values[contact.Last], flag, want)
		}
	}
}

// TestListViewDump: a list-view export with the clients' display headers
// ("Contact ID", "Last Name", "Account", "Email", "Work Phone") is the same
// dump; written back it keeps those headers.
func TestListViewDump(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"contacts.csv": "Contact ID,Last Name,First Name,Account,Title,Email,Work Phone,Mobile Phone,City,Postal Code,Do Not Email\r\n" +
			"C6UJ9A000001,Lee,Ann,Acme,CEO,ann@acme.example,+1 555,+1 666,Springfield,62701,F\r\n",
		"accounts.csv": "Account ID,Account Name,Account Type\r\nA6UJ9A000001,Acme,Customer\r\n",
	})
	d, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := d.Contacts[0]
	for f, w := range map[contact.Field]string{contact.Last: "Lee", contact.First: "Ann", contact.Company: "Acme", contact.JobTitle: "CEO",
		contact.Email1: "ann@acme.example", contact.PhoneBusiness: "+1 555", contact.PhoneMobile: "+1 666", contact.BusinessCity: "Springfield",
		contact.BusinessPostalCode: "62701"} {
		if c.Values[f] != w {
			t.Errorf("%s = %q, want %q", f, c.Values[f], w)
		}
	}
	if c.Key != "C6UJ9A000001" || d.Accounts[0].ID != "A6UJ9A000001" || d.Accounts[0].Name != "Acme" || d.Accounts[0].Type != "Customer" {
		t.Errorf("key %q, account %+v", c.Key, d.Accounts[0])
	}
	out := t.TempDir()
	if err := WriteDump(out, d); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(out, ContactsFile))
	want, _ := os.ReadFile(filepath.Join(dir, ContactsFile))
	if strings.TrimPrefix(string(got), utf8BOM) != string(want) {
		t.Errorf("written back:\n%s\nwant\n%s", got, want)
	}
	if col, ok := ColumnFor(contact.PhoneBusiness); !ok || col != "WORKPHONE" {
		t.Errorf("ColumnFor = %q", col)
	}
}
