package contact

import (
	"slices"
	"strings"
	"testing"
)

func TestFieldNames(t *testing.T) {
	if len(AllFields()) != NumFields {
		t.Fatalf("AllFields has %d fields, want %d", len(AllFields()), NumFields)
	}
	seen := map[string]bool{}
	for _, f := range AllFields() {
		name := f.String()
		if seen[name] {
			t.Errorf("name %q used twice", name)
		}
		seen[name] = true
		if g, ok := ParseField(name); !ok || g != f {
			t.Errorf("ParseField(%q) = %v, %v; want %v", name, g, ok, f)
		}
	}
	for _, name := range []string{"email1", "address_business.postal_code", "phone_company_main", "categories"} {
		if !seen[name] {
			t.Errorf("DESIGN §3 field %q missing", name)
		}
	}
	if _, ok := ParseField("nickname"); ok {
		t.Error("ParseField accepted an unknown name")
	}
	if Field(-1).String() == "" || Field(NumFields).String() == "" {
		t.Error("out-of-range fields have no printable name")
	}
}

func TestNormalizeEmail(t *testing.T) {
	cases := []struct {
		in   string
		cs   bool
		want string
	}{
		{" Ann@Example.COM ", false, "ann@example.com"},
		{"mailto:Ann@example.com", false, "ann@example.com"},
		{"MAILTO: ann@example.com", false, "ann@example.com"},
		{`"Lee, Ann" <Ann@example.com>`, false, "ann@example.com"},
		{"Ann Lee <mailto:ann@example.com>", false, "ann@example.com"},
		{"Ann@Example.com", true, "Ann@Example.com"},
		{"", false, ""},
		{"<>", false, ""},
	}
	for _, c := range cases {
		if got := NormalizeEmail(c.in, c.cs); got != c.want {
			t.Errorf("NormalizeEmail(%q, %v) = %q, want %q", c.in, c.cs, got, c.want)
		}
	}
}

func TestCategories(t *testing.T) {
	got := SplitCategories(" Customers ;;VIP; ")
	if !slices.Equal(got, []string{"Customers", "VIP"}) {
		t.Errorf("SplitCategories = %q", got)
	}
	if JoinCategories(got) != "Customers;VIP" || SplitCategories("") != nil {
		t.Error("JoinCategories/SplitCategories do not invert")
	}
}

func TestDisplayNameAndClone(t *testing.T) {
	var c Contact
	c.Values[Email1] = "a@example.com"
	if c.DisplayName() != "a@example.com" {
		t.Errorf("DisplayName of an e-mail-only contact = %q", c.DisplayName())
	}
	c.Values[Company] = "Acme"
	if c.DisplayName() != "Acme" {
		t.Errorf("DisplayName of a company contact = %q", c.DisplayName())
	}
	c.Values[First], c.Values[Last] = "Ann", "Lee"
	if c.DisplayName() != "Ann Lee" {
		t.Errorf("DisplayName = %q", c.DisplayName())
	}
	c.Extra = []Extra{{Name: "Gender", Value: "Unspecified", Format: FormatOutlookCSV}}
	d := c.Clone()
	d.Extra[0].Value = "Female"
	if c.Extra[0].Value != "Unspecified" {
		t.Error("Clone shares Extra with the original")
	}
	if v, ok := c.ExtraValue("Gender"); !ok || v != "Unspecified" {
		t.Errorf("ExtraValue = %q, %v", v, ok)
	}
}

// TestCleanTrimsAsTrimSpace holds Clean of a field that is no e-mail to
// strings.TrimSpace, whose call its check of the first and last bytes
// spares: blanks of every kind at either end, bytes that are not UTF-8,
// and values without a blank.
func TestCleanTrimsAsTrimSpace(t *testing.T) {
	parts := []string{"", "a", "Zoë", " ", "\t", "\n", "\v", "\f", "\r", "\u0085", "\u00a0", "\u2003", "\u3000",
		"\x7f", "\xc2", "\xa0", "~", "!", "ü"}
	for _, a := range parts {
		for _, b := range parts {
			for _, c := range parts {
				v := a + b + c
				if got, want := Clean(Company, v), strings.TrimSpace(v); got != want {
					t.Errorf("Clean(%q) = %q, want %q", v, got, want)
				}
			}
		}
	}
}

// TestNormalizeEmailAsWritten holds NormalizeEmail, whose checks spare
// calls for an address without blanks or "mailto:", to its rule written out
// plainly, on values made of blanks, brackets, "mailto:" in either case and
// addresses.
func TestNormalizeEmailAsWritten(t *testing.T) {
	plain := func(v string, caseSensitive bool) string {
		v = strings.TrimSpace(v)
		if i := strings.LastIndexByte(v, '<'); i >= 0 {
			if j := strings.IndexByte(v[i:], '>'); j > 0 {
				v = strings.TrimSpace(v[i+1 : i+j])
			}
		}
		if len(v) >= 7 && strings.EqualFold(v[:7], "mailto:") {
			v = strings.TrimSpace(v[7:])
		}
		if !caseSensitive {
			v = strings.ToLower(v)
		}
		return v
	}
	parts := []string{"", " ", "\u00a0", "mailto:", "MailTo:", "mailto", ":", "<", ">", "Ann", "a@b.example", "é"}
	for _, a := range parts {
		for _, b := range parts {
			for _, c := range parts {
				v := a + b + c
				for _, cs := range []bool{false, true} {
					if got, want := NormalizeEmail(v, cs), plain(v, cs); got != want {
						t.Errorf("NormalizeEmail(%q, %v) = %q, want %q", v, cs, got, want)
					}
				}
			}
		}
	}
}
