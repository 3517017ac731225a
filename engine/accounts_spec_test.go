package engine

import (
	"slices"
	"strings"
	"testing"
	"time"

	"contactsync/engine/contact"
)

// TestAccountResolution is DESIGN §6 for a contact created in the CRM from
// Outlook: an account with exactly the company's name is used; of several,
// the first in dump order (reported); with none, a new Prospect/Active
// account owned by Everyone and managed by the syncing user, named by the
// company or, without one, by the contact's name.
func TestAccountResolution(t *testing.T) {
	accounts := []contact.Account{
		{ID: "AACME0000001", Name: "Acme", Owner: "SECWEST00001"},
		{ID: "AGLOBEX00001", Name: "Globex"},
		{ID: "AGLOBEX00002", Name: "Globex"},
		{ID: "AINITECH0001", Name: "Initech Oy"},
	}
	tests := []struct {
		name    string
		ol      contact.Contact
		account string // ACCOUNTID of the new contact; "" when a new account is made
		owner   string // SECCODEID of the new contact
		company string // company of the new CRM contact
		newAcc  string // name of the new account, "" for none
		rule    Rule
		notices []string
	}{
		{
			name:    "one account with the company's name",
			ol:      person("", "first=Ann", "last=Lee", "company=Acme", "email1=ann@acme.example"),
			account: "AACME0000001", owner: "SECWEST00001", company: "Acme", rule: RuleAccountExact,
		},
		{
			name:    "several accounts with the name: the first in dump order, reported",
			ol:      person("", "first=Bob", "last=Ray", "company=Globex", "email1=bob@globex.example"),
			account: "AGLOBEX00001", owner: contact.Everyone, company: "Globex", rule: RuleAccountFirst,
			notices: []string{"several-accounts"},
		},
		{
			name:  "no account with the name: a new account named by the company",
			ol:    person("", "first=Cy", "last=Doe", "company=Umbrella", "email1=cy@umbrella.example", "phone_business=555", "address_business.city=Oslo"),
			owner: contact.Everyone, company: "Umbrella", newAcc: "Umbrella", rule: RuleAccountNew,
		},
		{
			name:  "a name that only starts like an account's is no match",
			ol:    person("", "first=Dee", "last=Fox", "company=Initech", "email1=dee@initech.example"),
			owner: contact.Everyone, company: "Initech", newAcc: "Initech", rule: RuleAccountNew,
		},
		{
			name:  "no company: a new account named after the contact",
			ol:    person("", "first=Eve", "last=Gray", "email1=eve@example.com"),
			owner: contact.Everyone, company: "Eve Gray", newAcc: "Eve Gray", rule: RuleAccountNew,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			crm := dump()
			crm.Accounts = accounts
			p := mustReconcile(t, State{}, crm, folder(tt.ol), DefaultPolicy(specUser))
			if len(p.CRM.New.Contacts()) != 1 {
				t.Fatalf("CRM creations = %d, want 1\n%s", len(p.CRM.New.Contacts()), planText(p))
			}
			n := p.CRM.New.Contacts()[0]
			if n.CRM.AccountID != tt.account || n.CRM.Owner != tt.owner || n.Values[contact.Company] != tt.company {
				t.Errorf("new contact: account %q owner %q company %q; want %q %q %q",
					n.CRM.AccountID, n.CRM.Owner, n.Values[contact.Company], tt.account, tt.owner, tt.company)
			}
			if n.CRM.AccountManagerID != specUser {
				t.Errorf("new contact ACCOUNTMANAGERID = %q, want the syncing user %q", n.CRM.AccountManagerID, specUser)
			}
			var wantAcc []contact.Account
			if tt.newAcc != "" {
				wantAcc = []contact.Account{{Name: tt.newAcc, Type: "Prospect", Status: "Active", Owner: contact.Everyone, AccountManagerID: specUser}}
			}
			// Comparing whole accounts also says that address and phone stay
			// on the contact: an account carries nothing else.
			if !slices.EqualFunc(p.CRM.NewAccounts, wantAcc, func(a, b contact.Account) bool {
				return a.ID == b.ID && a.Name == b.Name && a.Type == b.Type && a.Status == b.Status &&
					a.Owner == b.Owner && a.AccountManagerID == b.AccountManagerID && len(a.Extra) == 0
			}) {
				t.Errorf("new accounts = %+v, want %+v", p.CRM.NewAccounts, wantAcc)
			}
			if p.Counts.AccountsNew != len(wantAcc) {
				t.Errorf("counts.accounts_new = %d, want %d", p.Counts.AccountsNew, len(wantAcc))
			}
			if !hasChange(p, Change{Side: CRM, Field: "account", Rule: tt.rule}) {
				t.Errorf("account decision not journaled with rule %q:\n%s", tt.rule, planText(p))
			}
			if got := noticeKinds(p); !slices.Equal(got, tt.notices) {
				t.Errorf("notices = %q, want %q", got, tt.notices)
			}
			if tt.rule == RuleAccountFirst && !strings.Contains(p.Notices[0].Message, "AGLOBEX00001") {
				t.Errorf("notice %q does not name the account chosen", p.Notices[0].Message)
			}
		})
	}
}

// TestOneNewAccountPerName: two new contacts of the same unknown company
// share one new account.
func TestOneNewAccountPerName(t *testing.T) {
	p := mustReconcile(t, State{}, dump(), folder(
		person("", "first=Ann", "last=Lee", "company=Umbrella", "email1=ann@umbrella.example"),
		person("", "first=Bob", "last=Ray", "company=Umbrella", "email1=bob@umbrella.example"),
	), DefaultPolicy(specUser))
	if len(p.CRM.New.Contacts()) != 2 || len(p.CRM.NewAccounts) != 1 || p.CRM.NewAccounts[0].Name != "Umbrella" {
		t.Errorf("created %d contacts and accounts %+v, want 2 contacts and one account Umbrella", len(p.CRM.New.Contacts()), p.CRM.NewAccounts)
	}
}

// TestNameAccountNeverFlowsBackAsCompany: the account named after a contact
// without company is the contact's company in the CRM, but it means "no
// company" to Outlook, in every later cycle.
func TestNameAccountNeverFlowsBackAsCompany(t *testing.T) {
	w := newWorld(t, dump(), folder(person("", "first=Eve", "last=Gray", "email1=eve@example.com", "phone_business=111")))
	w.sync()
	if got := w.crm.Contacts[0].Values[contact.Company]; got != "Eve Gray" {
		t.Fatalf("CRM company of the new contact = %q, want the name account %q", got, "Eve Gray")
	}
	w.syncQuiet()

	// An edit on the CRM side sends the changed field only; the company
	// stays empty in Outlook.
	id := trimID(w.crm.Contacts[0].Key)
	w.editCRM(id, "phone_business", "222", w.now)
	p := w.sync()
	if o := w.outlookContact("eve@example.com"); o.Values[contact.Company] != "" || o.Values[contact.PhoneBusiness] != "222" {
		t.Errorf("Outlook after a CRM edit: company %q phone %q; want \"\" and 222\n%s", o.Values[contact.Company], o.Values[contact.PhoneBusiness], planText(p))
	}
	if hasChange(p, Change{Side: anySide, Field: "company"}) {
		t.Errorf("the name account travels as a company:\n%s", planText(p))
	}
	w.syncQuiet()

	// An edit on the Outlook side does not reset the CRM company either.
	w.editOutlook("eve@example.com", "job_title", "CTO", w.now)
	p = w.sync()
	if u := crmUpdate(p, id); u == nil || u.Values[contact.Company] != "Eve Gray" || u.Values[contact.JobTitle] != "CTO" {
		t.Errorf("CRM update after an Outlook edit = %+v, want title CTO and company still Eve Gray\n%s", u, planText(p))
	}
	w.syncQuiet()

	// Giving the contact a company in Outlook moves it to that account.
	w.editOutlook("eve@example.com", "company", "Acme", w.now)
	p = w.sync()
	if u := crmUpdate(p, id); u == nil || u.Values[contact.Company] != "Acme" {
		t.Errorf("CRM update after Outlook set a company = %+v, want company Acme\n%s", u, planText(p))
	}
	if len(p.CRM.NewAccounts) != 1 || p.CRM.NewAccounts[0].Name != "Acme" {
		t.Errorf("new accounts = %+v, want Acme", p.CRM.NewAccounts)
	}
	w.syncQuiet()
	if o := w.outlookContact("eve@example.com"); o.Values[contact.Company] != "Acme" {
		t.Errorf("Outlook company = %q, want Acme", o.Values[contact.Company])
	}
}

// TestCompanyClearedInOutlookUsesNameAccount: clearing the company in
// Outlook cannot leave a CRM contact without account; it moves to an
// account named after the contact, which again reads as "no company".
func TestCompanyClearedInOutlookUsesNameAccount(t *testing.T) {
	crm := dump(person("C1", "first=Ann", "last=Lee", "company=Acme", "email1=ann@example.com"))
	crm.Accounts = []contact.Account{{ID: "A1", Name: "Acme"}}
	w := newWorld(t, crm, folder(person("", "first=Ann", "last=Lee", "company=Acme", "email1=ann@example.com")))
	w.sync()
	w.editOutlook("ann@example.com", "company", "", w.now)
	p := w.sync()
	if u := crmUpdate(p, "C1"); u == nil || u.Values[contact.Company] != "Ann Lee" {
		t.Errorf("CRM update = %+v, want company %q (a name account)\n%s", u, "Ann Lee", planText(p))
	}
	w.syncQuiet()
	if o := w.outlookContact("ann@example.com"); o.Values[contact.Company] != "" {
		t.Errorf("Outlook company = %q, want empty", o.Values[contact.Company])
	}
}

// TestExistingNameAccountIsNoCompany: a CRM contact filed under an account
// named after the person ("Ilse Brandt") links to an Outlook contact without
// company, and Outlook does not get the person's name as its company.
func TestExistingNameAccountIsNoCompany(t *testing.T) {
	w := newWorld(t,
		dump(person("C1", "first=Ilse", "last=Brandt", "company=Ilse Brandt", "email1=ilse@example.com"),
			person("C2", "first=Ann", "last=Lee", "company=Lee, Ann", "email1=ann@example.com"),
			person("C3", "first=Bob", "last=Ray", "company=Acme", "email1=bob@example.com")),
		folder(person("", "first=Ilse", "last=Brandt", "email1=ilse@example.com"),
			person("", "first=Ann", "last=Lee", "email1=ann@example.com"),
			person("", "first=Bob", "last=Ray", "email1=bob@example.com")))
	p := w.sync()
	for _, key := range []string{"ilse@example.com", "ann@example.com"} {
		for _, c := range p.Outlook.Folder() {
			if c.Values[contact.Email1] == key && c.Values[contact.Company] != "" {
				t.Errorf("%s got the company %q in Outlook:\n%s", key, c.Values[contact.Company], planText(p))
			}
		}
	}
	if !hasChange(p, Change{Side: Outlook, Op: OpUpdate, Field: "company", New: "Acme"}) {
		t.Errorf("a real company is still copied to Outlook:\n%s", planText(p))
	}
	w.syncQuiet()
	// A company typed in Outlook later goes to the CRM as a real change.
	w.editOutlook("ilse@example.com", "company", "Brandt GmbH", w.now.Add(time.Hour))
	p = w.sync()
	if !hasChange(p, Change{Side: CRM, Op: OpUpdate, Field: "company", New: "Brandt GmbH"}) {
		t.Errorf("the new company did not reach the CRM:\n%s", planText(p))
	}
}
