package engine

import (
	"testing"
	"time"

	"contactsync/engine/contact"
)

func mk(key, first, last, email, company, phone string) contact.Contact {
	var c contact.Contact
	c.Key = key
	c.Values[contact.First], c.Values[contact.Last] = first, last
	c.Values[contact.Email1], c.Values[contact.Company] = email, company
	c.Values[contact.PhoneBusiness] = phone
	return c
}

// applyPlan plays the role of both imports, so cycles can be chained.
func applyPlan(t *testing.T, crm CRMInput, p *Plan, now time.Time) (CRMInput, OutlookInput) {
	t.Helper()
	byID := map[string]int{}
	for i, c := range crm.Contacts {
		byID[c.Key] = i
	}
	out := CRMInput{Accounts: crm.Accounts, HasSyncGroup: crm.HasSyncGroup, SyncGroup: crm.SyncGroup}
	out.Contacts = append(out.Contacts, crm.Contacts...)
	for _, u := range p.CRM.Updates.Contacts() {
		i, ok := byID[u.Key]
		if !ok {
			t.Fatalf("update of unknown CRM contact %q", u.Key)
		}
		u.Modified = now
		out.Contacts[i] = u
	}
	for i, n := range p.CRM.New.Contacts() {
		n.Key = "CNEW" + string(rune('A'+i))
		n.Modified = now
		out.Contacts = append(out.Contacts, n)
		out.SyncGroup = append(out.SyncGroup, n.Key)
	}
	return out, OutlookInput{Contacts: p.Outlook.Folder()}
}

func TestSmokeCycles(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	crm := CRMInput{
		Contacts: []contact.Contact{
			mk("C1", "Ann", "Lee", "ann@example.com", "Acme", "111"),
			mk("C2", "Bob", "Ray", "bob@example.com", "Acme", ""),
		},
		Accounts: []contact.Account{{ID: "A1", Name: "Acme"}},
	}
	ol := OutlookInput{Contacts: []contact.Contact{
		mk("", "Ann", "Lee", "ANN@example.com", "Acme", "222"),
		mk("", "Cy", "Doe", "cy@example.com", "Newco", ""),
	}}
	for i := range crm.Contacts {
		crm.Contacts[i].Modified = t0
	}
	for i := range ol.Contacts {
		ol.Contacts[i].Modified = t0.Add(time.Hour)
	}
	p, err := Reconcile(State{}, crm, ol, DefaultPolicy("U1"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Counts.Linked != 1 || p.Counts.CRMCreated != 1 || p.Counts.OutlookCreated != 1 || p.Counts.Conflicts != 1 { // the phone; ANN@ and ann@ are the same address
		t.Fatalf("cycle 1 counts = %+v", p.Counts)
	}
	st := State{Cycle: 1, User: "U1", Mapping: p.Mapping, NextLinkID: p.NextLinkID}
	for _, l := range p.Links {
		st.Links = append(st.Links, l.Link)
	}
	crm2, ol2 := applyPlan(t, crm, p, t0.Add(2*time.Hour))
	p2, err := Reconcile(st, crm2, ol2, DefaultPolicy("U1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p2.Changes) != 0 {
		var b []string
		for _, c := range p2.Changes {
			b = append(b, c.Line())
		}
		t.Fatalf("cycle 2 changes = %d, want 0:\n%v", len(p2.Changes), b)
	}
}
