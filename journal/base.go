package journal

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"contactsync/engine"
	"contactsync/engine/contact"
)

// The base document of a link in the rows written before schema 4 (see
// compact.go for the form written since), one JSON object per link row:
//
//	{"values":{"first":"Ann","email1":"ann@example.com"},
//	 "name_account":"Ann Lee",
//	 "detached":"outlook",
//	 "pending_crm":{"op":"update","fields":["phone_business"],"old":["111"]},
//	 "pending_outlook":{...}}
//
// Values are keyed by canonical field name, in field order, only when not
// empty; empty parts are left out. Strings are written byte for byte with
// JSON escapes for quotes, backslashes and control characters only, so a
// value that is not valid UTF-8 comes back unchanged (encoding/json would
// replace such bytes). The same inputs always give the same bytes, which the
// base hash relies on.

var fieldByName = func() map[string]contact.Field {
	m := make(map[string]contact.Field, contact.NumFields)
	for _, f := range contact.AllFields() {
		m[f.String()] = f
	}
	return m
}()

// appendBase appends the base document of l to b, with its pending work:
// the form of schema 1, which the decoder still reads. No cycle writes the
// JSON forms since schema 4 (compact.go); the tests build older journals
// with them.
func appendBase(b []byte, l *engine.Link) []byte {
	b = appendLinkBase(b, l)
	b = b[:len(b)-1] // reopen the object
	crm, ol := l.PendingCRM(), l.PendingOutlook()
	b = appendPending(b, "pending_crm", &crm)
	b = appendPending(b, "pending_outlook", &ol)
	return append(b, '}')
}

// appendLinkBase appends the base document of a link row to b: the values,
// the name account and the detached side, without pending work (which has
// its own table since schema 2).
func appendLinkBase(b []byte, l *engine.Link) []byte {
	b = append(b, `{"values":{`...)
	first := true
	var values contact.Values
	if l.Base != nil {
		values = *l.Base
	}
	for f, v := range values {
		if v == "" {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, contact.Field(f).String())
		b = append(b, ':')
		b = appendString(b, v)
	}
	b = append(b, '}')
	if l.NameAccount != "" {
		b = append(b, `,"name_account":`...)
		b = appendString(b, l.NameAccount)
	}
	if l.Detached != engine.NoSide {
		b = append(b, `,"detached":`...)
		b = appendString(b, l.Detached.String())
	}
	return append(b, '}')
}

func appendPending(b []byte, key string, p *engine.Pending) []byte {
	if p.Op == "" && len(p.Fields) == 0 && len(p.Old) == 0 {
		return b
	}
	b = append(b, ',')
	b = appendString(b, key)
	b = append(b, `:{"op":`...)
	b = appendString(b, string(p.Op))
	if len(p.Fields) > 0 {
		b = append(b, `,"fields":[`...)
		for i, f := range p.Fields {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, f.String())
		}
		b = append(b, ']')
	}
	if len(p.Old) > 0 {
		b = append(b, `,"old":[`...)
		for i, v := range p.Old {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, v)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaping only what JSON requires.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// decodeBase reads a base document into l's Base, NameAccount and pendings.
// Values without escapes are substrings of doc, so a link costs one string
// allocation for its whole row.
func decodeBase(doc string, l *engine.Link) error {
	if isCompact(doc) {
		return decodeCompactBase(doc, l)
	}
	d := decoder{s: doc}
	pending := l.Pending()
	defer func() { l.SetPending(pending.CRM, pending.Outlook) }()
	err := d.object(func(key string) error {
		switch key {
		case "values":
			if l.Base == nil {
				l.Base = new(contact.Values)
			}
			return d.object(func(name string) error {
				f, ok := fieldByName[name]
				if !ok {
					return d.errorf("unknown field %q", name)
				}
				v, err := d.str()
				l.Base[f] = v
				return err
			})
		case "name_account":
			v, err := d.str()
			l.NameAccount = v
			return err
		case "detached":
			v, err := d.str()
			if err != nil {
				return err
			}
			side, perr := engine.ParseSide(v)
			if perr != nil {
				return d.errorf("detached: %v", perr)
			}
			l.Detached = side
			return nil
		case "pending_crm":
			return d.pending(&pending.CRM)
		case "pending_outlook":
			return d.pending(&pending.Outlook)
		}
		return d.errorf("unknown key %q", key)
	})
	if err == nil {
		d.ws()
		if d.i != len(d.s) {
			err = d.errorf("text after the document")
		}
	}
	return err
}

// decoder reads the subset of JSON that appendBase writes: objects, arrays
// and strings.
type decoder struct {
	s string
	i int
}

func (d *decoder) errorf(format string, args ...any) error {
	return fmt.Errorf("base document at byte %d: %s", d.i, fmt.Sprintf(format, args...))
}

func (d *decoder) ws() {
	for d.i < len(d.s) && (d.s[d.i] == ' ' || d.s[d.i] == '\n' || d.s[d.i] == '\t' || d.s[d.i] == '\r') {
		d.i++
	}
}

func (d *decoder) expect(c byte) error {
	d.ws()
	if d.i >= len(d.s) || d.s[d.i] != c {
		if d.i >= len(d.s) {
			return d.errorf("want %q, found the end", c)
		}
		return d.errorf("want %q, found %q", c, d.s[d.i])
	}
	d.i++
	return nil
}

// peek skips white space and returns the next byte, or 0 at the end.
func (d *decoder) peek() byte {
	d.ws()
	if d.i >= len(d.s) {
		return 0
	}
	return d.s[d.i]
}

// object reads {"key": value, ...}, calling member to read each value.
func (d *decoder) object(member func(key string) error) error {
	if err := d.expect('{'); err != nil {
		return err
	}
	if d.peek() == '}' {
		d.i++
		return nil
	}
	for {
		k, err := d.str()
		if err != nil {
			return err
		}
		if err := d.expect(':'); err != nil {
			return err
		}
		if err := member(k); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			return nil
		default:
			return d.errorf("want ',' or '}' in object")
		}
	}
}

// array reads [elem, ...], calling elem for each element.
func (d *decoder) array(elem func() error) error {
	if err := d.expect('['); err != nil {
		return err
	}
	if d.peek() == ']' {
		d.i++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.i++
		case ']':
			d.i++
			return nil
		default:
			return d.errorf("want ',' or ']' in array")
		}
	}
}

func (d *decoder) pending(p *engine.Pending) error {
	return d.object(func(key string) error {
		switch key {
		case "op":
			v, err := d.str()
			p.Op = engine.Op(v)
			return err
		case "fields":
			p.Fields = nil // a repeated key replaces, as in encoding/json
			return d.array(func() error {
				name, err := d.str()
				if err != nil {
					return err
				}
				f, ok := fieldByName[name]
				if !ok {
					return d.errorf("unknown field %q", name)
				}
				p.Fields = append(p.Fields, f)
				return nil
			})
		case "old":
			p.Old = nil
			return d.array(func() error {
				v, err := d.str()
				p.Old = append(p.Old, v)
				return err
			})
		}
		return d.errorf("unknown pending key %q", key)
	})
}

// str reads a JSON string. Without escapes it is a substring of the document.
func (d *decoder) str() (string, error) {
	if err := d.expect('"'); err != nil {
		return "", err
	}
	start := d.i
	for d.i < len(d.s) {
		switch c := d.s[d.i]; {
		case c == '"':
			d.i++
			return d.s[start : d.i-1], nil
		case c == '\\':
			return d.slowStr(start)
		case c < 0x20:
			return "", d.errorf("control character %#x in string", c)
		}
		d.i++
	}
	return "", d.errorf("unterminated string")
}

// slowStr finishes a string that has escapes, from start (after the quote).
func (d *decoder) slowStr(start int) (string, error) {
	var sb strings.Builder
	sb.WriteString(d.s[start:d.i])
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			d.i++
			return sb.String(), nil
		case c < 0x20:
			return "", d.errorf("control character %#x in string", c)
		case c != '\\':
			sb.WriteByte(c)
			d.i++
			continue
		}
		if d.i+1 >= len(d.s) {
			break
		}
		e := d.s[d.i+1]
		d.i += 2
		switch e {
		case '"', '\\', '/':
			sb.WriteByte(e)
		case 'b':
			sb.WriteByte('\b')
		case 'f':
			sb.WriteByte('\f')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 't':
			sb.WriteByte('\t')
		case 'u':
			r, err := d.hex4()
			if err != nil {
				return "", err
			}
			if utf16.IsSurrogate(r) {
				// A pair gives one rune; a lone half becomes U+FFFD, as in encoding/json.
				if strings.HasPrefix(d.s[d.i:], `\u`) {
					save := d.i
					d.i += 2
					r2, err := d.hex4()
					if err == nil {
						if p := utf16.DecodeRune(r, r2); p != utf8.RuneError {
							sb.WriteRune(p)
							continue
						}
					}
					d.i = save
				}
				r = utf8.RuneError
			}
			sb.WriteRune(r)
		default:
			return "", d.errorf("bad escape \\%c", e)
		}
	}
	return "", d.errorf("unterminated string")
}

func (d *decoder) hex4() (rune, error) {
	if d.i+4 > len(d.s) {
		return 0, d.errorf("short \\u escape")
	}
	v, err := strconv.ParseUint(d.s[d.i:d.i+4], 16, 32)
	if err != nil {
		return 0, d.errorf("bad \\u escape %q", d.s[d.i:d.i+4])
	}
	d.i += 4
	return rune(v), nil
}
