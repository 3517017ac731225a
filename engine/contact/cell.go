package contact

import (
	"encoding/binary"
	"unsafe"
)

// FormulaLike reports whether a spreadsheet would evaluate the cell v
// (DESIGN §10): the one rule of every CSV contactsync writes for people to
// open in a spreadsheet (CRM import files, the journal's export, rejected
// and conflict lists). A cell is a formula when it starts with '=', '@',
// tab or CR, or with '+' or '-' followed by anything but
//   - nothing ("+" and "-" alone are text),
//   - a plain number ("-3.5", "+42": read as the number it is), or
//   - a phone number in which two numbers stand side by side with no
//     operator between them, which makes it no valid formula
//     ("+1 555-0100", "+49 (170) 1234567").
//
// So "+1-1", "-2+3", "+1555-0100", "+(1)-1", "+49/170" and "-A1" are
// formulas: a spreadsheet computes them or reads a cell reference.
func FormulaLike(v string) bool {
	if v == "" {
		return false
	}
	switch v[0] {
	case '=', '@', '\t', '\r':
		return true
	case '+', '-':
		rest := v[1:]
		return rest != "" && !plainNumber(rest) && !phoneNotFormula(rest)
	}
	return false
}

// SpreadsheetCell returns v with a leading "'" when a spreadsheet would
// evaluate it (FormulaLike).
func SpreadsheetCell(v string) string {
	if FormulaLike(v) {
		return "'" + v
	}
	return v
}

// plainNumber reports whether s is digits with at most one decimal point
// or comma between them.
func plainNumber(s string) bool {
	digits, seps := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case (c == '.' || c == ',') && i > 0 && i < len(s)-1:
			seps++
		default:
			return false
		}
	}
	return digits > 0 && seps <= 1
}

// phoneNotFormula reports whether s is made of digits and the punctuation
// of phone numbers, with at least one digit, and has two numbers side by
// side with no operator between them ("1 555", "1 (555)", "(555) 0100"),
// which makes it no valid formula: a spreadsheet keeps it as text.
func phoneNotFormula(s string) bool {
	operand := false // the last token ended a number or a ')'
	gap := false     // blanks since then
	digit, adjacent := false, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9' || c == '.':
			digit = digit || c != '.'
			if operand && (gap || s[i-1] == ')') {
				adjacent = true
			}
			operand, gap = true, false
		case c == ' ':
			gap = operand
		case c == '(':
			if operand {
				adjacent = true
			}
			operand, gap = false, false
		case c == ')':
			operand, gap = true, false
		case c == '-' || c == '/':
			operand, gap = false, false
		default:
			return false
		}
	}
	return digit && adjacent
}

// DropControls removes the C0 control characters other than tab, CR and
// LF (NUL, BEL, ESC, ...) from every value and extra of c: no program
// that imports contacts takes them, and in a CSV, JSON or HTML output they
// do harm. It returns the fields changed ("notes", or an extra's name).
func DropControls(c *Contact) []string {
	var changed []string
	for f := range c.Values {
		if v := c.Values[f]; v != "" && HasControl(v) {
			c.Values[f] = dropControls(v)
			changed = append(changed, Field(f).String())
		}
	}
	for i := range c.Extra {
		if v := c.Extra[i].Value; v != "" && HasControl(v) {
			c.Extra[i].Value = dropControls(v)
			changed = append(changed, c.Extra[i].Name)
		}
	}
	return changed
}

func isControl(b byte) bool { return b < 0x20 && b != '\t' && b != '\r' && b != '\n' }

// HasControl reports whether s holds a control character that
// DropControls drops (a byte below 0x20 but tab, CR and LF). It looks at
// 8 bytes at a time for one below 0x20, and at those 8 one by one only
// when there is one (a tab or a line break of a note, or a control
// character): every value of every record read is looked at, and a
// reader may look at a record's whole text at once.
func HasControl(s string) bool {
	// The bytes of s, read, not written.
	b := unsafe.Slice(unsafe.StringData(s), len(s))
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		// A byte below 0x20 is there exactly when this is not 0 (a
		// borrow runs only from a byte that is below 0x20).
		if (x-0x2020202020202020)&^x&0x8080808080808080 == 0 {
			continue
		}
		for _, c := range b[i : i+8] {
			if isControl(c) {
				return true
			}
		}
	}
	for ; i < len(s); i++ {
		if isControl(s[i]) {
			return true
		}
	}
	return false
}

func dropControls(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if !isControl(s[i]) {
			b = append(b, s[i])
		}
	}
	return string(b)
}
