package contact

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// Values of every length read back, across the one-byte length (below
// 255) and the five-byte one.
func TestStringsLengths(t *testing.T) {
	p := NewStrings()
	tb := NewTableIn(p, []Field{Notes})
	var hs, as []Handle
	for n := 0; n < 600; n++ {
		v := strings.Repeat(string(rune('a'+n%26)), n)
		hs = append(hs, mustIntern(t, p, v))
		if err := tb.Add(&Contact{Values: Values{Notes: v}}); err != nil {
			t.Fatal(err)
		}
		as = append(as, tb.Handle(n, Notes))
	}
	for n := range hs {
		for _, h := range []Handle{hs[n], as[n]} {
			if got := p.Get(h); len(got) != n || strings.Count(got, string(rune('a'+n%26))) != n {
				t.Fatalf("a value of %d bytes reads as %d bytes", n, len(got))
			}
		}
		if (hs[n] == 0) != (n == 0) || (as[n] == 0) != (n == 0) {
			t.Fatalf("a value of %d bytes has handles %d and %d; only \"\" has 0", n, hs[n], as[n])
		}
	}
}

// The values unique to a record are appended, not interned: a sibling
// holding the same e-mail gets a handle of its own, SameValue still finds
// the values equal, and the pool's hash set does not hold them. Interned
// fields share their handles.
func TestTableAppended(t *testing.T) {
	if Interned(Email1) || Interned(PhoneMobile) || Interned(Notes) || !Interned(Company) || !Interned(BusinessCity) || !Interned(Last) {
		t.Fatal("Interned: e-mails, phones and notes are appended; companies, cities and names interned")
	}
	fields := []Field{Company, BusinessCity, PhoneMobile, Notes}
	a := NewTable(fields)
	b := a.Sibling()
	c := Contact{Key: "C1", Values: Values{First: "Ann", Last: "Lee", Company: "Acme", BusinessCity: "Springfield",
		Email1: "ann@example.com", PhoneMobile: "+1 555 0100", Notes: "met at the fair"}}
	for _, tb := range []*Table{a, b} {
		for range 2 {
			if err := tb.Add(&c); err != nil {
				t.Fatal(err)
			}
		}
	}
	other := NewTable(fields) // another pool
	if err := other.Add(&c); err != nil {
		t.Fatal(err)
	}
	for _, f := range append(fields, First, Last, Email1) {
		for _, x := range []struct {
			t *Table
			i int
		}{{a, 1}, {b, 0}, {b, 1}, {other, 0}} {
			if !a.SameValue(0, f, x.t, x.i) || !x.t.SameValue(x.i, f, a, 0) {
				t.Errorf("%s: SameValue of equal values is false", f)
			}
		}
		if Interned(f) && a.Handle(0, f) != b.Handle(1, f) {
			t.Errorf("%s is interned but has two handles in one pool", f)
		}
		if !Interned(f) {
			if a.Handle(0, f) == a.Handle(1, f) || a.Handle(0, f) == b.Handle(0, f) {
				t.Errorf("%s is appended but two records share a handle", f)
			}
			if _, ok := a.Pool().Lookup(c.Values[f]); ok {
				t.Errorf("%s: the appended value %q is in the pool's hash set", f, c.Values[f])
			}
		}
		if got := b.Get(1, f); got != c.Values[f] {
			t.Errorf("%s reads %q, want %q", f, got, c.Values[f])
		}
	}
	if a.Key(1) != "C1" || b.Key(0) != "C1" {
		t.Errorf("keys read %q and %q", a.Key(1), b.Key(0))
	}
	// Values that differ are never the same, whatever their handles.
	d := c
	d.Values[Email1], d.Values[Company], d.Values[Notes] = "ann@example.org", "Acme Ltd", ""
	if err := b.Add(&d); err != nil {
		t.Fatal(err)
	}
	for _, f := range []Field{Email1, Company, Notes} {
		if a.SameValue(0, f, b, 2) || b.SameValue(2, f, a, 0) || other.SameValue(0, f, b, 2) {
			t.Errorf("%s: SameValue of %q and %q is true", f, a.Get(0, f), b.Get(2, f))
		}
	}
}

// Two sibling tables filled at once (as a cycle reads its sides) share
// the handles of interned values and read every value back; run with
// -race, this checks that the pool needs no lock to read.
func TestTableConcurrentSiblings(t *testing.T) {
	const n = 20_000
	a := NewTable([]Field{Company, BusinessCity, PhoneMobile})
	tables := []*Table{a, a.Sibling()}
	contact := func(side, i int) Contact {
		return Contact{Key: fmt.Sprint(side, "-", i), Values: Values{Company: fmt.Sprint("Company ", i%700), BusinessCity: fmt.Sprint("City ", i%7),
			Email1: fmt.Sprintf("user%d@example.com", i), PhoneMobile: fmt.Sprint("+1 555 ", i)}}
	}
	var wg sync.WaitGroup
	for side, tb := range tables {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				c := contact(side, i)
				if err := tb.Add(&c); err != nil {
					t.Error(err)
					return
				}
				// What was added reads back while the other side adds.
				if j := i / 2; tb.Get(j, Email1) != fmt.Sprintf("user%d@example.com", j) {
					t.Errorf("side %d record %d reads %q", side, j, tb.Get(j, Email1))
					return
				}
			}
		}()
	}
	wg.Wait()
	for i := range n {
		for side, tb := range tables {
			if got, want := tb.Contact(i), contact(side, i); got.Values != want.Values || got.Key != want.Key {
				t.Fatalf("side %d record %d: %+v, want %+v", side, i, got, want)
			}
		}
		if tables[0].Handle(i, Company) != tables[1].Handle(i, Company) {
			t.Fatalf("record %d: the sides' companies have two handles", i)
		}
	}
}

// A pool that runs out of room (lowered by LimitForTest, as 4 GiB is
// not allocated in a test) makes Intern and Table.Add fail with ErrFull,
// the record's line and the field whose value did not fit; the table is
// as it was, and goes on taking what fits.
func TestTableFull(t *testing.T) {
	p := NewStrings()
	p.LimitForTest(4)
	tb := NewTableIn(p, []Field{Notes})
	c := Contact{Key: "C1", Values: Values{First: "Ann", Email1: "ann@example.com"}, Line: 2}
	if err := tb.Add(&c); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 4*chunkSize)
	c = Contact{Key: "C2", Values: Values{First: "Bob", Notes: big}, CRM: CRM{Owner: "SYST00000001"}, Line: 3}
	err := tb.Add(&c)
	var ae *AddError
	if !errors.As(err, &ae) || !errors.Is(err, ErrFull) || ae.Line != 3 || ae.Field != "notes" {
		t.Fatalf("Add of a value that does not fit: %v, want an AddError at line 3, notes, wrapping ErrFull", err)
	}
	if want := "record at line 3: notes: " + ErrFull.Error(); err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if tb.Len() != 1 || tb.Key(0) != "C1" || tb.Get(0, Email1) != "ann@example.com" || tb.CRM(0) != (CRM{}) {
		t.Fatalf("the failed Add changed the table: %d records, the first %+v", tb.Len(), tb.Contact(0))
	}
	if _, err := p.Intern(big); !errors.Is(err, ErrFull) {
		t.Errorf("Intern of a value that does not fit: %v, want ErrFull", err)
	}
	c = Contact{Key: "C3", Values: Values{First: "Cy"}, Line: 4}
	if err := tb.Add(&c); err != nil {
		t.Fatal(err)
	}
	if tb.Len() != 2 || tb.Key(1) != "C3" || tb.Get(1, First) != "Cy" || tb.Line(1) != 4 || tb.Get(1, Notes) != "" {
		t.Fatalf("after a failed Add, the next record reads %+v", tb.Contact(1))
	}
}
