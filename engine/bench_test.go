package engine

import (
	"fmt"
	"testing"

	"contactsync/fixtures/synth"
)

// BenchmarkReconcile measures a first cycle (everything links or is
// created) and a second cycle with about 1% of the links changed, for
// 100,000 and 1,000,000 contacts per side (DESIGN §11).
func BenchmarkReconcile(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		s := synth.Generate(n, 1, 0.8, 0.1)
		crm := CRMInput{Contacts: s.CRM, Accounts: s.Accounts}
		ol := OutlookInput{Contacts: s.Outlook}
		p := DefaultPolicy("U1")
		b.Run(fmt.Sprintf("first/%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := Reconcile(State{}, crm, ol, p); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(2*n*b.N)/b.Elapsed().Seconds(), "contacts/s")
		})
		first, err := Reconcile(State{}, crm, ol, p)
		if err != nil {
			b.Fatal(err)
		}
		st := State{Cycle: 1, User: "U1", Mapping: first.Mapping, NextLinkID: first.NextLinkID}
		for _, l := range first.Links {
			st.Links = append(st.Links, l.Link)
		}
		// The second cycle sees the first one's outputs applied, 1% edited.
		ol2 := OutlookInput{Contacts: append(first.Outlook.Folder()[:0:0], first.Outlook.Folder()...)}
		for i := 0; i < len(ol2.Contacts); i += 100 {
			ol2.Contacts[i].Values[5+i%3] += " (edited)"
		}
		crm2 := crm
		crm2.Contacts = append(crm.Contacts[:0:0], crm.Contacts...)
		for _, u := range first.CRM.Updates.Contacts() {
			_ = u // updates were applied: the base already holds them
		}
		b.Run(fmt.Sprintf("second-1pct/%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				p2 := p
				p2.Force = true // the unapplied CRM creations of cycle 1 are not simulated here
				if _, err := Reconcile(st, crm2, ol2, p2); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(2*n*b.N)/b.Elapsed().Seconds(), "contacts/s")
		})
	}
}
