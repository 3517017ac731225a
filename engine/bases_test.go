package engine

import (
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
