package pst

import (
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"contactsync/formats"
)

// Property types of [MS-OXCDATA] §2.11.1 that contacts use.
const (
	typInt16   = 0x0002
	typInt32   = 0x0003
	typFloat   = 0x0004
	typDouble  = 0x0005
	typBool    = 0x000B
	typInt64   = 0x0014
	typString8 = 0x001E
	typString  = 0x001F
	typTime    = 0x0040
	typBinary  = 0x0102
	typMulti   = 0x1000 // flag: multi-valued
)

// Properties read outside the contact map.
const (
	tagMessageClass      = 0x001A
	tagMessageCodepage   = 0x3FFD
	tagInternetCodepage  = 0x3FDE
	tagDisplayName       = 0x3001
	tagContainerClass    = 0x3613
	tagRecordKey         = 0x0FF9
	tagIpmSubTreeEntryID = 0x35E0
	tagWastebasketEntry  = 0x35E3
	tagPstPassword       = 0x67FF
	tagAttributeHidden   = 0x10F4
	tagLastModification  = 0x3008
	tagBody              = 0x1000
	tagRtfCompressed     = 0x1009
	tagLtpRowID          = 0x67F20003
)

// utf16String decodes UTF-16LE, dropping a trailing NUL.
func utf16String(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = le.Uint16(b[2*i:])
	}
	for len(u) > 0 && u[len(u)-1] == 0 {
		u = u[:len(u)-1]
	}
	return string(utf16.Decode(u))
}

// string8 decodes an 8-bit string in the message code page (Windows-1252
// unless the message says otherwise).
func string8(b []byte, codepage int) string {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	force := formats.Windows1252
	switch codepage {
	case 0, 1252:
	case 65001:
		force = formats.UTF8
	case 1200:
		return utf16String(b)
	default:
		force = strconv.Itoa(codepage)
	}
	out, _, err := formats.DecodeText(b, force)
	if err != nil {
		out, _, _ = formats.DecodeText(b, formats.Windows1252)
	}
	return string(out)
}

// filetime converts a FILETIME (100 ns since 1601 UTC) to a time; ok is
// false for zero and for Outlook's "none" dates (year 4501 and later).
func filetime(b []byte) (time.Time, bool) {
	if len(b) < 8 {
		return time.Time{}, false
	}
	ft := le.Uint64(b)
	if ft == 0 {
		return time.Time{}, false
	}
	const epochDiff = 11644473600 // seconds from 1601 to 1970
	sec := int64(ft/10_000_000) - epochDiff
	t := time.Unix(sec, int64(ft%10_000_000)*100).UTC()
	if t.Year() >= 4500 {
		return time.Time{}, false
	}
	return t, true
}

// text returns a property as text: strings as they are, numbers in
// decimal, times in RFC 3339 UTC, binary in hex, multiple values joined by
// ";". ok is false when the property is absent.
func (p *pc) text(id uint16) (string, bool) {
	v, ok := p.props[id]
	if !ok {
		return "", false
	}
	return formatValue(v, p.codepage()), true
}

// str returns a string property, "" when absent.
func (p *pc) str(id uint16) string {
	v, ok := p.props[id]
	if !ok || v.typ != typString && v.typ != typString8 {
		return ""
	}
	return formatValue(v, p.codepage())
}

func (p *pc) int(id uint16) (int64, bool) {
	v, ok := p.props[id]
	if !ok {
		return 0, false
	}
	switch v.typ {
	case typInt16:
		return int64(int16(le.Uint16(v.val))), true
	case typInt32:
		return int64(int32(le.Uint32(v.val))), true
	case typInt64:
		return int64(le.Uint64(v.val)), true
	}
	return 0, false
}

func (p *pc) time(id uint16) (time.Time, bool) {
	v, ok := p.props[id]
	if !ok || v.typ != typTime {
		return time.Time{}, false
	}
	return filetime(v.val)
}

func (p *pc) binary(id uint16) []byte {
	v, ok := p.props[id]
	if !ok || v.typ != typBinary {
		return nil
	}
	return v.val
}

func (p *pc) codepage() int {
	if p.cp != 0 {
		return p.cp
	}
	p.cp = 1252
	for _, id := range []uint16{tagMessageCodepage, tagInternetCodepage} {
		if v, ok := p.props[id]; ok && v.typ == typInt32 {
			if cp := int(int32(le.Uint32(v.val))); cp > 0 {
				p.cp = cp
				break
			}
		}
	}
	return p.cp
}

// formatValue renders one property value as text.
func formatValue(v prop, cp int) string {
	b := v.val
	switch v.typ {
	case typString:
		return utf16String(b)
	case typString8:
		return string8(b, cp)
	case typInt16:
		return strconv.Itoa(int(int16(le.Uint16(b))))
	case typInt32:
		return strconv.Itoa(int(int32(le.Uint32(b))))
	case typInt64:
		return strconv.FormatInt(int64(le.Uint64(b)), 10)
	case typBool:
		return strconv.FormatBool(b[0] != 0)
	case typFloat:
		return strconv.FormatFloat(float64(math.Float32frombits(le.Uint32(b))), 'g', -1, 32)
	case typDouble:
		return strconv.FormatFloat(math.Float64frombits(le.Uint64(b)), 'g', -1, 64)
	case typTime:
		if t, ok := filetime(b); ok {
			return t.Format(time.RFC3339)
		}
		return ""
	case typMulti | typString, typMulti | typString8, typMulti | typBinary:
		vals := multiValues(b)
		out := make([]string, 0, len(vals))
		for _, e := range vals {
			out = append(out, formatValue(prop{typ: v.typ &^ typMulti, val: e}, cp))
		}
		return strings.Join(out, ";")
	case typMulti | typInt32:
		var out []string
		for i := 0; i+4 <= len(b); i += 4 {
			out = append(out, strconv.Itoa(int(int32(le.Uint32(b[i:])))))
		}
		return strings.Join(out, ";")
	}
	return strings.ToUpper(hex.EncodeToString(b))
}

// multiValues splits a variable-size multi-valued property: a count, one
// offset per value, then the values ([MS-PST] §2.3.3.4.2). Offsets that
// do not make sense end the list rather than panic.
func multiValues(b []byte) [][]byte {
	if len(b) < 4 {
		return nil
	}
	n := int(le.Uint32(b))
	if n <= 0 || 4+4*n > len(b) {
		return nil
	}
	out := make([][]byte, 0, n)
	for i := range n {
		start := int(le.Uint32(b[4+4*i:]))
		end := len(b)
		if i+1 < n {
			end = int(le.Uint32(b[8+4*i:]))
		}
		if start < 4+4*n || start > end || end > len(b) {
			break
		}
		out = append(out, b[start:end])
	}
	return out
}

// multiStrings returns a multi-valued string property as a list.
func (p *pc) multiStrings(id uint16) []string {
	v, ok := p.props[id]
	if !ok {
		return nil
	}
	switch v.typ {
	case typString, typString8:
		if s := formatValue(v, p.codepage()); s != "" {
			return []string{s}
		}
		return nil
	case typMulti | typString, typMulti | typString8:
		var out []string
		for _, e := range multiValues(v.val) {
			out = append(out, formatValue(prop{typ: v.typ &^ typMulti, val: e}, p.codepage()))
		}
		return out
	}
	return nil
}
