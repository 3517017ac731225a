package engine

import (
	"strings"
	"testing"
	"time"
	"unsafe"

	"contactsync/engine/contact"
)

// TestPlanLetsGoOfStateKeys: the links of a plan do not point into the
// memory the state's loader kept their keys and name accounts in (a
// journal's chunks), whether their records are found (the records' keys
// are shared) or not (copied), so that memory can be let go.
func TestPlanLetsGoOfStateKeys(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	crm := CRMInput{Contacts: []contact.Contact{
		mk("C1", "Ann", "Lee", "ann@example.com", "Acme", "111"),
		mk("C2", "Bob", "Ray", "bob@example.com", "", ""),
		mk("C3", "Cy", "Doe", "cy@example.com", "Newco", ""),
	}, Accounts: []contact.Account{{ID: "A1", Name: "Acme"}}}
	ol := OutlookInput{Contacts: []contact.Contact{
		mk("", "Ann", "Lee", "ann@example.com", "Acme", "111"),
		mk("", "Bob", "Ray", "bob@example.com", "", ""),
		mk("", "Cy", "Doe", "cy@example.com", "Newco", ""),
	}}
	for i := range crm.Contacts {
		crm.Contacts[i].Modified = t0
	}
	p1, err := Reconcile(State{}, crm, ol, DefaultPolicy("U1"))
	if err != nil {
		t.Fatal(err)
	}
	crm2, ol2 := applyPlan(t, crm, p1, t0.Add(time.Hour))
	ol2.Contacts = ol2.Contacts[:2] // the third record is gone: its link's keys are not a record's
	// The state as a loader gives it: every key and name account a
	// substring of one block of memory.
	var block strings.Builder
	st := State{Cycle: p1.Cycle, User: p1.User, Mapping: p1.Mapping, NextLinkID: p1.NextLinkID}
	for _, ls := range p1.Links {
		l := ls.Link
		v := l.Values()
		l.DropBase()
		l.Base = v
		st.Links = append(st.Links, l)
		for _, s := range []string{l.CRMID, l.OutlookKey, l.NameAccount} {
			block.WriteString(s)
		}
	}
	all := block.String()
	at := 0
	for i := range st.Links {
		l := &st.Links[i]
		for _, s := range []*string{&l.CRMID, &l.OutlookKey, &l.NameAccount} {
			*s = all[at : at+len(*s)]
			at += len(*s)
		}
	}
	st.Arena = make([]LinkState, len(st.Links), len(st.Links)+4)
	for i := range st.Links {
		st.Arena[i].Link = st.Links[i]
	}
	st.Links = nil
	p2, err := Reconcile(st, crm2, ol2, DefaultPolicy("U1"))
	if err != nil {
		t.Fatal(err)
	}
	lo := uintptr(unsafe.Pointer(unsafe.StringData(all)))
	hi := lo + uintptr(len(all))
	found := 0
	for _, ls := range p2.Links {
		for _, s := range []string{ls.CRMID, ls.OutlookKey, ls.NameAccount} {
			if s == "" {
				continue
			}
			found++
			if p := uintptr(unsafe.Pointer(unsafe.StringData(s))); p >= lo && p < hi {
				t.Errorf("link %d: %q points into the state's memory", ls.ID, s)
			}
		}
	}
	if found < 4 {
		t.Fatalf("only %d keys in the plan's %d links", found, len(p2.Links))
	}
}
