package crmcsv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"contactsync/engine/contact"
	"contactsync/fixtures"
	"contactsync/formats"
)

// dumpDir writes files (name → content) into a new temporary folder.
func dumpDir(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const (
	okContacts = "CONTACTID,ACCOUNTID,ACCOUNT,LASTNAME,FIRSTNAME,EMAIL,MODIFYDATE\r\n" +
		"C00000000001,A00000000001,Acme,Doe,Jane,jane@example.com,2025-01-02 03:04:05\r\n"
	okAccounts = "ACCOUNTID,ACCOUNT,TYPE,STATUS,SECCODEID,ACCOUNTMANAGERID\r\n" +
		"A00000000001,Acme,Customer,Active,SYST00000001,U6UJ9A00000D\r\n"
)

func fixtureDump(t testing.TB) *Dump {
	t.Helper()
	d, err := ReadDir(filepath.Join(fixtures.Dir(), "crm"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func findContact(t testing.TB, cs []contact.Contact, first, last string) *contact.Contact {
	t.Helper()
	for i := range cs {
		if cs[i].Values[contact.First] == first && cs[i].Values[contact.Last] == last {
			return &cs[i]
		}
	}
	t.Fatalf("no contact %s %s", first, last)
	return nil
}

func TestReadFixture(t *testing.T) {
	d := fixtureDump(t)
	if len(d.Contacts) < 40 || len(d.Accounts) < 10 {
		t.Fatalf("fixture has %d contacts and %d accounts, want at least 40 and 10", len(d.Contacts), len(d.Accounts))
	}
	if !d.HasSyncGroup || len(d.SyncGroup) == 0 || len(d.SyncGroup) >= len(d.Contacts) {
		t.Errorf("sync group: has=%v, %d members of %d contacts; want most but not all", d.HasSyncGroup, len(d.SyncGroup), len(d.Contacts))
	}

	zoe := findContact(t, d.Contacts, "Zoë", "Lindqvist")
	if got, want := zoe.Values[contact.Company], "Øster Design ApS"; got != want {
		t.Errorf("Zoë company = %q, want %q", got, want)
	}
	if got, _ := zoe.ExtraValue("USERFIELD1"); got != `Met at "Design Days 2024", Copenhagen` {
		t.Errorf("Zoë USERFIELD1 = %q", got)
	}
	if zoe.Key != "C6UJ9A001018" || zoe.CRM.AccountID != "A6UJ9A00001A" || zoe.CRM.Owner != contact.Everyone {
		t.Errorf("Zoë ids = %q %+v", zoe.Key, zoe.CRM)
	}
	if want := time.Date(2025, 11, 15, 14, 38, 34, 0, time.UTC); !zoe.Modified.Equal(want) || zoe.ModifiedFrom != "MODIFYDATE" {
		t.Errorf("Zoë modified = %v from %q, want %v from MODIFYDATE", zoe.Modified, zoe.ModifiedFrom, want)
	}

	megan := findContact(t, d.Contacts, "Megan", "Bowen")
	if got, want := megan.Values[contact.BusinessStreet], "1200 Harbor Avenue\nSuite 400"; got != want {
		t.Errorf("Megan street = %q, want %q", got, want)
	}
	if got, _ := megan.ExtraValue("CREATEUSER"); got != "ADMIN       " {
		t.Errorf("CREATEUSER is not an id column and must keep its padding: %q", got)
	}
	if megan.Line != 2 {
		t.Errorf("Megan.Line = %d, want 2", megan.Line)
	}

	// Every unmapped column is in Extra, in header order.
	var names []string
	for _, e := range megan.Extra {
		names = append(names, e.Name)
	}
	if got, want := strings.Join(names, ","), "CREATEUSER,CREATEDATE,USERFIELD1"; got != want {
		t.Errorf("extras = %s, want %s", got, want)
	}

	var northwind int
	for _, a := range d.Accounts {
		if a.Name == "Northwind Traders" {
			northwind++
		}
	}
	if northwind != 2 {
		t.Errorf("%d accounts named Northwind Traders, want 2", northwind)
	}
}

func TestReadEncodingsAndColumnNames(t *testing.T) {
	// Lower-case and blank-surrounded column names, a padded id, an
	// unknown column, Windows-1252 bytes.
	contacts := "contactid, LastName ,FirstName,Email,Custom\r\n" +
		"C1          ,N\xfa\xf1ez,Zo\xeb,zoe@example.com,x\r\n"
	for _, tc := range []struct {
		name  string
		bytes string
	}{
		{"windows-1252", contacts},
		{"utf-8", decode1252(contacts)},
		{"utf-8 bom", "\ufeff" + decode1252(contacts)},
		{"utf-16le bom", utf16le(decode1252(contacts))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ReadDir(dumpDir(t, map[string]string{ContactsFile: tc.bytes, AccountsFile: okAccounts}))
			if err != nil {
				t.Fatal(err)
			}
			c := d.Contacts[0]
			if c.Key != "C1" || c.Values[contact.Last] != "Núñez" || c.Values[contact.First] != "Zoë" || c.Values[contact.Email1] != "zoe@example.com" {
				t.Errorf("read %q %q %q %q", c.Key, c.Values[contact.Last], c.Values[contact.First], c.Values[contact.Email1])
			}
			if v, ok := c.ExtraValue("Custom"); !ok || v != "x" {
				t.Errorf("Custom = %q, %v", v, ok)
			}
		})
	}
}

func decode1252(s string) string {
	out, _, err := formats.DecodeText([]byte(s), "1252")
	if err != nil {
		panic(err)
	}
	return string(out)
}

func utf16le(s string) string {
	b, err := formats.EncodeText([]byte(s), formats.UTF16LE)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestReadDates(t *testing.T) {
	want := time.Date(2025, 3, 4, 17, 6, 7, 0, time.UTC)
	for _, v := range []string{
		"2025-03-04 17:06:07",
		"2025-03-04T17:06:07Z",
		"2025-03-04T19:06:07+02:00",
		"2025-03-04T17:06:07",
		"2025-03-04 17:06:07.000",
		"3/4/2025 5:06:07 PM",
	} {
		got, _, ok := parseDate(v)
		if !ok || !got.Equal(want) {
			t.Errorf("parseDate(%q) = %v, %v; want %v", v, got, ok, want)
		}
	}
	if got, _, ok := parseDate(""); !ok || !got.IsZero() {
		t.Errorf("parseDate(\"\") = %v, %v; want zero time", got, ok)
	}
}

func TestReadErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		files    map[string]string
		file     string // base name of the file in the error
		line     int
		col      int
		contains string
	}{
		{"no contacts.csv", map[string]string{AccountsFile: okAccounts}, ContactsFile, 0, 0, "file not found"},
		{"no accounts.csv", map[string]string{ContactsFile: okContacts}, AccountsFile, 0, 0, "file not found"},
		{"empty contacts.csv", map[string]string{ContactsFile: "", AccountsFile: okAccounts}, ContactsFile, 1, 1, "empty file"},
		{"no CONTACTID column", map[string]string{
			ContactsFile: "LASTNAME,EMAIL\r\nDoe,jane@example.com\r\n", AccountsFile: okAccounts,
		}, ContactsFile, 1, 1, "CONTACTID: missing column"},
		{"quoted field never closed", map[string]string{
			ContactsFile: "CONTACTID,LASTNAME\r\nC1,\"Doe\r\nC2,Roe\r\n", AccountsFile: okAccounts,
		}, ContactsFile, 2, 4, "never closed"},
		{"quote not doubled", map[string]string{
			ContactsFile: "CONTACTID,LASTNAME\r\nC1,\"Do\"e\"\r\n", AccountsFile: okAccounts,
		}, ContactsFile, 2, 7, "quoted field"},
		{"bare quote", map[string]string{
			ContactsFile: "CONTACTID,LASTNAME\r\nC1,Do\"e\r\n", AccountsFile: okAccounts,
		}, ContactsFile, 2, 6, "does not start with a quote"},
		{"blank CONTACTID", map[string]string{
			ContactsFile: "CONTACTID,LASTNAME\r\nC1,Doe\r\n   ,Roe\r\n", AccountsFile: okAccounts,
		}, ContactsFile, 3, 1, "CONTACTID: blank CONTACTID"},
		{"duplicate CONTACTID", map[string]string{
			ContactsFile: "LASTNAME,CONTACTID\r\nDoe,C1\r\nRoe,C1  \r\n", AccountsFile: okAccounts,
		}, ContactsFile, 3, 5, `duplicate CONTACTID "C1" (also on line 2)`},
		{"wrong number of fields", map[string]string{
			ContactsFile: "CONTACTID,LASTNAME\r\nC1,Doe,extra\r\n", AccountsFile: okAccounts,
		}, ContactsFile, 2, 1, "3 fields, the header has 2"},
		{"bad MODIFYDATE, column in characters", map[string]string{
			ContactsFile: "CONTACTID,LASTNAME,MODIFYDATE\r\nC1,Núñez,yesterday\r\n", AccountsFile: okAccounts,
		}, ContactsFile, 2, 10, `MODIFYDATE: cannot read the date "yesterday"`},
		{"duplicate column", map[string]string{
			ContactsFile: "CONTACTID,EMAIL,email\r\nC1,a@example.com,b@example.com\r\n", AccountsFile: okAccounts,
		}, ContactsFile, 1, 17, "email: duplicate column (same as column 2)"},
		{"accounts without ACCOUNT", map[string]string{
			ContactsFile: okContacts, AccountsFile: "ACCOUNTID,TYPE\r\nA1,Customer\r\n",
		}, AccountsFile, 1, 1, "ACCOUNT: missing column"},
		{"accounts without ACCOUNTID", map[string]string{
			ContactsFile: okContacts, AccountsFile: "ACCOUNT\r\nAcme\r\n",
		}, AccountsFile, 1, 1, "ACCOUNTID: missing column"},
		{"blank ACCOUNTID", map[string]string{
			ContactsFile: okContacts, AccountsFile: "ACCOUNTID,ACCOUNT\r\n,Acme\r\n",
		}, AccountsFile, 2, 1, "blank ACCOUNTID"},
		{"duplicate ACCOUNTID", map[string]string{
			ContactsFile: okContacts, AccountsFile: "ACCOUNTID,ACCOUNT\r\nA1,Acme\r\nA1,Other\r\n",
		}, AccountsFile, 3, 1, `duplicate ACCOUNTID "A1" (also on line 2)`},
		{"syncgroup without CONTACTID", map[string]string{
			ContactsFile: okContacts, AccountsFile: okAccounts, SyncGroupFile: "ID\r\nC1\r\n",
		}, SyncGroupFile, 1, 1, "CONTACTID: missing column"},
		{"syncgroup blank id", map[string]string{
			ContactsFile: okContacts, AccountsFile: okAccounts, SyncGroupFile: "GROUP,CONTACTID\r\ng, \r\n",
		}, SyncGroupFile, 2, 3, "blank CONTACTID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := dumpDir(t, tc.files)
			_, err := ReadDir(dir)
			var pe *formats.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("ReadDir = %v, want a *formats.ParseError", err)
			}
			if filepath.Base(pe.File) != tc.file || pe.Line != tc.line || pe.Col != tc.col {
				t.Errorf("error at %s:%d:%d, want %s:%d:%d (%v)", filepath.Base(pe.File), pe.Line, pe.Col, tc.file, tc.line, tc.col, err)
			}
			if !strings.Contains(err.Error(), tc.contains) {
				t.Errorf("error %q does not say %q", err, tc.contains)
			}
			if !strings.HasPrefix(err.Error(), filepath.Join(dir, tc.file)) {
				t.Errorf("error %q does not start with the file path", err)
			}
			// Validate reports the same first problem.
			errs := Validate(dir)
			if len(errs) == 0 || errs[0].Error() != err.Error() {
				t.Errorf("Validate = %v, want first %v", errs, err)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	dir := dumpDir(t, map[string]string{
		ContactsFile: "CONTACTID,LASTNAME,MODIFYDATE\r\n" +
			"C1,Doe,2025-01-01 00:00:00\r\n" +
			",Roe,2025-01-01 00:00:00\r\n" + // blank id
			"C1,Poe,2025-01-01 00:00:00\r\n" + // duplicate
			"C4,Moe,someday\r\n" + // bad date
			"C5,Loe\r\n", // short record
		AccountsFile:  "ACCOUNTID,ACCOUNT\r\n,Acme\r\n", // blank id
		SyncGroupFile: "CONTACTID\r\nC1\r\n",
	})
	errs := Validate(dir)
	want := []string{
		"contacts.csv:3:1:", "contacts.csv:4:1:", "contacts.csv:5:8:", "contacts.csv:6:1:", "accounts.csv:2:1:",
	}
	if len(errs) != len(want) {
		t.Fatalf("Validate found %d problems, want %d: %v", len(errs), len(want), errs)
	}
	for i, w := range want {
		if !strings.Contains(errs[i].Error(), w) {
			t.Errorf("problem %d = %v, want at %s", i, errs[i], w)
		}
	}
	if errs := Validate(filepath.Join(fixtures.Dir(), "crm")); len(errs) != 0 {
		t.Errorf("Validate(fixture) = %v", errs)
	}
}

func TestReadEmptyTablesAndMissingSyncGroup(t *testing.T) {
	d, err := ReadDir(dumpDir(t, map[string]string{
		ContactsFile: "CONTACTID,LASTNAME\r\n",
		AccountsFile: "ACCOUNTID,ACCOUNT\r\n",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Contacts) != 0 || len(d.Accounts) != 0 || d.HasSyncGroup || d.SyncGroup != nil {
		t.Errorf("got %d contacts, %d accounts, sync group %v %v", len(d.Contacts), len(d.Accounts), d.HasSyncGroup, d.SyncGroup)
	}
	d, err = ReadDir(dumpDir(t, map[string]string{
		ContactsFile: "CONTACTID\r\n", AccountsFile: "ACCOUNTID,ACCOUNT\r\n", SyncGroupFile: "CONTACTID\r\n",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !d.HasSyncGroup || d.SyncGroup == nil || len(d.SyncGroup) != 0 {
		t.Errorf("an empty syncgroup.csv must give an empty, non-nil group: %v %v", d.HasSyncGroup, d.SyncGroup)
	}
}

func TestStreetLines(t *testing.T) {
	for _, tc := range []struct {
		cells  []string
		street string
	}{
		{[]string{"1 Main St", "", ""}, "1 Main St"},
		{[]string{"1 Main St", "Suite 4", ""}, "1 Main St\nSuite 4"},
		{[]string{"1 Main St", "", "Floor 2"}, "1 Main St\n\nFloor 2"},
		{[]string{"", "Suite 4", ""}, "\nSuite 4"},
		{[]string{"", "", ""}, ""},
	} {
		got := joinStreet(tc.cells)
		if got != tc.street {
			t.Errorf("joinStreet(%q) = %q, want %q", tc.cells, got, tc.street)
		}
		back := splitStreet(got, len(tc.cells))
		if joinStreet(back) != got {
			t.Errorf("splitStreet(%q) = %q does not join back", got, back)
		}
	}
	// More lines than columns: the rest stays in the last column.
	if got := splitStreet("a\nb\nc\nd", 2); got[0] != "a" || got[1] != "b\nc\nd" {
		t.Errorf("splitStreet 4 lines into 2 = %q", got)
	}
}

// parseUsualDate reads what time.Parse reads in the usual layout, and
// refuses the rest, which parseDate then reads the long way.
func TestParseUsualDate(t *testing.T) {
	cells := []string{"2025-04-22 11:39:27", "2024-02-29 00:00:00", "2023-02-29 00:00:00", "2025-13-01 00:00:00",
		"2025-00-10 10:00:00", "2025-04-31 10:00:00", "2025-04-22 24:00:00", "2025-04-22 23:60:00", "2025-04-22 23:59:60",
		"0000-01-01 00:00:00", "0001-01-01 00:00:00", "9999-12-31 23:59:59", "2025-4-22 11:39:27", "2025-04-22T11:39:27",
		"2025-04-22 11:39:2x", "+025-04-22 11:39:27", "2025-04-22 11:39:27 "}
	// Every day of years around the calendar's rules' edges, at times
	// that cross a day.
	for _, y := range []int{1, 2, 3, 4, 99, 100, 399, 400, 1600, 1899, 1900, 1969, 1970, 1971, 2000, 2023, 2024, 2100, 2400, 9999} {
		for mo := 1; mo <= 12; mo++ {
			for d := 1; d <= 31; d++ {
				cells = append(cells, fmt.Sprintf("%04d-%02d-%02d %02d:%02d:%02d", y, mo, d, d%24, (d*7)%60, (d*13)%60))
			}
		}
	}
	for _, c := range cells {
		want, err := time.Parse(dateLayouts[0], c)
		got, ok := parseUsualDate(c)
		if ok != (err == nil && want.Year() >= 1) || (ok && got != want) {
			t.Errorf("parseUsualDate(%q) = %v, %v; time.Parse: %v, %v", c, got, ok, want, err)
		}
	}
}
