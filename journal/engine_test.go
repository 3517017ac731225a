package journal

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"contactsync/engine"
	"contactsync/engine/contact"
)

func mk(key, first, last, email, company, phone string, mod time.Time) contact.Contact {
	var c contact.Contact
	c.Key, c.Modified = key, mod
	c.Values[contact.First], c.Values[contact.Last] = first, last
	c.Values[contact.Email1], c.Values[contact.Company] = email, company
	c.Values[contact.PhoneBusiness] = phone
	return c
}

// imported plays both imports of a plan, so that cycles can be chained.
func imported(t *testing.T, crm engine.CRMInput, p *engine.Plan, now time.Time) (engine.CRMInput, engine.OutlookInput) {
	t.Helper()
	byID := map[string]int{}
	for i, c := range crm.Contacts {
		byID[c.Key] = i
	}
	out := crm
	out.Contacts = append([]contact.Contact(nil), crm.Contacts...)
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
	}
	return out, engine.OutlookInput{Contacts: p.Outlook.Folder()}
}

// The journal carries the engine from cycle to cycle: what Load returns is
// exactly the state the plan left, and an unchanged second cycle is quiet.
func TestJournalCarriesEngineCycles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sync.db")
	j := openTest(t, path)
	crm := engine.CRMInput{
		Contacts: []contact.Contact{
			mk("C1", "Ann", "Lee", "ann@example.com", "Acme", "111", t0),
			mk("C2", "Bob", "Ray", "bob@example.com", "Acme", "", t0),
		},
		Accounts: []contact.Account{{ID: "A1", Name: "Acme"}},
	}
	ol := engine.OutlookInput{Contacts: []contact.Contact{
		mk("", "Ann", "Lee", "ANN@example.com", "Acme", "222", t0.Add(time.Hour)),
		mk("", "Cy", "Doe", "cy@example.com", "", "", t0.Add(time.Hour)),
	}}
	st, err := j.Load()
	if err != nil {
		t.Fatal(err)
	}
	p1, err := engine.Reconcile(st, crm, ol, engine.DefaultPolicy("U1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p1.Changes) == 0 || len(p1.Conflicts) == 0 {
		t.Fatalf("cycle 1 decided nothing worth journaling: %+v", p1.Counts)
	}
	if err := j.Commit(p1, info(1)); err != nil {
		t.Fatal(err)
	}
	st, err = j.Load()
	if err != nil {
		t.Fatal(err)
	}
	want := engine.State{Cycle: 1, User: "U1", Mapping: p1.Mapping, NextLinkID: p1.NextLinkID}
	for _, l := range p1.Links {
		want.Links = append(want.Links, normal(l.Link))
	}
	st.Links = fullLinks(t, st)
	st.Bases = nil
	for i := range st.Links {
		st.Links[i] = normal(st.Links[i])
	}
	if !reflect.DeepEqual(st, want) {
		t.Fatalf("Load after cycle 1:\n%+v\nwant\n%+v", st, want)
	}
	jc, err := j.Changes(1)
	if want := p1.ChangesWithNew(); err != nil || !reflect.DeepEqual(jc, want) {
		t.Errorf("journaled changes differ from the plan's:\n%+v\n%+v", jc, want)
	}

	// Reopen, as the next run would, and run cycle 2 on the imported outputs.
	j.Close()
	j = openTest(t, path)
	st, err = j.Load()
	if err != nil {
		t.Fatal(err)
	}
	crm2, ol2 := imported(t, crm, p1, t0.Add(2*time.Hour))
	p2, err := engine.Reconcile(st, crm2, ol2, engine.DefaultPolicy("U1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p2.Changes) != 0 {
		t.Errorf("cycle 2 after importing cycle 1 has %d changes, want 0: %+v", len(p2.Changes), p2.Changes)
	}
	if err := j.Commit(p2, info(2)); err != nil {
		t.Fatal(err)
	}
	if err := j.Verify(); err != nil {
		t.Error(err)
	}
	// Cycle 3 on the same exports is quiet: the engine reads no base, and
	// the cycle writes no link row, no row version and no pending work.
	if st, err = j.Load(); err != nil {
		t.Fatal(err)
	}
	cb := &countingBases{b: st.Bases}
	st.Bases = cb
	p3, err := engine.Reconcile(st, crm2, ol2, engine.DefaultPolicy("U1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p3.Changes) != 0 || cb.n != 0 {
		t.Errorf("a quiet cycle made %d changes and read %d bases, want none", len(p3.Changes), cb.n)
	}
	if err := j.Commit(p3, info(3)); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"link_writes", "link_history", "pending"} {
		var n int
		if err := j.db.QueryRow(`SELECT count(*) FROM ` + table + ` WHERE cycle = 3`).Scan(&n); err != nil || n != 0 {
			t.Errorf("the quiet cycle 3 wrote %d rows into %s (%v), want none", n, table, err)
		}
	}
	if err := j.Verify(); err != nil {
		t.Error(err)
	}
	// Every conflict of cycle 1 is journaled as the plan had it.
	got, err := j.Conflicts(1)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(p1.Conflicts) {
		t.Fatalf("cycle 1 has %d conflicts in the journal, want %d", len(got), len(p1.Conflicts))
	}
	for i, c := range p1.Conflicts {
		if got[i].Link != c.Link || got[i].Field != c.Field || got[i].Winner != c.Winner || !got[i].CRMTime.Equal(c.CRMTime) {
			t.Errorf("conflict %d = %+v, want %+v", i, got[i], c)
		}
	}
}

// countingBases counts the bases the engine reads.
type countingBases struct {
	b engine.Bases
	n int
}

func (c *countingBases) Bases(ids []int64) ([]*contact.Values, error) {
	c.n += len(ids)
	return c.b.Bases(ids)
}
