package crmcsv

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"contactsync/engine/contact"
	"contactsync/fixtures"
	"contactsync/formats"
)

// outlookHeader is the English Outlook desktop CSV header, 92 columns in
// Outlook's order (notes/formats.md §2.1).
const outlookHeader = `Title,First Name,Middle Name,Last Name,Suffix,Company,Department,Job Title,` +
	`Business Street,Business Street 2,Business Street 3,Business City,Business State,Business Postal Code,Business Country/Region,` +
	`Home Street,Home Street 2,Home Street 3,Home City,Home State,Home Postal Code,Home Country/Region,` +
	`Other Street,Other Street 2,Other Street 3,Other City,Other State,Other Postal Code,Other Country/Region,` +
	`Assistant's Phone,Business Fax,Business Phone,Business Phone 2,Callback,Car Phone,Company Main Phone,Home Fax,Home Phone,Home Phone 2,ISDN,Mobile Phone,Other Fax,Other Phone,Pager,Primary Phone,Radio Phone,TTY/TDD Phone,Telex,` +
	`Account,Anniversary,Assistant's Name,Billing Information,Birthday,Business Address PO Box,Categories,Children,Directory Server,` +
	`E-mail Address,E-mail Type,E-mail Display Name,E-mail 2 Address,E-mail 2 Type,E-mail 2 Display Name,E-mail 3 Address,E-mail 3 Type,E-mail 3 Display Name,` +
	`Gender,Government ID Number,Hobby,Home Address PO Box,Initials,Internet Free Busy,Keywords,Language,Location,Manager's Name,Mileage,Notes,Office Location,Organizational ID Number,Other Address PO Box,Priority,Private,Profession,Referred By,Sensitivity,Spouse,User 1,User 2,User 3,User 4,Web Page`

// TestFixtureCases checks that the bundled samples hold the cases that
// fixtures/README.md promises and the sync tests rely on.
func TestFixtureCases(t *testing.T) {
	d := fixtureDump(t)
	raw, err := os.ReadFile(filepath.Join(fixtures.Dir(), "outlook", "contacts.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if utf8.Valid(raw) {
		t.Error("the Outlook sample must be Windows-1252, not UTF-8")
	}
	if n := bytes.Count(raw, []byte("\n")); n != bytes.Count(raw, []byte("\r\n")) {
		t.Error("the Outlook sample has line ends other than CRLF")
	}
	text, _, _ := formats.DecodeText(raw, "")
	recs, err := csv.NewReader(bytes.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != outlookHeader {
		t.Errorf("Outlook header is not the 92 English columns in order:\n%s", got)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	outlook := recs[1:]
	if len(outlook) < 40 || len(d.Contacts) < 40 || len(d.Accounts) < 10 {
		t.Errorf("%d Outlook contacts, %d CRM contacts, %d accounts", len(outlook), len(d.Contacts), len(d.Accounts))
	}

	managers, owners := map[string]bool{}, map[string]bool{}
	for _, a := range d.Accounts {
		managers[a.AccountManagerID], owners[a.Owner] = true, true
	}
	if !managers["U6UJ9A00000D"] || !managers["U6UJ9A00000E"] || !owners[contact.Everyone] || len(owners) < 2 {
		t.Errorf("owners: managers %v, seccodes %v", managers, owners)
	}

	crmByEmail := map[string][]*contact.Contact{}
	for i := range d.Contacts {
		c := &d.Contacts[i]
		for _, f := range []contact.Field{contact.Email1, contact.Email2} {
			if e := contact.NormalizeEmail(c.Values[f], false); e != "" {
				crmByEmail[e] = append(crmByEmail[e], c)
			}
		}
	}
	accountsByName := map[string]int{}
	for _, a := range d.Accounts {
		accountsByName[a.Name]++
	}
	member := map[string]bool{}
	for _, id := range d.SyncGroup {
		member[id] = true
	}

	var overlap, outlookOnly, noCompany, twoAccounts, noAccount, note int
	outlookEmails := map[string]bool{}
	names := map[string]bool{}
	for _, r := range outlook {
		linked := false
		for _, h := range []string{"E-mail Address", "E-mail 2 Address", "E-mail 3 Address"} {
			e := contact.NormalizeEmail(r[col[h]], false)
			outlookEmails[e] = true
			if len(crmByEmail[e]) > 0 {
				linked = true
			}
		}
		if linked {
			overlap++
		} else {
			outlookOnly++
			switch company := r[col["Company"]]; {
			case company == "":
			case accountsByName[company] > 1:
				twoAccounts++
			case accountsByName[company] == 0:
				noAccount++
			}
		}
		if r[col["Company"]] == "" {
			noCompany++
		}
		if n := r[col["Notes"]]; strings.Count(n, "\n") >= 2 && strings.Contains(n, ",") && strings.Contains(n, `"`) {
			note++
		}
		names[r[col["First Name"]]+" "+r[col["Last Name"]]] = true
	}
	if overlap < 30 || outlookOnly < 3 || noCompany < 1 || twoAccounts < 1 || noAccount < 1 || note < 1 {
		t.Errorf("overlap %d, Outlook-only %d, without company %d, company of two accounts %d, of no account %d, multi-line notes %d",
			overlap, outlookOnly, noCompany, twoAccounts, noAccount, note)
	}
	for _, n := range []string{"Zoë Lindqvist", "Søren Øster", "María José Núñez", "Hannah Okafor", "Diego Ramírez", "Grace Liu"} {
		if !names[n] {
			t.Errorf("Outlook sample lacks %s", n)
		}
	}

	var shared, crmOnlyMembers, different int
	for e, cs := range crmByEmail {
		if len(cs) == 2 && cs[0].Values[contact.First] != cs[1].Values[contact.First] {
			shared++
		}
		if !outlookEmails[e] && len(cs) == 1 && member[cs[0].Key] {
			crmOnlyMembers++
		}
	}
	for _, r := range outlook {
		cs := crmByEmail[contact.NormalizeEmail(r[col["E-mail Address"]], false)]
		if len(cs) == 1 && (cs[0].Values[contact.JobTitle] != r[col["Job Title"]] || cs[0].Values[contact.PhoneMobile] != r[col["Mobile Phone"]]) {
			different++
		}
	}
	if shared < 1 || crmOnlyMembers < 1 || different < 3 || len(d.SyncGroup) >= len(d.Contacts) {
		t.Errorf("shared e-mails %d, CRM-only members %d, differing linked people %d, sync group %d of %d",
			shared, crmOnlyMembers, different, len(d.SyncGroup), len(d.Contacts))
	}
}
