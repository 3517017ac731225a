package vcard

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"contactsync/engine/contact"
)

// carrierNames are Extra names no property syntax could hold as they are:
// every byte class a quoted parameter value cannot carry, the escape
// characters themselves, and names that look like vCard syntax.
var carrierNames = []string{
	"Gender", "", " ", "Business PO Box", "a;b:c,d=e", `q"uote"`, "line\nbreak", "cr\r", "crlf\r\n",
	"tab\there", "^", "^^", "^n literal", "^x41 literal", "^'", "^x", "^x4", "^xZZ", "end^",
	"\x00\x01\x1f\x7f", "\xff\xfe invalid", "Zo\xc3", "Zoë 日本語 \U0001F600", "\uFFFD",
	"X-FOO;TYPE=a", "=email1", "=address_home.pobox", "=unknown slot", "NOTE", "BEGIN", "END", "VERSION",
	"X-CONTACTSYNC-EXTRA;X-NAME=x", "item1.EMAIL", strings.Repeat("long name ", 30),
	strings.Repeat("ü\"^\n", 40),
	// Folded over hundreds of lines, with ':' inside the quotes.
	strings.Repeat(`a:"^;`, 3000),
}

var carrierValues = []string{
	"", "Unspecified", "0/0/00", `a,b;c\d:e`, "multi\nline\n", "\n", "trailing \\", `\n literal`,
	"\r\n", "cr\ronly", "\x00nul", "bell\a", "del\x7f", "\x80\xff bytes", "tab\tin", " lead and trail ",
	strings.Repeat("日本語, ", 40), strings.Repeat("x", 300),
}

var carrierFormats = []string{contact.FormatOutlookCSV, contact.FormatPST, contact.FormatCRM, `odd "fmt";x:y^`, "fmt\n2"}

// roundTrip writes cs in the given version and reads them back.
func roundTrip(t *testing.T, cs []contact.Contact, ver string) ([]contact.Contact, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, cs, Options{Version: ver}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	f, err := Read(strings.NewReader(out), "carrier.vcf")
	if err != nil {
		t.Fatalf("%s: reading our output: %v", ver, err)
	}
	if len(f.Warnings) > 0 {
		t.Errorf("%s: our output gives warnings: %q", ver, f.Warnings)
	}
	return f.Contacts, out
}

// checkPlainOutput: whatever the Extras held, the file is valid UTF-8 with
// CRLF line ends and no other control character.
func checkPlainOutput(t *testing.T, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Error("output is not valid UTF-8")
	}
	for _, l := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		for i := 0; i < len(l); i++ {
			if c := l[i]; c < 0x20 && c != '\t' || c == 0x7F {
				t.Errorf("control byte 0x%02x in output line %q", c, l)
				break
			}
		}
		if len(l) > 75 {
			t.Errorf("line of %d octets: %q", len(l), l)
		}
	}
}

// TestCarrierRoundTrip: every foreign Extra, whatever its name, value and
// format, comes back exactly (Name, Value, Format, order), in 3.0 and 4.0;
// so does an own Extra whose name is no property.
func TestCarrierRoundTrip(t *testing.T) {
	var all []contact.Extra
	for i, n := range carrierNames {
		for j, v := range carrierValues {
			all = append(all, contact.Extra{Name: n, Value: v, Format: carrierFormats[(i+j)%len(carrierFormats)]})
		}
	}
	// Own Extras that cannot be properties use the same carrier, without
	// X-FORMAT. (Own "=slot" carriers such as =email1 are not Extras of
	// their own: they describe a mapped property and go with it.)
	for _, n := range carrierNames {
		if strings.HasPrefix(n, "=") && knownCarriers[n[1:]] {
			continue
		}
		if h, _, _, msg := parseHeader(n + ":"); msg != "" || h.upper() == "VERSION" || h.upper() == "BEGIN" || h.upper() == "END" || strings.HasPrefix(n, "X-CONTACTSYNC") || strings.HasPrefix(n, "=") {
			all = append(all, contact.Extra{Name: n, Value: "own " + n, Format: contact.FormatVCard})
		}
	}
	for _, ver := range []string{"3.0", "4.0"} {
		// One contact with all of them, and one contact per Extra.
		cs := []contact.Contact{{Extra: all}}
		for _, e := range all {
			cs = append(cs, contact.Contact{Extra: []contact.Extra{e}})
		}
		got, out := roundTrip(t, cs, ver)
		checkPlainOutput(t, out)
		if len(got) != len(cs) {
			t.Fatalf("%s: %d contacts back, wrote %d", ver, len(got), len(cs))
		}
		for i := range cs {
			if !reflect.DeepEqual(got[i].Extra, cs[i].Extra) {
				for k := range cs[i].Extra {
					if k >= len(got[i].Extra) || got[i].Extra[k] != cs[i].Extra[k] {
						var g contact.Extra
						if k < len(got[i].Extra) {
							g = got[i].Extra[k]
						}
						t.Errorf("%s contact %d extra %d: got %q, want %q", ver, i, k, g, cs[i].Extra[k])
						break
					}
				}
				t.Errorf("%s contact %d: %d extras back, wrote %d", ver, i, len(got[i].Extra), len(cs[i].Extra))
			}
		}
	}
}

// TestCarrierWireForm pins the encoding the package doc describes.
func TestCarrierWireForm(t *testing.T) {
	for _, tt := range []struct {
		e    contact.Extra
		want string
	}{
		{contact.Extra{Name: "Gender", Value: "Unspecified", Format: contact.FormatOutlookCSV},
			`X-CONTACTSYNC-EXTRA;X-FORMAT=outlookcsv;X-NAME="Gender":Unspecified`},
		{contact.Extra{Name: "PidTagNickname", Value: "Zo, \"Z\"; \\", Format: contact.FormatPST},
			`X-CONTACTSYNC-EXTRA;X-FORMAT=pst;X-NAME="PidTagNickname":Zo\, "Z"\; \\`},
		{contact.Extra{Name: "a\"b\nc\r^\t;:,", Value: "x\ny", Format: contact.FormatCRM},
			`X-CONTACTSYNC-EXTRA;X-FORMAT=crmcsv;X-NAME="a^'b^nc^x0D^^^x09;:,":x\ny`},
		{contact.Extra{Name: "NOTE", Value: "cr\r\n", Format: contact.FormatOutlookCSV},
			`X-CONTACTSYNC-EXTRA;X-FORMAT=outlookcsv;X-NAME="NOTE";ENCODING=b:Y3INCg==`},
		{contact.Extra{Name: "bad \xff", Value: "", Format: "my fmt"},
			`X-CONTACTSYNC-EXTRA;X-FORMAT="my fmt";X-NAME="bad ^xFF":`},
		// The examples of the package doc.
		{contact.Extra{Name: "a\"b\nc\r", Value: "x, y", Format: contact.FormatPST},
			`X-CONTACTSYNC-EXTRA;X-FORMAT=pst;X-NAME="a^'b^nc^x0D":x\, y`},
		{contact.Extra{Name: "Notes 2", Value: "a\rb", Format: contact.FormatOutlookCSV},
			`X-CONTACTSYNC-EXTRA;X-FORMAT=outlookcsv;X-NAME="Notes 2";ENCODING=b:YQ1i`},
		{contact.Extra{Name: "Business PO Box", Value: "1", Format: contact.FormatVCard},
			`X-CONTACTSYNC-EXTRA;X-NAME="Business PO Box":1`},
		{contact.Extra{Name: "=custom", Value: "1"}, `X-CONTACTSYNC-EXTRA;X-NAME="=custom":1`},
		{contact.Extra{Name: "X-A;TYPE=b", Value: `v\,w`, Format: contact.FormatVCard}, `X-A;TYPE=b:v\,w`},
		{contact.Extra{Name: "X-A;TYPE=b", Value: `v\,w`, Format: contact.FormatOutlookCSV},
			`X-CONTACTSYNC-EXTRA;X-FORMAT=outlookcsv;X-NAME="X-A;TYPE=b":v\\\,w`},
	} {
		var buf bytes.Buffer
		if err := Write(&buf, []contact.Contact{{Extra: []contact.Extra{tt.e}}}, Options{}); err != nil {
			t.Fatal(err)
		}
		out := strings.ReplaceAll(buf.String(), "\r\n ", "")
		if !strings.Contains(out, "\r\n"+tt.want+"\r\n") {
			t.Errorf("%q: output lacks\n%s\n%s", tt.e, tt.want, out)
		}
	}
}

// TestCarrierReadsOlderAndHandWritten: carriers written before X-FORMAT
// (own, RFC 6868 only, '^' left raw) and hand-edited ones read sensibly.
func TestCarrierReadsOlderAndHandWritten(t *testing.T) {
	for _, tt := range []struct {
		line string
		want contact.Extra
	}{
		{`X-CONTACTSYNC-EXTRA;X-NAME="Business PO Box":PO 1\nx`, contact.Extra{Name: "Business PO Box", Value: "PO 1\nx", Format: contact.FormatVCard}},
		{`X-CONTACTSYNC-EXTRA;X-NAME="a^b ^q":v`, contact.Extra{Name: "a^b ^q", Value: "v", Format: contact.FormatVCard}},
		{`x-contactsync-extra;x-format=pst;x-name="^x0d^N":v`, contact.Extra{Name: "\r\n", Value: "v", Format: contact.FormatPST}},
		{`X-CONTACTSYNC-EXTRA;X-FORMAT=;X-NAME=plain:v`, contact.Extra{Name: "plain", Value: "v", Format: contact.FormatVCard}},
		{`X-CONTACTSYNC-EXTRA;X-NAME=n;ENCODING=b:AAEC`, contact.Extra{Name: "n", Value: "\x00\x01\x02", Format: contact.FormatVCard}},
		{`X-CONTACTSYNC-EXTRA;X-NAME=n;ENCODING=b:AAE`, contact.Extra{Name: "n", Value: "\x00\x01", Format: contact.FormatVCard}},
		// Not carriers: no X-NAME, or in a group. Kept as ordinary properties.
		{`X-CONTACTSYNC-EXTRA;X-FORMAT=pst:v`, contact.Extra{Name: "X-CONTACTSYNC-EXTRA;X-FORMAT=pst", Value: "v", Format: contact.FormatVCard}},
		{`g.X-CONTACTSYNC-EXTRA;X-NAME=a:v`, contact.Extra{Name: "g.X-CONTACTSYNC-EXTRA;X-NAME=a", Value: "v", Format: contact.FormatVCard}},
	} {
		c := readOne(t, "BEGIN:VCARD\r\nVERSION:3.0\r\n"+tt.line+"\r\nEND:VCARD\r\n")
		if len(c.Extra) != 1 || c.Extra[0] != tt.want {
			t.Errorf("%s: extras %q, want [%q]", tt.line, c.Extra, tt.want)
		}
	}
}

func TestEncodeParam(t *testing.T) {
	for _, s := range append(append([]string{}, carrierNames...), carrierValues...) {
		enc := encodeParam(s)
		if strings.ContainsAny(enc, "\"\r\n") || !utf8.ValidString(enc) {
			t.Errorf("encodeParam(%q) = %q: not a quoted parameter value", s, enc)
		}
		if got := decodeParam(enc); got != s {
			t.Errorf("decodeParam(encodeParam(%q)) = %q", s, got)
		}
	}
	for b := 0; b < 256; b++ {
		s := string([]byte{'a', byte(b), 'z'})
		if got := decodeParam(encodeParam(s)); got != s {
			t.Errorf("byte 0x%02x: round trip gives %q", b, got)
		}
	}
}

// outlookExtras are what the Outlook CSV reader keeps for the sample in
// fixtures/outlook: unmapped columns and '='-prefixed shadows of cells.
func mixedContact() contact.Contact {
	c := sample()
	c.Extra = []contact.Extra{
		{Name: "X-FOO;TYPE=a", Value: `bar\, baz`, Format: contact.FormatVCard},
		{Name: "Gender", Value: "Unspecified", Format: contact.FormatOutlookCSV},
		{Name: "Anniversary", Value: "0/0/00", Format: contact.FormatOutlookCSV},
		{Name: "Birthday", Value: "0/0/00", Format: contact.FormatOutlookCSV},
		{Name: "=Business Street", Value: "1 Main St\r\nSuite 2", Format: contact.FormatOutlookCSV},
		{Name: "=email1", Value: "EMAIL;TYPE=x", Format: contact.FormatCRM},
		{Name: "PidTagNickname", Value: "Zo", Format: contact.FormatPST},
		{Name: "PidLidInstantMessagingAddress", Value: "zoe@im.example", Format: contact.FormatPST},
		{Name: "NOTE", Value: "a second note, from PST", Format: contact.FormatPST},
		{Name: "X-MS-OL-DEFAULT-POSTAL-ADDRESS", Value: "2", Format: contact.FormatVCard},
		{Name: "=email1", Value: "EMAIL;TYPE=INTERNET,PREF", Format: contact.FormatVCard},
	}
	return c
}

// TestForeignExtrasContactRoundTrip: a contact with Extras of every format,
// written and read back, equals the input (fields, Extras with Format and
// order), and no foreign Extra turns into a vCard property.
func TestForeignExtrasContactRoundTrip(t *testing.T) {
	for _, ver := range []string{"3.0", "4.0"} {
		c := mixedContact()
		if ver == "4.0" {
			// 4.0 writes TYPE=pref as PREF=1, so the own =email1 carrier
			// would change; leave it out there.
			c.Extra = c.Extra[:len(c.Extra)-1]
		}
		got, out := roundTrip(t, []contact.Contact{c}, ver)
		if g, w := comparable(got), comparable([]contact.Contact{c}); !reflect.DeepEqual(g, w) {
			t.Errorf("%s round trip:\n got %q\nwant %q", ver, g[0].Extra, w[0].Extra)
		}
		unfolded := strings.ReplaceAll(out, "\r\n ", "")
		for _, bad := range []string{"\r\nGender:", "\r\nAnniversary:", "\r\nBirthday:", "\r\nPidTag", "\r\nNOTE:a second"} {
			if strings.Contains(unfolded, bad) {
				t.Errorf("%s: foreign Extra written as a property (%q):\n%s", ver, bad, unfolded)
			}
		}
		if n := strings.Count(unfolded, "\r\nX-CONTACTSYNC-EXTRA;X-FORMAT="); n != 8 {
			t.Errorf("%s: %d carriers with X-FORMAT, want 8:\n%s", ver, n, unfolded)
		}
		if !strings.Contains(unfolded, "\r\nEMAIL;TYPE=INTERNET,PREF:z@x.example\r\n") && ver == "3.0" {
			t.Errorf("own =email1 carrier not used for EMAIL:\n%s", unfolded)
		}
	}
}
