// Package contact is the common contact model that every format reads into
// and writes from, and that the engine reconciles.
//
// A Contact holds the canonical fields of DESIGN §3 as plain strings indexed
// by Field, the record's side key and modification time, the CRM-only
// attributes, and Extra: every value the source format held that has no
// canonical field. Formats put what they cannot map into Extra and write it
// back unchanged, so a read/write round trip never drops data.
//
// Value conventions shared by all formats:
//   - line breaks inside a value are "\n" (writers for Windows formats emit CRLF);
//   - a street of several lines is one value with the lines joined by "\n";
//   - birthday is "YYYY-MM-DD", or "--MM-DD" when the year is unknown;
//   - categories are joined by ";" (see SplitCategories, JoinCategories);
//   - the zero value (empty string, zero time) means unknown or empty.
//
// The package does no I/O and imports only the standard library.
package contact

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Field names one canonical contact field.
type Field int

// The canonical fields, in the order of DESIGN §3.
const (
	Prefix Field = iota
	First
	Middle
	Last
	Suffix
	Company
	Department
	JobTitle
	Email1
	Email2
	Email3
	PhoneBusiness
	PhoneBusiness2
	PhoneMobile
	PhoneHome
	PhoneHome2
	PhoneFaxBusiness
	PhoneFaxHome
	PhoneOther
	PhonePager
	PhoneAssistant
	PhoneCompanyMain
	BusinessStreet
	BusinessCity
	BusinessState
	BusinessPostalCode
	BusinessCountry
	HomeStreet
	HomeCity
	HomeState
	HomePostalCode
	HomeCountry
	OtherStreet
	OtherCity
	OtherState
	OtherPostalCode
	OtherCountry
	WebPage
	Notes
	Birthday
	Categories

	// NumFields is the number of canonical fields; Values arrays have this length.
	NumFields int = iota
)

var fieldNames = [NumFields]string{
	"prefix", "first", "middle", "last", "suffix", "company", "department", "job_title",
	"email1", "email2", "email3",
	"phone_business", "phone_business2", "phone_mobile", "phone_home", "phone_home2",
	"phone_fax_business", "phone_fax_home", "phone_other", "phone_pager", "phone_assistant",
	"phone_company_main",
	"address_business.street", "address_business.city", "address_business.state",
	"address_business.postal_code", "address_business.country",
	"address_home.street", "address_home.city", "address_home.state",
	"address_home.postal_code", "address_home.country",
	"address_other.street", "address_other.city", "address_other.state",
	"address_other.postal_code", "address_other.country",
	"web_page", "notes", "birthday", "categories",
}

// String returns the canonical name used in mapping files, plans and the journal.
func (f Field) String() string {
	if f < 0 || int(f) >= NumFields {
		return "field(" + strconv.Itoa(int(f)) + ")"
	}
	return fieldNames[f]
}

// ParseField returns the field with the given canonical name.
func ParseField(name string) (Field, bool) {
	for i, n := range fieldNames {
		if n == name {
			return Field(i), true
		}
	}
	return 0, false
}

// AllFields lists every canonical field in order.
func AllFields() []Field {
	fs := make([]Field, NumFields)
	for i := range fs {
		fs[i] = Field(i)
	}
	return fs
}

// Values holds one value per canonical field.
type Values [NumFields]string

// Extra is one value of the source record that has no canonical field: an
// unmapped CSV column, a vCard property line, a PST property. Name is what
// the format calls it (column header, property name with parameters, tag).
//
// Format names the format that read the value and can write it back as it
// was (one of the Format* constants). A writer of that format writes it
// natively; a writer of another format keeps it only where it has a
// lossless carrier for foreign values (vCard: an X-CONTACTSYNC-EXTRA
// property), and otherwise leaves it out: an Outlook CSV column named after a
// vCard property would only confuse Outlook's import.
type Extra struct {
	Name   string
	Value  string
	Format string
}

// The formats that own Extra values.
const (
	FormatOutlookCSV = "outlookcsv"
	FormatVCard      = "vcard"
	FormatPST        = "pst"
	FormatCRM        = "crmcsv"
)

// CRM holds the attributes only the CRM side has.
type CRM struct {
	AccountID        string // ACCOUNTID of the contact's account, as in the dump (may be blank-padded)
	Owner            string // SECCODEID, the owner (security code) of the record
	AccountManagerID string // ACCOUNTMANAGERID
	Type             string // TYPE
	Status           string // STATUS
}

// Contact is one contact record of either side.
type Contact struct {
	// Key identifies the record on its side: the CRM CONTACTID; for Outlook
	// the PST entry id, else the vCard UID, else the sync key contactsync
	// wrote into the key column. Empty when the record carries none.
	Key string
	// Modified is when the record last changed, as far as its side tells.
	Modified time.Time
	// ModifiedFrom says where Modified came from ("MODIFYDATE", "REV",
	// "PidTagLastModificationTime", "export time", ...).
	ModifiedFrom string
	// Values are the canonical fields.
	Values Values
	// CRM holds the CRM-only attributes; zero for Outlook records.
	CRM CRM
	// Extra keeps every unmapped value of the source record, in source order.
	Extra []Extra
	// Line is the line (or record number for binary formats) where the
	// record starts in its source file; 0 when unknown.
	Line int
}

// Get returns the value of f.
func (c *Contact) Get(f Field) string { return c.Values[f] }

// Set sets the value of f.
func (c *Contact) Set(f Field, v string) { c.Values[f] = v }

// ExtraValue returns the first extra value with the given name.
func (c *Contact) ExtraValue(name string) (string, bool) {
	for _, e := range c.Extra {
		if e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}

// Clone returns a copy that shares nothing mutable with c.
func (c *Contact) Clone() Contact {
	d := *c
	d.Extra = append([]Extra(nil), c.Extra...)
	return d
}

// DisplayName returns "First Last", or the company, or the first e-mail:
// the best short human name for reports.
func (c *Contact) DisplayName() string {
	return displayName(c.Values[First], c.Values[Middle], c.Values[Last], c.Values[Company], c.Values[Email1])
}

func displayName(first, middle, last, company, email string) string {
	n := strings.TrimSpace(strings.Join(nonEmpty(first, middle, last), " "))
	switch {
	case n != "":
		return n
	case company != "":
		return company
	default:
		return email
	}
}

// Account is one CRM account.
type Account struct {
	ID               string // ACCOUNTID; empty for an account contactsync asks the CRM to create
	Name             string // ACCOUNT
	Type             string // TYPE
	Status           string // STATUS
	Owner            string // SECCODEID
	AccountManagerID string // ACCOUNTMANAGERID
	Extra            []Extra
	Line             int
}

// Everyone is the CRM security code that every user may see.
const Everyone = "SYST00000001"

// SplitCategories splits a categories value into its members, trimming
// blanks and dropping empty members.
func SplitCategories(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// JoinCategories is the inverse of SplitCategories.
func JoinCategories(cs []string) string { return strings.Join(cs, ";") }

// IsEmail reports whether f is one of the e-mail fields.
func (f Field) IsEmail() bool { return f == Email1 || f == Email2 || f == Email3 }

// Clean returns the value of field f as it is written and compared: without
// surrounding blanks and, in an e-mail field, the bare address ("mailto:"
// and "Name <addr>" unwrapped, letter case kept). Exporters wrap addresses
// in these forms; the CRM and Outlook want the address alone.
func Clean(f Field, v string) string {
	if f.IsEmail() {
		return NormalizeEmail(v, true)
	}
	if trimmed(v) {
		// The usual value: no blank to trim, and no call to find out.
		return v
	}
	return strings.TrimSpace(v)
}

// trimmed reports, from its first and last bytes alone, that v has no
// surrounding blank for strings.TrimSpace to take: both are ASCII and no
// space (a non-ASCII byte may begin or end a Unicode space, which
// TrimSpace takes too). False says nothing.
func trimmed(v string) bool {
	// '!' to DEL, the ASCII bytes above the space, in one comparison each.
	return len(v) == 0 || v[0]-'!' < utf8.RuneSelf-'!' && v[len(v)-1]-'!' < utf8.RuneSelf-'!'
}

// CleanValues cleans every value of v (see Clean) and reports whether any
// changed.
func CleanValues(v *Values) bool {
	changed := false
	for f := range v {
		if c := Clean(Field(f), v[f]); c != v[f] {
			v[f], changed = c, true
		}
	}
	return changed
}

// NormalizeEmail returns the form of an address used for matching: trimmed,
// "mailto:" and "Name <addr>" unwrapped, and lower-cased unless caseSensitive.
func NormalizeEmail(v string, caseSensitive bool) string {
	if !trimmed(v) {
		v = strings.TrimSpace(v)
	}
	if i := strings.LastIndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			v = strings.TrimSpace(v[i+1 : i+j])
		}
	}
	// ':' has no other case: most addresses are told from "mailto:" by it.
	if len(v) >= 7 && v[6] == ':' && strings.EqualFold(v[:7], "mailto:") {
		v = strings.TrimSpace(v[7:])
	}
	if !caseSensitive {
		v = strings.ToLower(v)
	}
	return v
}

func nonEmpty(vs ...string) []string {
	out := vs[:0:0]
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
