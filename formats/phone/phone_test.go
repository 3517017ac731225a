package phone

import (
	"strconv"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

func TestKey(t *testing.T) {
	de, err := New("de")
	if err != nil {
		t.Fatal(err)
	}
	none := &Normalizer{}
	us, _ := New("US")
	tests := []struct {
		n        *Normalizer
		in, want string
	}{
		{de, "030 12345678", "+493012345678"},
		{de, "+49 (0)30 1234-5678", "+493012345678"},
		{de, "0049 30 12345678", "+493012345678"},
		{none, "+49 30 12345678", "+493012345678"},
		{none, "030 12345678", "digits:03012345678"},
		{us, "(212) 555-0134", "+12125550134"},
		{us, "1-212-555-0134", "+12125550134"},
		{us, "+1 212 555 0134 ext. 12", "+12125550134;ext=12"},
		{us, "+44 20 7946 0018", "+442079460018"},
		{us, "", ""},
		{us, "n/a", ""},
		{us, "1234", ""},
		{none, "+49 (0)30 1234-5678", "+493012345678"},
		{none, "+44 (20) 7946.0018", "+442079460018"},
		{none, "+1 212 555 0134 x7", "+12125550134;ext=7"},
	}
	for _, tt := range tests {
		if got, ok := international(tt.in); ok && got != tt.want {
			t.Errorf("international(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := tt.n.Key(tt.in); got != tt.want {
			t.Errorf("Normalizer{%q}.Key(%q) = %q, want %q", tt.n.Region, tt.in, got, tt.want)
		}
	}
}

func TestNewRefusesUnknownRegion(t *testing.T) {
	for _, r := range []string{"XX", "Germany", "1"} {
		if _, err := New(r); err == nil {
			t.Errorf("New(%q) = nil error, want one", r)
		}
	}
	if n, err := New(" gb "); err != nil || n.Region != "GB" {
		t.Errorf(`New(" gb ") = %v, %v; want region GB`, n, err)
	}
}

func FuzzKey(f *testing.F) {
	for _, s := range []string{"+49 30 1234", "(212) 555-0134 x7", "0049", "++1", "+٣٠", "+49 (0)30 12345678", "+1 (212) 555-0134", "+44 20 7946 0018"} {
		f.Add(s)
	}
	n := &Normalizer{Region: "US"}
	f.Fuzz(func(t *testing.T, s string) {
		k := n.Key(s)
		if k != n.Key(s) {
			t.Fatalf("Key(%q) is not stable", s)
		}
		// The fast path asks the library once per calling code and
		// length: it says what asking it each time says.
		fast, ok := international(s)
		if slow, slowOK := internationalEachTime(s); fast != slow || ok != slowOK {
			t.Fatalf("international(%q) = %q, %v; asking the library each time gives %q, %v", s, fast, ok, slow, slowOK)
		}
		// The fast path agrees with the library wherever the library
		// finds a possible number.
		if fast, ok := international(s); ok {
			num, err := phonenumbers.Parse(s, "ZZ")
			if err == nil && phonenumbers.IsPossibleNumber(num) && num.GetExtension() == "" {
				if lib := phonenumbers.Format(num, phonenumbers.E164); lib != fast {
					t.Fatalf("international(%q) = %q, the library says %q", s, fast, lib)
				}
			}
		}
	})
}

func BenchmarkKey(b *testing.B) {
	n := &Normalizer{Region: "DE"}
	for i := 0; i < b.N; i++ {
		n.Key("+49 30 1234-5678")
	}
}

// internationalEachTime is international as it was before it kept what
// the metadata says per calling code and length: the library asked for
// every number.
func internationalEachTime(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "+") {
		return "", false
	}
	d := make([]byte, 0, len(s))
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			d = append(d, c)
		case c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')':
		default:
			return "", false
		}
	}
	if len(d) < 7 || len(d) > 15 || d[0] == '0' {
		return "", false
	}
	for l := 1; l <= 3; l++ {
		cc, _ := strconv.Atoi(string(d[:l]))
		region := phonenumbers.GetRegionCodeForCountryCode(cc)
		if region == "ZZ" {
			continue
		}
		national := string(d[l:])
		if national == "" || national[0] == '0' {
			return "", false
		}
		strip, ok := nationalPrefixes()[region]
		if !ok || (strip != nil && strip.MatchString(national)) {
			return "", false
		}
		nn, err := strconv.ParseUint(national, 10, 64)
		if err != nil {
			return "", false
		}
		cc32 := int32(cc)
		if !phonenumbers.IsPossibleNumber(&phonenumbers.PhoneNumber{CountryCode: &cc32, NationalNumber: &nn}) {
			return "", false
		}
		return "+" + string(d), true
	}
	return "", false
}

// TestInternationalEveryPlan checks the fast path against the library for
// a number of every length under every calling code.
func TestInternationalEveryPlan(t *testing.T) {
	for cc := 1; cc < 1000; cc++ {
		for l := 1; l <= 15; l++ {
			s := "+" + strconv.Itoa(cc) + strings.Repeat("5", l)
			k1, ok1 := international(s)
			k2, ok2 := internationalEachTime(s)
			if k1 != k2 || ok1 != ok2 {
				t.Fatalf("international(%q) = %q, %v; the library each time: %q, %v", s, k1, ok1, k2, ok2)
			}
		}
	}
}
