package outlookcsv

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"contactsync/engine/contact"
)

// cellsOf writes cs and returns the header, the rows and the result.
func cellsOf(t *testing.T, cs []contact.Contact, layout *File, opt Options) ([]string, [][]string, WriteResult) {
	t.Helper()
	var out bytes.Buffer
	res, err := WriteReport(&out, cs, layout, opt)
	if err != nil {
		t.Fatal(err)
	}
	recs := pad(records(t, out.Bytes()))
	return recs[0], recs[1:], res
}

// cell returns row's cell under header name h ("" and a failure when the
// header lacks it).
func cell(t *testing.T, header, row []string, h string) string {
	t.Helper()
	i := slices.Index(header, h)
	if i < 0 {
		t.Fatalf("no column %q", h)
	}
	return row[i]
}

func withExtra(xs ...contact.Extra) contact.Contact {
	c := contact.Contact{Extra: xs}
	c.Values[contact.First] = "Jo"
	return c
}

// A contact read from a vCard or a PST adds no column; the values Outlook
// has a column for go there, the others are counted.
func TestForeignExtrasAddNoColumns(t *testing.T) {
	c := withExtra(
		contact.Extra{Name: "PHOTO;TYPE=JPEG;ENCODING=b", Value: "/9j/4AAQ", Format: contact.FormatVCard},
		contact.Extra{Name: "LABEL;TYPE=WORK\nPREF", Value: `1 Road\nTown`, Format: contact.FormatVCard},
		contact.Extra{Name: "=FN.text", Value: "Mr. Jo", Format: contact.FormatVCard},
		contact.Extra{Name: "=email1", Value: "EMAIL;TYPE=PREF,INTERNET", Format: contact.FormatVCard},
		contact.Extra{Name: "=FN.from", Value: "Jo", Format: contact.FormatVCard},
		contact.Extra{Name: "X-MS-SPOUSE", Value: `Alex\, Jr.`, Format: contact.FormatVCard},
		contact.Extra{Name: "PidTagDisplayName", Value: "Jo Doe", Format: contact.FormatPST},
		contact.Extra{Name: "PidTagInitials", Value: "J.D.", Format: contact.FormatPST},
		contact.Extra{Name: "CREATEUSER", Value: "ADMIN", Format: contact.FormatCRM},
		contact.Extra{Name: "Business Street", Value: "not a shadow", Format: contact.FormatVCard},
		contact.Extra{Name: "X-Custom", Value: "own, no format"},
		contact.Extra{Name: "Lieblingsfarbe", Value: "blau", Format: contact.FormatOutlookCSV},
	)
	c.Values[contact.BusinessStreet] = "1 Main St"
	header, rows, res := cellsOf(t, []contact.Contact{c}, nil, Options{})
	want := append(freshHeader("en"), "X-Custom", "Lieblingsfarbe")
	if !slices.Equal(header, want) {
		t.Errorf("header has %d columns, want the 92 and the two own extras: %q", len(header), header[numDesktop:])
	}
	for h, v := range map[string]string{
		"Spouse": "Alex, Jr.", "Initials": "J.D.", "Business Street": "1 Main St",
		"X-Custom": "own, no format", "Lieblingsfarbe": "blau",
	} {
		if got := cell(t, header, rows[0], h); got != v {
			t.Errorf("%s = %q, want %q", h, got, v)
		}
	}
	for _, r := range rows[0] {
		for _, bad := range []string{"/9j/4AAQ", "1 Road", "Mr. Jo", "EMAIL;", "Jo Doe", "ADMIN", "not a shadow"} {
			if strings.Contains(r, bad) {
				t.Errorf("a left-out value was written: %q", r)
			}
		}
	}
	wantNames := []string{"PHOTO;TYPE=JPEG;ENCODING=b", "LABEL;TYPE=WORK\nPREF", "=FN.text", "PidTagDisplayName", "CREATEUSER", "Business Street"}
	if res.Mapped != 2 || res.Dropped != len(wantNames) || !slices.Equal(res.DroppedNames, wantNames) {
		t.Errorf("result %+v, want 2 mapped and %d dropped named %q", res, len(wantNames), wantNames)
	}
	// Write and WriteFile give the same bytes as WriteReport.
	var a, b bytes.Buffer
	if _, err := Write(&a, []contact.Contact{c}, nil, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteReport(&b, []contact.Contact{c}, nil, Options{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("Write and WriteReport differ")
	}
	// Dropped counts values, names are listed once.
	_, _, res = cellsOf(t, []contact.Contact{c, c}, nil, Options{})
	if res.Dropped != 2*len(wantNames) || len(res.DroppedNames) != len(wantNames) || res.Mapped != 4 {
		t.Errorf("two contacts: %+v", res)
	}
}

// foreignCase is one foreign value and the Outlook cell it must become.
type foreignCase struct {
	format, name, value string
	column, cell        string // English column; "" when it is left out
}

// pstCases cover every rule of pstRules (checked below) with the names
// formats/pst gives.
var pstCases = []foreignCase{
	{contact.FormatPST, "PidTagInitials", "J.D.", "Initials", "J.D."},
	{contact.FormatPST, "PidTagGender", "1", "Gender", "Female"},
	{contact.FormatPST, "PidTagSpouseName", "Alex", "Spouse", "Alex"},
	{contact.FormatPST, "PidTagProfession", "Pilot", "Profession", "Pilot"},
	{contact.FormatPST, "PidTagHobbies", "Chess", "Hobby", "Chess"},
	{contact.FormatPST, "PidTagManagerName", "Boss", "Manager's Name", "Boss"},
	{contact.FormatPST, "PidTagAssistant", "Sam", "Assistant's Name", "Sam"},
	{contact.FormatPST, "PidTagChildrensNames", "Ann;Ben", "Children", "Ann;Ben"},
	{contact.FormatPST, "PidTagLanguage", "Danish", "Language", "Danish"},
	{contact.FormatPST, "PidTagAccount", "ACC-1", "Account", "ACC-1"},
	{contact.FormatPST, "PidTagOfficeLocation", "B2", "Office Location", "B2"},
	{contact.FormatPST, "PidTagOrganizationalIdNumber", "42", "Organizational ID Number", "42"},
	{contact.FormatPST, "PidTagLocation", "Bldg 7", "Location", "Bldg 7"},
	{contact.FormatPST, "PidTagWeddingAnniversary", "2011-01-13", "Anniversary", "1/13/2011"},
	{contact.FormatPST, "PidTagPrimaryTelephoneNumber", "+1 1", "Primary Phone", "+1 1"},
	{contact.FormatPST, "PidTagCarTelephoneNumber", "+1 2", "Car Phone", "+1 2"},
	{contact.FormatPST, "PidTagRadioTelephoneNumber", "+1 3", "Radio Phone", "+1 3"},
	{contact.FormatPST, "PidTagCallbackTelephoneNumber", "+1 4", "Callback", "+1 4"},
	{contact.FormatPST, "PidTagIsdnNumber", "+1 5", "ISDN", "+1 5"},
	{contact.FormatPST, "PidTagTelexNumber", "+1 6", "Telex", "+1 6"},
	{contact.FormatPST, "PidTagTtyTddPhoneNumber", "+1 7", "TTY/TDD Phone", "+1 7"},
	{contact.FormatPST, "PidLidWorkAddressPostOfficeBox", "PO 1", "Business Address PO Box", "PO 1"},
	{contact.FormatPST, "PidTagHomeAddressPostOfficeBox", "PO 2", "Home Address PO Box", "PO 2"},
	{contact.FormatPST, "PidTagOtherAddressPostOfficeBox", "PO 3", "Other Address PO Box", "PO 3"},
	{contact.FormatPST, "PidLidEmail1DisplayName", "Jo (jo@x.org)", "E-mail Display Name", "Jo (jo@x.org)"},
	{contact.FormatPST, "PidLidEmail2DisplayName", "Jo 2", "E-mail 2 Display Name", "Jo 2"},
	{contact.FormatPST, "PidLidEmail3DisplayName", "Jo 3", "E-mail 3 Display Name", "Jo 3"},
	{contact.FormatPST, "PidLidEmail1AddressType", "SMTP", "E-mail Type", "SMTP"},
	{contact.FormatPST, "PidLidEmail2AddressType", "smtp", "E-mail 2 Type", "SMTP"},
	{contact.FormatPST, "PidLidEmail3AddressType", "EX", "", ""},
	{contact.FormatPST, "PidLidContactUserField1", "u1", "User 1", "u1"},
	{contact.FormatPST, "PidLidContactUserField2", "u2", "User 2", "u2"},
	{contact.FormatPST, "PidLidContactUserField3", "u3", "User 3", "u3"},
	{contact.FormatPST, "PidLidContactUserField4", "u4", "User 4", "u4"},
	// Outlook.com columns: a desktop layout lacks them.
	{contact.FormatPST, "PidTagNickname", "Joey", "", ""},
	{contact.FormatPST, "PidLidInstantMessagingAddress", "jo@im", "", ""},
	{contact.FormatPST, "PidTagPersonalHomePage", "https://jo", "", ""},
	{contact.FormatPST, "PidTagGender", "7", "", ""},
	{contact.FormatPST, "PidTagWeddingAnniversary", "sometime", "", ""},
	{contact.FormatPST, "PidTagPrimaryFaxNumber", "+1 8", "", ""},
	{contact.FormatPST, "PidLidFileUnder", "Doe, Jo", "", ""},
}

// vcardCases use the names and escaped values formats/vcard gives.
var vcardCases = []foreignCase{
	{contact.FormatVCard, "X-MS-MANAGER", `Big\, Blue\nInc.`, "Manager's Name", "Big, Blue\nInc."},
	{contact.FormatVCard, "X-MS-ASSISTANT", "Jenny", "Assistant's Name", "Jenny"},
	{contact.FormatVCard, "item1.X-MS-SPOUSE", `a\\b\;c`, "Spouse", `a\b;c`},
	{contact.FormatVCard, "ROLE", "Counting Money", "Profession", "Counting Money"},
	{contact.FormatVCard, "X-MS-ANNIVERSARY", "20110113", "Anniversary", "1/13/2011"},
	{contact.FormatVCard, "ANNIVERSARY", "2009-08-08T14:30:00-05:00", "Anniversary", "8/8/2009"},
	{contact.FormatVCard, "ANNIVERSARY", "--0229", "Anniversary", "2/29/1604"},
	{contact.FormatVCard, "ANNIVERSARY;VALUE=text", "our wedding", "", ""},
	{contact.FormatVCard, "FBURL", "http://website.com/mycal", "Internet Free Busy", "http://website.com/mycal"},
	{contact.FormatVCard, "GENDER", "M;boy", "Gender", "Male"},
	{contact.FormatVCard, "GENDER", "U", "Gender", "Unspecified"},
	{contact.FormatVCard, "GENDER", "O", "", ""},
	{contact.FormatVCard, "X-MS-TEL;TYPE=VOICE,CALLBACK", "(111) 555-4444", "Callback", "(111) 555-4444"},
	{contact.FormatVCard, "X-MS-TEL;TYPE=VOICE", "(111) 555-0000", "", ""},
	{contact.FormatVCard, "=address_business.pobox", "PO 1", "Business Address PO Box", "PO 1"},
	{contact.FormatVCard, "=address_home.pobox", "PO 2", "Home Address PO Box", "PO 2"},
	{contact.FormatVCard, "=address_other.pobox", "PO 3", "Other Address PO Box", "PO 3"},
	{contact.FormatVCard, "=address_business.extended", "TheOffice", "", ""},
	{contact.FormatVCard, "NICKNAME", "Johny", "", ""},
	{contact.FormatVCard, "X-MS-IMADDRESS", "johny5@aol.com", "", ""},
	{contact.FormatVCard, "X-MS-MANAGER;ENCODING=b", "Qmln", "", ""},
	{contact.FormatVCard, "PidTagInitials", "J.D.", "", ""}, // a PST name, but a vCard's
	{contact.FormatCRM, "USERFIELD1", "x", "", ""},
}

func TestForeignMappingDesktop(t *testing.T) {
	for _, tc := range append(append([]foreignCase(nil), pstCases...), vcardCases...) {
		c := withExtra(contact.Extra{Name: tc.name, Value: tc.value, Format: tc.format})
		header, rows, res := cellsOf(t, []contact.Contact{c}, nil, Options{})
		if len(header) != numDesktop {
			t.Errorf("%s %q: %d columns", tc.format, tc.name, len(header))
			continue
		}
		var filled []string
		for i, v := range rows[0] {
			if v != "" && header[i] != "First Name" {
				filled = append(filled, header[i]+"="+v)
			}
		}
		if tc.column == "" {
			if len(filled) != 0 || res.Dropped != 1 || res.Mapped != 0 {
				t.Errorf("%s %q: want it left out, got %q, %+v", tc.format, tc.name, filled, res)
			}
			continue
		}
		if want := tc.column + "=" + tc.cell; len(filled) != 1 || filled[0] != want || res.Mapped != 1 || res.Dropped != 0 {
			t.Errorf("%s %q: cells %q, %+v; want %s", tc.format, tc.name, filled, res, want)
		}
	}
	// The test tables cover every rule.
	for name := range pstRules {
		if !slices.ContainsFunc(pstCases, func(c foreignCase) bool { return c.name == name }) {
			t.Errorf("no test case for %s", name)
		}
	}
	for name := range vcardRules {
		if !slices.ContainsFunc(vcardCases, func(c foreignCase) bool { n, _ := vcardName(c.name); return n == name }) {
			t.Errorf("no test case for vCard %s", name)
		}
	}
}

// In a layout read from a file the columns are found by identity: German
// names, the German date format; Outlook.com columns in an Outlook.com
// export.
func TestForeignMappingLayouts(t *testing.T) {
	de, err := Read(strings.NewReader(sample("de", 1, "")), "de.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := withExtra(
		contact.Extra{Name: "PidTagSpouseName", Value: "Alex", Format: contact.FormatPST},
		contact.Extra{Name: "PidTagWeddingAnniversary", Value: "2011-01-13", Format: contact.FormatPST},
		contact.Extra{Name: "PidTagGender", Value: "0", Format: contact.FormatPST},
		contact.Extra{Name: "GENDER", Value: "F", Format: contact.FormatVCard},
	)
	header, rows, res := cellsOf(t, []contact.Contact{c}, de, Options{})
	if len(header) != numDesktop {
		t.Errorf("%d columns", len(header))
	}
	for h, v := range map[string]string{"Partner": "Alex", "Jahrestag": "13.1.2011", "Geschlecht": "Keine Angabe"} {
		if got := cell(t, header, rows[0], h); got != v {
			t.Errorf("%s = %q, want %q", h, got, v)
		}
	}
	// Only the unspecified gender has a confirmed German word.
	if res.Mapped != 3 || res.Dropped != 1 || res.DroppedNames[0] != "GENDER" {
		t.Errorf("result %+v", res)
	}

	com, err := Read(strings.NewReader("First Name,Last Name,Nickname,IMAddress,Personal Web Page,Spouse,Anniversary\r\nA,B,,,,,\r\n"), "com.csv", Options{})
	if err != nil || com.Dialect != "outlook.com" {
		t.Fatalf("%v, dialect %q", err, com.Dialect)
	}
	c = withExtra(
		contact.Extra{Name: "NICKNAME", Value: "Johny", Format: contact.FormatVCard},
		contact.Extra{Name: "X-MS-IMADDRESS", Value: "johny5@aol.com", Format: contact.FormatVCard},
		contact.Extra{Name: "PidTagPersonalHomePage", Value: "https://jo.example", Format: contact.FormatPST},
		contact.Extra{Name: "PidTagInitials", Value: "J.", Format: contact.FormatPST},
	)
	header, rows, res = cellsOf(t, []contact.Contact{c}, com, Options{})
	if len(header) != 7 {
		t.Errorf("columns %q", header)
	}
	for h, v := range map[string]string{"Nickname": "Johny", "IMAddress": "johny5@aol.com", "Personal Web Page": "https://jo.example"} {
		if got := cell(t, header, rows[0], h); got != v {
			t.Errorf("%s = %q, want %q", h, got, v)
		}
	}
	if res.Mapped != 3 || res.Dropped != 1 || res.DroppedNames[0] != "PidTagInitials" {
		t.Errorf("result %+v", res)
	}

	// A Google layout has no Outlook columns: everything foreign is left out.
	g, err := Read(strings.NewReader("First Name,Last Name,Nickname,Labels\nA,B,,\n"), "g.csv", Options{})
	if err != nil || !strings.HasPrefix(g.Dialect, "google") {
		t.Fatalf("%v, dialect %q", err, g.Dialect)
	}
	header, _, res = cellsOf(t, []contact.Contact{c}, g, Options{})
	if len(header) != 4 || res.Mapped != 0 || res.Dropped != 4 {
		t.Errorf("google: header %q, %+v", header, res)
	}
}

// An Outlook CSV value in the column wins over a foreign one; so does the
// sync key; a foreign value that would read back as a sync key is left out.
func TestForeignMappingConflicts(t *testing.T) {
	own := withExtra(
		contact.Extra{Name: "Spouse", Value: "Own", Format: contact.FormatOutlookCSV},
		contact.Extra{Name: "PidTagSpouseName", Value: "Other", Format: contact.FormatPST},
		contact.Extra{Name: "X-MS-SPOUSE", Value: "Own", Format: contact.FormatVCard},
	)
	keyed := withExtra(contact.Extra{Name: "PidLidContactUserField4", Value: "u4", Format: contact.FormatPST})
	keyed.Key = KeyPrefix + "1"
	sneaky := withExtra(contact.Extra{Name: "PidLidContactUserField4", Value: KeyPrefix + "9", Format: contact.FormatPST})
	plain := withExtra(contact.Extra{Name: "PidLidContactUserField4", Value: "mine", Format: contact.FormatPST})
	header, rows, res := cellsOf(t, []contact.Contact{own, keyed, sneaky, plain}, nil, Options{})
	for i, want := range [][2]string{{"Spouse", "Own"}, {"User 4", KeyPrefix + "1"}, {"User 4", ""}, {"User 4", "mine"}} {
		if got := cell(t, header, rows[i], want[0]); got != want[1] {
			t.Errorf("row %d %s = %q, want %q", i, want[0], got, want[1])
		}
	}
	if res.Mapped != 2 || res.Dropped != 3 {
		t.Errorf("result %+v, want 2 mapped (same value, plain user field) and 3 dropped", res)
	}
	// The user field comes back as the user's, not as a sync key.
	var out bytes.Buffer
	if _, err := Write(&out, []contact.Contact{plain}, nil, Options{}); err != nil {
		t.Fatal(err)
	}
	back, err := Read(&out, "back.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := back.Contacts[0].ExtraValue("User 4"); v != "mine" || back.Contacts[0].Key != "" {
		t.Errorf("read back key %q, User 4 %q", back.Contacts[0].Key, v)
	}
}

// A shadow is an Outlook CSV value: a foreign Extra named like a group's
// column does not replace the cells.
func TestForeignNotAShadow(t *testing.T) {
	f, err := Read(strings.NewReader(sample("en", 3, "")), "s.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := f.Contacts[2] // categories "a; b": kept as a shadow
	if v, ok := c.ExtraValue("Categories"); !ok || v != "a; b" {
		t.Fatalf("no shadow: %q", v)
	}
	c.Extra = append([]contact.Extra{{Name: "Categories", Value: "x; y", Format: contact.FormatVCard}}, c.Extra...)
	header, rows, _ := cellsOf(t, []contact.Contact{c}, f, Options{})
	if got := cell(t, header, rows[0], "Categories"); got != "a; b" {
		t.Errorf("Categories = %q, want the shadow a; b", got)
	}
}
