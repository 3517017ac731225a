package engine

import (
	"cmp"
	"fmt"
	"hash/maphash"
	"math/bits"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"contactsync/engine/contact"
)

// naiveDuplicates is FindDuplicates as the comment above DuplicateReason
// states it, with a map of every key: the reference the fast search is
// checked against.
func naiveDuplicates(cs []contact.Contact, o DuplicateOptions) string {
	n := len(cs)
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		if parent[i] != i {
			parent[i] = find(parent[i])
		}
		return parent[i]
	}
	type key struct {
		reason DuplicateReason
		value  string
	}
	keys := make([][]key, n)
	holders := map[key][]int{}
	for i := range cs {
		add := func(k key) {
			if !slices.Contains(keys[i], k) {
				keys[i] = append(keys[i], k)
				holders[k] = append(holders[k], i)
			}
		}
		for _, f := range dupEmailFields {
			if e := contact.NormalizeEmail(cs[i].Values[f], o.CaseSensitiveKeys); e != "" {
				add(key{DupEmail, e})
			}
		}
		for _, f := range dupPhoneFields {
			if v := cs[i].Values[f]; phoneTail(v) != 0 {
				if pk := o.PhoneKey(v); pk != "" {
					add(key{DupPhone, pk})
				}
			}
		}
		var parts []string
		for _, f := range []contact.Field{contact.First, contact.Middle, contact.Last} {
			if p := contact.FoldName(cs[i].Values[f]); p != "" {
				parts = append(parts, p)
			}
		}
		if len(parts) > 0 {
			add(key{DupNameCompany, strings.Join(parts, " ") + " / " + contact.FoldName(cs[i].Values[contact.Company])})
		}
	}
	shared := func(k key) bool { return len(holders[k]) > 1 }
	for _, hs := range holders {
		for _, i := range hs[1:] {
			a, b := find(hs[0]), find(i)
			parent[max(a, b)] = min(a, b)
		}
	}
	var out []string
	for r := range n {
		var ms []string
		for i := r; i < n; i++ {
			if find(i) != r {
				continue
			}
			var why []string
			for _, k := range keys[i] {
				if shared(k) {
					why = append(why, k.reason.String()+" "+k.value)
				}
			}
			if len(why) > 0 {
				ms = append(ms, cs[i].Key+"("+strings.Join(why, "; ")+")")
			}
		}
		if len(ms) > 1 {
			out = append(out, strings.Join(ms, ","))
		}
	}
	return strings.Join(out, " | ")
}

// TestFindDuplicatesAgainstReference compares FindDuplicates with the
// naive search on random sides whose values come from small sets, so that
// keys repeat, chain and collide: from Contacts and from a table, with the
// real hash and with every hash alike.
func TestFindDuplicatesAgainstReference(t *testing.T) {
	digits := func(s string) string { return "+" + phoneDigits(s) }
	firsts := []string{"", "Ann", "ann", "José", "Bo", "Lee Ann"}
	lasts := []string{"", "Müller", "MULLER", "Lee", "Ng"}
	companies := []string{"", "Acme", "ACME ", "Café AG", "Other"}
	emails := []string{"", "a@x.com", "A@X.com", "mailto:b@x.com", "Bo <b@x.com>", "c@x.com", "Ü@x.com", "ü@x.com"}
	phones := []string{"", "112", "+49 30 1234567", "030 1234567", "0301234567", "555 1234", "+1 555 123 4567 x2", "(555) 1234"}
	// Values longer than the room the keys are made in (dupKeysRoom): a
	// contact's keys then move their chunk.
	companies = append(companies, strings.Repeat("Long Company ", dupKeysRoom/13+1))
	emails = append(emails, strings.Repeat("l", dupKeysRoom)+"@x.com")
	for seed := int64(1); seed <= 12; seed++ {
		r := rand.New(rand.NewSource(seed))
		n := 50 + r.Intn(700)
		if seed > 10 {
			n = 3000 // the radix sort's passes
		}
		cs := make([]contact.Contact, n)
		for i := range cs {
			c := &cs[i]
			c.Key = fmt.Sprintf("k%d", i)
			pick := func(f contact.Field, vs []string) {
				if r.Intn(3) == 0 {
					c.Values[f] = vs[r.Intn(len(vs))]
				}
			}
			pick(contact.First, firsts)
			pick(contact.Middle, firsts)
			pick(contact.Last, lasts)
			pick(contact.Company, companies)
			for _, f := range dupEmailFields {
				pick(f, emails)
			}
			for _, f := range append(slices.Clone(dupPhoneFields), contact.PhoneFaxBusiness) {
				pick(f, phones)
			}
			if seed > 10 && r.Intn(2) == 0 {
				// Unique values, as most of a real side's are.
				c.Values[contact.Email1] = fmt.Sprintf("u%d@x.com", i)
				c.Values[contact.PhoneMobile] = fmt.Sprintf("+1 555 %07d", i)
			}
		}
		for _, caseSensitive := range []bool{false, true} {
			o := DuplicateOptions{PhoneKey: digits, CaseSensitiveKeys: caseSensitive}
			want := naiveDuplicates(cs, o)
			if got := groupsText(cs, FindDuplicates(contact.Contacts(cs), o)); got != want {
				t.Fatalf("seed %d, case-sensitive %v:\n got %s\nwant %s", seed, caseSensitive, got, want)
			}
			table := contact.TableOf(TableFields(DefaultPolicy(specUser)), cs)
			d := SearchDuplicates(table, o)
			if got := groupsText(cs, d.Groups()); got != want {
				t.Fatalf("seed %d, case-sensitive %v, from a table:\n got %s\nwant %s", seed, caseSensitive, got, want)
			}
			// The compact form made again from its groups (each match its
			// own value) says the same, member by member.
			again := NewDuplicates(d.Groups())
			if got := groupsText(cs, again.Groups()); got != want || again.Members() != d.Members() {
				t.Fatalf("seed %d: NewDuplicates of the groups:\n got %s\nwant %s", seed, got, want)
			}
			for m := range d.Members() {
				if r, r2 := string(d.AppendReason(nil, m)), string(again.AppendReason(nil, m)); r != r2 || again.Index(m) != d.Index(m) {
					t.Fatalf("seed %d: member %d: %q (contact %d), made again %q (contact %d)", seed, m, r, d.Index(m), r2, again.Index(m))
				}
			}
			// AppendReasons of a run of members is their reasons one
			// after another.
			if lo, hi := d.Members()/3, d.Members(); hi > lo {
				rs, ends := d.AppendReasons([]byte("x"), []int{7}, lo, hi)
				from := 1
				for m := lo; m < hi; m++ {
					if got, want := string(rs[from:ends[m-lo+1]]), string(d.AppendReason(nil, m)); got != want {
						t.Fatalf("seed %d: AppendReasons: member %d's reason %q, want %q", seed, m, got, want)
					}
					from = ends[m-lo+1]
				}
				if len(ends) != hi-lo+1 || from != len(rs) {
					t.Fatalf("seed %d: AppendReasons of %d members: %d ends, up to %d of %d bytes", seed, hi-lo, len(ends)-1, from, len(rs))
				}
			}
			dupHash = func(maphash.Seed, []byte) uint64 { return 7 }
			got := groupsText(cs, FindDuplicates(contact.Contacts(cs), o))
			dupHash = maphash.Bytes
			if got != want {
				t.Fatalf("seed %d, case-sensitive %v, every hash alike:\n got %s\nwant %s", seed, caseSensitive, got, want)
			}
		}
	}
}

func TestSortUint64s(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, n := range []int{0, 1, 255, 256, 1000, 5000} {
		for _, mask := range []uint64{^uint64(0), 0xff00ff, 0xffff_0000_0000_0000, 0} {
			a := make([]uint64, n)
			for i := range a {
				a[i] = r.Uint64()&mask | 3<<40
			}
			want := slices.Clone(a)
			slices.Sort(want)
			var tmp []uint64
			if n%2 == 0 {
				tmp = make([]uint64, n)
			}
			sortUint64s(a, tmp)
			if !slices.Equal(a, want) {
				t.Fatalf("n %d, mask %x: not sorted", n, mask)
			}
			// The low bits an index in order, as FindDuplicates keeps
			// them: only the bits above are looked at.
			for _, from := range []uint{13, 22, 32, 63} { // above the index (n < 1<<13)
				for i := range a {
					a[i] = r.Uint64()&mask<<from | uint64(i)
				}
				want := slices.Clone(a)
				slices.SortStableFunc(want, func(x, y uint64) int { return cmp.Compare(x>>from, y>>from) })
				sortUint64sFrom(a, tmp, from)
				if !slices.Equal(a, want) {
					t.Fatalf("n %d, mask %x, from %d: not sorted", n, mask, from)
				}
			}
		}
	}
}

// TestAppendNormEmail holds appendNormEmail, with its fast path for plain
// addresses, to contact.NormalizeEmail.
func TestAppendNormEmail(t *testing.T) {
	vs := []string{"", " ", "a", "A@X.COM", "a@x.com ", " a@x.com", "\ta@x.com\n", "mailto:a@x.com", "MailTo:A@x.com", "mailto",
		"mailt:a@x", "Ann <A@X.com>", "<a@x.com>", "a<b", "Ü@x.com", "a@x.com\u00a0", "\u2003a@x.com", "ÄÖ", "a@x\xff.com", "\v", "x\f"}
	r := rand.New(rand.NewSource(1))
	parts := []string{"a", "Z", " ", "<", ">", "mailto:", "@", "ü", "\xc3", "\t", "İ", "K"}
	for range 5000 {
		var b strings.Builder
		for range r.Intn(6) {
			b.WriteString(parts[r.Intn(len(parts))])
		}
		vs = append(vs, b.String())
	}
	for _, v := range vs {
		for _, cs := range []bool{false, true} {
			got := string(appendNormEmail([]byte("e"), v, cs))
			if want := "e" + contact.NormalizeEmail(v, cs); got != want {
				t.Fatalf("appendNormEmail(%q, %v) = %q, want %q", v, cs, got, want)
			}
		}
	}
}

// TestPhoneTail holds phoneTail to the last seven digits taken a digit at
// a time, on numbers of any length.
func TestPhoneTail(t *testing.T) {
	ref := func(s string) uint32 {
		var t uint32
		n := 0
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c == '#' || (c|0x20 >= 'a' && c|0x20 <= 'z') {
				break
			}
			if c >= '0' && c <= '9' {
				t = (t*10 + uint32(c-'0')) % 10000000
				n++
			}
		}
		switch {
		case n < 5:
			return 0
		case n < 7:
			return t + uint32(n)*10000000
		}
		return t + 10000000*10
	}
	r := rand.New(rand.NewSource(1))
	vs := []string{"", "1234", "12345", "123456", "1234567", "+49 (30) 123-4567 x12", "0049301234567#3", strings.Repeat("9", 60), "12345678901234567890123"}
	for range 20000 {
		b := make([]byte, r.Intn(40))
		for i := range b {
			b[i] = "0123456789 +-()x#9"[r.Intn(18)]
		}
		vs = append(vs, string(b))
	}
	for _, v := range vs {
		if got, want := phoneTail(v), ref(v); got != want {
			t.Fatalf("phoneTail(%q) = %d, want %d", v, got, want)
		}
	}
}

// TestHashBits: the hash bits kept above the keys' numbers are the top
// digits of the sort, at least log2(keys)+8 of them (or all there are), so
// that the digits below are 0 in every entry and the sort skips them.
func TestHashBits(t *testing.T) {
	for _, keys := range []int{0, 1, 255, 256, 1000, 1 << 20, 2_650_000, 1<<31 - 1} {
		from := uint(bits.Len(uint(keys)))
		m := hashBits(from, keys)
		kept := uint(bits.OnesCount64(m))
		if m != 0 && bits.LeadingZeros64(m) != 0 || m>>(64-kept) != 1<<kept-1 {
			t.Fatalf("%d keys: mask %#x is not the top bits", keys, m)
		}
		if below := 64 - from - kept; below%sortDigit != 0 {
			t.Errorf("%d keys: %d bits between the number and the hash: not whole digits", keys, below)
		}
		if need := uint(bits.Len(uint(keys))) + 8; kept < min(need, 64-from) || kept >= need+sortDigit {
			t.Errorf("%d keys: %d hash bits kept, want %d or more, fewer than %d", keys, kept, need, need+sortDigit)
		}
	}
}

// TestDupKeyFields: the fields the keys are made of start with the
// e-mails, which make reads as dupEmailFields.
func TestDupKeyFields(t *testing.T) {
	if got := dupKeyFields[:len(dupEmailFields)]; !slices.Equal(got, dupEmailFields) {
		t.Errorf("dupKeyFields start with %v, want the e-mails %v", got, dupEmailFields)
	}
}
