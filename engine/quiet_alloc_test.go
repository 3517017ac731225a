package engine

import (
	"testing"
	"time"

	"contactsync/fixtures/synth"
)

// TestQuietLinksAllocateNothing: a later cycle in which nothing changed
// allocates no memory per link (the allocations do not grow with the
// links, beyond a few per thousand for the chunks and maps).
func TestQuietLinksAllocateNothing(t *testing.T) {
	perRun := func(n int) (float64, int) {
		st, crm, ol, p := quietCycle(t, n)
		var links int
		allocs := testing.AllocsPerRun(2, func() {
			plan, err := Reconcile(st, crm, ol, p)
			if err != nil {
				t.Fatal(err)
			}
			if len(plan.Changes) != 0 || len(plan.Outlook.Patches) != 0 {
				t.Fatalf("a quiet cycle made %d changes and %d patches", len(plan.Changes), len(plan.Outlook.Patches))
			}
			links = len(plan.Links)
		})
		return allocs, links
	}
	a1, l1 := perRun(2000)
	a2, l2 := perRun(4000)
	t.Logf("%.0f allocations for %d links, %.0f for %d", a1, l1, a2, l2)
	if per := (a2 - a1) / float64(l2-l1); per > 0.02 {
		t.Errorf("a quiet cycle allocates %.2f times per link (%.0f allocations for %d links, %.0f for %d)", per, a1, l1, a2, l2)
	}
}

// quietCycle returns the second cycle of n synthetic contacts a side whose
// first cycle's outputs were imported as they were: nothing to do. The
// state carries base sums only, as the journal loads it.
func quietCycle(t *testing.T, n int) (State, CRMInput, OutlookInput, Policy) {
	s := synth.Generate(n, 1, 0.8, 0.1)
	p := DefaultPolicy("U1")
	exported := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for i := range s.Outlook {
		s.Outlook[i].Modified = exported
	}
	crm, ol := CRMInput{Accounts: s.Accounts}, OutlookInput{}
	crm.Table, ol.Table = benchTables(p, s.CRM, s.Outlook)
	first, err := Reconcile(State{}, crm, ol, p)
	if err != nil {
		t.Fatal(err)
	}
	folder := first.Outlook.FolderOf(s.Outlook)
	st, bases := benchState(1, first, nil)
	crm2 := benchImportCRM(s.CRM, first)
	ct2, ot2 := benchTables(p, crm2, folder)
	second, err := Reconcile(st, CRMInput{Table: ct2, Accounts: s.Accounts}, OutlookInput{Table: ot2}, p)
	if err != nil {
		t.Fatal(err)
	}
	// The third cycle: the second's outputs imported too.
	st3, _ := benchState(2, second, bases)
	ct3, ot3 := benchTables(p, crm2, second.Outlook.FolderOf(folder))
	return st3, CRMInput{Table: ct3, Accounts: s.Accounts}, OutlookInput{Table: ot3}, p
}
