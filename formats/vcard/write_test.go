package vcard

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"contactsync/engine/contact"
)

func sample() contact.Contact {
	c := contact.Contact{Key: "uid-1/x", Modified: time.Date(2024, 1, 31, 10, 15, 0, 0, time.UTC), ModifiedFrom: "REV"}
	c.Values[contact.First] = "Zoë"
	c.Values[contact.Last] = `O;Brien, "Jr" \ back`
	c.Values[contact.Company] = "ACME; Inc, Ltd"
	c.Values[contact.Department] = "R&D"
	c.Values[contact.Email1] = "z@x.example"
	c.Values[contact.PhoneMobile] = "+49 170 1"
	c.Values[contact.BusinessStreet] = "Line 1; a\nLine 2, b"
	c.Values[contact.BusinessCity] = "Köln"
	c.Values[contact.Notes] = strings.Repeat("Grüße, 日本語 ", 20) + "\nend"
	c.Values[contact.Birthday] = "--03-22"
	c.Values[contact.Categories] = "VIP;Kunde, alt"
	c.Extra = []contact.Extra{
		{Name: "X-FOO;TYPE=a", Value: "bar\\, baz", Format: contact.FormatVCard},
		{Name: "Business PO Box", Value: "PO 1\nx", Format: contact.FormatOutlookCSV},
	}
	return c
}

func TestWriteFoldsAt75OctetsWithoutSplittingUTF8(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, []contact.Contact{sample()}, Options{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasSuffix(out, "\r\n") || strings.Contains(strings.ReplaceAll(out, "\r\n", ""), "\n") {
		t.Fatalf("lines must end CRLF and only CRLF:\n%q", out)
	}
	folded := 0
	for _, l := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line of %d octets: %q", len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("line splits a UTF-8 character: %q", l)
		}
		if strings.HasPrefix(l, " ") {
			folded++
		}
	}
	if folded < 5 {
		t.Errorf("expected the long NOTE to be folded, got %d continuation lines", folded)
	}
	if !strings.HasPrefix(out, "BEGIN:VCARD\r\nVERSION:3.0\r\n") {
		t.Errorf("BEGIN and VERSION must come first:\n%s", out)
	}
}

func TestWriteEscapes(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, []contact.Contact{sample()}, Options{}); err != nil {
		t.Fatal(err)
	}
	unfolded := strings.ReplaceAll(buf.String(), "\r\n ", "")
	for _, want := range []string{
		`N:O\;Brien\, "Jr" \\ back;Zoë;;;` + "\r\n",
		`ORG:ACME\; Inc\, Ltd;R&D` + "\r\n",
		`ADR;TYPE=WORK:;;Line 1\; a\nLine 2\, b;Köln;;;` + "\r\n",
		`CATEGORIES:VIP,Kunde\, alt` + "\r\n",
		"UID:uid-1/x\r\n",
		"REV:20240131T101500Z\r\n",
		"BDAY:--03-22\r\n",
		`X-FOO;TYPE=a:bar\, baz` + "\r\n",
		`X-CONTACTSYNC-EXTRA;X-FORMAT=outlookcsv;X-NAME="Business PO Box":PO 1\nx` + "\r\n",
	} {
		if !strings.Contains(unfolded, want) {
			t.Errorf("output lacks %q:\n%s", want, unfolded)
		}
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	for _, ver := range []string{"3.0", "4.0"} {
		c := sample()
		var buf bytes.Buffer
		if err := Write(&buf, []contact.Contact{c, {}}, Options{Version: ver}); err != nil {
			t.Fatal(err)
		}
		f, err := Read(&buf, "rt.vcf")
		if err != nil {
			t.Fatalf("%s: %v", ver, err)
		}
		got := comparable(f.Contacts)
		want := comparable([]contact.Contact{c, {}})
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s round trip:\n got %+v\nwant %+v", ver, got, want)
		}
	}
}

func TestWrite40(t *testing.T) {
	c := sample()
	c.Values[contact.Birthday] = "1980-03-22"
	c.Extra = append(c.Extra, contact.Extra{Name: "PHOTO;ENCODING=b;TYPE=JPEG", Value: "AAEC"}, contact.Extra{Name: "=email1", Value: "EMAIL;TYPE=INTERNET,PREF"})
	var buf bytes.Buffer
	if err := Write(&buf, []contact.Contact{c}, Options{Version: "4.0"}); err != nil {
		t.Fatal(err)
	}
	out := strings.ReplaceAll(buf.String(), "\r\n ", "")
	for _, want := range []string{"BEGIN:VCARD\r\nVERSION:4.0\r\n", "BDAY:19800322\r\n", "PHOTO;TYPE=JPEG:data:image/jpeg;base64,AAEC\r\n", "EMAIL;TYPE=INTERNET;PREF=1:z@x.example\r\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("4.0 output lacks %q:\n%s", want, out)
		}
	}
	if err := Write(&buf, nil, Options{Version: "2.1"}); err == nil {
		t.Errorf("writing 2.1 must be refused")
	}
}

func TestStaleFNIsNotWritten(t *testing.T) {
	c := readOne(t, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Dr. Jane Q. Doe\r\nN:Doe;Jane;;;\r\nEND:VCARD\r\n")
	var buf bytes.Buffer
	Write(&buf, []contact.Contact{c}, Options{})
	if !strings.Contains(buf.String(), "FN:Dr. Jane Q. Doe\r\n") {
		t.Errorf("unchanged contact must keep its FN:\n%s", buf.String())
	}
	c.Values[contact.First] = "Janet"
	buf.Reset()
	Write(&buf, []contact.Contact{c}, Options{})
	if !strings.Contains(buf.String(), "FN:Janet Doe\r\n") {
		t.Errorf("renamed contact must get a new FN:\n%s", buf.String())
	}
}

func TestWriteDirAndReadDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vdir")
	a, b, c := sample(), sample(), sample()
	b.Key = "uid-1?x" // same safe name as a's after cleaning: must not collide
	c.Key = ""
	c.Values[contact.First] = "Keyless"
	if err := WriteDir(dir, []contact.Contact{a, b, c}, Options{}); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
		if strings.ContainsAny(e.Name(), `/\?:*"<>|`) || !strings.HasSuffix(e.Name(), ".vcf") {
			t.Errorf("unsafe file name %q", e.Name())
		}
	}
	if len(names) != 3 {
		t.Fatalf("WriteDir wrote %q, want 3 files", names)
	}
	f, err := ReadFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, x := range f.Contacts {
		keys[x.Key] = true
	}
	if f.Cards != 3 || !keys["uid-1/x"] || !keys["uid-1?x"] || !keys[""] {
		t.Errorf("read back %d cards with keys %v", f.Cards, keys)
	}
}

// TestLegacyExtraRoundTrip: Extras without Format (made before Format
// existed) are the writer's own; they come back with Format vcard, names
// that are no property through the carrier.
func TestLegacyExtraRoundTrip(t *testing.T) {
	c := contact.Contact{Extra: []contact.Extra{
		{Name: "Business PO Box", Value: "a\nb;c"}, {Name: `Weird "quoted" ^ name`, Value: `x\y`},
		{Name: "VERSION", Value: "9"}, {Name: "X-FOO;TYPE=a", Value: `b\,c`},
	}}
	var buf bytes.Buffer
	if err := Write(&buf, []contact.Contact{c}, Options{}); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, "\r\nX-FOO;TYPE=a:b\\,c\r\n") || strings.Contains(out, "X-FORMAT") {
		t.Errorf("own extras must be written natively and without X-FORMAT:\n%s", out)
	}
	f, err := Read(&buf, "f.vcf")
	if err != nil {
		t.Fatal(err)
	}
	want := append([]contact.Extra(nil), c.Extra...)
	for i := range want {
		want[i].Format = contact.FormatVCard
	}
	if !reflect.DeepEqual(f.Contacts[0].Extra, want) {
		t.Errorf("extras = %q, want %q", f.Contacts[0].Extra, want)
	}
}

// appendFN builds the formatted name defaultFN makes, without a string.
func TestAppendFN(t *testing.T) {
	vals := []string{"", " ", "A", " Zoë ", "x y"}
	fields := []contact.Field{contact.Prefix, contact.First, contact.Middle, contact.Last, contact.Suffix, contact.Company, contact.Email1}
	for i := range 78125 { // 5^7: every value in every field
		var c contact.Contact
		k := i
		for _, f := range fields {
			c.Values[f] = vals[k%len(vals)]
			k /= len(vals)
		}
		if got, want := string(appendFN([]byte("old"), &c)), "old"+defaultFN(&c); got != want {
			t.Fatalf("appendFN(%q) = %q, want %q", c.Values, got, want)
		}
	}
}

// nextCategory walks the categories contact.SplitCategories gives.
func TestNextCategory(t *testing.T) {
	for _, v := range []string{"", ";", " ; ;", "a", "a;b", " a ; ;b c;", ";;x", "\u00a0y\u00a0;z", "Kunde;Kunde"} {
		var got []string
		for cat, rest := nextCategory(v); cat != ""; cat, rest = nextCategory(rest) {
			got = append(got, cat)
		}
		if want := contact.SplitCategories(v); !reflect.DeepEqual(got, want) {
			t.Errorf("nextCategory walks %q as %q, want %q", v, got, want)
		}
	}
}
