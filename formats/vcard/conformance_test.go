package vcard

import (
	"os"
	"path/filepath"
	"testing"

	"contactsync/fixtures"
	"contactsync/formats/conformance"
)

// TestConformance runs the suite every format runs (formats/conformance)
// on vCards from the real world (2.1, 3.0 and 4.0; Outlook, Gmail,
// Evolution, iOS and others), a vdir, and broken cards.
func TestConformance(t *testing.T) {
	rw, ok := fixtures.RealWorld()
	if !ok {
		t.Fatalf("real-world samples missing at %s", rw)
	}
	ez := filepath.Join(rw, "ez-vcard/src/test/resources/ezvcard/io/text")
	kc := filepath.Join(rw, "kcontacts/autotests/data")
	good := []string{
		filepath.Join(ez, "John_Doe_MS_OUTLOOK.vcf"),
		filepath.Join(ez, "John_Doe_GMAIL.vcf"),
		filepath.Join(ez, "John_Doe_EVOLUTION.vcf"),
		filepath.Join(ez, "John_Doe_ANDROID.vcf"),
		filepath.Join(ez, "gmail-list.vcf"),
		filepath.Join(kc, "vcard1.vcf"),
		filepath.Join(kc, "testfullvcard.vcf"),
	}
	dir := t.TempDir()
	vdir := filepath.Join(dir, "vdir")
	if err := os.Mkdir(vdir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, p := range good[:3] {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(vdir, filepath.Base(p)), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	broken := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	conformance.Run(t, conformance.Suite{Kind: Kind, Good: good, MinRecords: 7,
		Broken: []conformance.Broken{
			{Path: broken("end.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nEND:VCARD\r\nEND:VCARD\r\n"), Want: ":5:1: END: END:VCARD without BEGIN:VCARD"},
			{Path: broken("none.vcf", "FN:A\r\n"), Want: ":1:1: no BEGIN:VCARD"},
			{Path: broken("fold.vcf", "BEGIN:VCARD\r\n continued\r\nEND:VCARD\r\n"), Want: ":2:1: continuation line"},
		}})
	conformance.Run(t, conformance.Suite{Kind: KindDir, Good: []string{vdir}, MinRecords: 3})
}

// FuzzReader: the conformance suite's fuzz target through the registry.
func FuzzReader(f *testing.F) {
	f.Add([]byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nN:Lee;Ann;;;\r\nEMAIL;TYPE=INTERNET:a@b.c\r\nX-FOO;BAR=1:baz\r\nEND:VCARD\r\n"))
	f.Add([]byte("BEGIN:VCARD\r\nVERSION:2.1\r\nN;ENCODING=QUOTED-PRINTABLE;CHARSET=ISO-8859-1:M=FCller;J=\r\n=F6rg\r\nAGENT:\r\nBEGIN:VCARD\r\nN:A;B\r\nEND:VCARD\r\nEND:VCARD\r\n"))
	f.Add([]byte("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:X\r\nTEL;VALUE=uri;TYPE=\"voice,cell\":tel:+1-555\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) { conformance.Fuzz(t, Kind, ".vcf", b, true) })
}
