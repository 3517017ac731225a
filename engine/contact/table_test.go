package contact

import (
	"fmt"
	"math/rand"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestStringsIntern(t *testing.T) {
	p := NewStrings()
	if h := mustIntern(t, p, ""); h != 0 {
		t.Fatalf("Intern(\"\") = %d, want 0", h)
	}
	big := strings.Repeat("x", 3*chunkSize+17) // spans several chunks' address space
	vals := []string{"a", "Springfield", "Zoë", big, "a\nb", "Springfield ", "after big"}
	hs := map[string]Handle{}
	for _, v := range vals {
		hs[v] = mustIntern(t, p, v)
	}
	for i := 0; i < 50_000; i++ { // grows the hash set and the arena many times
		v := fmt.Sprintf("user%d@example.com", i)
		hs[v] = mustIntern(t, p, v)
	}
	if p.Len() != len(hs) {
		t.Errorf("Len = %d, want %d", p.Len(), len(hs))
	}
	for v, h := range hs {
		if got := p.Get(h); got != v {
			t.Fatalf("Get(Intern(%.20q)) = %.20q", v, got)
		}
		if again := mustIntern(t, p, v); again != h {
			t.Fatalf("Intern(%.20q) twice: %d then %d", v, h, again)
		}
		if l, ok := p.Lookup(v); !ok || l != h {
			t.Fatalf("Lookup(%.20q) = %d, %v; want %d", v, l, ok, h)
		}
	}
	if _, ok := p.Lookup("never interned"); ok {
		t.Error("Lookup found a value never interned")
	}
	if p.Size() < len(big) {
		t.Errorf("Size %d is less than the values it holds", p.Size())
	}
}

// mustIntern is p.Intern(v), which must not fail.
func mustIntern(t *testing.T, p *Strings, v string) Handle {
	t.Helper()
	h, err := p.Intern(v)
	if err != nil {
		t.Fatalf("Intern(%.20q): %v", v, err)
	}
	return h
}

func TestStringsConcurrentIntern(t *testing.T) {
	p := NewStrings()
	var wg sync.WaitGroup
	got := make([][]Handle, 4)
	for g := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5000; i++ {
				h, err := p.Intern(fmt.Sprint("v", i))
				if err != nil {
					t.Error(err)
				}
				got[g] = append(got[g], h)
			}
		}()
	}
	wg.Wait()
	for g := range got {
		for i, h := range got[g] {
			if h != got[0][i] || p.Get(h) != fmt.Sprint("v", i) {
				t.Fatalf("goroutine %d value %d: handle %d (%q), goroutine 0 has %d", g, i, h, p.Get(h), got[0][i])
			}
		}
	}
}

func TestTableRoundTrip(t *testing.T) {
	fields := []Field{First, Last, Company, JobTitle, PhoneBusiness, BusinessCity, Notes}
	berlin := time.FixedZone("CET", 3600)
	cs := []Contact{
		{Key: "C1", Modified: time.Date(2026, 11, 20, 9, 0, 0, 5, time.UTC), ModifiedFrom: "MODIFYDATE", Line: 2,
			CRM: CRM{AccountID: "A1  ", Owner: Everyone, AccountManagerID: "U1", Type: "Customer", Status: "Active"}},
		{Key: "C2", Modified: time.Date(2026, 1, 2, 3, 4, 5, 0, berlin), Line: 3},
		{Key: "", Line: 4}, // no key, no time
		{Key: "C4", Modified: time.Date(2025, 6, 1, 0, 0, 0, 0, time.Local), Line: 5},
	}
	for i := range cs {
		v := &cs[i].Values
		v[First], v[Last], v[Company] = fmt.Sprint("First", i), "Müller", "Company 0001 Ltd"
		v[BusinessCity], v[Email3] = "Springfield", fmt.Sprintf("u%d@example.com", i)
		v[Notes] = "line 1\nline 2"
		v[WebPage] = "http://not.kept.example" // not a kept field
		cs[i].Extra = []Extra{{Name: "User 1", Value: "kept elsewhere", Format: FormatOutlookCSV}}
	}
	tb := TableOf(fields, cs)
	if tb.Len() != len(cs) {
		t.Fatalf("Len = %d, want %d", tb.Len(), len(cs))
	}
	for i := range cs {
		want := cs[i]
		want.Extra = nil
		want.Values[WebPage] = ""
		got := tb.Contact(i)
		if got.Key != want.Key || got.ModifiedFrom != want.ModifiedFrom || got.Line != want.Line || got.CRM != want.CRM || got.Values != want.Values {
			t.Errorf("record %d: got %+v\nwant %+v", i, got, want)
		}
		if !got.Modified.Equal(want.Modified) || got.Modified.String() != want.Modified.String() {
			t.Errorf("record %d: Modified %v, want %v", i, got.Modified, want.Modified)
		}
		if got.Extra != nil {
			t.Errorf("record %d kept Extra %v", i, got.Extra)
		}
		if tb.DisplayName(i) != cs[i].DisplayName() {
			t.Errorf("record %d: DisplayName %q, want %q", i, tb.DisplayName(i), cs[i].DisplayName())
		}
		if tb.Owner(i) != cs[i].CRM.Owner {
			t.Errorf("record %d: Owner %q, want %q", i, tb.Owner(i), cs[i].CRM.Owner)
		}
	}
	if !tb.Has(Email3) || !tb.Has(Notes) || tb.Has(WebPage) {
		t.Errorf("Has: email3 %v notes %v web_page %v; want true true false", tb.Has(Email3), tb.Has(Notes), tb.Has(WebPage))
	}
	if tb.Get(0, WebPage) != "" || tb.Handle(0, Field(-1)) != 0 || tb.Get(0, Field(NumFields)) != "" {
		t.Error("a field not kept reads as a value")
	}
	// Repeated values are stored once; a sibling shares them.
	if tb.Handle(0, Company) != tb.Handle(3, Company) {
		t.Error("the same company has two handles")
	}
	sib := tb.Sibling()
	sib.Add(&cs[1])
	if sib.Handle(0, Last) != tb.Handle(1, Last) || sib.Pool() != tb.Pool() {
		t.Error("a sibling table does not share the pool")
	}
	if sib.CRM(0) != (CRM{}) {
		t.Errorf("a record without CRM attributes reads %+v", sib.CRM(0))
	}
}

// A table holds a contact in a small fraction of a Contact's size: the
// point of the store. The figure is checked, not just printed.
func TestTableCompact(t *testing.T) {
	const n = 20_000
	r := rand.New(rand.NewSource(1))
	cities := []string{"Springfield", "Riverton", "Lakeside"}
	fields := []Field{Prefix, First, Middle, Last, Suffix, Company, Department, JobTitle, Email1, Email2,
		PhoneBusiness, PhoneMobile, PhoneHome, PhoneFaxBusiness, BusinessStreet, BusinessCity, BusinessState, BusinessPostalCode, BusinessCountry}
	tb := NewTable(fields)
	tb.Grow(n)
	var c Contact
	for i := 0; i < n; i++ {
		c.Key = fmt.Sprintf("C%011d", i)
		c.Modified = time.Unix(int64(r.Intn(1<<30)), 0).UTC()
		c.Values[First], c.Values[Last] = "Anna", fmt.Sprint("Last", r.Intn(30))
		c.Values[Company] = fmt.Sprintf("Company %04d Ltd", r.Intn(500))
		c.Values[Email1] = fmt.Sprintf("user%d@example.com", i)
		c.Values[PhoneBusiness] = fmt.Sprintf("+1 555 %04d %03d", r.Intn(10000), r.Intn(1000))
		c.Values[BusinessCity] = cities[r.Intn(len(cities))]
		tb.Add(&c)
	}
	before := tb.Contact(n - 1)
	tb.Clip()
	if after := tb.Contact(n - 1); after.Values != before.Values || after.Key != before.Key || !after.Modified.Equal(before.Modified) || tb.Len() != n {
		t.Fatal("Clip changed the records")
	}
	per := float64(tb.Size()+tb.Pool().Size()) / n
	if limit := 200.0; per > limit {
		t.Errorf("%.0f bytes per record, want at most %.0f (a Contact's values alone are %d)", per, limit, NumFields*16)
	}
	t.Logf("%.0f bytes per record (table %d, pool %d, values %d)", per, tb.Size(), tb.Pool().Size(), tb.Pool().Len())
}

// BenchmarkStringsIntern interns what a side of 10,000 contacts holds:
// unique values (keys, e-mails) and repeating ones (cities, companies),
// each value twice (both sides), from two goroutines as a cycle's readers do.
func BenchmarkStringsIntern(b *testing.B) {
	const n = 10_000
	vals := make([]string, 0, 4*n)
	for i := range n {
		vals = append(vals, fmt.Sprintf("C%011d", i), fmt.Sprintf("user%d@example.com", i),
			fmt.Sprintf("City %d", i%50), fmt.Sprintf("Company %04d Ltd", i%1000))
	}
	b.ReportAllocs()
	for b.Loop() {
		p := NewStrings()
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, v := range vals {
					if _, err := p.Intern(v); err != nil {
						b.Error(err)
					}
				}
			}()
		}
		wg.Wait()
	}
}

// A table keeps nanoseconds and zones only once a record has them: the
// records before read back the same, whole seconds in UTC, and so do
// those after Reset.
func TestTableTimesLate(t *testing.T) {
	tb := NewTable(nil)
	berlin := time.FixedZone("CET", 3600)
	times := []time.Time{time.Unix(1_700_000_000, 0).UTC(), {}, time.Unix(1_700_000_001, 0).UTC(),
		time.Date(2026, 1, 2, 3, 4, 5, 6, berlin), time.Unix(1_700_000_002, 0).UTC(), {}}
	for round := range 2 {
		for i := range 3000 { // past a page
			tb.Add(&Contact{Key: fmt.Sprint("C", i), Modified: times[min(i, len(times)-1)]})
		}
		for i := range 3000 {
			want, got := times[min(i, len(times)-1)], tb.Modified(i)
			if !got.Equal(want) || got.Location().String() != want.Location().String() || got.IsZero() != want.IsZero() {
				t.Fatalf("round %d record %d: %v, want %v", round, i, got, want)
			}
		}
		tb.Reset()
		times[3] = times[0] // after Reset, whole seconds only
	}
}

// TestTableHandles holds Handles to Handle on every field, kept or not, of
// records in full pages packed (fields the same in every record, a value
// stepping), in the page being filled, and after Clip.
func TestTableHandles(t *testing.T) {
	rnd := rand.New(rand.NewSource(7))
	tb := NewTable([]Field{First, Last, Company, Email1, PhoneMobile, BusinessCity})
	fs := append(AllFields(), Field(-1), Field(NumFields))
	check := func(when string) {
		dst := make([]Handle, len(fs))
		for i := range tb.Len() {
			tb.Handles(i, fs, dst)
			for k, f := range fs {
				if want := tb.Handle(i, f); dst[k] != want {
					t.Fatalf("%s: record %d field %d: Handles %d, Handle %d", when, i, f, dst[k], want)
				}
			}
		}
	}
	for i := range 3000 {
		var c Contact
		c.Key = fmt.Sprint("K", i)
		c.Values[First] = []string{"Ann", "Bo", "Cy"}[rnd.Intn(3)]
		c.Values[Company] = "Acme" // the same in every record of a page
		if i >= 2048 {
			c.Values[Company] = fmt.Sprint("Co", rnd.Intn(5))
		}
		c.Values[Email1] = fmt.Sprint("u", i, "@x.example") // appended: a handle stepping
		if rnd.Intn(4) == 0 {
			c.Values[PhoneMobile] = fmt.Sprint("+1 555 ", rnd.Intn(1e7))
		}
		if err := tb.Add(&c); err != nil {
			t.Fatal(err)
		}
	}
	check("filling")
	tb.Clip()
	check("clipped")
}
