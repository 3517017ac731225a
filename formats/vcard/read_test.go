package vcard

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"

	"contactsync/engine/contact"
	"contactsync/formats"
)

func readOne(t *testing.T, src string) contact.Contact {
	t.Helper()
	f, err := Read(strings.NewReader(src), "t.vcf")
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if len(f.Contacts) != 1 {
		t.Fatalf("Read gave %d contacts, want 1", len(f.Contacts))
	}
	return f.Contacts[0]
}

func TestReadValues(t *testing.T) {
	sjis, _ := japanese.ShiftJIS.NewEncoder().String("安藤")
	tests := []struct {
		name  string
		src   string
		field contact.Field
		want  string
	}{
		{"outlook QP without CHARSET is Windows-1252", "BEGIN:VCARD\r\nVERSION:2.1\r\nN;ENCODING=QUOTED-PRINTABLE:M=FCller;J=F6rg\r\nEND:VCARD\r\n", contact.Last, "Müller"},
		{"QP without CHARSET that is UTF-8", "BEGIN:VCARD\r\nVERSION:2.1\r\nN;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J\r\nEND:VCARD\r\n", contact.Last, "Müller"},
		{"CHARSET=ISO-8859-2", "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=ISO-8859-2;ENCODING=QUOTED-PRINTABLE:Iksi=F1ski;Piotr\r\nEND:VCARD\r\n", contact.Last, "Iksiński"},
		{"CHARSET=Shift_JIS raw bytes", "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=SHIFT_JIS:" + sjis + ";;;;\r\nEND:VCARD\r\n", contact.Last, "安藤"},
		{"8-bit without CHARSET", "BEGIN:VCARD\nVERSION:2.1\nN:Gr\xfcn;A\nEND:VCARD\n", contact.Last, "Grün"},
		{"QP soft break keeps the next line's blank", "BEGIN:VCARD\r\nVERSION:2.1\r\nNOTE;ENCODING=QUOTED-PRINTABLE:Now's the time =\r\nfor all folk=\r\n to come.=0D=0Anext\r\nEND:VCARD\r\n", contact.Notes, "Now's the time for all folk to come.\nnext"},
		{"2.1 bare TEL params", "BEGIN:VCARD\r\nVERSION:2.1\r\nTEL;WORK;VOICE:+1 555\r\nEND:VCARD\r\n", contact.PhoneBusiness, "+1 555"},
		{"2.1 bare EMAIL params", "BEGIN:VCARD\r\nVERSION:2.1\r\nEMAIL;PREF;INTERNET:a@b.example\r\nEND:VCARD\r\n", contact.Email1, "a@b.example"},
		{"2.1 bare ADR params", "BEGIN:VCARD\r\nVERSION:2.1\r\nADR;WORK;PREF:;;1 Main St;Town;;12345;USA\r\nEND:VCARD\r\n", contact.BusinessCity, "Town"},
		{"2.1 bare URL params", "BEGIN:VCARD\r\nVERSION:2.1\r\nURL;WORK:http://x.example/\r\nEND:VCARD\r\n", contact.WebPage, "http://x.example/"},
		{"2.1 escaped semicolon", "BEGIN:VCARD\r\nVERSION:2.1\r\nN:O\\;Brien;Pat\r\nEND:VCARD\r\n", contact.Last, "O;Brien"},
		{"3.0 escaped semicolon and comma", "BEGIN:VCARD\r\nVERSION:3.0\r\nN:O\\;Brien\\, Jr;Pat;;;\r\nEND:VCARD\r\n", contact.Last, "O;Brien, Jr"},
		{"3.0 newline escape in street", "BEGIN:VCARD\r\nVERSION:3.0\r\nADR;TYPE=home:;;1 Main\\nFlat 2;T;;;\r\nEND:VCARD\r\n", contact.HomeStreet, "1 Main\nFlat 2"},
		{"lowercase begin, no VERSION, LF", "begin:vcard\nfn:X\nn:Doe;Jane\nend:vcard\n", contact.First, "Jane"},
		{"mixed line endings", "BEGIN:VCARD\r\nVERSION:3.0\nN:Doe;J\rTITLE:Boss\r\r\nEND:VCARD", contact.JobTitle, "Boss"},
		{"folded line", "BEGIN:VCARD\r\nVERSION:3.0\r\nNOTE:one \r\n two\r\nEND:VCARD\r\n", contact.Notes, "one two"},
		{"BDAY basic", "BEGIN:VCARD\r\nVERSION:2.1\r\nBDAY:19800322\r\nEND:VCARD\r\n", contact.Birthday, "1980-03-22"},
		{"BDAY without year", "BEGIN:VCARD\r\nVERSION:4.0\r\nBDAY:--0415\r\nEND:VCARD\r\n", contact.Birthday, "--04-15"},
		{"CATEGORIES", "BEGIN:VCARD\r\nVERSION:3.0\r\nCATEGORIES:a,b\\,c, d\r\nEND:VCARD\r\n", contact.Categories, "a;b,c;d"},
		{"ORG company and department", "BEGIN:VCARD\r\nVERSION:3.0\r\nORG:ACME;Sales\r\nEND:VCARD\r\n", contact.Department, "Sales"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := readOne(t, tc.src)
			if got := c.Values[tc.field]; got != tc.want {
				t.Errorf("%s = %q, want %q (extra %q)", tc.field, got, tc.want, c.Extra)
			}
		})
	}
}

func TestTelSlots(t *testing.T) {
	src := "BEGIN:VCARD\r\nVERSION:3.0\r\n" +
		"TEL;TYPE=work:1\r\nTEL;TYPE=work:2\r\nTEL;TYPE=work:3\r\nTEL;TYPE=cell:4\r\nTEL;TYPE=home:5\r\nTEL;TYPE=home:6\r\n" +
		"TEL;TYPE=work,fax:7\r\nTEL;TYPE=home,fax:8\r\nTEL;TYPE=pager:9\r\nTEL;TYPE=x-assistant:10\r\nTEL;TYPE=x-company-main:11\r\n" +
		"TEL;TYPE=voice:12\r\nTEL:13\r\nTEL;X-EVOLUTION-ASSISTANT:14\r\nEND:VCARD\r\n"
	c := readOne(t, src)
	want := map[contact.Field]string{
		contact.PhoneBusiness: "1", contact.PhoneBusiness2: "2", contact.PhoneMobile: "4", contact.PhoneHome: "5",
		contact.PhoneHome2: "6", contact.PhoneFaxBusiness: "7", contact.PhoneFaxHome: "8", contact.PhonePager: "9",
		contact.PhoneAssistant: "10", contact.PhoneCompanyMain: "11", contact.PhoneOther: "12",
	}
	for f, w := range want {
		if c.Values[f] != w {
			t.Errorf("%s = %q, want %q", f, c.Values[f], w)
		}
	}
	var kept []string
	for _, e := range c.Extra {
		if strings.HasPrefix(e.Name, "TEL") {
			kept = append(kept, e.Name+":"+e.Value)
		}
	}
	if strings.Join(kept, " ") != "TEL;TYPE=work:3 TEL:13 TEL;TYPE=X-EVOLUTION-ASSISTANT:14" {
		t.Errorf("TELs without a free slot kept as %q", kept)
	}
}

func TestEmailPreferenceOrder(t *testing.T) {
	c := readOne(t, "BEGIN:VCARD\r\nVERSION:4.0\r\nEMAIL:a@x\r\nEMAIL;PREF=2:b@x\r\nEMAIL:c@x\r\nEMAIL;PREF=1:d@x\r\nEND:VCARD\r\n")
	got := []string{c.Values[contact.Email1], c.Values[contact.Email2], c.Values[contact.Email3]}
	if strings.Join(got, " ") != "d@x b@x a@x" {
		t.Errorf("emails = %q, want d@x b@x a@x", got)
	}
	if v, ok := c.ExtraValue("EMAIL"); !ok || v != "c@x" {
		t.Errorf("fourth e-mail kept as %q %v, want c@x", v, ok)
	}
}

func TestAdrPOBoxAndExtendedKept(t *testing.T) {
	src := "BEGIN:VCARD\r\nVERSION:2.1\r\nADR;WORK:PO Box 7;Office 3;1 Main St;Town;ST;12345;Land\r\nEND:VCARD\r\n"
	c := readOne(t, src)
	if v, _ := c.ExtraValue("=address_business.pobox"); v != "PO Box 7" {
		t.Errorf("pobox kept as %q", v)
	}
	if v, _ := c.ExtraValue("=address_business.extended"); v != "Office 3" {
		t.Errorf("extended kept as %q", v)
	}
	var buf bytes.Buffer
	if err := Write(&buf, []contact.Contact{c}, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "ADR;TYPE=WORK:PO Box 7;Office 3;1 Main St;Town;ST;12345;Land\r\n") {
		t.Errorf("ADR not written back whole:\n%s", buf.String())
	}
}

func TestReadBase64Unindented(t *testing.T) {
	src := "BEGIN:VCARD\r\nVERSION:2.1\r\nN:A;B\r\nPHOTO;ENCODING=BASE64;TYPE=JPEG:AAEC\r\nAwQF\r\nBgcI\r\n\r\nTITLE:T\r\nEND:VCARD\r\n"
	c := readOne(t, src)
	if v, ok := c.ExtraValue("PHOTO;ENCODING=b;TYPE=JPEG"); !ok || v != "AAECAwQFBgcI" {
		t.Errorf("photo = %q %v; extra %q", v, ok, c.Extra)
	}
	if c.Values[contact.JobTitle] != "T" {
		t.Errorf("property after the photo lost: %q", c.Values[contact.JobTitle])
	}
}

func TestReadUTF16(t *testing.T) {
	src := "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Gr\u00fcn;\u0141ukasz\r\nEND:VCARD\r\n"
	for _, tc := range []struct {
		name string
		enc  func(string) string
		want string
	}{
		{"LE with BOM", func(s string) string {
			b, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(s)
			return b
		}, formats.UTF16LE},
		{"BE with BOM", func(s string) string {
			b, _ := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder().String(s)
			return b
		}, formats.UTF16BE},
		{"BE without BOM", func(s string) string {
			b, _ := unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewEncoder().String(s)
			return b
		}, formats.UTF16BE},
		{"LE without BOM", func(s string) string {
			b, _ := unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewEncoder().String(s)
			return b
		}, formats.UTF16LE},
	} {
		f, err := Read(strings.NewReader(tc.enc(src)), "u16.vcf")
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if f.Encoding != tc.want || len(f.Contacts) != 1 || f.Contacts[0].Values[contact.First] != "Łukasz" || f.Contacts[0].Values[contact.Last] != "Grün" {
			t.Errorf("%s: encoding %q, contacts %+v", tc.name, f.Encoding, f.Contacts)
		}
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"no card at all", "hello\nworld\n", "t.vcf:1:1: no BEGIN:VCARD in the file: not a vCard"},
		{"bad name char", "BEGIN:VCARD\nVERSION:3.0\nX-A B:1\nEND:VCARD\n", "t.vcf:3:4: X-A: invalid character ' ' in property name"},
		{"unterminated quote", "BEGIN:VCARD\nVERSION:3.0\nTEL;TYPE=\"work:1\nEND:VCARD\n", "t.vcf:3:10: TEL: unterminated quoted parameter value"},
		{"END without BEGIN", "END:VCARD\n", "t.vcf:1:1: END: END:VCARD without BEGIN:VCARD"},
		{"stray continuation", "BEGIN:VCARD\n continued\nEND:VCARD\n", "t.vcf:2:1: continuation line (starting with a blank) without a property before it"},
		{"unterminated quote over many folds", "BEGIN:VCARD\nVERSION:3.0\nX-A;P=\"a" + strings.Repeat("\n :x", 500) + "\nEND:VCARD\n", "t.vcf:3:7: X-A: unterminated quoted parameter value"},
		{"bad header then many folds", "BEGIN:VCARD\nVERSION:3.0\nX-A B:1" + strings.Repeat("\n :x", 500) + "\nEND:VCARD\n", "t.vcf:3:4: X-A: invalid character ' ' in property name"},
	}
	for _, tc := range tests {
		_, err := Read(strings.NewReader(tc.src), "t.vcf")
		var pe *formats.ParseError
		if !errors.As(err, &pe) || pe.Line == 0 {
			t.Errorf("%s: Read error = %v, want a positioned ParseError", tc.name, err)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("%s: Read error = %q, want %q", tc.name, err, tc.want)
		}
	}
}

// TestReadLongFoldedHeader: a header folded over far more lines than any
// client writes (a long carrier X-NAME) still reads.
func TestReadLongFoldedHeader(t *testing.T) {
	name := strings.Repeat("a:b;", 5000)
	src := "BEGIN:VCARD\r\nVERSION:3.0\r\nX-CONTACTSYNC-EXTRA;X-NAME=\"" + strings.Join(strings.SplitAfter(name, ";"), "\r\n ") + "\":v\r\nEND:VCARD\r\n"
	c := readOne(t, src)
	if len(c.Extra) != 1 || c.Extra[0].Name != name || c.Extra[0].Value != "v" {
		t.Errorf("extras %.100q", c.Extra)
	}
}

func TestValidateListsEveryProblem(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "bad.vcf")
	src := "BEGIN:VCARD\nVERSION:3.0\nX-A B:1\nFN:ok\nbad line:2\nEND:VCARD\ngarbage\nEND:VCARD\nBEGIN:VCARD\nN:x\n"
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	errs := Validate(p)
	var got []string
	for _, e := range errs {
		got = append(got, strings.TrimPrefix(e.Error(), p))
	}
	want := []string{
		":3:4: X-A: invalid character ' ' in property name",
		":5:4: bad: invalid character ' ' in property name",
		":8:1: END: END:VCARD without BEGIN:VCARD",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Validate =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := ReadFile(p); err == nil || err.Error() != errs[0].Error() {
		t.Errorf("ReadFile error %v, want the first Validate problem", err)
	}
}

func TestReadNestedCards(t *testing.T) {
	f, err := Read(strings.NewReader("BEGIN:VCARD\nN:parent\nAGENT:\nBEGIN:VCARD\nN:agent\nEND:VCARD\nTEL:1\nEND:VCARD\n"), "n.vcf")
	if err != nil {
		t.Fatal(err)
	}
	if f.Cards != 2 || len(f.Contacts) != 2 || f.Contacts[0].Values[contact.Last] != "parent" ||
		f.Contacts[0].Values[contact.PhoneOther] != "1" || f.Contacts[1].Values[contact.Last] != "agent" || len(f.Warnings) != 1 {
		t.Errorf("nested: %+v, warnings %q", f.Contacts, f.Warnings)
	}
}

func TestReadKeepsGroupsAndParams(t *testing.T) {
	src := "BEGIN:VCARD\r\nVERSION:3.0\r\nN;LANGUAGE=en-us:Doe;J;;;\r\nitem1.EMAIL;type=INTERNET;type=pref:bob@x\r\nitem1.X-ABLabel:_$!<Other>!$_\r\nEND:VCARD\r\n"
	c := readOne(t, src)
	if c.Values[contact.Email1] != "bob@x" {
		t.Errorf("grouped EMAIL not mapped: %q", c.Values[contact.Email1])
	}
	var buf bytes.Buffer
	if err := Write(&buf, []contact.Contact{c}, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"N;LANGUAGE=en-us:Doe;J;;;\r\n", "item1.EMAIL;type=INTERNET;type=pref:bob@x\r\n", "item1.X-ABLabel:_$!<Other>!$_\r\n"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, buf.String())
		}
	}
}
