package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"contactsync/engine/contact"
)

// appendFold must fold two strings alike exactly when strings.EqualFold
// (what same() uses for e-mails) calls them equal.
func TestFoldMatchesEqualFold(t *testing.T) {
	words := []string{"", "a", "A", "k", "K", "\u212a", "s", "S", "\u017f", "ß", "ẞ", "σ", "Σ", "ς",
		"i", "I", "İ", "ı", "\xff", "\xfe", "\ufffd", "é", "É", "ǅ", "ǆ", "Ǆ", "ann@x.example", "ANN@X.EXAMPLE", "Ann@x.examplе"}
	for _, a := range words {
		for _, b := range words {
			for _, suffix := range []string{"", "@Acme.example"} {
				x, y := a+suffix, strings.ToUpper(b)+suffix
				for _, pair := range [][2]string{{a, b}, {x, y}} {
					fa, fb := string(appendFold(nil, pair[0])), string(appendFold(nil, pair[1]))
					if (fa == fb) != strings.EqualFold(pair[0], pair[1]) {
						t.Errorf("fold(%q) = %q, fold(%q) = %q; EqualFold says %v", pair[0], fa, pair[1], fb, strings.EqualFold(pair[0], pair[1]))
					}
				}
			}
		}
	}
}

// SumValues: equal where the merge sees no change (an e-mail's letter case,
// blanks around a value), different for any other difference, and never
// fooled by moving bytes between fields.
func TestSumValues(t *testing.T) {
	var a, b contact.Values
	a[contact.Email1], a[contact.First] = "Ann.Lee@Acme.example", "Ann"
	b[contact.Email1], b[contact.First] = "ann.lee@acme.EXAMPLE", " Ann "
	if SumValues(&a) != SumValues(&b) {
		t.Errorf("e-mail case and blanks changed the sum")
	}
	b[contact.First] = "ann"
	if SumValues(&a) == SumValues(&b) {
		t.Errorf("a name's letter case is a change, but the sums are equal")
	}
	var c, d contact.Values
	c[contact.First], c[contact.Last] = "AnnLee", ""
	d[contact.First], d[contact.Last] = "Ann", "Lee"
	if SumValues(&c) == SumValues(&d) {
		t.Errorf("bytes moved between fields, same sum")
	}
	if (BaseSum{}).IsZero() != true || SumValues(&contact.Values{}).IsZero() {
		t.Errorf("IsZero")
	}
}

// FuzzPackedValues: packing round-trips any base, and unpacking arbitrary
// bytes fails or gives a base that packs back to them.
func FuzzPackedValues(f *testing.F) {
	f.Add("Ann", "", "a\xffb", "\x01\x00\x03Ann")
	f.Add("", "x", "", "\x01")
	f.Fuzz(func(t *testing.T, a, b, c, s string) {
		var v contact.Values
		v[contact.First], v[contact.Email1], v[contact.Notes] = a, b, c
		p := PackValues(&v)
		back, err := UnpackValues(p)
		if err != nil || *back != v {
			t.Fatalf("round trip of %q: %v, %v", p, back, err)
		}
		if u, err := UnpackValues(s); err == nil && PackValues(u) != s {
			t.Fatalf("unpacked %q, which packs back as %q", s, PackValues(u))
		}
	})
}

func TestUnpackRefusesLongLengths(t *testing.T) {
	if _, err := UnpackValues("\x01\x00\x81\x00A"); err == nil {
		t.Errorf("a length not in its shortest form was accepted")
	}
	if v, err := UnpackValues("\x01\x00\x01A"); err != nil || v[contact.Prefix] != "A" {
		t.Errorf("UnpackValues = %v, %v", v, err)
	}
}

// A plan holds a base that is one of its link's records as a reference to
// the record, and any other base packed; either reads back as the base the
// merge made (Values, AppendPacked, BaseSum).
func TestBasesAsRecords(t *testing.T) {
	crm := CRMInput{Contacts: []contact.Contact{
		mk("C1", "Ann", "Lee", "ann@example.com", " Acme ", "111"), // agrees with Outlook but for blanks and letter case
		mk("C2", "Bob", "Ray", "bob@example.com", "Acme", ""),      // new: created in Outlook
		mk("C3", "Dee", "Fox", "dee@example.com", "Acme", ""),      // each side fills a field of the other
	}, Accounts: []contact.Account{{ID: "A1", Name: "Acme"}}}
	ol := OutlookInput{Contacts: []contact.Contact{
		mk("", "Ann", "Lee", "ANN@example.com", "Acme", "111"),
		mk("", "Cy", "Doe", "cy@example.com", "Newco", ""), // new: created in the CRM
		mk("", "Dee", "Fox", "dee@example.com", "", "333"),
	}}
	p, err := Reconcile(State{NextLinkID: 1}, crm, ol, DefaultPolicy("U1"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		form  string // "crm", "outlook": a record of that side; "packed"
		first string
		phone string
		comp  string
	}{
		"Ann": {"crm", "Ann", "111", "Acme"},
		"Bob": {"crm", "Bob", "", "Acme"},
		"Cy":  {"outlook", "Cy", "", "Newco"},
		"Dee": {"packed", "Dee", "333", "Acme"},
	}
	for i := range p.Links {
		l := &p.Links[i].Link
		v := l.Values()
		if v == nil || !l.HasBase() {
			t.Fatalf("link %d has no base", l.ID)
		}
		w, ok := want[v[contact.First]]
		if !ok {
			t.Fatalf("link %d: unexpected base %q", l.ID, v[contact.First])
		}
		delete(want, v[contact.First])
		form := "packed"
		switch {
		case l.from != nil && l.from.t != nil && strings.HasPrefix(l.from.t.Key(int(l.row)), "C"):
			form = "crm" // the CRM's keys are C1, C2, ...; Outlook's are empty
		case l.from != nil && l.from.t != nil:
			form = "outlook"
		case l.from == nil:
			form = "none"
		}
		if l.from != nil && l.from.t != nil && l.from.t.Len() != 3 {
			t.Errorf("link %d: its base refers to a table of %d records, not a side's", l.ID, l.from.t.Len())
		}
		if form != w.form || v[contact.PhoneBusiness] != w.phone || v[contact.Company] != w.comp {
			t.Errorf("link %d (%s): form %s, phone %q, company %q; want %s, %q, %q", l.ID, w.first, form, v[contact.PhoneBusiness], v[contact.Company], w.form, w.phone, w.comp)
		}
		if v[contact.Email1] != strings.ToLower(v[contact.Email1]) {
			t.Errorf("link %d: e-mail %q is not the CRM's", l.ID, v[contact.Email1])
		}
		if got, want := string(l.AppendPacked(nil)), PackValues(v); got != want {
			t.Errorf("link %d: AppendPacked = %q, want %q", l.ID, got, want)
		}
		if l.BaseSum != SumValues(v) {
			t.Errorf("link %d: BaseSum is not the base's", l.ID)
		}
		c := *l
		c.DropBase()
		if c.HasBase() || c.Values() != nil || string(c.AppendPacked(nil)) != PackValues(&contact.Values{}) {
			t.Errorf("link %d: DropBase left a base", l.ID)
		}
	}
	if len(want) > 0 {
		t.Errorf("no link for %v", want)
	}
}

// TestSameAsIsSameValue holds sameAs, which quiet asks with the CRM
// record's handle and value already read, to contact.Table.SameValue, on
// tables that share a pool and tables that do not, for interned and
// appended fields.
func TestSameAsIsSameValue(t *testing.T) {
	vals := []string{"", "Ann", "ann", "a@x.example", "+1 555 0100", "Acme"}
	fields := []contact.Field{contact.First, contact.Company, contact.Email1, contact.PhoneMobile, contact.BusinessPostalCode}
	var cs []contact.Contact
	for i := range len(vals) * len(vals) {
		var c contact.Contact
		c.Key = "k" + strings.Repeat("x", i)
		for k, f := range fields {
			c.Values[f] = vals[(i+k*(i/len(vals)))%len(vals)]
		}
		cs = append(cs, c)
	}
	shared := contact.NewStrings()
	a, b := contact.NewTableIn(shared, fields), contact.NewTableIn(shared, fields)
	own := contact.NewTable(fields)
	for i := range cs {
		for _, tb := range []*contact.Table{a, b, own} {
			if err := tb.Add(&cs[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	checked := 0
	for _, u := range []*contact.Table{a, b, own} {
		for i := range cs {
			for j := range cs {
				for _, f := range fields {
					h := a.Handle(i, f)
					want := a.SameValue(i, f, u, j)
					if got := sameAs(a, h, a.Get(i, f), f, u, j); got != want {
						t.Fatalf("field %s, records %d and %d: sameAs %v, SameValue %v", f, i, j, got, want)
					}
					if want {
						checked++
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no equal values compared")
	}
}

// askedBases serves bases from a map and records the ids asked for.
type askedBases struct {
	m     map[int64]contact.Values
	asked []int64
}

func (b *askedBases) Bases(ids []int64) ([]*contact.Values, error) {
	out := make([]*contact.Values, len(ids))
	for i, id := range ids {
		v, ok := b.m[id]
		if !ok {
			return nil, fmt.Errorf("no link %d", id)
		}
		out[i] = &v
		b.asked = append(b.asked, id)
	}
	return out, nil
}

// TestWaitingLinksReadNoBase holds the links that wait for the CRM to
// create their contacts (made from Outlook records) to their bases read
// only when needed: not for a link whose Outlook record and new CRM
// contact both hold its base; for a link whose CRM contact differs, whose
// Outlook record changed, or whose contact the CRM did not create. The
// plan is the one made from a state that carries every base.
func TestWaitingLinksReadNoBase(t *testing.T) {
	ol := OutlookInput{Contacts: []contact.Contact{
		mk("O1", "Ann", "Lee", "ann@example.com", "Acme", "111"),
		mk("O2", "Bob", "Ray", "Bob@Example.com", "Acme", "222"),
		mk("O3", "Cy", "Doe", "cy@example.com", "Newco", ""),
		mk("O4", "Dee", "Fox", "dee@example.com", "Acme", "444"),
	}}
	crm := CRMInput{Accounts: []contact.Account{{ID: "A1", Name: "Acme"}}}
	p, err := Reconcile(State{NextLinkID: 1}, crm, ol, DefaultPolicy("U1"))
	if err != nil {
		t.Fatal(err)
	}
	if p.CRM.New.Len() != 4 {
		t.Fatalf("%d contacts created in the CRM, want 4", p.CRM.New.Len())
	}
	// The CRM created Ann and Dee as sent, Bob with another phone, and
	// not Cy; Dee's Outlook record changed since.
	created := p.CRM.New.Contacts()
	created[1].Values[contact.PhoneBusiness] = "999"
	crm2 := CRMInput{Accounts: crm.Accounts}
	for i, k := range []int{0, 1, 3} {
		c := created[k]
		c.Key = fmt.Sprintf("N%d", i+1)
		crm2.Contacts = append(crm2.Contacts, c)
	}
	ol2 := OutlookInput{Contacts: slices.Clone(ol.Contacts)}
	ol2.Contacts[3].Values[contact.JobTitle] = "Buyer"
	light := &askedBases{m: map[int64]contact.Values{}}
	full := State{Cycle: 1, User: "U1", Mapping: p.Mapping, NextLinkID: p.NextLinkID}
	st := full
	for _, ls := range p.Links {
		l := ls.Link
		v := *l.Values()
		light.m[l.ID] = v
		l.BaseSum = SumValues(&v)
		l.DropBase()
		st.Links = append(st.Links, l)
		l.Base = &v
		full.Links = append(full.Links, l)
	}
	st.Bases = light
	want, err := Reconcile(full, crm2, ol2, DefaultPolicy("U1"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Reconcile(st, crm2, ol2, DefaultPolicy("U1"))
	if err != nil {
		t.Fatal(err)
	}
	if j1, j2 := planJSON(t, want), planJSON(t, got); !bytes.Equal(j1, j2) {
		t.Fatalf("the plan of the state of sums differs:\n%s\n----\n%s", j2, j1)
	}
	byName := map[string]int64{}
	for _, l := range p.Links {
		byName[l.Values()[contact.First]] = l.ID
	}
	if wantAsked := []int64{byName["Dee"], byName["Bob"], byName["Cy"]}; !slices.Equal(light.asked, wantAsked) {
		t.Errorf("bases read for links %v, want %v (Dee, then Bob and Cy once the CRM's contacts are known)", light.asked, wantAsked)
	}
	for _, l := range got.Links {
		if l.ID == byName["Ann"] && (l.CRMID != "N1" || l.HasBase() || !l.Changed) {
			t.Errorf("Ann's link: CRM id %q, base read %v, changed %v; want N1, false, true", l.CRMID, l.HasBase(), l.Changed)
		}
	}
}

// TestSumIsItsCanonicalForm holds SumValues to its form written out
// plainly (the journal keeps the sums: a form that changed would make
// every link of an older journal read its base): for each non-empty clean
// value in field order, the field's number, the length (4 bytes,
// big-endian) and the value, an e-mail with each rune its fold orbit's
// smallest (appendFoldRunes, rune by rune); then the first 16 bytes of
// its SHA-256.
func TestSumIsItsCanonicalForm(t *testing.T) {
	parts := []string{"", "a", "Z", " ", "ß", "\u017f", "\u212a", "σ", "\xff", "@", "Ann.Lee", "mailto:", "<x@y>", "ü"}
	rnd := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 2000; n++ {
		var v contact.Values
		for _, f := range []contact.Field{contact.First, contact.Last, contact.Email1, contact.Email2, contact.Email3, contact.Notes} {
			for k := rnd.IntN(4); k > 0; k-- {
				v[f] += parts[rnd.IntN(len(parts))]
			}
		}
		var b []byte
		for f := range v {
			c := contact.Clean(contact.Field(f), v[f])
			if c == "" {
				continue
			}
			if contact.Field(f).IsEmail() {
				c = string(appendFoldRunes(nil, c))
			}
			b = append(b, byte(f))
			b = binary.BigEndian.AppendUint32(b, uint32(len(c)))
			b = append(b, c...)
		}
		h := sha256.Sum256(b)
		if got := SumValues(&v); got != BaseSum(h[:16]) {
			t.Fatalf("SumValues(%q) is not its canonical form", v)
		}
	}
}

// TestRecordBasePacked holds the packing of a base that is a record
// (baseRecords.appendPacked, which reads the record's handles) to
// PackValues of the base's values, on a table of several pages (packed
// ones and the page being filled), with fields in no order, values to
// clean, values that clean to "", and fields the record leaves empty.
func TestRecordBasePacked(t *testing.T) {
	fields := []contact.Field{contact.Email1, contact.Last, contact.First, contact.Company, contact.PhoneBusiness, contact.JobTitle}
	tab := contact.NewTable(fields)
	for i := range 2600 {
		var c contact.Contact
		c.Values[contact.First] = fmt.Sprintf("First%d", i%7)
		if i%3 != 0 {
			c.Values[contact.Last] = fmt.Sprintf(" Last%d ", i)
		}
		c.Values[contact.Company] = []string{"", "Acme", "   ", "Acme GmbH "}[i%4]
		if i%5 != 0 {
			c.Values[contact.Email1] = fmt.Sprintf("Name <P%d@Example.COM>", i)
		}
		if i < 1500 {
			c.Values[contact.JobTitle] = "Buyer" // the same in every record of the first page
		}
		c.Values[contact.Notes] = "not a field of the table"
		if err := tab.Add(&c); err != nil {
			t.Fatal(err)
		}
	}
	b := &baseRecords{t: tab, fields: fields}
	for i := range int32(tab.Len()) {
		var v contact.Values
		b.values(i, &v)
		if got, want := string(b.appendPacked([]byte("x"), i)), "x"+PackValues(&v); got != want {
			t.Fatalf("record %d: appendPacked = %q, want %q", i, got, want)
		}
	}
}
