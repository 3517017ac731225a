package crmcsv

import (
	"strings"
	"time"

	"contactsync/engine/contact"
)

// Formula injection (DESIGN §10). A spreadsheet treats a cell that starts
// with '=', '@', '+' or '-' (and, in some, tab or CR) as a formula. The
// writers put a "'" in front of such a cell; a "+"/"-" cell that is a phone
// number or a number ("+1 555-0100", "-3.5") is left alone.
//
// The readers undo exactly that and nothing else: a cell whose first
// character is "'" loses it only when the rest would itself get one. To
// keep that reversible, a value made of apostrophes and then a dangerous
// start ("'=x") gets one more apostrophe too. So
// decodeCell(encodeCell(v)) == v for every v, and a user's own
// "'quoted" text is read as it is. The one cell read differently from
// what the user typed is a literal "'=..." in the CRM: it reads as "=..."
// and, unchanged, is written back as "'=...", byte for byte what it was.

// dangerous reports whether v would be taken for a formula.
func dangerous(v string) bool { return contact.FormulaLike(v) }

// needsMark reports whether v gets a leading "'" when written: it is
// dangerous after any number of leading apostrophes.
func needsMark(v string) bool {
	v = strings.TrimLeft(v, "'")
	return dangerous(v)
}

// encodeCell neutralises a value for writing.
func encodeCell(v string) string {
	if needsMark(v) {
		return "'" + v
	}
	return v
}

// decodeCell undoes encodeCell (see the rule above).
func decodeCell(c string) string {
	if len(c) > 1 && c[0] == '\'' && needsMark(c[1:]) {
		return c[1:]
	}
	return c
}

// trimID removes the blanks that pad char(12) ids ("ADMIN       ").
func trimID(v string) string { return strings.TrimRight(v, " ") }

// dateLayouts are the MODIFYDATE forms accepted, most common first. Dates
// without a zone are UTC (the CRM stores UTC).
var dateLayouts = []string{
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05.000",
	"1/2/2006 3:04:05 PM",
	"1/2/2006 15:04:05",
}

// defaultDateLayout is used to write dates when the dump had none.
const defaultDateLayout = "2006-01-02 15:04:05"

// parseDate parses a MODIFYDATE/CREATEDATE cell and says which layout
// matched. An empty cell is the zero time.
func parseDate(v string) (time.Time, string, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, "", true
	}
	if t, ok := parseUsualDate(v); ok {
		return t, dateLayouts[0], true
	}
	for _, l := range dateLayouts {
		t, err := time.Parse(l, v)
		// A year that UTC moves outside 1..9999 could not be written back.
		if err == nil && t.UTC().Year() >= 1 && t.UTC().Year() <= 9999 {
			return t.UTC(), l, true
		}
	}
	return time.Time{}, "", false
}

// parseUsualDate reads v in the usual layout, "2006-01-02 15:04:05", as
// time.Parse does but without its walk through the layout: a dump has one
// date a row. ok is false for anything else, which parseDate reads the
// long way (and so says what is wrong the same way).
func parseUsualDate(v string) (time.Time, bool) {
	if len(v) != 19 || v[4] != '-' || v[7] != '-' || v[10] != ' ' || v[13] != ':' || v[16] != ':' {
		return time.Time{}, false
	}
	num := func(s string) int {
		n := 0
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return -1
			}
			n = n*10 + int(s[i]-'0')
		}
		return n
	}
	y, mo, d, h, mi, sec := num(v[0:4]), num(v[5:7]), num(v[8:10]), num(v[11:13]), num(v[14:16]), num(v[17:19])
	if y < 1 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	if d > daysIn(y, mo) {
		return time.Time{}, false
	}
	// time.Date's instant, without its normalising and its zone's look-up.
	return time.Unix(int64(daysSinceEpoch(y, mo, d))*86400+int64(h*3600+mi*60+sec), 0).UTC(), true
}

// daysIn is the number of days of month mo (1 to 12) of year y.
func daysIn(y, mo int) int {
	switch mo {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysSinceEpoch is the number of days from 1970-01-01 to the date y-mo-d
// of the proleptic Gregorian calendar, y from 1 (H. Hinnant's
// days_from_civil): the year taken from March, so that a leap day ends it.
func daysSinceEpoch(y, mo, d int) int {
	if mo <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400                     // [0, 399]
	doy := (153*((mo+9)%12)+2)/5 + d - 1   // [0, 365], from March 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy // [0, 146096]
	return era*146097 + doe - 719468
}

// appendDate appends t in layout, in UTC, as t.UTC().AppendFormat does;
// the usual layout without the time package's interpreter of layouts (the
// reader formats every row's date to tell whether the row reads back).
func appendDate(b []byte, t time.Time, layout string) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	if layout != defaultDateLayout || y < 0 || y > 9999 {
		return t.AppendFormat(b, layout)
	}
	h, mi, sec := t.Clock()
	b = digits(b, y, 4)
	b = append(b, '-')
	b = digits(b, int(mo), 2)
	b = append(b, '-')
	b = digits(b, d, 2)
	b = append(b, ' ')
	b = digits(b, h, 2)
	b = append(b, ':')
	b = digits(b, mi, 2)
	b = append(b, ':')
	return digits(b, sec, 2)
}

// digits appends v in n decimal digits, 0 in front.
func digits(b []byte, v, n int) []byte {
	b = append(b, "0000"[:n]...)
	for k := len(b) - 1; k >= len(b)-n; k-- {
		b[k] = byte('0' + v%10)
		v /= 10
	}
	return b
}

// formatDate writes t in layout (the dump's own), in UTC.
func formatDate(t time.Time, layout string) string {
	if t.IsZero() {
		return ""
	}
	if layout == "" {
		layout = defaultDateLayout
	}
	return t.UTC().Format(layout)
}

// utf8BOM starts every file written: the CRM Import Wizard shows extended
// characters wrongly unless it can tell the file is UTF-8.
const utf8BOM = "\ufeff"

// appendRecord appends one CSV record with CRLF line ends. Cells are
// written as given (callers neutralise them). A cell is quoted when it
// holds a quote, comma, CR or LF (blanks need no quotes: encoding/csv and
// the Import Wizard keep them, and padded ids stay as the CRM wrote them); inside
// quotes "\n" is written as CRLF and a lone CR is kept (encoding/csv's
// writer drops it with UseCRLF). A record of one empty cell is written as
// "" so that it is not an empty line, which readers skip.
func appendRecord(b []byte, cells []string) []byte {
	if len(cells) == 1 && cells[0] == "" {
		return append(b, "\"\"\r\n"...)
	}
	for i, c := range cells {
		if i > 0 {
			b = append(b, ',')
		}
		if !needsQuotes(c) {
			b = append(b, c...)
			continue
		}
		b = append(b, '"')
		for j := 0; j < len(c); j++ {
			switch c[j] {
			case '"':
				b = append(b, '"', '"')
			case '\n':
				b = append(b, '\r', '\n')
			default:
				b = append(b, c[j])
			}
		}
		b = append(b, '"')
	}
	return append(b, '\r', '\n')
}

func needsQuotes(c string) bool {
	if c == "" {
		return false
	}
	return strings.ContainsAny(c, "\",\r\n")
}
