package formats_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"contactsync/formats"
	_ "contactsync/formats/crmcsv"
	_ "contactsync/formats/msg"
	_ "contactsync/formats/outlookcsv"
	_ "contactsync/formats/pst"
	_ "contactsync/formats/vcard"
)

// TestDetect: the registry tells a format by the name of a file, else by
// its first bytes, and a folder by what it holds; the kinds of a side
// and their aliases are what the formats registered.
func TestDetect(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	vcf := []byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nEND:VCARD\r\n")
	utf16vcf := []byte{0xFF, 0xFE}
	for _, c := range "begin:vcard\r\n" {
		utf16vcf = append(utf16vcf, byte(c), 0)
	}
	cases := []struct {
		path, want string
	}{
		{write("a.csv", []byte("First Name\r\nA\r\n")), "csv"},
		{write("a.TXT", []byte("First Name\r\nA\r\n")), "csv"},
		{write("a.vcf", vcf), "vcf"},
		{write("noext", vcf), "vcf"},
		{write("utf16", utf16vcf), "vcf"},
		{write("store", []byte("!BDN\x00\x00rest")), "pst"},
		{write("item", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0}), "msg"},
		{write("export", []byte("First Name,Last Name\r\nA,B\r\n")), "csv"},
		{write("binary", []byte("PK\x03\x04 a zip")), ""},
		{filepath.Dir(write("vdir/a.vcf", vcf)), "vdir"},
		{filepath.Dir(write("msgs/a.msg", []byte("x"))), "msg"},
		{filepath.Dir(write("dump/contacts.csv", []byte("CONTACTID\nC1\n"))), "crm"},
		{filepath.Dir(write("other/notes.txt", []byte("x"))), ""},
	}
	for _, c := range cases {
		f, err := formats.Detect(c.path)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if f != nil {
			got = f.Kind
		}
		if got != c.want {
			t.Errorf("Detect(%s) = %q, want %q", filepath.Base(c.path), got, c.want)
		}
	}
	if f, err := formats.Detect(filepath.Join(dir, "dump"), formats.Kinds(formats.SideOutlook, false)...); err != nil || f != nil {
		t.Errorf("a CRM dump among the Outlook formats: %v, %v", f, err)
	}
	if got := formats.Kinds(formats.SideOutlook, true); !slices.Equal(got, []string{"csv", "vcf", "vdir"}) {
		t.Errorf("writable Outlook kinds %q", got)
	}
	if f, ok := formats.Lookup("VCARD"); !ok || f.Kind != "vcf" || f.DirKind != "vdir" {
		t.Errorf("Lookup(VCARD) = %+v, %v", f, ok)
	}
	if f := formats.ByName("out/new.csv", "csv", "vcf"); f == nil || f.Kind != "csv" {
		t.Errorf("ByName(new.csv) = %v", f)
	}
	// What the cycle asks of a format instead of its kind's name: which
	// records no modification times, which a read reads past problems of.
	for _, k := range formats.Kinds("", false) {
		f, _ := formats.Lookup(k)
		if f.NoTimes != (k == "csv") || f.ReadsPast != (k == "csv") {
			t.Errorf("%s: NoTimes %v, ReadsPast %v: only an Outlook CSV has no times and reads past problems", k, f.NoTimes, f.ReadsPast)
		}
	}
}
