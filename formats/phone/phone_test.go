package phone

import (
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
