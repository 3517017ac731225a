package crmcsv

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"contactsync/engine/contact"
	"contactsync/fixtures"
	"contactsync/formats"
)

// checkErrs fails unless every error names the file and a line and column.
func checkErrs(t *testing.T, errs formats.ErrorList) {
	t.Helper()
	for _, e := range errs {
		if e.File == "f.csv" && errors.Is(e, formats.ErrNotText) {
			continue // a file-level verdict: the whole file is binary
		}
		if e.File != "f.csv" || e.Line < 1 || e.Col < 1 || e.Err == nil {
			t.Fatalf("unpositioned error %#v: %v", e, e)
		}
	}
}

// FuzzRead feeds arbitrary bytes to the three table readers. None may
// panic; every error is positioned; what reads without error writes back
// (from the raw cells, and from the values alone) to something that reads
// the same.
func FuzzRead(f *testing.F) {
	for _, name := range []string{ContactsFile, AccountsFile, SyncGroupFile} {
		b, err := os.ReadFile(filepath.Join(fixtures.Dir(), "crm", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		okContacts, okAccounts,
		"CONTACTID,ADDRESS1,ADDRESS2,ADDRESS3,Note\r\nC1  ,\"a\nb\",,c,'=x\r\n",
		"CONTACTID,LASTNAME\r\nC1,\"Doe\r\n",
		"CONTACTID,MODIFYDATE\r\nC1,3/4/2025 5:06:07 PM\r\nC2,2025-03-04T17:06:07.5+02:00\r\n",
		"\xef\xbb\xbfcontactid,Email\r\nC1,\"a\r\"\r\n",
		"CONTACTID,TITLE\r\nC1,Zo\xeb\r\n",
		"CONTACTID\r\n\"\"\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if ct, errs := readContacts("f.csv", data, false, keyRequired); len(errs) > 0 {
			checkErrs(t, errs)
		} else {
			for _, raw := range []bool{true, false} {
				b := startFile(ct.lay.header)
				for i := range ct.contacts {
					c := &ct.contacts[i]
					var cells []string
					if raw {
						cells = ct.rows[c.Key]
					}
					b = appendRecord(b, ct.lay.contactCells(nil, c, cells, ct.dateLayout))
				}
				// Foreign extras named like the table's columns, put
				// before the own ones, change no cell.
				b2 := startFile(ct.lay.header)
				for i := range ct.contacts {
					c := ct.contacts[i].Clone()
					var cells []string
					if raw {
						cells = ct.rows[c.Key]
					}
					var foreign []contact.Extra
					for _, h := range ct.lay.header {
						foreign = append(foreign, contact.Extra{Name: h, Value: "foreign", Format: contact.FormatVCard})
					}
					c.Extra = append(foreign, c.Extra...)
					b2 = appendRecord(b2, ct.lay.contactCells(nil, &c, cells, ct.dateLayout))
				}
				if !bytes.Equal(b, b2) {
					t.Fatalf("raw=%v: foreign extras changed the output:\n%q\n%q", raw, b, b2)
				}
				back, errs := readContacts("f.csv", b, false, keyRequired)
				if len(errs) > 0 {
					t.Fatalf("raw=%v: written contacts do not read: %v\n%q", raw, errs, b)
				}
				want := withoutLines(ct.contacts)
				got := withoutLines(back.contacts)
				if !raw {
					for i := range want {
						want[i].Modified = want[i].Modified.Truncate(time.Second)
					}
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("raw=%v: contacts changed in a round trip:\n got %+v\nwant %+v", raw, got, want)
				}
			}
		}
		if at, errs := readAccounts("f.csv", data, false, true); len(errs) > 0 {
			checkErrs(t, errs)
		} else {
			b := startFile(at.lay.header)
			for i := range at.accounts {
				b = appendRecord(b, at.lay.accountCells(&at.accounts[i], nil))
			}
			back, errs := readAccounts("f.csv", b, false, true)
			if len(errs) > 0 {
				t.Fatalf("written accounts do not read: %v", errs)
			}
			if !reflect.DeepEqual(accountsWithoutLines(back.accounts), accountsWithoutLines(at.accounts)) {
				t.Fatalf("accounts changed in a round trip")
			}
		}
		if it, errs := readIDList("f.csv", data, false); len(errs) > 0 {
			checkErrs(t, errs)
		} else {
			b := startFile(it.lay.header)
			for _, id := range it.ids {
				b = appendRecord(b, it.lay.idCells(id, it.rows[id]))
			}
			back, errs := readIDList("f.csv", b, false)
			if len(errs) > 0 || !reflect.DeepEqual(back.ids, it.ids) {
				t.Fatalf("ids changed in a round trip: %v %v", back, errs)
			}
		}
		// Validate mode must not panic either, and positions its errors.
		_, errs := readContacts("f.csv", data, true, keyRequired)
		checkErrs(t, errs)
	})
}

// FuzzTables: a table-shaped dump (ADDRESS joined onto CONTACT through
// ADDRESSID) never panics; every problem is positioned; each contact read
// has the joined columns.
func FuzzTables(f *testing.F) {
	f.Add([]byte("CONTACTID,LASTNAME,ADDRESSID\nC1,Lee,A1\nC2,Ray,\n"), []byte("ADDRESSID,ADDRESS1,CITY\nA1,1 Main,Town\n"))
	f.Add([]byte("Contact ID,Last Name,Address ID,City\nC1,Lee,A1,x\n"), []byte("ADDRESSID,ADDRESS1,CITY,ADDRESSID\nA1,\"a\nb\",T,A1\nA1,,,\n"))
	f.Fuzz(func(t *testing.T, contacts, address []byte) {
		j, errs := readAddressTable("ADDRESS.csv", address, true)
		for _, e := range errs {
			if e.Line <= 0 && !errors.Is(e, formats.ErrNotText) {
				t.Fatalf("address error without a line: %v", e)
			}
		}
		if j == nil {
			return
		}
		ct, errs := readContactsJoined("CONTACT.csv", contacts, true, keyRequired, j)
		for _, e := range errs {
			if e.Line <= 0 && !errors.Is(e, formats.ErrNotText) {
				t.Fatalf("contact error without a line: %v", e)
			}
		}
		if ct != nil && len(ct.lay.header) != j.contact+len(j.from) {
			t.Fatalf("header of %d columns, want %d + %d joined", len(ct.lay.header), j.contact, len(j.from))
		}
	})
}
