package outlookcsv

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// wholeTextRule is the encoding rule stated on Write, applied to the whole
// UTF-8 text at once: Windows-1252 when every character fits and its bytes
// do not read as UTF-8 (or are plain ASCII), else UTF-8 with a BOM.
func wholeTextRule(t *testing.T, text []byte) ([]byte, string) {
	t.Helper()
	if formats.Fits1252(string(text)) {
		b, err := formats.EncodeText(text, formats.Windows1252)
		if err != nil {
			t.Fatal(err)
		}
		ascii := true
		for _, c := range b {
			ascii = ascii && c < utf8.RuneSelf
		}
		if !utf8.Valid(b) || ascii {
			return b, formats.Windows1252
		}
	}
	return append([]byte("\uFEFF"), text...), formats.UTF8BOM
}

// TestStreamedEncodingChoice checks that writing while choosing the
// encoding (WriteFile, Write) gives byte for byte the file the rule gives
// on the whole text, including when the deciding character comes last and
// the file has to be started over, and that starting over does not count
// other formats' values twice.
func TestStreamedEncodingChoice(t *testing.T) {
	cases := []struct {
		name, last string // last: the last contact's first name
		want       string
	}{
		{"ascii", "Ann", formats.Windows1252},
		{"fits 1252", "Zoë", formats.Windows1252},
		{"not 1252 at the end", "Čapek", formats.UTF8BOM},
		{"1252 bytes that read as UTF-8", "Ã±", formats.UTF8BOM},
		{"invalid UTF-8", "a\xffb", formats.UTF8BOM},
		{"U+FFFD", "a\uFFFDb", formats.UTF8BOM},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cs := make([]contact.Contact, 300)
			for i := range cs {
				cs[i].Values[contact.First] = "Ann"
				cs[i].Values[contact.Email1] = fmt.Sprintf("a%d@example.com", i)
				cs[i].Extra = []contact.Extra{{Name: "PHOTO", Value: "x", Format: contact.FormatVCard}}
			}
			cs[len(cs)-1].Values[contact.First] = tc.last
			p := filepath.Join(t.TempDir(), "out.csv")
			res, err := WriteFileReport(p, cs, nil, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			// The UTF-8 text the file holds, whatever its encoding.
			text, _, err := formats.DecodeText(got, "")
			if err != nil {
				t.Fatal(err)
			}
			want, wantEnc := wholeTextRule(t, text)
			if res.Encoding != tc.want || wantEnc != tc.want {
				t.Errorf("encoding %s, the rule on the whole text gives %s, want %s", res.Encoding, wantEnc, tc.want)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("file differs from the whole-text rule's bytes (%d vs %d bytes)", len(got), len(want))
			}
			if res.Dropped != len(cs) || len(res.DroppedNames) != 1 {
				t.Errorf("dropped %d values named %q, want %d values named once", res.Dropped, res.DroppedNames, len(cs))
			}
			var mem bytes.Buffer
			if _, err := WriteReport(&mem, cs, nil, Options{}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(mem.Bytes(), got) {
				t.Error("Write and WriteFile give different bytes")
			}
			f, err := ReadFile(p, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if f.Encoding != tc.want && !(tc.want == formats.Windows1252 && f.Encoding == formats.UTF8) {
				t.Errorf("read back as %s", f.Encoding)
			}
			if v := f.Contacts[len(cs)-1].Values[contact.First]; utf8.ValidString(tc.last) && v != tc.last {
				t.Errorf("last first name read back %q, want %q", v, tc.last)
			}
		})
	}
}

// A file without BOM is read once: its encoding is told as it is read.
// When it turns out to be Windows-1252 after characters other than ASCII
// were read as UTF-8, Each gives the records again from the first, and
// every way of reading the file reads the same records in the same code
// page as the reading of the whole bytes.
func TestEachTellsEncodingOnce(t *testing.T) {
	head := "First Name,Last Name,E-mail Address\r\n"
	for _, tc := range []struct {
		name, text string
		enc        string
		resets     int
	}{
		{"utf8", head + "Zoë,Müller,z@example.com\r\n", formats.UTF8, 0},
		{"1252 after ASCII", head + "Ann,Lee,a@example.com\r\nZo\xeb,M\xfcller,z@example.com\r\n", formats.Windows1252, 0},
		{"1252 after UTF-8", head + "Zoë,Lee,a@example.com\r\n" + strings.Repeat("Ann,Lee,a@example.com\r\n", 3000) + "Zo\xeb,M\xfcller,z@example.com\r\n", formats.Windows1252, 1},
		{"1252 in the header", "First Name,Last Name,E-mail Address,Stra\xdfe\r\nZo\xeb,M\xfcller,z@example.com,x\r\n", formats.Windows1252, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeTemp(t, "in.csv", []byte(tc.text))
			whole, err := Read(bytes.NewReader([]byte(tc.text)), path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []contact.Contact
			resets := 0
			f, _, err := Each(path, Options{}, false, func() { got, resets = nil, resets+1 }, func(c *contact.Contact) error {
				got = append(got, c.Clone())
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if f.Encoding != tc.enc || whole.Encoding != tc.enc || resets != tc.resets {
				t.Errorf("encoding %s (whole bytes %s), read again %d times; want %s, %d", f.Encoding, whole.Encoding, resets, tc.enc, tc.resets)
			}
			if !reflect.DeepEqual(got, whole.Contacts) {
				t.Errorf("Each read\n%v\nthe whole bytes\n%v", got, whole.Contacts)
			}
			rf, err := ReadFile(path, Options{})
			if err != nil || rf.Encoding != tc.enc || !reflect.DeepEqual(rf.Contacts, whole.Contacts) {
				t.Errorf("ReadFile: %v, %s", err, rf.Encoding)
			}
		})
	}
}

// TestEachViewTellsControls: EachView says a record may hold control
// characters when one of its cells does (a field's, an unmapped column's,
// a quoted note over lines, a birthday that is no date, a cell beyond the
// header), and when it says not, DropControls changes nothing.
func TestEachViewTellsControls(t *testing.T) {
	header := `"First Name","Last Name","Company","Business Street","Business Street 2","Birthday","Notes","User 4","Hobby"`
	rows := []struct {
		row      string
		controls bool
	}{
		{`"Ann","Lee","Acme","1 Main St",,"1/2/1980","a note","contactsync:1","chess"`, false},
		{`"Ann","Lee","Acme","1 Main St","Floor 2",,"line 1` + "\r\n\tline 2" + `",,`, false},
		{"\"Bo\x07b\",\"Lee\",,,,,,,", true},
		{"\"Cy\",\"Lee\",,\"1 Main\x00 St\",\"Floor\x1b 2\",,,,", true},
		{"\"Di\",\"Lee\",,,,\"1/2/19\x0180\",,,", true},
		{"\"Ed\",\"Lee\",,,,,\"a\r\n\x1fnote\",,", true},
		{"\"Fa\",\"Lee\",,,,,,,\"go\x02lf\"", true},
		{"\"Gu\",\"Lee\",,,,,,,,\"beyond\x03\"", true},
		{`"Hu","Lee",,,,,,,`, false},
	}
	var b strings.Builder
	b.WriteString(header + "\r\n")
	for _, r := range rows {
		b.WriteString(r.row + "\r\n")
	}
	path := filepath.Join(t.TempDir(), "c.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	n := 0
	_, _, err := EachViewRows(path, Options{}, true, func() { n = 0 }, func(c *contact.Contact, controls bool, row Row) error {
		if n >= len(rows) {
			t.Fatalf("record %d: more records than rows", n)
		}
		if controls != rows[n].controls {
			t.Errorf("row %d: controls %v, want %v", n+2, controls, rows[n].controls)
		}
		if controls && row.OK() {
			t.Errorf("row %d: a record that may hold control characters has its text to copy", n+2)
		}
		if clone := c.Clone(); len(contact.DropControls(&clone)) > 0 && !controls {
			t.Errorf("row %d: DropControls changes a record said to hold no control characters", n+2)
		}
		n++
		return nil
	})
	if err != nil || n != len(rows) {
		t.Fatalf("EachView: %d records, %v", n, err)
	}
}
