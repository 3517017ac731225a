package vcard

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// TestLeniencies: what Evolution, python-vobject (non-strict), ez-vcard and
// sabre/vobject read past is read here too, each time with a warning
// "file:line:col: field: ...", never silently. The shapes are those of
// real files: an "ENCODING:UTF-8" banner line before the first card (as
// some phone backup tools write), an empty parameter ("NOTE;:x",
// "TEL;TYPE=WORK;;X=1:"), "LABEL,TYPE=HOME:" with a comma for the ';',
// Windows-1252 bytes in a 3.0 card without CHARSET, and a file cut before
// its last END:VCARD. ez-vcard's VCardReaderTest (mangstadt/ez-vcard,
// src/test/java/ezvcard/io/text/VCardReaderTest.java) reads each of these
// with a warning; the real-world samples of realworld_test.go cover the
// line-skipping ones ('#' comments, a bare "FN", '/' in a name).
func TestLeniencies(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		check   func(t *testing.T, cs []contact.Contact)
		warning string
	}{
		{"text before the first card",
			"ENCODING:UTF-8\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;Jane\r\nEND:VCARD\r\n",
			func(t *testing.T, cs []contact.Contact) { want(t, cs[0].Values[contact.Last], "Doe") },
			"l.vcf:1:1: text outside a vCard skipped"},
		{"text between cards, several lines",
			"BEGIN:VCARD\nVERSION:3.0\nN:A\nEND:VCARD\nx\ny\nBEGIN:VCARD\nVERSION:3.0\nN:B\nEND:VCARD\n",
			func(t *testing.T, cs []contact.Contact) {
				want(t, cs[0].Values[contact.Last]+cs[1].Values[contact.Last], "AB")
			},
			"l.vcf:5:1: text outside a vCard skipped (lines 5-6)"},
		{"empty parameter before the colon",
			"BEGIN:VCARD\nVERSION:3.0\nNOTE;:x\nEND:VCARD\n",
			func(t *testing.T, cs []contact.Contact) { want(t, cs[0].Values[contact.Notes], "x") },
			"l.vcf:3:6: NOTE: empty parameter ignored"},
		{"empty parameter between parameters",
			"BEGIN:VCARD\nVERSION:3.0\nTEL;TYPE=WORK;;X=1:+1 555\nEND:VCARD\n",
			func(t *testing.T, cs []contact.Contact) {
				want(t, cs[0].Values[contact.PhoneBusiness], "+1 555")
				want(t, extraNames(cs[0]), "=phone_business")
			},
			"l.vcf:3:15: TEL: empty parameter ignored"},
		{"comma for the semicolon after the name",
			"BEGIN:VCARD\nVERSION:3.0\nLABEL,TYPE=HOME:Main St 1\nEND:VCARD\n",
			func(t *testing.T, cs []contact.Contact) {
				if len(cs[0].Extra) != 1 || cs[0].Extra[0].Name != "LABEL;TYPE=HOME" || cs[0].Extra[0].Value != "Main St 1" {
					t.Errorf("extra %+v, want LABEL;TYPE=HOME", cs[0].Extra)
				}
			},
			"l.vcf:3:6: LABEL: ',' after the property name read as ';' (a parameter follows)"},
		{"Windows-1252 bytes in a 3.0 card without CHARSET",
			"BEGIN:VCARD\nVERSION:3.0\nN:M\xfcller;J\x80rg\nEND:VCARD\n",
			func(t *testing.T, cs []contact.Contact) {
				want(t, cs[0].Values[contact.Last]+"|"+cs[0].Values[contact.First], "Müller|J€rg")
			},
			"l.vcf:3:4: N: bytes that are not UTF-8 and no CHARSET: read as Windows-1252"},
		{"quoted-printable Windows-1252 in a 3.0 card without CHARSET",
			"BEGIN:VCARD\nVERSION:3.0\nNOTE;ENCODING=QUOTED-PRINTABLE:Gr=FC=DFe\nEND:VCARD\n",
			func(t *testing.T, cs []contact.Contact) { want(t, cs[0].Values[contact.Notes], "Grüße") },
			"l.vcf:3: NOTE: quoted-printable bytes that are not UTF-8 and no CHARSET: read as Windows-1252"},
		{"END:VCARD missing at the end",
			"BEGIN:VCARD\nVERSION:3.0\nN:A\nEND:VCARD\nBEGIN:VCARD\nVERSION:3.0\nN:Cut\nEMAIL:c@x.org",
			func(t *testing.T, cs []contact.Contact) {
				want(t, cs[1].Values[contact.Last]+" "+cs[1].Values[contact.Email1], "Cut c@x.org")
			},
			"l.vcf:8: END: end of input inside the vCard begun at line 5 (END:VCARD missing): the card ends with the file"},
		{"a comment line inside a card",
			"BEGIN:VCARD\nVERSION:3.0\n# exported by a phone\nN:A\nEND:VCARD\n",
			func(t *testing.T, cs []contact.Contact) { want(t, cs[0].Values[contact.Last], "A") },
			"l.vcf:3:1: invalid character '#' in property name: not a property, line skipped"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Read(strings.NewReader(tc.src), "l.vcf")
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if len(f.Warnings) != 1 || f.Warnings[0].Text != tc.warning {
				t.Fatalf("warnings %q, want [%q]", f.Warnings, tc.warning)
			}
			tc.check(t, f.Contacts)
			// validate lists the same warnings and no problem.
			p := filepath.Join(t.TempDir(), "l.vcf")
			if err := os.WriteFile(p, []byte(tc.src), 0o644); err != nil {
				t.Fatal(err)
			}
			errs, warns := Check(p)
			if len(errs) != 0 || len(warns) != 1 || !strings.HasSuffix(warns[0], strings.TrimPrefix(tc.warning, "l.vcf")) {
				t.Errorf("Check = %v, %q", errs, warns)
			}
		})
	}
}

// TestStillErrors: what cannot be delimited or read stays an error.
func TestStillErrors(t *testing.T) {
	for _, src := range []string{
		"not a vcard\n",                     // no card at all
		"N:x\nEND:VCARD\n",                  // a card whose BEGIN is missing
		"BEGIN:VCARD\nX-A B:1\nEND:VCARD\n", // a property that cannot be read
		"BEGIN:VCARD\nTEL;TYPE=\"work:1\nEND:VCARD\n",
	} {
		if _, err := Read(strings.NewReader(src), "e.vcf"); err == nil {
			t.Errorf("%q read without error", src)
		}
	}
}

func want(t *testing.T, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func extraNames(c contact.Contact) string {
	var n []string
	for _, e := range c.Extra {
		n = append(n, e.Name)
	}
	return strings.Join(n, ",")
}

// TestMoreLeniencies: a blank between the name and ':' ("FN :x", as some
// phone exports write) and Apple's quotes inside an unquoted parameter
// value (py-vobject issue 111: X-APPLE-STRUCTURED-LOCATION;X-ADDRESS=...
// \"Name\"...) are read with a warning each; the property keeps its value.
func TestMoreLeniencies(t *testing.T) {
	f, err := Read(strings.NewReader("BEGIN:VCARD\nVERSION:3.0\nFN :Ann Lee\nN:Lee;Ann\n"+
		"X-APPLE-STRUCTURED-LOCATION;VALUE=URI;X-ADDRESS=Airport \\\"Makedonia\\\" 551 03;X-TITLE=Thessaloniki:geo:40.5,22.9\nEND:VCARD\n"), "m.vcf")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"m.vcf:3:3: FN: blank after the property name ignored",
		"m.vcf:5:58: X-APPLE-STRUCTURED-LOCATION: quote inside an unquoted parameter value read as text",
		"m.vcf:5:69: X-APPLE-STRUCTURED-LOCATION: quote inside an unquoted parameter value read as text",
	}
	if got := formats.WarningTexts(f.Warnings); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	c := f.Contacts[0]
	if v, _ := c.ExtraValue("=FN.text"); v != "" {
		t.Errorf("FN kept apart: %q", v)
	}
	found := false
	for _, e := range c.Extra {
		found = found || strings.HasPrefix(e.Name, "X-APPLE-STRUCTURED-LOCATION") && e.Value == "geo:40.5,22.9"
	}
	if !found {
		t.Errorf("the Apple property is not kept: %+v", c.Extra)
	}
}
