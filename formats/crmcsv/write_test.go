package crmcsv

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

// withoutLines returns copies of cs with Line cleared, for comparing
// records read from files whose quoting differs.
func withoutLines(cs []contact.Contact) []contact.Contact {
	out := make([]contact.Contact, len(cs))
	for i := range cs {
		out[i] = cs[i].Clone()
		out[i].Line = 0
		if len(out[i].Extra) == 0 {
			out[i].Extra = nil
		}
	}
	return out
}

func accountsWithoutLines(as []contact.Account) []contact.Account {
	out := make([]contact.Account, len(as))
	for i, a := range as {
		a.Line = 0
		a.Extra = append([]contact.Extra(nil), a.Extra...)
		if len(a.Extra) == 0 {
			a.Extra = nil
		}
		out[i] = a
	}
	return out
}

func sameDump(t *testing.T, got, want *Dump) {
	t.Helper()
	if !reflect.DeepEqual(withoutLines(got.Contacts), withoutLines(want.Contacts)) {
		for i := range min(len(got.Contacts), len(want.Contacts)) {
			if g, w := withoutLines(got.Contacts[i:i+1]), withoutLines(want.Contacts[i:i+1]); !reflect.DeepEqual(g, w) {
				t.Errorf("contact %d:\n got %+v\nwant %+v", i, g[0], w[0])
				break
			}
		}
		t.Errorf("contacts differ (%d vs %d)", len(got.Contacts), len(want.Contacts))
	}
	if !reflect.DeepEqual(accountsWithoutLines(got.Accounts), accountsWithoutLines(want.Accounts)) {
		t.Errorf("accounts differ:\n got %+v\nwant %+v", got.Accounts, want.Accounts)
	}
	if got.HasSyncGroup != want.HasSyncGroup || !reflect.DeepEqual(got.SyncGroup, want.SyncGroup) {
		t.Errorf("sync group = %v %v, want %v %v", got.HasSyncGroup, got.SyncGroup, want.HasSyncGroup, want.SyncGroup)
	}
}

func TestWriteDumpRoundTripsFixture(t *testing.T) {
	src := filepath.Join(fixtures.Dir(), "crm")
	d := fixtureDump(t)
	out := t.TempDir()
	if err := WriteDump(out, d); err != nil {
		t.Fatal(err)
	}
	back, err := ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	sameDump(t, back, d)
	// The fixture is written as this package writes (UTF-8 BOM, CRLF,
	// minimal quoting), so an unchanged dump comes back byte for byte.
	for _, name := range []string{ContactsFile, AccountsFile, SyncGroupFile} {
		want, _ := os.ReadFile(filepath.Join(src, name))
		got, _ := os.ReadFile(filepath.Join(out, name))
		if name == SyncGroupFile {
			want = append([]byte(utf8BOM), want...)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s written differs from the fixture", name)
		}
	}
}

func TestWriteDumpKeepsUnchangedCells(t *testing.T) {
	dir := dumpDir(t, map[string]string{
		ContactsFile: "CONTACTID,ADDRESS1,ADDRESS2,TITLE,Note,MODIFYDATE\r\n" +
			// padded id, an address cell with its own line break, a
			// user's own "'" text, an un-neutralised formula the CRM
			// exported, a date in US form.
			"C1          ,\"Line 1\nLine 2\",Suite 3,'Boss,=1+1,3/4/2025 5:06:07 PM\r\n" +
			"C2,Elm St,,Clerk,,3/4/2025 5:06:07 PM\r\n",
		AccountsFile: "ACCOUNTID,ACCOUNT\r\nA1          ,Acme\r\n",
	})
	d, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := &d.Contacts[0]
	if c.Key != "C1" || c.Values[contact.BusinessStreet] != "Line 1\nLine 2\nSuite 3" || c.Values[contact.JobTitle] != "'Boss" {
		t.Fatalf("read %q %q %q", c.Key, c.Values[contact.BusinessStreet], c.Values[contact.JobTitle])
	}
	d.Contacts[1].Values[contact.BusinessStreet] = "Oak St\nSuite 1\nFloor 2"
	d.Contacts[1].Values[contact.JobTitle] = "@boss"
	out := t.TempDir()
	if err := WriteDump(out, d); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(out, ContactsFile))
	want := utf8BOM + "CONTACTID,ADDRESS1,ADDRESS2,TITLE,Note,MODIFYDATE\r\n" +
		"C1          ,\"Line 1\r\nLine 2\",Suite 3,'Boss,=1+1,3/4/2025 5:06:07 PM\r\n" +
		"C2,Oak St,\"Suite 1\r\nFloor 2\",'@boss,,3/4/2025 5:06:07 PM\r\n"
	if string(got) != want {
		t.Errorf("WriteDump wrote\n%q\nwant\n%q", got, want)
	}
	accounts, _ := os.ReadFile(filepath.Join(out, AccountsFile))
	if !strings.Contains(string(accounts), "A1          ,Acme") {
		t.Errorf("padded ACCOUNTID not kept: %q", accounts)
	}
}

func TestNeutralise(t *testing.T) {
	for _, tc := range []struct {
		value, cell string
	}{
		{"=SUM(A1:A2)", "'=SUM(A1:A2)"},
		{"@cmd", "'@cmd"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"+1 (206) 555-0100", "+1 (206) 555-0100"},
		{"-3.5", "-3.5"},
		{"+49 40 6432131-550", "+49 40 6432131-550"},
		{"-A1", "'-A1"},
		{"+ renewal due", "'+ renewal due"},
		{"-", "-"},
		{"+1-1", "'+1-1"},
		{"+1555-0100", "'+1555-0100"},
		{"'quoted", "'quoted"},
		{"'=x", "''=x"},
		{"plain = text", "plain = text"},
		{"", ""},
	} {
		if got := encodeCell(tc.value); got != tc.cell {
			t.Errorf("encodeCell(%q) = %q, want %q", tc.value, got, tc.cell)
		}
		if got := decodeCell(tc.cell); got != tc.value {
			t.Errorf("decodeCell(%q) = %q, want %q", tc.cell, got, tc.value)
		}
	}
	// A user's own apostrophe text is read as it is.
	for _, cell := range []string{"'Boss", "'", "''", "'+1 555"} {
		if got := decodeCell(cell); got != cell {
			t.Errorf("decodeCell(%q) = %q, want it unchanged", cell, got)
		}
	}
}

func FuzzCell(f *testing.F) {
	for _, s := range []string{"", "=1", "'=1", "''=1", "+1 555", "-x", "'", "\r\n", "a\r", "\"q\",x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if got := decodeCell(encodeCell(v)); got != v {
			t.Fatalf("decodeCell(encodeCell(%q)) = %q", v, got)
		}
		if dangerous(encodeCell(v)) {
			t.Fatalf("encodeCell(%q) = %q is still dangerous", v, encodeCell(v))
		}
	})
}

func changesFixture(d *Dump) *Changes {
	megan := d.Contacts[0].Clone()
	megan.Values[contact.JobTitle] = "=HYPERLINK(\"http://evil.example.com\")"
	megan.Values[contact.BusinessStreet] = "1 New Road\nBuilding B\nFloor 3\nDesk 9"
	megan.Values[contact.PhoneMobile] = ""
	return &Changes{
		Fields: []contact.Field{
			contact.Prefix, contact.First, contact.Middle, contact.Last, contact.Suffix, contact.Company,
			contact.Department, contact.JobTitle, contact.Email1, contact.Email2, contact.PhoneBusiness,
			contact.PhoneMobile, contact.PhoneHome, contact.PhoneFaxBusiness, contact.BusinessStreet,
			contact.BusinessCity, contact.BusinessState, contact.BusinessPostalCode, contact.BusinessCountry,
		},
		Updates: []contact.Contact{megan},
		New: []contact.Contact{
			newContact("Hannah", "Okafor", "Northwind Traders", "A6UJ9A000013", "hannah.okafor@northwind.example.net"),
			newContact("Diego", "Ramírez", "Blue Yonder Airlines", "", "d.ramirez@blueyonder.example.com"),
		},
		NewAccounts: []contact.Account{{
			Name: "Blue Yonder Airlines", Type: "Prospect", Status: "Active",
			Owner: contact.Everyone, AccountManagerID: "U6UJ9A00000D",
		}},
		GroupAdd:    []string{"C6UJ9A001029"},
		GroupRemove: []string{"C6UJ9A001002", "C6UJ9A001003"},
	}
}

func newContact(first, last, company, accountID, email string) contact.Contact {
	var c contact.Contact
	c.Values[contact.First] = first
	c.Values[contact.Last] = last
	c.Values[contact.Company] = company
	c.Values[contact.Email1] = email
	c.Values[contact.Notes] = "not mapped, not written"
	c.CRM = contact.CRM{AccountID: accountID, Owner: contact.Everyone, AccountManagerID: "U6UJ9A00000D"}
	return c
}

func TestWriteChangesRoundTrip(t *testing.T) {
	d := fixtureDump(t)
	ch := changesFixture(d)
	dir := filepath.Join(t.TempDir(), "crm")
	paths, err := WriteChanges(dir, ch, d)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 5 {
		t.Errorf("wrote %v, want all five files", paths)
	}
	back, err := ReadChanges(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Fields, ch.Fields) {
		t.Errorf("fields = %v, want %v", back.Fields, ch.Fields)
	}
	// What comes back is what the files carry: the mapped fields, the key
	// and, for new contacts, the CRM attributes.
	var wantUpdate contact.Contact
	wantUpdate.Key = ch.Updates[0].Key
	for _, f := range ch.Fields {
		wantUpdate.Values[f] = ch.Updates[0].Values[f]
	}
	if got := withoutLines(back.Updates); len(got) != 1 || !reflect.DeepEqual(got[0], wantUpdate) {
		t.Errorf("update read back = %+v\nwant %+v", got, wantUpdate)
	}
	for i, n := range ch.New {
		want := n.Clone()
		want.Values[contact.Notes] = ""
		if got := withoutLines(back.New[i : i+1])[0]; !reflect.DeepEqual(got, want) {
			t.Errorf("new %d read back = %+v\nwant %+v", i, got, want)
		}
	}
	if got := accountsWithoutLines(back.NewAccounts); !reflect.DeepEqual(got, ch.NewAccounts) {
		t.Errorf("new accounts = %+v, want %+v", got, ch.NewAccounts)
	}
	if !reflect.DeepEqual(back.GroupAdd, ch.GroupAdd) || !reflect.DeepEqual(back.GroupRemove, ch.GroupRemove) {
		t.Errorf("group add/remove = %v %v", back.GroupAdd, back.GroupRemove)
	}

	update, _ := os.ReadFile(filepath.Join(dir, UpdateContactsFile))
	s := string(update)
	if !strings.HasPrefix(s, utf8BOM+"CONTACTID,ACCOUNT,LASTNAME,FIRSTNAME,MIDDLENAME,PREFIX,SUFFIX,TITLE,DEPARTMENT,EMAIL,SECONDARYEMAIL,WORKPHONE,MOBILE,HOMEPHONE,FAX,ADDRESS1,ADDRESS2,CITY,STATE,POSTALCODE,COUNTRY\r\n") {
		t.Errorf("update header is not the dump's column order: %q", strings.SplitN(s, "\n", 2)[0])
	}
	if !strings.Contains(s, `"'=HYPERLINK(""http://evil.example.com"")"`) {
		t.Errorf("formula not neutralised: %q", s)
	}
	if !strings.Contains(s, ",1 New Road,\"Building B\r\nFloor 3\r\nDesk 9\",") {
		t.Errorf("street lines beyond ADDRESS2 not kept in ADDRESS2: %q", s)
	}
	created, _ := os.ReadFile(filepath.Join(dir, NewContactsFile))
	if h := strings.SplitN(string(created), "\r\n", 2)[0]; !strings.HasPrefix(h, utf8BOM+"ACCOUNTID,ACCOUNT,") || !strings.HasSuffix(h, ",SECCODEID,ACCOUNTMANAGERID") || strings.Contains(h, "CONTACTID") {
		t.Errorf("contacts-new header = %q", h)
	}
}

func TestWriteChangesFollowsDumpSpelling(t *testing.T) {
	d, err := ReadDir(dumpDir(t, map[string]string{
		ContactsFile:  "ContactId,Email,LastName,Address1\r\nC1,a@example.com,Doe,Elm St\r\n",
		AccountsFile:  "AccountId,Account,Type,Status,SecCodeId,AccountManagerId\r\n",
		SyncGroupFile: "contactid\r\nC1\r\n",
	}))
	if err != nil {
		t.Fatal(err)
	}
	c := d.Contacts[0].Clone()
	c.Values[contact.Email1] = "b@example.com"
	ch := &Changes{
		Fields:      []contact.Field{contact.Email1, contact.Last, contact.PhoneMobile},
		Updates:     []contact.Contact{c},
		NewAccounts: []contact.Account{{Name: "X", Type: "Prospect", Status: "Active"}},
		GroupRemove: []string{"C1"},
	}
	dir := t.TempDir()
	paths, err := WriteChanges(dir, ch, d)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 3 {
		t.Errorf("wrote %v, want update, new accounts and group remove only", paths)
	}
	for name, header := range map[string]string{
		UpdateContactsFile: "ContactId,Email,LastName,MOBILE",
		NewAccountsFile:    "Account,Type,Status,SecCodeId,AccountManagerId",
		GroupRemoveFile:    "contactid",
	} {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		if got := strings.SplitN(strings.TrimPrefix(string(b), utf8BOM), "\r\n", 2)[0]; got != header {
			t.Errorf("%s header = %q, want %q", name, got, header)
		}
	}
	// A field the CRM has no column for is refused, not dropped.
	if _, err := WriteChanges(t.TempDir(), &Changes{Fields: []contact.Field{contact.Email3}}, d); err == nil || !strings.Contains(err.Error(), "email3") {
		t.Errorf("WriteChanges with email3 = %v, want an error naming the field", err)
	}
	// Writing fewer changes into the same folder removes the stale files.
	paths, err = WriteChanges(dir, &Changes{Fields: ch.Fields, GroupAdd: []string{"C1"}}, d)
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(paths) != 1 || len(entries) != 1 || entries[0].Name() != GroupAddFile {
		t.Errorf("after a second write the folder has %v (wrote %v), want only %s", entries, paths, GroupAddFile)
	}
}

func TestReadChangesErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file, content, where string
	}{
		{"update without CONTACTID", UpdateContactsFile, "EMAIL\r\na@example.com\r\n", "contacts-update.csv:1:1: CONTACTID: missing column"},
		{"update blank CONTACTID", UpdateContactsFile, "CONTACTID,EMAIL\r\n,a@example.com\r\n", "contacts-update.csv:2:1:"},
		{"new with broken quote", NewContactsFile, "ACCOUNT,EMAIL\r\n\"Acme,a@example.com\r\n", "contacts-new.csv:2:1:"},
		{"group add blank", GroupAddFile, "CONTACTID\r\nC1\r\n\" \"\r\n", "syncgroup-add.csv:3:1:"},
		{"accounts without ACCOUNT", NewAccountsFile, "TYPE\r\nProspect\r\n", "accounts-new.csv:1:1: ACCOUNT: missing column"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadChanges(dumpDir(t, map[string]string{tc.file: tc.content}))
			if err == nil || !strings.Contains(err.Error(), tc.where) {
				t.Errorf("ReadChanges = %v, want an error at %s", err, tc.where)
			}
		})
	}
	ch, err := ReadChanges(t.TempDir())
	if err != nil || !ch.Empty() || ch.Fields != nil {
		t.Errorf("ReadChanges(empty folder) = %+v, %v; want no rows", ch, err)
	}
}

// Rows given as tables (a cycle's plan) are written as the same records
// given whole: the same bytes.
func TestWriteChangesFromTables(t *testing.T) {
	d := fixtureDump(t)
	ch := changesFixture(d)
	whole, rows := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	if _, err := WriteChanges(whole, ch, d); err != nil {
		t.Fatal(err)
	}
	streamed := *ch
	streamed.NewRows = contact.TableOf(contact.AllFields(), ch.New)
	streamed.UpdateRows = contact.TableOf(contact.AllFields(), ch.Updates)
	streamed.New, streamed.Updates = nil, nil
	if _, err := WriteChanges(rows, &streamed, d); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{NewContactsFile, UpdateContactsFile} {
		a, errA := os.ReadFile(filepath.Join(whole, name))
		b, errB := os.ReadFile(filepath.Join(rows, name))
		if errA != nil || errB != nil || len(a) == 0 || string(a) != string(b) {
			t.Errorf("%s from tables differs from the records given whole (%v, %v):\n%s\n---\n%s", name, errA, errB, b, a)
		}
	}
	noKey := Changes{Fields: ch.Fields, UpdateRows: contact.TableOf(contact.AllFields(), []contact.Contact{{}})}
	if _, err := WriteChanges(t.TempDir(), &noKey, d); err == nil || !strings.Contains(err.Error(), "no CONTACTID") {
		t.Errorf("an update row without CONTACTID: %v, want an error", err)
	}
}
