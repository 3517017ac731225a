package engine

import (
	"testing"
	"time"

	"contactsync/engine/contact"
)

// TestCleanValues: what goes into a field on either side is clean: the bare
// address in an e-mail field ("mailto:" and "Name <addr>" unwrapped), no
// surrounding blanks anywhere. A difference of letter case alone between
// two e-mails, or of surrounding blanks in any field, is no change and no
// conflict; the CRM's value is kept.
func TestCleanValues(t *testing.T) {
	crm := dump(
		person("C1", "first=Ann", "last=Lee", "email1=Ann.Lee@Acme.example", "job_title=Buyer"),
		person("C2", "first=Bob", "last=Ray", "email1=mailto:bob@acme.example", "email2= Bob Ray <BOB@home.example> "),
	)
	ol := folder(
		person("", "first=Ann", "last=Lee", "email1=ann.lee@acme.example", "job_title=Buyer  "),
		person("", "first=Cy", "last=Doe", "email1=MAILTO:cy@acme.example", "email2=\"Doe, Cy\" <cy@home.example>", "company= Acme ", "job_title=\tCEO "),
	)
	w := newWorld(t, crm, ol)
	p := w.sync()
	if n := len(p.Conflicts); n != 0 {
		t.Errorf("%d conflicts; letter case and blanks are no conflict:\n%s", n, planText(p))
	}
	if l := linkOf(p, "C1"); l == nil || l.Values()[contact.Email1] != "Ann.Lee@Acme.example" || l.Values()[contact.JobTitle] != "Buyer" {
		t.Errorf("Ann's link = %+v; want the CRM's e-mail kept as the base and the title without blanks", l)
	}
	if hasChange(p, Change{Link: linkOf(p, "C1").ID, Side: anySide, Op: OpUpdate}) {
		t.Errorf("Ann, the same on both sides but for case and blanks, is updated:\n%s", planText(p))
	}
	if len(p.CRM.New.Contacts()) != 1 {
		t.Fatalf("CRM creations = %d, want Cy", len(p.CRM.New.Contacts()))
	}
	cy := p.CRM.New.Contacts()[0].Values
	for f, want := range map[contact.Field]string{contact.Email1: "cy@acme.example", contact.Email2: "cy@home.example", contact.Company: "Acme", contact.JobTitle: "CEO"} {
		if cy[f] != want {
			t.Errorf("Cy created in the CRM with %s = %q, want %q", f, cy[f], want)
		}
	}
	if len(p.Outlook.New.Contacts()) != 1 {
		t.Fatalf("Outlook creations = %d, want Bob", len(p.Outlook.New.Contacts()))
	}
	if bob := p.Outlook.New.Contacts()[0].Values; bob[contact.Email1] != "bob@acme.example" || bob[contact.Email2] != "BOB@home.example" {
		t.Errorf("Bob created in Outlook with e-mails %q, %q; want the bare addresses", bob[contact.Email1], bob[contact.Email2])
	}
	for _, c := range p.Outlook.Folder() {
		for _, f := range []contact.Field{contact.Email1, contact.Email2, contact.JobTitle, contact.Company} {
			if v := c.Values[f]; v != contact.Clean(f, v) {
				t.Errorf("the Outlook folder holds %s = %q", f, v)
			}
		}
	}
	w.syncQuiet()

	// Letter case and blanks changed on one side only: nothing to do.
	later := w.now.Add(time.Hour)
	w.editOutlook("ann.lee@acme.example", "email1", "Ann Lee <ANN.LEE@ACME.EXAMPLE>", later)
	w.editCRM("C2", "job_title", "  ", later)
	w.editCRM("C2", "email1", "BOB@acme.example", later)
	if p := w.sync(); quiet(p) != "" {
		t.Errorf("a change of case or blanks alone is synced: %s\n%s", quiet(p), planText(p))
	}
	// A real change elsewhere in the record sends the whole CRM row clean.
	w.editCRM("C2", "email2", "mailto:Bob Ray <bob@work.example>", later)
	w.editOutlook("ANN.LEE@ACME.EXAMPLE", "phone_business", " 555 ", later) // the folder holds the bare address
	p = w.sync()
	if u := crmUpdate(p, "C1"); u == nil || u.Values[contact.PhoneBusiness] != "555" || u.Values[contact.Email1] != "Ann.Lee@Acme.example" {
		t.Errorf("CRM update of Ann = %+v; want phone 555 and her CRM e-mail", u)
	}
	if !hasChange(p, Change{Side: Outlook, Op: OpUpdate, Field: "email2", New: "bob@work.example"}) {
		t.Errorf("Bob's new e-mail 2 does not reach Outlook bare:\n%s", planText(p))
	}
	w.syncQuiet()
}
