package outlookcsv

import (
	"os"
	"path/filepath"
	"testing"

	"contactsync/fixtures"
	"contactsync/formats/conformance"
)

// TestConformance runs the suite every format runs (formats/conformance)
// on the bundled fixture, Outlook and Google exports from the real world,
// and broken files.
func TestConformance(t *testing.T) {
	rw, ok := fixtures.RealWorld()
	if !ok {
		t.Fatalf("real-world samples missing at %s", rw)
	}
	dir := t.TempDir()
	broken := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	conformance.Run(t, conformance.Suite{
		Kind: Kind,
		Good: []string{
			filepath.Join(fixtures.Dir(), "outlook", "contacts.csv"),
			filepath.Join(rw, "tine20/tests/tine20/Addressbook/Import/files/importtest_outlook2013.csv"),
			filepath.Join(rw, "tine20/tests/tine20/Addressbook/Import/files/google_contacts.csv"),
			filepath.Join(rw, "roundcubemail/tests/src/Csv2vcard/outlook.csv"),
			filepath.Join(rw, "roundcubemail/tests/src/Csv2vcard/gmail.csv"),
		},
		MinRecords: 10,
		Broken: []conformance.Broken{
			{Path: broken("quote.csv", "First Name,Last Name\r\nAnn,Lee\r\nBob,R\"ay\r\n"), Want: `:3:6: bare "`},
			{Path: broken("date.csv", "First Name,Birthday\nA,13/45/1999\n"), Want: `:2:3: Birthday: cannot read "13/45/1999"`},
			{Path: broken("empty.csv", "\r\n  \r\n"), Want: ":1:1: empty file"},
		},
	})
}

// FuzzReader: the conformance suite's fuzz target through the registry.
func FuzzReader(f *testing.F) {
	f.Add([]byte(sample("en", 2, "")))
	f.Add([]byte("First Name,Notes\r\nA,\"unterminated\r\n"))
	f.Add([]byte("First Name,Birthday\nA,5/5/1990\nB,20/1/1991\nC,3/4/1985\n"))
	f.Add([]byte("\xff\xfeF\x00i\x00r\x00s\x00t\x00 \x00N\x00a\x00m\x00e\x00\n\x00A\x00"))
	f.Fuzz(func(t *testing.T, b []byte) { conformance.Fuzz(t, Kind, ".csv", b, true) })
}
