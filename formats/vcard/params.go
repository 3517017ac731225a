package vcard

import (
	"strings"
	"unicode/utf8"
)

// decodeParam undoes encodeParam: RFC 6868's ^n (also ^N), ^^ and ^', and
// ^xHH for one byte. A '^' before anything else stays as it is, as RFC 6868
// says, so a name written raw by an older writer reads back unchanged.
func decodeParam(s string) string {
	if strings.IndexByte(s, '^') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '^' && i+1 < len(s) {
			switch s[i+1] {
			case 'n', 'N':
				b.WriteByte('\n')
				i++
				continue
			case '^':
				b.WriteByte('^')
				i++
				continue
			case '\'':
				b.WriteByte('"')
				i++
				continue
			case 'x':
				if i+3 < len(s) {
					h, ok1 := unhex(s[i+2])
					l, ok2 := unhex(s[i+3])
					if ok1 && ok2 {
						b.WriteByte(h<<4 | l)
						i += 3
						continue
					}
				}
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// encodeParam makes any string fit a quoted parameter value (QSAFE-CHAR
// only) reversibly: RFC 6868's ^^ for '^', ^' for '"' and ^n for a line
// feed, and ^xHH (two upper-case hex digits) for each byte RFC 6868 cannot
// carry: the other ASCII control characters (tab and CR included), DEL,
// and every byte that is not part of valid UTF-8.
func encodeParam(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7F || c == '^' || c == '"' || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '^':
			b.WriteString("^^")
		case c == '"':
			b.WriteString("^'")
		case c == '\n':
			b.WriteString("^n")
		case c < 0x20 || c == 0x7F:
			b.WriteString("^x")
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		case c >= 0x80:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n <= 1 {
				b.WriteString("^x")
				b.WriteByte(hexDigits[c>>4])
				b.WriteByte(hexDigits[c&15])
				i++
				continue
			}
			b.WriteString(s[i : i+n])
			i += n
			continue
		default:
			b.WriteByte(c)
		}
		i++
	}
	return b.String()
}

// encodeCaret applies RFC 6868 parameter encoding to the characters a
// quoted parameter value cannot hold.
func encodeCaret(s string) string {
	if strings.IndexAny(s, "\"\n\r") < 0 {
		return s
	}
	r := strings.NewReplacer("^", "^^", "\"", "^'", "\r\n", "^n", "\n", "^n", "\r", "^n")
	return r.Replace(s)
}
