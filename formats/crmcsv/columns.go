package crmcsv

import (
	"cmp"
	"slices"
	"strings"

	"contactsync/engine/contact"
)

// kind says what a column of a CRM table holds.
type kind int

const (
	kindExtra       kind = iota // unmapped: kept in Extra by header name
	kindField                   // one canonical field
	kindStreet                  // ADDRESS1..3: one line of address_business.street
	kindContactID               // CONTACTID → Contact.Key
	kindAccountID               // ACCOUNTID → CRM.AccountID / Account.ID
	kindOwner                   // SECCODEID
	kindManager                 // ACCOUNTMANAGERID
	kindType                    // TYPE
	kindStatus                  // STATUS
	kindModified                // MODIFYDATE → Contact.Modified (contacts only)
	kindAccountName             // ACCOUNT in accounts.csv
)

// isID reports whether the column holds a 12-character CRM id, whose
// trailing blanks (char(12) padding) are trimmed when read.
func (k kind) isID() bool {
	return k == kindContactID || k == kindAccountID || k == kindOwner || k == kindManager
}

// The fixed CRM column ↔ field mapping (DESIGN §3). The contact address
// columns ADDRESS1..3 are handled apart: together they are one street.
var fieldColumns = []struct {
	name  string
	field contact.Field
}{
	{"ACCOUNT", contact.Company},
	{"LASTNAME", contact.Last},
	{"FIRSTNAME", contact.First},
	{"MIDDLENAME", contact.Middle},
	{"PREFIX", contact.Prefix},
	{"SUFFIX", contact.Suffix},
	{"TITLE", contact.JobTitle},
	{"DEPARTMENT", contact.Department},
	{"EMAIL", contact.Email1},
	{"SECONDARYEMAIL", contact.Email2},
	{"WORKPHONE", contact.PhoneBusiness},
	{"MOBILE", contact.PhoneMobile},
	{"HOMEPHONE", contact.PhoneHome},
	{"FAX", contact.PhoneFaxBusiness},
	{"CITY", contact.BusinessCity},
	{"STATE", contact.BusinessState},
	{"POSTALCODE", contact.BusinessPostalCode},
	{"COUNTRY", contact.BusinessCountry},
	{"WEBADDRESS", contact.WebPage},
	{"NOTES", contact.Notes},
}

// streetColumns are the contact address lines, joined with "\n" into
// address_business.street.
var streetColumns = []string{"ADDRESS1", "ADDRESS2", "ADDRESS3"}

// Canonical spellings of the non-field columns.
const (
	colContactID  = "CONTACTID"
	colAccountID  = "ACCOUNTID"
	colAccount    = "ACCOUNT"
	colOwner      = "SECCODEID"
	colManager    = "ACCOUNTMANAGERID"
	colType       = "TYPE"
	colStatus     = "STATUS"
	colModifyDate = "MODIFYDATE"
	colCreateDate = "CREATEDATE"
	colAddressID  = "ADDRESSID"
)

// ColumnFor returns the canonical CRM column name of a field, and false for
// fields the CRM contact table has no column for. For address_business.street
// it returns the first line's column, ADDRESS1.
func ColumnFor(f contact.Field) (string, bool) {
	if f == contact.BusinessStreet {
		return streetColumns[0], true
	}
	for _, fc := range fieldColumns {
		if fc.field == f {
			return fc.name, true
		}
	}
	return "", false
}

// column describes one header cell of a table.
type column struct {
	name   string // the header cell as in the file
	kind   kind
	field  contact.Field // kindField
	street int           // kindStreet: 0-based line of the street
	nth    int           // kindExtra: how many earlier extra columns have this exact name
	xi     int           // kindExtra: how many extra columns precede this one
}

// layout is a table's header resolved to column kinds.
type layout struct {
	header  []string
	cols    []column
	nStreet int            // number of ADDRESSn columns present
	street  []string       // contactInto's scratch for the address lines
	extras  []string       // the names of the extra columns, in order
	first   map[string]int // upper-cased trimmed name → index of its first column
}

// norm is the form in which column names are compared: trimmed,
// upper-cased (the CRM's own names are upper-case but users' exports vary)
// and, for another spelling of a CRM column (columnAliases), that column's
// own name.
func norm(name string) string {
	n := strings.ToUpper(strings.TrimSpace(name))
	if a, ok := columnAliases[n]; ok {
		return a
	}
	return n
}

// columnAliases is the one table of other names for the CRM's columns
// (upper-cased): the display headers of a list-view export from the CRM's
// clients ("Last Name", "Account", "Email", "Work Phone": the labels the
// Infor CRM web and LAN clients show for the CONTACT table's fields) and
// the entity property names of its SData/REST exports ("AccountName",
// "WorkPhone"). Written back, a column keeps the spelling it was read with.
var columnAliases = map[string]string{
	"CONTACT ID": colContactID, "ACCOUNT ID": colAccountID,
	"ACCOUNT NAME": colAccount, "ACCOUNTNAME": colAccount, "COMPANY": colAccount,
	"LAST NAME": "LASTNAME", "FIRST NAME": "FIRSTNAME", "MIDDLE NAME": "MIDDLENAME",
	"NAME PREFIX": "PREFIX", "NAME SUFFIX": "SUFFIX",
	"E-MAIL": "EMAIL", "EMAIL ADDRESS": "EMAIL", "E-MAIL ADDRESS": "EMAIL",
	"SECONDARY EMAIL": "SECONDARYEMAIL", "SECONDARY E-MAIL": "SECONDARYEMAIL", "EMAIL 2": "SECONDARYEMAIL",
	"WORK PHONE": "WORKPHONE", "WORK": "WORKPHONE", "PHONE": "WORKPHONE",
	"MOBILE PHONE": "MOBILE", "CELL PHONE": "MOBILE", "HOME PHONE": "HOMEPHONE", "HOME": "HOMEPHONE",
	"FAX PHONE": "FAX", "WORK FAX": "FAX",
	"ADDRESS 1": "ADDRESS1", "ADDRESS 2": "ADDRESS2", "ADDRESS 3": "ADDRESS3", "ADDRESS": "ADDRESS1",
	"POSTAL CODE": "POSTALCODE", "ZIP": "POSTALCODE", "ZIP CODE": "POSTALCODE",
	"WEB ADDRESS": "WEBADDRESS", "WEB": "WEBADDRESS",
	"ACCOUNT MANAGER ID": colManager, "OWNER ID": colOwner,
	"ACCOUNT TYPE": colType, "CONTACT TYPE": colType,
	"MODIFY DATE": colModifyDate, "CREATE DATE": colCreateDate,
	"ADDRESS ID": colAddressID,
}

// contactKinds maps a normalised contacts.csv column name to its kind.
func contactKind(n string) (kind, contact.Field, bool) {
	switch n {
	case colContactID:
		return kindContactID, 0, true
	case colAccountID:
		return kindAccountID, 0, true
	case colOwner:
		return kindOwner, 0, true
	case colManager:
		return kindManager, 0, true
	case colType:
		return kindType, 0, true
	case colStatus:
		return kindStatus, 0, true
	case colModifyDate:
		return kindModified, 0, true
	}
	for _, fc := range fieldColumns {
		if fc.name == n {
			return kindField, fc.field, true
		}
	}
	if slices.Contains(streetColumns, n) {
		return kindStreet, contact.BusinessStreet, true
	}
	return kindExtra, 0, false
}

func accountKind(n string) (kind, contact.Field, bool) {
	switch n {
	case colAccountID:
		return kindAccountID, 0, true
	case colAccount:
		return kindAccountName, 0, true
	case colOwner:
		return kindOwner, 0, true
	case colManager:
		return kindManager, 0, true
	case colType:
		return kindType, 0, true
	case colStatus:
		return kindStatus, 0, true
	}
	return kindExtra, 0, false
}

// syncKind knows only CONTACTID; a sync group file may carry more columns
// (group id, dates), which are kept.
func syncKind(n string) (kind, contact.Field, bool) {
	if n == colContactID {
		return kindContactID, 0, true
	}
	return kindExtra, 0, false
}

// newLayout resolves header with classify. dup is called for every known
// column that appears a second time (index of the repeat, index of the
// first); the repeat is then kept as an extra column so nothing is lost.
func newLayout(header []string, classify func(string) (kind, contact.Field, bool), dup func(i, first int)) *layout {
	l := &layout{header: header, cols: make([]column, len(header)), first: map[string]int{}}
	extraSeen := map[string]int{}
	var streets []int
	for i, h := range header {
		n := norm(h)
		c := column{name: h}
		k, f, known := classify(n)
		if first, seen := l.first[n]; seen && known {
			dup(i, first)
			known = false
		}
		if _, seen := l.first[n]; !seen {
			l.first[n] = i
		}
		if known {
			c.kind, c.field = k, f
			if k == kindStreet {
				streets = append(streets, i)
			}
		} else {
			c.kind = kindExtra
			c.nth = extraSeen[h]
			extraSeen[h]++
			c.xi = len(l.extras)
			l.extras = append(l.extras, h)
		}
		l.cols[i] = c
	}
	// Street lines follow the number in the column name, not header order.
	slices.SortStableFunc(streets, func(a, b int) int { return cmp.Compare(norm(header[a]), norm(header[b])) })
	for line, i := range streets {
		l.cols[i].street = line
	}
	l.nStreet = len(streets)
	return l
}

// has reports whether the table has a column with the given canonical name.
func (l *layout) has(name string) bool {
	_, ok := l.first[name]
	return ok
}

// spell returns the table's own spelling of a canonical column name, or
// the canonical name when the table has no such column.
func (l *layout) spell(name string) string {
	if l != nil {
		if i, ok := l.first[name]; ok {
			return l.header[i]
		}
	}
	return name
}

// joinStreet joins the address lines into one street value. Trailing empty
// lines are dropped, so ADDRESS2 and ADDRESS3 left blank do not turn "Main
// St 1" into "Main St 1\n\n".
func joinStreet(lines []string) string {
	n := len(lines)
	for n > 0 && lines[n-1] == "" {
		n--
	}
	if n == 1 && !strings.HasSuffix(lines[0], "\n") {
		return lines[0] // the usual one line, not copied
	}
	return strings.TrimRight(strings.Join(lines[:n], "\n"), "\n")
}

// splitStreet is the inverse of joinStreet for n address columns: one line
// per column, and every line beyond the last column kept in the last one,
// so that no line is lost when a street has more lines than the dump has
// columns.
func splitStreet(street string, n int) []string {
	parts := make([]string, n)
	if n == 0 || street == "" {
		return parts
	}
	lines := strings.Split(street, "\n")
	if len(lines) > n {
		lines[n-1] = strings.Join(lines[n-1:], "\n")
		lines = lines[:n]
	}
	copy(parts, lines)
	return parts
}
