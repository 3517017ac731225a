package engine

import (
	"strings"
	"testing"

	"contactsync/engine/contact"
)

// TestUndoSpec covers the cases of Undo the command-line scenario does not
// reach: a link the undone cycle closed (its CRM contact deleted in the
// CRM) comes back as a new link created on both sides; a contact the
// undone cycle created in the CRM whose CONTACTID no cycle has read back is
// left to the user with a notice; a link that ended after the undone cycle
// is not brought back.
func TestUndoSpec(t *testing.T) {
	ann := person("", "first=Ann", "last=Lee", "company=Acme", "email1=ann@example.com").Values
	bob := person("", "first=Bob", "last=Roe", "email1=bob@example.com").Values
	live := Link{ID: 1, CRMID: "C1", OutlookKey: SyncKey(1), Base: &ann}
	fresh := Link{ID: 2, OutlookKey: SyncKey(2), Base: &bob}
	fresh.SetPending(Pending{Op: OpCreate}, Pending{Op: OpCreate})
	// Link 3 is untouched: the last cycle's pending work on it stays, for
	// the next sync to check (an undo reads no export).
	other := Link{ID: 3, CRMID: "C3", OutlookKey: SyncKey(3), Base: &bob}
	other.SetPendingCRM(Pending{Op: OpUpdate, Fields: []contact.Field{contact.Last}, Old: []string{"Ro"}})
	st := State{Cycle: 3, User: specUser, Mapping: MappingText(DefaultMapping), NextLinkID: 4, Links: []Link{fresh, other}}
	u := &UndoInput{Cycle: 3, Links: []UndoLink{
		{ID: 1, Before: &live, After: live, ClosedBy: 3},
		{ID: 2, Opened: true, After: fresh},
	}, Changes: []Change{{Link: 2, Side: CRM, Op: OpCreate}}}
	p, rep, err := Undo(st, u, DefaultPolicy(specUser))
	if err != nil {
		t.Fatal(err)
	}
	if p.Cycle != 4 || p.NextLinkID != 5 {
		t.Fatalf("cycle %d, next link id %d; want 4 and 5", p.Cycle, p.NextLinkID)
	}
	if len(p.CRM.New.Contacts()) != 1 || p.CRM.New.Contacts()[0].Values[contact.Email1] != "ann@example.com" || len(p.Outlook.New.Contacts()) != 1 || p.Outlook.New.Contacts()[0].Key != SyncKey(4) {
		t.Errorf("Ann comes back as new link 4 on both sides; CRM new %+v, Outlook new %+v", p.CRM.New.Contacts(), p.Outlook.New.Contacts())
	}
	var l2, l3, l4 *LinkState
	for i := range p.Links {
		switch p.Links[i].ID {
		case 2:
			l2 = &p.Links[i]
		case 3:
			l3 = &p.Links[i]
		case 4:
			l4 = &p.Links[i]
		}
	}
	if l3 == nil || l3.Changed || l3.PendingCRM().Op != OpUpdate {
		t.Errorf("untouched link 3 = %+v, want it unchanged with its pending update", l3)
	}
	if l2 == nil || l2.Detached != Outlook || l2.PendingOutlook().Op != "" || l2.PendingCRM().Op != "" {
		t.Errorf("link 2 = %+v, want it detached without the creations it waited for", l2)
	}
	if l4 == nil || !l4.Changed || l4.PendingCRM().Op != OpCreate || l4.PendingOutlook().Op != OpCreate || *l4.Values() != ann {
		t.Errorf("link 4 = %+v, want a new link waiting for both creations with Ann's base", l4)
	}
	if len(p.Outlook.Deleted()) != 1 || p.Outlook.Deleted()[0].Key != SyncKey(2) || len(p.CRM.GroupRemove) != 0 {
		t.Errorf("Bob leaves Outlook, and no CONTACTID can leave the group: deleted %+v, group-remove %q", p.Outlook.Deleted(), p.CRM.GroupRemove)
	}
	if len(rep.Administrator) != 1 || !rep.Administrator[0].Created || rep.Administrator[0].ContactID != "" {
		t.Errorf("administrator rows %+v, want Bob as created without a CONTACTID", rep.Administrator)
	}
	var noted bool
	for _, n := range p.Notices {
		noted = noted || strings.Contains(n.Message, "has no CONTACTID in the journal yet")
	}
	if !noted {
		t.Errorf("notices %+v, want one about the missing CONTACTID", p.Notices)
	}
	for _, c := range p.Changes {
		if c.Rule != "undo-of-cycle-3" {
			t.Errorf("change %+v: rule %q", c, c.Rule)
		}
	}

	if c := p.CRM.New.Contacts()[0]; c.CRM.AccountID != "" || c.Values[contact.Company] != "Acme" || len(p.CRM.NewAccounts) != 0 {
		t.Errorf("without a dump the account is named only: %+v, new accounts %+v", c, p.CRM.NewAccounts)
	}
	// With the dump's accounts: the account named like the company, else
	// a new one.
	u.Accounts = []contact.Account{{ID: "A1", Name: "Acme", Owner: "S1"}}
	if p, _, _ = Undo(st, u, DefaultPolicy(specUser)); p.CRM.New.Contacts()[0].CRM.AccountID != "A1" || p.CRM.New.Contacts()[0].CRM.Owner != "S1" {
		t.Errorf("account of the contact created again = %+v, want A1 owned by S1", p.CRM.New.Contacts()[0].CRM)
	}
	u.Accounts = []contact.Account{{ID: "A2", Name: "Other"}}
	if p, _, _ = Undo(st, u, DefaultPolicy(specUser)); len(p.CRM.NewAccounts) != 1 || p.CRM.NewAccounts[0].Name != "Acme" || p.CRM.NewAccounts[0].Type != "Prospect" || p.Counts.AccountsNew != 1 {
		t.Errorf("new accounts = %+v, want a new Prospect account Acme", p.CRM.NewAccounts)
	}
	u.Accounts = nil

	// Ended after the undone cycle: not brought back.
	u.Links[0].ClosedBy, u.Links[0].ChangedAfter = 5, true
	st.Cycle = 5
	p, _, err = Undo(st, u, DefaultPolicy(specUser))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.CRM.New.Contacts()) != 0 || len(p.Outlook.New.Contacts()) != 0 {
		t.Errorf("a link ended after the undone cycle came back: %+v %+v", p.CRM.New.Contacts(), p.Outlook.New.Contacts())
	}
}

// TestDiscardSpec: a discard closes the links the cycle opened, restores
// the rows it replaced, reopens the links it closed, and puts back the
// pending work of the cycle before.
func TestDiscardSpec(t *testing.T) {
	ann := person("", "first=Ann", "email1=ann@example.com").Values
	annNew := ann
	annNew[contact.PhoneBusiness] = "999"
	before := Link{ID: 1, CRMID: "C1", OutlookKey: SyncKey(1), Base: &ann}
	after := before
	after.Base = &annNew
	after.SetPendingOutlook(Pending{Op: OpUpdate, Fields: []contact.Field{contact.PhoneBusiness}, Old: []string{""}})
	gone := Link{ID: 2, CRMID: "C2", OutlookKey: SyncKey(2)}
	opened := Link{ID: 3, CRMID: "C3", OutlookKey: SyncKey(3)}
	st := State{Cycle: 2, User: specUser, NextLinkID: 4, Links: []Link{after, opened}}
	u := &UndoInput{Cycle: 2, Links: []UndoLink{
		{ID: 1, Before: &before, After: after},
		{ID: 2, Before: &gone, After: gone, ClosedBy: 2},
		{ID: 3, Opened: true, After: opened},
	}, PendingBefore: map[int64]LinkPending{2: {CRM: Pending{Op: OpCreate}}}}
	p, reopen, err := Discard(st, u)
	if err != nil {
		t.Fatal(err)
	}
	if len(reopen) != 1 || reopen[0] != 2 || len(p.Closed) != 1 || p.Closed[0] != 3 {
		t.Fatalf("reopen %v, closed %v; want [2] and [3]", reopen, p.Closed)
	}
	if len(p.Links) != 2 || p.Links[0].ID != 1 || p.Links[1].ID != 2 {
		t.Fatalf("links %+v, want 1 and 2", p.Links)
	}
	if *p.Links[0].Values() != ann || p.Links[0].PendingOutlook().Op != "" || !p.Links[0].Changed {
		t.Errorf("link 1 = %+v, want its base before the cycle and no pending work", p.Links[0])
	}
	if p.Links[1].PendingCRM().Op != OpCreate {
		t.Errorf("link 2 = %+v, want the pending creation of the cycle before", p.Links[1])
	}
	if _, _, err := Discard(State{Cycle: 3}, u); err == nil {
		t.Error("a cycle that is not the last was discarded")
	}
}
