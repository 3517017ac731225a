package outlookcsv

import (
	"slices"
	"strings"

	"contactsync/engine/contact"
)

// Foreign values are the Extras another format read (contact.Extra.Format
// set and not contact.FormatOutlookCSV): vCard property lines, PST tags,
// CRM columns. They are never written as columns of their own: a header
// "PHOTO;TYPE=JPEG;ENCODING=b" or "PidTagNickname" means nothing to
// Outlook's import. Those that hold what an Outlook column holds are
// written into that column, when the layout has it; the rest are left out
// and counted (WriteResult.Dropped).
//
// The tables below are the whole mapping. A rule names the English column
// (englishColumns) and how the value becomes a cell; the column is found in
// the layout by identity, so a German layout's "Partner" takes what the
// English "Spouse" would. Left out on purpose, because no Outlook CSV
// column is that value or the match is not certain: PidTagNickname and
// vCard NICKNAME outside Outlook.com layouts (desktop exports have no
// Nickname column), PidTagDisplayName, PidLidFileUnder and vCard FN text
// (no File As column), PidTagPrimaryFaxNumber (Outlook shows it as "Other
// Fax", but MAPI calls it primary: not certain), the e-mail "original
// display names", LABEL, PHOTO, KEY, X-MS-OL-DESIGN, and every CRM column.
type foreignRule struct {
	col  int                                  // index in englishColumns
	conv func(string, *schema) (string, bool) // the cell for a value; nil: the value as is
}

func rule(column string, conv func(string, *schema) (string, bool)) foreignRule {
	return foreignRule{col: colOf(column), conv: conv}
}

// pstRules maps the Extra names formats/pst gives ([MS-OXPROPS] names) to
// Outlook columns.
var pstRules = map[string]foreignRule{
	"PidTagInitials":                  rule("Initials", nil),
	"PidTagGender":                    rule("Gender", pstGender),
	"PidTagSpouseName":                rule("Spouse", nil),
	"PidTagProfession":                rule("Profession", nil),
	"PidTagHobbies":                   rule("Hobby", nil),
	"PidTagManagerName":               rule("Manager's Name", nil),
	"PidTagAssistant":                 rule("Assistant's Name", nil),
	"PidTagChildrensNames":            rule("Children", nil),
	"PidTagLanguage":                  rule("Language", nil),
	"PidTagAccount":                   rule("Account", nil),
	"PidTagOfficeLocation":            rule("Office Location", nil),
	"PidTagOrganizationalIdNumber":    rule("Organizational ID Number", nil),
	"PidTagLocation":                  rule("Location", nil),
	"PidTagWeddingAnniversary":        rule("Anniversary", isoDate),
	"PidTagPrimaryTelephoneNumber":    rule("Primary Phone", nil),
	"PidTagCarTelephoneNumber":        rule("Car Phone", nil),
	"PidTagRadioTelephoneNumber":      rule("Radio Phone", nil),
	"PidTagCallbackTelephoneNumber":   rule("Callback", nil),
	"PidTagIsdnNumber":                rule("ISDN", nil),
	"PidTagTelexNumber":               rule("Telex", nil),
	"PidTagTtyTddPhoneNumber":         rule("TTY/TDD Phone", nil),
	"PidLidWorkAddressPostOfficeBox":  rule("Business Address PO Box", nil),
	"PidTagHomeAddressPostOfficeBox":  rule("Home Address PO Box", nil),
	"PidTagOtherAddressPostOfficeBox": rule("Other Address PO Box", nil),
	"PidLidEmail1DisplayName":         rule("E-mail Display Name", nil),
	"PidLidEmail2DisplayName":         rule("E-mail 2 Display Name", nil),
	"PidLidEmail3DisplayName":         rule("E-mail 3 Display Name", nil),
	"PidLidEmail1AddressType":         rule("E-mail Type", smtpOnly),
	"PidLidEmail2AddressType":         rule("E-mail 2 Type", smtpOnly),
	"PidLidEmail3AddressType":         rule("E-mail 3 Type", smtpOnly),
	"PidLidContactUserField1":         rule("User 1", nil),
	"PidLidContactUserField2":         rule("User 2", nil),
	"PidLidContactUserField3":         rule("User 3", nil),
	"PidLidContactUserField4":         rule("User 4", nil),
	// Columns only Outlook.com layouts have.
	"PidTagNickname":                rule("Nickname", nil),
	"PidLidInstantMessagingAddress": rule("IMAddress", nil),
	"PidTagPersonalHomePage":        rule("Personal Web Page", nil),
}

// vcardRules maps vCard property names (upper case, without group and
// parameters) to Outlook columns; the properties are those Outlook itself
// writes for these fields (formats.md §3.1) and their vCard 4.0 forms.
// Values are vCard text and are unescaped.
var vcardRules = map[string]foreignRule{
	"X-MS-MANAGER":     rule("Manager's Name", vcardText),
	"X-MS-ASSISTANT":   rule("Assistant's Name", vcardText),
	"X-MS-SPOUSE":      rule("Spouse", vcardText),
	"ROLE":             rule("Profession", vcardText),
	"X-MS-ANNIVERSARY": rule("Anniversary", vcardDate),
	"ANNIVERSARY":      rule("Anniversary", vcardDate),
	"FBURL":            rule("Internet Free Busy", vcardText),
	"GENDER":           rule("Gender", vcardGender),
	// Columns only Outlook.com layouts have.
	"NICKNAME":       rule("Nickname", vcardText),
	"X-MS-IMADDRESS": rule("IMAddress", vcardText),
}

// vcardCarrierRules maps formats/vcard's carriers ("=" names: what a mapped
// property had that the canonical fields cannot hold) to Outlook columns.
var vcardCarrierRules = map[string]foreignRule{
	"=address_business.pobox": rule("Business Address PO Box", nil),
	"=address_home.pobox":     rule("Home Address PO Box", nil),
	"=address_other.pobox":    rule("Other Address PO Box", nil),
}

// callback is Outlook's vCard callback number: X-MS-TEL;VOICE;CALLBACK.
var callback = rule("Callback", vcardText)

// own reports whether x is an Outlook CSV value: read from an Outlook CSV
// file, or made in code without a format.
func own(x contact.Extra) bool {
	return x.Format == contact.FormatOutlookCSV || x.Format == ""
}

// foreignCell returns the English column and the cell for foreign value x.
// ok is false when no column holds it. hint is true for what is no value
// at all but how the other format spelled one: formats/vcard's carriers of
// a property's name and parameters ("=email1": "EMAIL;TYPE=PREF,INTERNET")
// and of the name it derived ("=FN.from"); those are neither written nor
// counted.
func foreignCell(x contact.Extra, s *schema) (col int, cell string, ok, hint bool) {
	var r foreignRule
	switch x.Format {
	case contact.FormatPST:
		r, ok = pstRules[x.Name]
	case contact.FormatVCard:
		if strings.HasPrefix(x.Name, "=") {
			if r, ok = vcardCarrierRules[x.Name]; !ok {
				hint = !strings.Contains(x.Name, ".") || x.Name == "=FN.from"
				return 0, "", false, hint
			}
			break
		}
		name, params := vcardName(x.Name)
		if strings.Contains(params, "ENCODING=") {
			return 0, "", false, false // binary: no text column holds it
		}
		r, ok = vcardRules[name]
		if name == "X-MS-TEL" && hasType(params, "CALLBACK") {
			r, ok = callback, true
		}
	}
	if !ok {
		return 0, "", false, false
	}
	cell = x.Value
	if r.conv != nil {
		if cell, ok = r.conv(x.Value, s); !ok {
			return 0, "", false, false
		}
	}
	return r.col, cell, true, false
}

// vcardName splits a formats/vcard Extra name "[group.]NAME;PARAM=v,..."
// into the upper-case property name and the upper-case parameters.
func vcardName(n string) (name, params string) {
	if i := strings.IndexByte(n, ';'); i >= 0 {
		n, params = n[:i], strings.ToUpper(n[i+1:])
	}
	if i := strings.LastIndexByte(n, '.'); i >= 0 {
		n = n[i+1:]
	}
	return strings.ToUpper(n), params
}

// hasType reports whether vCard parameters name type t (TYPE=VOICE,CALLBACK).
func hasType(params, t string) bool {
	for _, p := range strings.Split(params, ";") {
		v, ok := strings.CutPrefix(p, "TYPE=")
		if !ok {
			continue
		}
		if slices.Contains(strings.Split(strings.Trim(v, `"`), ","), t) {
			return true
		}
	}
	return false
}

// vcardText undoes vCard 3.0 text escaping (\\ \n \N \, \; ).
func vcardText(v string, _ *schema) (string, bool) {
	if !strings.Contains(v, `\`) {
		return v, true
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '\\' || i+1 == len(v) {
			b.WriteByte(v[i])
			continue
		}
		i++
		switch v[i] {
		case 'n', 'N':
			b.WriteByte('\n')
		default:
			b.WriteByte(v[i])
		}
	}
	return b.String(), true
}

// isoDate writes a canonical date (YYYY-MM-DD, --MM-DD) in the layout's
// date format; anything else is no date.
func isoDate(v string, s *schema) (string, bool) {
	if s.date == nil || !validISO(v) {
		return "", false
	}
	return s.date.format(v), true
}

// vcardDate reads a vCard date (19960415, 1996-04-15, --0415, --04-15; a
// time after "T" is ignored) and writes it in the layout's date format.
func vcardDate(v string, s *schema) (string, bool) {
	v, _, _ = strings.Cut(strings.TrimSpace(v), "T")
	switch {
	case len(v) == 8 && !strings.HasPrefix(v, "--"):
		v = v[:4] + "-" + v[4:6] + "-" + v[6:]
	case len(v) == 6 && strings.HasPrefix(v, "--"):
		v = v[:4] + "-" + v[4:]
	}
	return isoDate(v, s)
}

// validISO reports whether v is YYYY-MM-DD or --MM-DD with a month 1-12
// and a day 1-31.
func validISO(v string) bool {
	var md string
	switch {
	case len(v) == 10 && v[4] == '-' && v[7] == '-' && digits(v[:4]):
		md = v[5:]
	case len(v) == 7 && strings.HasPrefix(v, "--") && v[4] == '-':
		md = v[2:]
	default:
		return false
	}
	if !digits(md[:2]) || !digits(md[3:]) {
		return false
	}
	m := int(md[0]-'0')*10 + int(md[1]-'0')
	d := int(md[3]-'0')*10 + int(md[4]-'0')
	return m >= 1 && m <= 12 && d >= 1 && d <= 31
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// genderWords are the Gender cells Outlook writes, per locale: unspecified,
// female, male. Only the English words and the German "Keine Angabe" are
// confirmed by real exports; where a word is unknown ("") an unspecified
// gender is an empty cell (Outlook's import reads that as unspecified)
// and a known one is left out.
var genderWords = map[string][3]string{
	"en": {"Unspecified", "Female", "Male"},
	"de": {"Keine Angabe", "", ""},
}

// gender returns the cell for gender g (0 unspecified, 1 female, 2 male).
func gender(g int, s *schema) (string, bool) {
	w := genderWords[s.locale][g]
	if w == "" && g != 0 {
		return "", false
	}
	return w, true
}

// pstGender reads PidTagGender ([MS-OXOCNTC]: 0 unspecified, 1 female, 2 male).
func pstGender(v string, s *schema) (string, bool) {
	switch strings.TrimSpace(v) {
	case "0":
		return gender(0, s)
	case "1":
		return gender(1, s)
	case "2":
		return gender(2, s)
	}
	return "", false
}

// vcardGender reads a vCard 4.0 GENDER's sex component (M, F, U or empty);
// O (other) and N (none) have no Outlook value.
func vcardGender(v string, s *schema) (string, bool) {
	sex, _, _ := strings.Cut(v, ";")
	switch strings.ToUpper(strings.TrimSpace(sex)) {
	case "", "U":
		return gender(0, s)
	case "F":
		return gender(1, s)
	case "M":
		return gender(2, s)
	}
	return "", false
}

// smtpOnly keeps an e-mail address type only when it is SMTP: the address
// written is an SMTP one even where the PST held an Exchange ("EX") entry.
func smtpOnly(v string, _ *schema) (string, bool) {
	if strings.EqualFold(strings.TrimSpace(v), "SMTP") {
		return "SMTP", true
	}
	return "", false
}
