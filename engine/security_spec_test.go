package engine

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"contactsync/engine/contact"
)

func owned(c contact.Contact, owner string) contact.Contact {
	c.CRM.Owner = owner
	return c
}

// TestVisibility: CRM contacts whose owner the syncing user may not see are
// neither sent to Outlook, nor linked by e-mail, nor changed; the plan
// counts them. A linked contact that becomes invisible leaves Outlook like
// one that left the sync group.
func TestVisibility(t *testing.T) {
	crm := dump(
		owned(person("C1", "first=Ann", "last=Lee", "email1=ann@example.com"), contact.Everyone),
		owned(person("C2", "first=Bob", "last=Ray", "email1=bob@example.com"), "F00000000001"),
		owned(person("C3", "first=Cy", "last=Doe", "email1=cy@example.com"), "F00000000002"),
	)
	crm.Visible = map[string]bool{"F00000000001": true}
	w := newWorld(t, crm, folder(person("", "first=Cy", "last=Doe", "email1=cy@example.com", "job_title=Boss")))
	p := w.sync()
	if p.Counts.NotVisible != 1 {
		t.Errorf("NotVisible = %d, want 1", p.Counts.NotVisible)
	}
	if linkOf(p, "C3") != nil {
		t.Errorf("the invisible C3 was linked:\n%s", planText(p))
	}
	if crmUpdate(p, "C3") != nil {
		t.Errorf("the invisible C3 was changed")
	}
	for _, c := range p.Outlook.New.Contacts() {
		if c.Values[contact.Email1] == "cy@example.com" {
			t.Errorf("the invisible C3 was sent to Outlook")
		}
	}
	if linkOf(p, "C1") == nil || linkOf(p, "C2") == nil {
		t.Fatalf("visible contacts not synced:\n%s", planText(p))
	}
	w.syncQuiet()

	// Bob's owner is taken away from the user: Bob leaves Outlook.
	w.crm.Visible = map[string]bool{}
	p = w.sync()
	if !hasChange(p, Change{Side: Outlook, Op: OpDelete, Rule: RuleNotVisible}) {
		t.Errorf("Bob did not leave Outlook by %s:\n%s", RuleNotVisible, planText(p))
	}
}

// TestFieldDirections: a mapping can make single fields one-way; such a
// field's other-way change is held and journaled, and its conflicts go to
// the side it flows from.
func TestFieldDirections(t *testing.T) {
	w := newWorld(t,
		dump(person("C1", "first=Ann", "last=Lee", "email1=ann@example.com", "job_title=Buyer", "phone_business=1")),
		folder(person("", "first=Ann", "last=Lee", "email1=ann@example.com", "job_title=Buyer", "phone_business=1")))
	w.pol.FieldDirections = map[contact.Field]Direction{contact.JobTitle: ToOutlook}
	w.sync()
	w.syncQuiet()
	later := w.now.Add(time.Hour)
	w.editOutlook("ann@example.com", "job_title", "Chief Buyer", later)
	w.editOutlook("ann@example.com", "phone_business", "2", later)
	p := w.sync()
	if !hasChange(p, Change{Side: CRM, Op: OpHeld, Field: "job_title", Rule: RuleDirection}) {
		t.Errorf("the Outlook job title was not held:\n%s", planText(p))
	}
	if !hasChange(p, Change{Side: CRM, Op: OpUpdate, Field: "phone_business", New: "2", Rule: RuleChangedInOutlook}) {
		t.Errorf("the two-way phone was not sent to the CRM:\n%s", planText(p))
	}
	if p.Mapping == MappingText(DefaultMapping) || !strings.Contains(p.Mapping, "job_title:to-outlook") {
		t.Errorf("mapping %q does not record the field's direction", p.Mapping)
	}
}

// mentions reports which of words a plan names anywhere a person or the
// journal reads: its text, its JSON lines and its outputs.
func mentions(t *testing.T, p *Plan, words ...string) []string {
	t.Helper()
	var b strings.Builder
	if err := p.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if err := p.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	for _, cs := range [][]contact.Contact{p.CRM.New.Contacts(), p.CRM.Updates.Contacts(), p.Outlook.Folder(), p.Outlook.Deleted()} {
		for _, c := range cs {
			fmt.Fprintf(&b, "%s %s %s %v\n", c.Key, c.CRM.AccountID, c.CRM.Owner, c.Values)
		}
	}
	for _, a := range p.CRM.NewAccounts {
		fmt.Fprintf(&b, "%+v\n", a)
	}
	fmt.Fprintln(&b, p.CRM.GroupAdd, p.CRM.GroupRemove)
	var found []string
	for _, w := range words {
		if strings.Contains(b.String(), w) {
			found = append(found, w)
		}
	}
	return found
}

// TestHiddenAccounts: an account whose owner the syncing user may not see
// does not exist for them (DESIGN §6). A new contact whose company matches
// only hidden accounts gets a new account; among several, the first
// visible one is used; nothing names a hidden account; and the contact,
// once the CRM created it, stays visible and stays in Outlook.
func TestHiddenAccounts(t *testing.T) {
	const hidden, mine = "SECHIDDEN001", "SECMINE00001"
	crm := dump()
	crm.Visible = map[string]bool{mine: true}
	crm.Accounts = []contact.Account{
		{ID: "AHIDDEN00001", Name: "Acme", Owner: hidden},
		{ID: "AHIDDEN00002", Name: "Globex", Owner: hidden},
		{ID: "AGLOBEX00003", Name: "Globex", Owner: mine},
		{ID: "AHIDDEN00004", Name: "Globex", Owner: hidden},
		{ID: "AGLOBEX00005", Name: "Globex", Owner: contact.Everyone},
	}
	w := newWorld(t, crm, folder(
		person("", "first=Ann", "last=Lee", "company=Acme", "email1=ann@acme.example"),
		person("", "first=Bob", "last=Ray", "company=Globex", "email1=bob@globex.example"),
	))
	p, err := w.plan()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]contact.Contact{}
	for _, n := range p.CRM.New.Contacts() {
		byName[n.Values[contact.First]] = n
	}
	if ann := byName["Ann"]; ann.CRM.AccountID != "" || ann.CRM.Owner != contact.Everyone {
		t.Errorf("Ann (company Acme, only hidden accounts) got account %q owner %q; want a new account owned by Everyone", ann.CRM.AccountID, ann.CRM.Owner)
	}
	if len(p.CRM.NewAccounts) != 1 || p.CRM.NewAccounts[0].Name != "Acme" {
		t.Errorf("new accounts = %+v, want a new Acme", p.CRM.NewAccounts)
	}
	if bob := byName["Bob"]; bob.CRM.AccountID != "AGLOBEX00003" || bob.CRM.Owner != mine {
		t.Errorf("Bob (company Globex) got account %q owner %q; want the first visible Globex AGLOBEX00003 owned by %s", bob.CRM.AccountID, bob.CRM.Owner, mine)
	}
	// Two visible Globex accounts: the choice is reported, counting only those.
	found := false
	for _, n := range p.Notices {
		if n.Kind == "several-accounts" {
			found = true
			if !strings.Contains(n.Message, "2 accounts") {
				t.Errorf("notice %q counts hidden accounts", n.Message)
			}
		}
	}
	if !found {
		t.Errorf("no several-accounts notice for the two visible Globex accounts: %v", p.Notices)
	}
	if m := mentions(t, p, "AHIDDEN", hidden); len(m) > 0 {
		t.Errorf("the plan names hidden records: %q\n%s", m, planText(p))
	}
	w.sync()
	// The CRM created both; they are the user's and stay in Outlook.
	p = w.sync()
	if n := len(p.Outlook.Deleted()); n != 0 {
		t.Errorf("%d of the user's own contacts go to Deleted Items:\n%s", n, planText(p))
	}
	if p.Counts.NotVisible != 0 {
		t.Errorf("the created contacts are not visible to the user: NotVisible = %d", p.Counts.NotVisible)
	}
	w.syncQuiet()
}

// TestHiddenContactNotClaimed: a contact the user may not see is never
// taken for one the CRM created from contactsync's outputs, nor linked by
// e-mail: nothing names it and no sync group change touches it.
func TestHiddenContactNotClaimed(t *testing.T) {
	const hidden = "SECHIDDEN001"
	crm := dump(person("C1", "first=Bob", "last=Ray", "email1=bob@example.com"))
	crm.Visible = map[string]bool{}
	crm.Accounts = []contact.Account{{ID: "A1", Name: "Acme"}}
	w := newWorld(t, crm, folder(
		person("", "first=Bob", "last=Ray", "email1=bob@example.com"),
		person("", "first=Ann", "last=Lee", "company=Acme", "email1=ann@example.com"),
	))
	w.sync()
	// The import of contacts-new.csv failed, but a hidden contact with
	// Ann's very name, company and e-mail is in the dump, outside the sync
	// group; the import of the rest (Bob's link) happened.
	w.crm.Contacts = slices.DeleteFunc(w.crm.Contacts, func(c contact.Contact) bool { return c.Values[contact.First] == "Ann" })
	w.crm.SyncGroup = []string{"C1"}
	w.crm.Contacts = append(w.crm.Contacts, owned(person("CHIDDEN00001", "first=Ann", "last=Lee", "company=Acme", "email1=ann@example.com"), hidden))
	w.ol.Contacts = append(w.ol.Contacts, person("", "first=Cy", "last=Doe", "email1=ann@example.com"))
	p, err := Reconcile(w.st, w.crm, w.ol, w.pol)
	if err != nil {
		if guardOf(err) == 0 {
			t.Fatal(err)
		}
		w.pol.Allow = []Guard{GuardNotImported}
		p, err = Reconcile(w.st, w.crm, w.ol, w.pol)
		if err != nil {
			t.Fatal(err)
		}
	}
	if m := mentions(t, p, "CHIDDEN00001"); len(m) > 0 {
		t.Errorf("the hidden contact is named or touched: %q\n%s", m, planText(p))
	}
	if slices.ContainsFunc(p.Links, func(l LinkState) bool { return l.CRMID == "CHIDDEN00001" }) {
		t.Errorf("the hidden contact was linked")
	}
}
