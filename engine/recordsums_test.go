package engine

import (
	"fmt"
	"testing"

	"contactsync/engine/contact"
)

// TestRecordSumsOfManyLinks: a first cycle that makes several batches of
// new links of every kind (linked by e-mail and agreeing, created in the
// CRM, created in Outlook) gives each the BaseSum of the base it holds, as
// SumValues makes it, whether its sum was made by the goroutine or by
// Reconcile itself (the last batch), with values that cleaning changes
// (blanks, an e-mail's letter case and wrapping).
func TestRecordSumsOfManyLinks(t *testing.T) {
	const n = 3*sumBatchSize + 77
	var crm, ol []contact.Contact
	for i := range n {
		var c contact.Contact
		c.Key = fmt.Sprintf("C%d", i)
		v := &c.Values
		v[contact.First], v[contact.Last] = fmt.Sprintf(" Ann%d", i), "Doe "
		v[contact.Company] = fmt.Sprintf("Acme %d", i%7)
		v[contact.Email1] = fmt.Sprintf("Ann.%d@Example.com", i)
		if i%3 == 0 {
			v[contact.Email1] = fmt.Sprintf("Ann <ann.%d@example.COM>", i)
		}
		if i%5 == 0 {
			v[contact.PhoneBusiness] = fmt.Sprintf(" +1 555 %04d ", i)
		}
		switch i % 4 {
		case 0, 1: // on both sides, agreeing: linked by e-mail
			crm = append(crm, c)
			o := c
			o.Key = ""
			ol = append(ol, o)
		case 2: // the CRM's alone: created in Outlook
			crm = append(crm, c)
		case 3: // Outlook's alone: created in the CRM
			c.Key = ""
			ol = append(ol, c)
		}
	}
	p, err := Reconcile(State{NextLinkID: 1}, CRMInput{Contacts: crm}, OutlookInput{Contacts: ol}, DefaultPolicy("U1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Links) != n {
		t.Fatalf("%d links, want %d", len(p.Links), n)
	}
	for i := range p.Links {
		l := &p.Links[i].Link
		v := l.Values()
		if v == nil {
			t.Fatalf("link %d has no base", l.ID)
		}
		if l.BaseSum.IsZero() || l.BaseSum != SumValues(v) {
			t.Fatalf("link %d: BaseSum %x is not its base's %x (%q)", l.ID, l.BaseSum, SumValues(v), v[contact.First])
		}
	}
}

// TestRecordSumsHashEachInput: every link's sum is the hash of its own
// input, whichever goroutine hashed its batch (the sums' goroutine, or the
// reconciler when the goroutine is behind or when it waits), and wait
// leaves nothing running; a second round starts afresh.
func TestRecordSumsHashEachInput(t *testing.T) {
	var s recordSums
	for round := range 2 {
		n := 40*sumBatchSize + 3
		if round == 1 {
			n = sumBatchSize - 1 // no goroutine
		}
		sums := make([]BaseSum, n)
		for k := range sums {
			in := s.input()
			in = appendSumValue(in, contact.First, fmt.Sprintf("value %d of round %d", k, round))
			s.later(&sums[k], in)
		}
		s.wait()
		if s.work != nil || s.batch != nil {
			t.Fatalf("round %d: wait left its goroutine or a batch", round)
		}
		for k := range sums {
			var b sumBuilder
			b.add(contact.First, fmt.Sprintf("value %d of round %d", k, round))
			if sums[k] != b.sum() {
				t.Fatalf("round %d: sum %d is not its input's", round, k)
			}
		}
	}
}
