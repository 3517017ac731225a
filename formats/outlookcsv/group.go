package outlookcsv

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"contactsync/engine/contact"
)

// A group is a set of columns that together hold some canonical fields and
// whose cells are not the fields' values as is: the three street lines of an
// address, a date in the exporter's format, a category list, Google's
// multi-value and typed columns.
//
// Reading decodes the cells into fields. If encoding those fields again
// would not give back the very same cells (a street line break inside one
// cell, "0/0/00", "a; b", a Google label we do not map), the reader keeps
// the original cells in Extra under their column names: a "shadow". The
// writer uses the shadow as long as it still decodes to the contact's
// current values, and encodes the values otherwise. That is how a read and
// write with the same layout gives back every cell, while a changed value is
// written in the layout's own form.
type group struct {
	kind   groupKind
	idx    []int           // value cells, in order
	all    []int           // every cell of the group (value and type cells)
	fields []contact.Field // the canonical fields it holds
	sep    string          // category separator
	date   *dateFormat     // for gDate
	slots  []slot          // typed slots (Google phones and addresses)
}

type groupKind uint8

const (
	gStreet     groupKind = iota // Street, Street 2, Street 3 ↔ one street joined by "\n"
	gDate                        // a date in the exporter's short-date format ↔ YYYY-MM-DD
	gCategories                  // a category list with sep ↔ ";"-joined
	gList                        // Google "E-mail N - Value" cells with " ::: " multi-values ↔ email1..3
	gPhones                      // Google "Phone N - Type/Value" ↔ the phone fields
	gAddresses                   // Google "Address N - Type/Street/..." ↔ the address fields
	gDateParts                   // Thunderbird's [year,] month, day cells ↔ YYYY-MM-DD or --MM-DD
)

// slot is one numbered Google entry: its type cell and its value cells.
type slot struct {
	n    int
	typ  int
	vals []int
}

const googleSep = " ::: "

// decode sets the group's fields from the cells of row; it returns a
// warning (without position) when a cell cannot be understood.
func (g *group) decode(row []string, v *contact.Values) string {
	switch g.kind {
	case gStreet:
		n := len(g.idx)
		for n > 0 && row[g.idx[n-1]] == "" {
			n--
		}
		switch n {
		case 0:
			v[g.fields[0]] = ""
		case 1:
			v[g.fields[0]] = row[g.idx[0]]
		default:
			parts := make([]string, n)
			for i := range parts {
				parts[i] = row[g.idx[i]]
			}
			v[g.fields[0]] = strings.Join(parts, "\n")
		}
	case gDate:
		d, ok := g.date.parse(row[g.idx[0]])
		v[g.fields[0]] = d
		if !ok {
			return "cannot read " + quote(row[g.idx[0]]) + " as a date in the form " + g.date.src + "; kept as is"
		}
	case gCategories:
		cell := row[g.idx[0]]
		if g.sep == ";" && !strings.Contains(cell, " ") && !strings.Contains(cell, ";;") && !strings.HasPrefix(cell, ";") && !strings.HasSuffix(cell, ";") {
			v[g.fields[0]] = cell // the common case, without allocating
		} else {
			v[g.fields[0]] = contact.JoinCategories(splitTrim(cell, g.sep))
		}
	case gList:
		items := g.listItems(row)
		for i, f := range g.fields {
			v[f] = ""
			if i < len(items) {
				v[f] = items[i]
			}
		}
	case gPhones:
		g.decodePhones(row, v)
	case gAddresses:
		g.decodeAddresses(row, v)
	case gDateParts:
		d, ok := g.partsDate(row)
		v[g.fields[0]] = d
		if !ok {
			return "cannot read the birthday from its year, month and day cells; kept as is"
		}
	}
	return ""
}

// partsDate reads Thunderbird's birthday cells: all empty is no date; a
// month and day without a year is "--MM-DD".
func (g *group) partsDate(row []string) (string, bool) {
	cells := make([]string, len(g.idx))
	empty := true
	for i, c := range g.idx {
		cells[i] = strings.TrimSpace(row[c])
		empty = empty && cells[i] == ""
	}
	if empty {
		return "", true
	}
	y := ""
	if len(cells) == 3 {
		y, cells = cells[0], cells[1:]
	}
	m, err1 := strconv.Atoi(cells[0])
	d, err2 := strconv.Atoi(cells[1])
	if err1 != nil || err2 != nil || m < 1 || m > 12 || d < 1 || d > 31 {
		return "", false
	}
	if y == "" {
		if t := time.Date(2000, time.Month(m), d, 0, 0, 0, 0, time.UTC); t.Day() != d {
			return "", false
		}
		return fmt.Sprintf("--%02d-%02d", m, d), true
	}
	yy, err := strconv.Atoi(y)
	if err != nil || yy < 1 || yy > 9999 {
		return "", false
	}
	if t := time.Date(yy, time.Month(m), d, 0, 0, 0, 0, time.UTC); t.Day() != d {
		return "", false
	}
	return fmt.Sprintf("%04d-%02d-%02d", yy, m, d), true
}

// encode writes the group's cells for the values v into out. orig, when not
// nil, is the row the contact was read from (rebuilt from shadows): values
// that the fields cannot hold (a fourth e-mail, a phone of an unmapped
// type) are carried over from it. It returns the fields it had no cell for.
func (g *group) encode(v *contact.Values, orig []string, out []string) []contact.Field {
	switch g.kind {
	case gStreet:
		s := v[g.fields[0]]
		for i, c := range g.idx {
			if i == len(g.idx)-1 {
				out[c] = s
				break
			}
			line, rest, _ := strings.Cut(s, "\n")
			out[c], s = line, rest
		}
	case gDate:
		out[g.idx[0]] = g.date.format(v[g.fields[0]])
	case gCategories:
		if g.sep == ";" {
			out[g.idx[0]] = v[g.fields[0]]
		} else {
			out[g.idx[0]] = strings.Join(contact.SplitCategories(v[g.fields[0]]), g.sep)
		}
	case gList:
		var items []string
		for _, f := range g.fields {
			if v[f] != "" {
				items = append(items, v[f])
			}
		}
		if orig != nil {
			if o := g.listItems(orig); len(o) > len(g.fields) {
				items = append(items, o[len(g.fields):]...)
			}
		}
		distribute(items, g.idx, out)
	case gPhones:
		return g.encodePhones(v, orig, out)
	case gAddresses:
		return g.encodeAddresses(v, orig, out)
	case gDateParts:
		for _, c := range g.idx {
			out[c] = ""
		}
		b := v[g.fields[0]]
		var y, m, d string
		switch {
		case len(b) == 10 && b[4] == '-':
			y, m, d = b[:4], b[5:7], b[8:]
		case len(b) == 7 && strings.HasPrefix(b, "--"):
			m, d = b[2:4], b[5:]
		default:
			return nil
		}
		if len(g.idx) == 3 {
			out[g.idx[0]] = y
		} else if y != "" {
			return []contact.Field{g.fields[0]} // no year cell for it
		}
		out[g.idx[len(g.idx)-2]] = strings.TrimLeft(m, "0")
		out[g.idx[len(g.idx)-1]] = strings.TrimLeft(d, "0")
	}
	return nil
}

// same reports whether the group's fields hold the same values in a and b.
func (g *group) same(a, b *contact.Values) bool {
	for _, f := range g.fields {
		if a[f] != b[f] {
			return false
		}
	}
	return true
}

// distribute puts one item per cell; the last cell takes the rest.
func distribute(items []string, idx []int, out []string) {
	for i, c := range idx {
		switch {
		case i >= len(items):
			out[c] = ""
		case i == len(idx)-1:
			out[c] = strings.Join(items[i:], googleSep)
		default:
			out[c] = items[i]
		}
	}
}

func (g *group) listItems(row []string) []string {
	var items []string
	for _, c := range g.idx {
		items = append(items, splitTrim(row[c], googleSep)...)
	}
	return items
}

// splitTrim splits s at sep, trims blanks and drops empty members.
func splitTrim(s, sep string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(s, strings.TrimSpace(sep)) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var phoneOrder = []contact.Field{
	contact.PhoneBusiness, contact.PhoneBusiness2, contact.PhoneMobile, contact.PhoneHome, contact.PhoneHome2,
	contact.PhoneFaxBusiness, contact.PhoneFaxHome, contact.PhoneOther, contact.PhonePager,
	contact.PhoneAssistant, contact.PhoneCompanyMain,
}

var phoneLabel = map[contact.Field]string{
	contact.PhoneBusiness: "Work", contact.PhoneBusiness2: "Work", contact.PhoneMobile: "Mobile",
	contact.PhoneHome: "Home", contact.PhoneHome2: "Home", contact.PhoneFaxBusiness: "Work Fax",
	contact.PhoneFaxHome: "Home Fax", contact.PhoneOther: "Other", contact.PhonePager: "Pager",
	contact.PhoneAssistant: "Assistant", contact.PhoneCompanyMain: "Main",
}

var phoneByLabel = map[string][]contact.Field{
	"work": {contact.PhoneBusiness, contact.PhoneBusiness2}, "mobile": {contact.PhoneMobile},
	"home": {contact.PhoneHome, contact.PhoneHome2}, "work fax": {contact.PhoneFaxBusiness},
	"home fax": {contact.PhoneFaxHome}, "other": {contact.PhoneOther}, "pager": {contact.PhonePager},
	"assistant": {contact.PhoneAssistant}, "main": {contact.PhoneCompanyMain},
}

func label(s string) string { return strings.ToLower(strings.TrimSpace(strings.TrimPrefix(s, "* "))) }

type typedItem struct{ typ, value string }

func (g *group) cell(row []string, i int) string {
	if i < 0 {
		return ""
	}
	return row[i]
}

// phones assigns the phone numbers of row to fields; what no field takes
// is returned.
func (g *group) phones(row []string, v *contact.Values) []typedItem {
	for _, f := range g.fields {
		v[f] = ""
	}
	var left []typedItem
	for _, sl := range g.slots {
		t := g.cell(row, sl.typ)
		for _, val := range splitTrim(g.cell(row, sl.vals[0]), googleSep) {
			placed := false
			for _, f := range phoneByLabel[label(t)] {
				if v[f] == "" {
					v[f], placed = val, true
					break
				}
			}
			if !placed {
				left = append(left, typedItem{t, val})
			}
		}
	}
	return left
}

func (g *group) decodePhones(row []string, v *contact.Values) { g.phones(row, v) }

func (g *group) encodePhones(v *contact.Values, orig []string, out []string) []contact.Field {
	var items []typedItem
	for _, f := range phoneOrder {
		if v[f] != "" {
			items = append(items, typedItem{phoneLabel[f], v[f]})
		}
	}
	if orig != nil {
		var scratch contact.Values
		items = append(items, g.phones(orig, &scratch)...)
	}
	for i, sl := range g.slots {
		t, val := "", ""
		if i < len(items) {
			t, val = items[i].typ, items[i].value
			if i == len(g.slots)-1 {
				for _, it := range items[i+1:] {
					val += googleSep + it.value
				}
			}
		}
		if sl.typ >= 0 {
			out[sl.typ] = t
		}
		if sl.vals[0] >= 0 {
			out[sl.vals[0]] = val
		}
	}
	return nil
}

// addressFields are the fields of the three address kinds, five each, in
// the order of a Google slot's value cells (street, city, region, postal
// code, country).
var addressFields = []contact.Field{
	contact.BusinessStreet, contact.BusinessCity, contact.BusinessState, contact.BusinessPostalCode, contact.BusinessCountry,
	contact.HomeStreet, contact.HomeCity, contact.HomeState, contact.HomePostalCode, contact.HomeCountry,
	contact.OtherStreet, contact.OtherCity, contact.OtherState, contact.OtherPostalCode, contact.OtherCountry,
}

var addressKind = map[string]int{"work": 0, "business": 0, "home": 1, "other": 2}
var addressLabel = []string{"Work", "Home", "Other"}

// addresses fills the address fields from the slots; it returns, per slot,
// the kind it was read as, or -1 when its type is not mapped (or the kind
// was already taken): such slots are left as they are when writing.
func (g *group) addresses(row []string, v *contact.Values) []int {
	for _, f := range g.fields {
		v[f] = ""
	}
	kinds := make([]int, len(g.slots))
	taken := [3]bool{}
	for i, sl := range g.slots {
		kinds[i] = -1
		empty := true
		for _, c := range sl.vals {
			if g.cell(row, c) != "" {
				empty = false
			}
		}
		if empty {
			kinds[i] = -2 // free
			continue
		}
		k, ok := addressKind[label(g.cell(row, sl.typ))]
		if !ok || taken[k] {
			continue
		}
		taken[k] = true
		kinds[i] = k
		for j, c := range sl.vals {
			v[addressFields[k*5+j]] = g.cell(row, c)
		}
	}
	return kinds
}

func (g *group) decodeAddresses(row []string, v *contact.Values) { g.addresses(row, v) }

func (g *group) encodeAddresses(v *contact.Values, orig []string, out []string) []contact.Field {
	kinds := make([]int, len(g.slots))
	if orig != nil {
		var scratch contact.Values
		kinds = g.addresses(orig, &scratch)
	} else {
		for i := range kinds {
			kinds[i] = -2
		}
	}
	used := make([]bool, len(g.slots))
	for i, k := range kinds {
		if k == -1 { // an unmapped slot: keep it
			used[i] = true
			for _, c := range append([]int{g.slots[i].typ}, g.slots[i].vals...) {
				if c >= 0 {
					out[c] = orig[c]
				}
			}
		}
	}
	var unplaced []contact.Field
	for k := 0; k < 3; k++ {
		fs := addressFields[k*5 : k*5+5]
		any := false
		for _, f := range fs {
			any = any || v[f] != ""
		}
		if !any {
			continue
		}
		at := -1
		for i := range g.slots {
			if !used[i] && kinds[i] == k {
				at = i
			}
		}
		for i := range g.slots {
			if at < 0 && !used[i] && kinds[i] < 0 {
				at = i
			}
		}
		if at < 0 {
			for _, f := range fs {
				if v[f] != "" {
					unplaced = append(unplaced, f)
				}
			}
			continue
		}
		used[at] = true
		sl := g.slots[at]
		if sl.typ >= 0 {
			if orig != nil && kinds[at] == k {
				out[sl.typ] = orig[sl.typ]
			} else {
				out[sl.typ] = addressLabel[k]
			}
		}
		for j, c := range sl.vals {
			if c >= 0 {
				out[c] = v[fs[j]]
			} else if v[fs[j]] != "" {
				unplaced = append(unplaced, fs[j])
			}
		}
	}
	for i, sl := range g.slots {
		if used[i] {
			continue
		}
		for _, c := range append([]int{sl.typ}, sl.vals...) {
			if c >= 0 {
				out[c] = ""
			}
		}
	}
	return unplaced
}

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return "\"" + s + "\""
}
