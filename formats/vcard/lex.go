package vcard

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"io"
	"strings"
	"unicode/utf8"

	"contactsync/formats"
)

// lineReader splits input into physical lines. A line ends at LF, at a run
// of CRs followed by LF (CR CR LF is one break: iOS 6 writes it), or at a
// lone CR (old Mac files); mixed endings in one file are fine.
type lineReader struct {
	br      *bufio.Reader
	num     int      // number of the line last returned by next
	queue   [][]byte // lines split off a lone-CR line, not yet returned
	peeked  bool
	pText   []byte
	pOK     bool
	readErr error
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10)}
}

func (lr *lineReader) raw() ([]byte, bool) {
	if len(lr.queue) > 0 {
		l := lr.queue[0]
		lr.queue = lr.queue[1:]
		return l, true
	}
	if lr.readErr != nil {
		return nil, false
	}
	// ReadSlice avoids an allocation per line; the slice is valid until
	// the next read, which callers respect (they copy what they keep).
	b, err := lr.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		long := append([]byte(nil), b...)
		for err == bufio.ErrBufferFull {
			b, err = lr.br.ReadSlice('\n')
			long = append(long, b...)
		}
		b = long
	}
	if err != nil {
		lr.readErr = err
		if len(b) == 0 {
			return nil, false
		}
	}
	b = bytes.TrimSuffix(b, []byte{'\n'})
	for len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	if bytes.IndexByte(b, '\r') >= 0 {
		parts := bytes.Split(append([]byte(nil), b...), []byte{'\r'})
		lr.queue = append(lr.queue, parts[1:]...)
		b = parts[0]
	}
	return b, true
}

// peek returns the next line without consuming it.
func (lr *lineReader) peek() ([]byte, bool) {
	if !lr.peeked {
		lr.pText, lr.pOK = lr.raw()
		lr.peeked = true
	}
	return lr.pText, lr.pOK
}

// next returns the next line and advances the line number.
func (lr *lineReader) next() ([]byte, bool) {
	l, ok := lr.peek()
	lr.peeked = false
	if ok {
		lr.num++
	}
	return l, ok
}

// err reports a read error other than the end of input.
func (lr *lineReader) err() error {
	if lr.readErr == io.EOF {
		return nil
	}
	return lr.readErr
}

// decodeInput wraps r so that the lexer sees bytes in which every line break
// and every ASCII character is one byte: UTF-16 (with a BOM, or without one
// when the first character is ASCII, as roundcube's Apple sample is) is
// transcoded to UTF-8; a UTF-8 BOM is dropped. Everything else passes as is,
// because a vCard 2.1 file may mix CHARSET= parameters property by property.
func decodeInput(r io.Reader) (io.Reader, string) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
		return br, formats.UTF8BOM
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		return formats.NewUTF16Reader(br, false, true), formats.UTF16LE
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return formats.NewUTF16Reader(br, true, true), formats.UTF16BE
	case len(head) >= 4 && head[0] == 0 && head[1] != 0 && head[2] == 0 && head[3] != 0:
		return formats.NewUTF16Reader(br, true, false), formats.UTF16BE
	case len(head) >= 4 && head[0] != 0 && head[1] == 0 && head[2] != 0 && head[3] == 0:
		return formats.NewUTF16Reader(br, false, false), formats.UTF16LE
	}
	return br, ""
}

// param is one property parameter. Name is empty for a vCard 2.1 nameless
// parameter ("TEL;WORK;VOICE"), whose single value is in Values.
type param struct {
	Name   string
	Values []string
}

// header is the part of a content line before the value.
type header struct {
	Group  string // "item1" in "item1.EMAIL"; empty when none
	Name   string // property name as written
	Params []param
}

// upper returns the upper-case property name.
func (h *header) upper() string { return strings.ToUpper(h.Name) }

// leniency is a departure from the grammar that the header parser read
// past, as other readers do: at 0-based byte col of the header.
type leniency struct {
	col int
	msg string
}

// parseHeader parses "[group.]name(;param)*:" at the start of s and returns
// the header and the index of the value (after the colon). col is the
// 0-based byte index of a syntax error, with msg saying what it is.
// It accepts nothing that parseHeaderLenient reads past: the writer uses it
// to tell whether a kept name can be written as it is.
func parseHeader(s string) (h header, value int, col int, msg string) {
	h, value, col, msg, lax := parseHeaderLenient(s)
	if msg == "" && len(lax) > 0 {
		return h, 0, lax[0].col, lax[0].msg
	}
	return
}

// parseHeaderLenient is parseHeader that also reports what it read past,
// as Evolution, python-vobject, ez-vcard and sabre/vobject do: an empty
// parameter ("NOTE;:x", "TEL;TYPE=WORK;;X=1:") is ignored, and a comma
// right after the property name ("LABEL,TYPE=HOME:") stands for the ';'
// that belongs there.
func parseHeaderLenient(s string) (h header, value int, col int, msg string, lax []leniency) {
	return parseHeaderIn(s, nil)
}

// headerArena holds the parameters and their values of the headers a
// parser reads, so that a property costs no slices of its own: a header's
// Params and a parameter's Values are full slices of the arena's arrays
// (appending to one never writes over another). The parser resets it when
// no card is open, when no property read refers to it any more.
type headerArena struct {
	params []param
	vals   []string
}

func (a *headerArena) reset() {
	clear(a.params)
	clear(a.vals)
	a.params, a.vals = a.params[:0], a.vals[:0]
}

// parseHeaderIn is parseHeaderLenient with the parameters in a (nil:
// slices of their own).
func parseHeaderIn(s string, a *headerArena) (h header, value int, col int, msg string, lax []leniency) {
	if a != nil {
		start := len(a.params)
		defer func() {
			if n := len(a.params); n > start {
				h.Params = a.params[start:n:n]
			}
		}()
	}
	i := 0
	for i < len(s) && isNameByte(s[i]) {
		i++
	}
	if i < len(s) && s[i] == '.' && i > 0 {
		h.Group = s[:i]
		i++
		j := i
		for i < len(s) && isNameByte(s[i]) {
			i++
		}
		h.Name = s[j:i]
	} else {
		h.Name = s[:i]
	}
	if h.Name == "" {
		if i >= len(s) || s[i] == ':' || s[i] == ';' {
			return h, 0, i, "property name missing", nil
		}
		return h, 0, i, "invalid character " + quoteByte(s, i) + " in property name", nil
	}
	first := true
	for i < len(s) {
		switch s[i] {
		case ':':
			return h, i + 1, 0, "", lax
		case ',':
			if !first || i+1 >= len(s) || !isNameByte(s[i+1]) {
				return h, 0, i, "invalid character " + quoteByte(s, i) + " in property name", lax
			}
			lax = append(lax, leniency{i, "',' after the property name read as ';' (a parameter follows)"})
			fallthrough
		case ';':
			i++
			p, n, errCol, msg := parseParam(s, i, &lax, a)
			if msg == msgEmptyParam {
				lax = append(lax, leniency{errCol, "empty parameter ignored"})
				i = n
				break
			}
			if msg != "" {
				return h, 0, errCol, msg, lax
			}
			if a != nil {
				a.params = append(a.params, p)
			} else {
				h.Params = append(h.Params, p)
			}
			i = n
		case ' ', '\t':
			j := i
			for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
				j++
			}
			if j >= len(s) || s[j] != ':' && s[j] != ';' {
				return h, 0, i, "invalid character " + quoteByte(s, i) + " in property name", lax
			}
			lax = append(lax, leniency{i, "blank after the property name ignored"})
			i = j
			continue
		default:
			if first && isLaxNameByte(s[i]) {
				// "X-messaging/twitter-All": KContacts, ez-vcard and
				// Evolution read such a name as written.
				lax = append(lax, leniency{i, "invalid character " + quoteByte(s, i) + " in property name; name read as written"})
				j := i
				for j < len(s) && (isNameByte(s[j]) || isLaxNameByte(s[j])) {
					j++
				}
				h.Name = s[i-len(h.Name) : j]
				i = j
				continue
			}
			return h, 0, i, "invalid character " + quoteByte(s, i) + " in property name", lax
		}
		first = false
	}
	return h, 0, len(s), "no ':' after the property name", lax
}

const msgEmptyParam = "empty parameter"

// parseParam parses one parameter starting at s[i] and returns the index
// after it (at ';' or ':').
func parseParam(s string, i int, lax *[]leniency, a *headerArena) (param, int, int, string) {
	start := i
	var vals *[]string // where the values go: the arena's, or p.Values
	vstart := 0
	if a != nil {
		vals, vstart = &a.vals, len(a.vals)
	}
	for i < len(s) && s[i] != '=' && s[i] != ';' && s[i] != ':' && s[i] != '"' {
		i++
	}
	if i >= len(s) {
		return param{}, 0, i, "no ':' after the parameters"
	}
	if s[i] == '"' {
		return param{}, 0, i, "quote in parameter name"
	}
	if s[i] != '=' {
		v := strings.TrimSpace(s[start:i])
		if v == "" {
			return param{}, i, start, msgEmptyParam
		}
		if a != nil {
			a.vals = append(a.vals, v)
			return param{Values: a.vals[vstart:len(a.vals):len(a.vals)]}, i, 0, ""
		}
		return param{Values: []string{v}}, i, 0, ""
	}
	p := param{Name: strings.TrimSpace(s[start:i])}
	if vals == nil {
		vals = &p.Values
	}
	if p.Name == "" {
		return param{}, 0, start, "parameter name missing before '='"
	}
	i++ // '='
	for {
		if i < len(s) && s[i] == '"' {
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				return param{}, 0, i, "unterminated quoted parameter value"
			}
			*vals = append(*vals, s[i+1:i+1+j])
			i += j + 2
		} else {
			j := i
			for i < len(s) && s[i] != ',' && s[i] != ';' && s[i] != ':' {
				if s[i] == '"' {
					if i == j || lax == nil {
						return param{}, 0, i, "quote inside an unquoted parameter value"
					}
					// Apple writes \"...\" inside X-ADDRESS=...: the quote is
					// text, as Apple's own reader and ez-vcard take it.
					*lax = append(*lax, leniency{i, "quote inside an unquoted parameter value read as text"})
				}
				i++
			}
			*vals = append(*vals, s[j:i])
		}
		if i >= len(s) {
			return param{}, 0, i, "no ':' after the parameters"
		}
		if s[i] != ',' {
			if a != nil {
				p.Values = a.vals[vstart:len(a.vals):len(a.vals)]
			}
			return p, i, 0, ""
		}
		i++
	}
}

// isLaxNameByte is a visible ASCII character that has no role in a
// content line's header and that names of real files hold ('/', '+', ...).
func isLaxNameByte(c byte) bool {
	return c > ' ' && c < 0x7F && !isNameByte(c) && !strings.ContainsRune("\"\\:;,.=", rune(c))
}

func isNameByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

func quoteByte(s string, i int) string {
	r, _ := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError {
		return "0x" + strings.ToUpper(hex2(s[i]))
	}
	return "'" + string(r) + "'"
}

func hex2(b byte) string {
	const h = "0123456789abcdef"
	return string([]byte{h[b>>4], h[b&15]})
}

// paramValue returns the values of the named parameter (case-insensitive).
func (h *header) paramValue(name string) (string, bool) {
	for _, p := range h.Params {
		if strings.EqualFold(p.Name, name) && len(p.Values) > 0 {
			return p.Values[0], true
		}
	}
	return "", false
}

// encoding returns "qp", "b64" or "" from ENCODING= or a bare 2.1 value.
func (h *header) encoding() string {
	for _, p := range h.Params {
		if p.Name != "" && !strings.EqualFold(p.Name, "ENCODING") {
			continue
		}
		for _, v := range p.Values {
			switch strings.ToUpper(v) {
			case "QUOTED-PRINTABLE":
				return "qp"
			case "BASE64":
				return "b64"
			case "B":
				if p.Name != "" { // a bare "B" is a TYPE, not ENCODING=b
					return "b64"
				}
			}
		}
	}
	return ""
}

// decodeQP decodes quoted-printable text whose soft line breaks were
// already joined. A '=' not followed by two hex digits is kept as is
// (Outlook 2003 writes such values); bad reports whether one was seen.
func decodeQP(s string) (out []byte, bad bool) {
	out = make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '=' {
			if i+2 < len(s) {
				h, ok1 := unhex(s[i+1])
				l, ok2 := unhex(s[i+2])
				if ok1 && ok2 {
					out = append(out, h<<4|l)
					i += 2
					continue
				}
			}
			bad = true
		}
		out = append(out, c)
	}
	return out, bad
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// decodeCharset turns value bytes into UTF-8. With a CHARSET parameter that
// names a known encoding it is used; otherwise valid UTF-8 stays UTF-8 and
// anything else is read as Windows-1252 (what Outlook writes).
func decodeCharset(b []byte, charset string) (string, string) {
	if charset != "" {
		e, _, err := formats.LookupEncoding(charset)
		if err == nil {
			if e == nil {
				if utf8.Valid(b) {
					return string(b), ""
				}
				return strings.ToValidUTF8(string(b), "\uFFFD"), "CHARSET=" + charset + " but the bytes are not valid UTF-8; invalid bytes replaced by U+FFFD"
			}
			out, err := e.NewDecoder().Bytes(b)
			if err == nil {
				return string(out), ""
			}
		} else if utf8.Valid(b) {
			return string(b), "unknown CHARSET " + charset + "; read as UTF-8"
		} else {
			return win1252(b), "unknown CHARSET " + charset + "; read as Windows-1252"
		}
	}
	if utf8.Valid(b) {
		return string(b), ""
	}
	return win1252(b), ""
}

func win1252(b []byte) string { return string(formats.Decode1252(b)) }

// validBase64 reports whether s (whitespace already removed) is base64,
// padded or not.
func validBase64(s string) bool {
	if _, err := base64.StdEncoding.DecodeString(s); err == nil {
		return true
	}
	_, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	return err == nil
}

func isBase64Line(l []byte) bool {
	if len(l) == 0 {
		return false
	}
	for _, c := range l {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=' || c == ' ' || c == '\t') {
			return false
		}
	}
	return true
}

func stripSpace(s string) string {
	if strings.IndexAny(s, " \t\r\n") < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			b.WriteByte(c)
		}
	}
	return b.String()
}
