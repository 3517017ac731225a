package vcard

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// maxHeaderFolds bounds how many folded lines are taken into a property
// whose name and parameters cannot be read whatever follows.
const maxHeaderFolds = 100

// maxErrors bounds what Validate collects from one file.
const maxErrors = 1000

// maxNesting bounds how deep cards may nest. Real files nest one level
// (a vCard 2.1 AGENT); a file of a million nested BEGIN:VCARD lines must
// not hold a million open cards.
const maxNesting = 10

// maxSameWarnings is how many warnings of one kind a file lists; the rest
// are counted in one more warning, so that hostile input cannot fill the
// plan and the journal with millions of notices.
const maxSameWarnings = 10

type parser struct {
	// lenient sets aside the cards with a problem (rejected) and goes on;
	// a problem outside any card still stops the read.
	lenient  bool
	rejected formats.ErrorList
	badCards map[int]bool // File.Contacts index of each card set aside
	inCard   int          // 1 + index of the innermost open card, 0 outside
	free     [][]prop     // property slices of finished cards, for reuse
	store    store
	name     string
	lr       *lineReader
	strict   bool
	errs     formats.ErrorList
	file     *File
	// warned counts the warnings of each kind (their format string).
	warned map[string]int
	kinds  []string // the kinds in order of their first warning
	sample []string // the first warning of each kind, as kinds
	// stack holds the cards begun and not yet ended, innermost last.
	stack []*card
	// outside and outsideFrom are the last and first line of the run of
	// text outside a card being skipped; 0 when none.
	outside, outsideFrom int
	// Buffers mapCard reuses from card to card.
	kindBuf  []int
	slotBuf  []string
	splitBuf []string
	formBuf  []byte
	forms    map[string]string // the forms seen, shared (formOf)
	arena    headerArena       // the parameters of the properties of the open cards
}

func newParser(r io.Reader, name string, strict bool) *parser {
	dr, enc := decodeInput(r)
	return &parser{name: name, lr: newLineReader(dr), strict: strict, file: &File{Path: name, Encoding: enc}}
}

func (p *parser) stopped() bool {
	return p.strict && len(p.errs) > 0 || len(p.errs) >= maxErrors
}

func (p *parser) fail(line, col int, field, format string, args ...any) {
	e := formats.Errorf(p.name, line, col, field, format, args...)
	if p.lenient && p.inCard > 0 {
		if !p.badCards[p.inCard-1] {
			p.badCards[p.inCard-1] = true
			p.rejected = append(p.rejected, e)
		}
		return
	}
	p.errs = append(p.errs, e)
}

// warnAt records a leniency: something other readers read past, which
// this reader reads past too, positioned as file:line:col: field: ...
// (col 0 leaves the column out).
func (p *parser) warnAt(kind formats.WarningKind, line, col int, field, format string, args ...any) {
	if p.count(format) {
		p.listWarning(kind, format, formats.Errorf(p.name, line, col, field, format, args...).Error())
	}
}

// flushOutside warns about the run of lines outside any card that ended
// before the current line, if any.
func (p *parser) flushOutside(last *int, first int) {
	if *last == 0 {
		return
	}
	if *last == first {
		p.warnAt(formats.WarnSyntax, first, 1, "", "text outside a vCard skipped")
	} else {
		p.warnAt(formats.WarnSyntax, first, 1, "", "text outside a vCard skipped (lines %d-%d)", first, *last)
	}
	*last = 0
}

func (p *parser) warn(kind formats.WarningKind, line int, format string, args ...any) {
	if p.count(format) {
		p.listWarning(kind, format, fmt.Sprintf("%s:%d: %s", p.name, line, fmt.Sprintf(format, args...)))
	}
}

// count counts a warning of the kind format and reports whether it is to
// be listed: the first maxSameWarnings of each kind are.
func (p *parser) count(format string) bool {
	if p.warned == nil {
		p.warned = make(map[string]int)
	}
	n := p.warned[format]
	p.warned[format] = n + 1
	return n < maxSameWarnings
}

func (p *parser) listWarning(kind formats.WarningKind, format, msg string) {
	if p.warned[format] == 1 {
		p.kinds = append(p.kinds, format)
		p.sample = append(p.sample, msg)
	}
	p.file.Warnings = append(p.file.Warnings, formats.Warn(kind, msg))
}

// countWarnings adds one warning per kind that was warned of more than
// maxSameWarnings times, with the count of those not listed.
func (p *parser) countWarnings() {
	for i, k := range p.kinds {
		if n := p.warned[k]; n > maxSameWarnings {
			p.file.Warnings = append(p.file.Warnings, formats.Warn(formats.WarnMore, fmt.Sprintf("%s: %d more warnings like %q not listed (%d in all)", p.name, n-maxSameWarnings, p.sample[i], n)))
		}
	}
}

// store holds the contacts being read in fixed-size chunks: growing one
// slice of large Contact values by appending copies it again and again.
type store struct {
	chunks [][]contact.Contact
	n      int
}

const chunkSize = 1024

// add reserves the next contact and returns its index.
func (s *store) add() int {
	if s.n%chunkSize == 0 && s.n/chunkSize == len(s.chunks) {
		s.chunks = append(s.chunks, make([]contact.Contact, chunkSize))
	}
	s.n++
	return s.n - 1
}

// reset empties the store, keeping its chunks for the next cards.
func (s *store) reset() { s.n = 0 }

func (s *store) at(i int) *contact.Contact { return &s.chunks[i/chunkSize][i%chunkSize] }

func (s *store) all() []contact.Contact {
	if s.n == 0 {
		return nil
	}
	if len(s.chunks) == 1 {
		return s.chunks[0][:s.n:s.n]
	}
	out := make([]contact.Contact, 0, s.n)
	for _, c := range s.chunks {
		out = append(out, c[:min(len(c), s.n-len(out))]...)
	}
	return out
}

// prop is one property of a card after unfolding and decoding.
type prop struct {
	header
	value string // UTF-8, escaped as in vCard 3.0 (see wire30)
	b64   bool   // ENCODING=b with a valid base64 value
	line  int
}

type card struct {
	line    int
	index   int // position in File.Contacts
	version string
	props   []prop
}

// run reads every card into the store and, unless it stopped at an
// error, the contacts into p.file.
func (p *parser) run() {
	for p.step() {
	}
	p.finish()
	if len(p.errs) > 0 && p.strict {
		p.file = nil
		return
	}
	p.countWarnings()
	p.file.Contacts = p.store.all()
	if len(p.badCards) > 0 {
		kept := p.file.Contacts[:0]
		for i, c := range p.file.Contacts {
			if !p.badCards[i] {
				kept = append(kept, c)
			}
		}
		p.file.Contacts = kept
	}
}

// step reads one line; it reports false at the end of the input or when
// the parse stopped at an error.
func (p *parser) step() bool {
	if p.stopped() {
		return false
	}
	l, ok := p.lr.next()
	if !ok {
		return false
	}
	num := p.lr.num
	if isBlank(l) {
		return true
	}
	if isMarker(l, "BEGIN") {
		if len(p.stack) >= maxNesting {
			p.inCard = 0 // the file, not a card, is at fault
			p.fail(num, 1, "BEGIN", "vCards nested more than %d deep (the card begun at line %d holds %d open cards): not a contact file", maxNesting, p.stack[0].line, len(p.stack))
			p.stack = nil
			return false
		}
		if len(p.stack) > 0 {
			p.warn(formats.WarnSyntax, num, "vCard nested inside the card begun at line %d: read as a contact of its own", p.stack[len(p.stack)-1].line)
		}
		p.file.Cards++
		nc := &card{line: num, index: p.store.add()}
		if n := len(p.free); n > 0 {
			nc.props, p.free = p.free[n-1][:0], p.free[:n-1]
		}
		p.stack = append(p.stack, nc)
		p.inCard = nc.index + 1
		return true
	}
	if len(p.stack) == 0 {
		if isMarker(l, "END") {
			p.fail(num, 1, "END", "END:VCARD without BEGIN:VCARD")
			return true
		}
		// Text before the first card or between cards (an
		// "ENCODING:UTF-8" line, a mailer's banner) is skipped, as
		// other readers do; one warning per run of such lines.
		if p.outside == 0 {
			p.outsideFrom = num
		}
		p.outside = num
		return true
	}
	p.flushOutside(&p.outside, p.outsideFrom)
	c := p.stack[len(p.stack)-1]
	if isMarker(l, "END") {
		*p.store.at(c.index) = p.mapCard(c)
		p.stack = p.stack[:len(p.stack)-1]
		clear(c.props) // drop references; the slice is reused
		p.free = append(p.free, c.props)
		p.inCard = 0
		if len(p.stack) > 0 {
			p.inCard = p.stack[len(p.stack)-1].index + 1
		} else {
			p.arena.reset() // no property read refers to it now
		}
		return true
	}
	if l[0] == ' ' || l[0] == '\t' {
		p.fail(num, 1, "", "continuation line (starting with a blank) without a property before it")
		return true
	}
	if pr, ok := p.readProp(l, num, c); ok {
		if pr.upper() == "VERSION" {
			c.version = strings.TrimSpace(pr.value)
		}
		c.props = append(c.props, pr)
	}
	return true
}

// finish ends the input: a read error, text outside a card at the end,
// cards left open (they end with the file).
func (p *parser) finish() {
	p.inCard = 0 // what follows is about the file, not a card
	if err := p.lr.err(); err != nil && !p.stopped() {
		p.fail(p.lr.num+1, 0, "", "read: %v", err)
	}
	if !p.stopped() && p.outside > 0 {
		if p.file.Cards == 0 {
			p.fail(p.outsideFrom, 1, "", "no BEGIN:VCARD in the file: not a vCard")
		} else {
			p.flushOutside(&p.outside, p.outsideFrom)
		}
	}
	// A file cut after its last property (no END:VCARD) is read as other
	// readers read it: the cards still open end with the file.
	for !p.stopped() && len(p.stack) > 0 {
		c := p.stack[len(p.stack)-1]
		p.warnAt(formats.WarnSyntax, p.lr.num, 0, "END", "end of input inside the vCard begun at line %d (END:VCARD missing): the card ends with the file", c.line)
		*p.store.at(c.index) = p.mapCard(c)
		p.stack = p.stack[:len(p.stack)-1]
	}
}

func isBlank(l []byte) bool {
	for _, c := range l {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// isMarker reports whether l is "BEGIN:VCARD" (or END), in any case, with
// blanks around allowed.
func isMarker(l []byte, what string) bool {
	s := bytes.TrimSpace(l)
	if len(s) != len(what)+6 || s[len(what)] != ':' {
		return false
	}
	return asciiEqualFold(s[:len(what)], what) && asciiEqualFold(s[len(what)+1:], "VCARD")
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// colonScan finds, line by line, the first ':' outside double quotes of a
// folded header: the first place where parseHeader can succeed.
type colonScan struct{ quoted, seen bool }

// feed scans the next part of the header and reports whether it holds that
// ':'. After it, later parts are not looked at.
func (s *colonScan) feed(b []byte) bool {
	if s.seen {
		return false
	}
	for _, c := range b {
		switch {
		case c == '"':
			s.quoted = !s.quoted
		case c == ':' && !s.quoted:
			s.seen = true
			return true
		}
	}
	return false
}

// readProp reads the property starting at line l (number num) with all its
// continuation lines: folded lines (leading blank), quoted-printable soft
// line breaks ('=' at the end, next line taken as is), vCard 2.1 base64
// lines without indentation, and lines after a trailing backslash.
func (p *parser) readProp(l []byte, num int, c *card) (prop, bool) {
	acc := string(l)
	var h header
	var vi int
	var sc colonScan
	sc.feed(l)
	folds := 0
	for {
		var col int
		var msg string
		var lax []leniency
		h, vi, col, msg, lax = parseHeaderIn(acc, &p.arena)
		if msg == "" {
			first := acc[:len(l)]
			for _, x := range lax {
				c := min(x.col, len(first))
				p.warnAt(formats.WarnSyntax, num, utf8.RuneCountInString(first[:c])+1, h.Name, "%s", x.msg)
			}
			break
		}
		// The header may be folded anywhere, even inside quotes (a long
		// X-NAME of a carrier). parseHeader can first succeed once a ':'
		// outside quotes has come, and once one has come and it still
		// fails, no further line helps. So folded lines are joined up to
		// that ':' without parsing each time, which would be quadratic;
		// after a hopeless failure at most maxHeaderFolds of them are taken
		// into the bad property.
		hopeless := sc.seen
		var more []byte
		for p.peekFold() && !(hopeless && folds >= maxHeaderFolds) {
			nl, _ := p.lr.next()
			folds++
			more = append(more, nl[1:]...)
			if !hopeless && sc.feed(nl[1:]) {
				break
			}
		}
		if more != nil && !hopeless {
			acc += string(more)
			continue
		}
		field := h.Name
		first := acc[:len(l)] // positions are reported in the first line
		if col > len(first) {
			col = len(first)
		}
		if strings.IndexByte(acc, ':') < 0 || acc[0] == '#' {
			// A line with no ':' has no value to lose ("FN" alone, a
			// "# comment"): Evolution, ez-vcard, Android and KContacts
			// skip it, and so does this reader, with a warning.
			p.warnAt(formats.WarnSyntax, num, utf8.RuneCountInString(first[:col])+1, field, "%s: not a property, line skipped", msg)
			return prop{}, false
		}
		p.fail(num, utf8.RuneCountInString(first[:col])+1, field, "%s", msg)
		return prop{}, false
	}
	enc := h.encoding()
	var buf []byte // set when continuation lines follow
	backslashJoined := false
	for {
		nl, ok := p.lr.peek()
		if !ok {
			break
		}
		if buf == nil && continues(nl, enc, acc[vi:]) {
			buf = []byte(acc[vi:])
		}
		n := len(buf)
		switch {
		case buf == nil:
		case enc == "qp" && n > 0 && buf[n-1] == '=':
			if isMarker(nl, "END") {
				// A soft line break before END: nothing follows.
				break
			}
			p.lr.next()
			buf = append(buf[:n-1], nl...)
			continue
		case len(nl) > 0 && (nl[0] == ' ' || nl[0] == '\t'):
			p.lr.next()
			buf = append(buf, nl[1:]...)
			continue
		case enc == "b64" && isBase64Line(nl):
			p.lr.next()
			buf = append(buf, nl...)
			continue
		case len(nl) > 0 && !slices.Contains(nl, ':') && !isBlank(nl) && oddBackslash(buf):
			p.lr.next()
			buf[n-1] = '\n'
			buf = append(buf, nl...)
			backslashJoined = true
			continue
		}
		break
	}
	raw := acc[vi:]
	if buf != nil {
		raw = string(buf)
	}
	if enc == "qp" {
		raw = strings.TrimSuffix(raw, "=")
	}
	if backslashJoined {
		p.warn(formats.WarnSyntax, num, "%s: value continued on the next line after a trailing backslash; read as a line break", h.Name)
	}
	pr := prop{header: h, line: num}
	charset, _ := h.paramValue("CHARSET")
	var text string
	var note string
	switch enc {
	case "qp":
		bs, bad := decodeQP(raw)
		if bad {
			p.warn(formats.WarnEncoding, num, "%s: '=' not followed by two hex digits in quoted-printable value; kept as is", h.Name)
		}
		text, note = decodeCharset(bs, charset)
		if charset == "" && (c.version == "3.0" || c.version == "4.0") && !utf8.Valid(bs) {
			p.warnAt(formats.WarnEncoding, num, 0, h.Name, "quoted-printable bytes that are not UTF-8 and no CHARSET: read as Windows-1252")
		}
	case "b64":
		text = stripSpace(raw)
		if validBase64(text) {
			pr.b64 = true
			pr.value = text
			return pr, true
		}
		p.warn(formats.WarnEncoding, num, "%s: value is not valid base64; kept as text without ENCODING", h.Name)
		text, note = decodeCharset([]byte(raw), charset)
	default:
		if charset == "" && (isASCII(raw) || utf8.ValidString(raw)) {
			text = raw
		} else {
			text, note = decodeCharset([]byte(raw), charset)
			if charset == "" && (c.version == "3.0" || c.version == "4.0") {
				// vCard 3.0 and 4.0 are UTF-8; what is not is read as the
				// Windows ANSI code page, as formats.DecodeText reads a
				// whole file, rather than replaced.
				col := 0
				if bad := firstInvalidUTF8(raw); vi+bad < len(l) {
					col = utf8.RuneCount(l[:vi+bad]) + 1
				}
				p.warnAt(formats.WarnEncoding, num, col, h.Name, "bytes that are not UTF-8 and no CHARSET: read as Windows-1252")
			}
		}
	}
	if note != "" {
		p.warn(formats.WarnEncoding, num, "%s: %s", h.Name, note)
	}
	pr.value = wire30(text, c.version, strings.EqualFold(h.Name, "CATEGORIES"))
	return pr, true
}

// continues reports whether line nl may continue a value (see readProp);
// it is a quick filter, readProp decides.
func continues(nl []byte, enc, v string) bool {
	if len(nl) == 0 {
		return false
	}
	return nl[0] == ' ' || nl[0] == '\t' || enc != "" || strings.HasSuffix(v, "\\")
}

func (p *parser) peekFold() bool {
	nl, ok := p.lr.peek()
	return ok && len(nl) > 0 && (nl[0] == ' ' || nl[0] == '\t')
}

func oddBackslash(s []byte) bool {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// firstInvalidUTF8 is the byte index of the first byte of s that is not
// part of valid UTF-8, or len(s).
func firstInvalidUTF8(s string) int {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// wire30 rewrites a decoded value into vCard 3.0 escaping, the one form in
// which values are kept (Extra) and mapped. Real line breaks (from
// quoted-printable) become "\n". For vCard 2.1 (and cards without VERSION),
// where only "\\", "\;" and "\:" are escapes and commas are plain text, a
// lone backslash becomes "\\" and a comma "\," (except in CATEGORIES, whose
// commas separate categories).
func wire30(s, version string, categories bool) string {
	v21 := version != "3.0" && version != "4.0"
	if !v21 && strings.IndexAny(s, "\r\n") < 0 {
		return s
	}
	if v21 && strings.IndexAny(s, "\r\n\\,") < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			b.WriteString(`\n`)
		case c == '\n':
			b.WriteString(`\n`)
		case v21 && c == '\\':
			if i+1 < len(s) {
				switch s[i+1] {
				case '\\', ';', ',':
					b.WriteByte('\\')
					b.WriteByte(s[i+1])
					i++
					continue
				case ':':
					b.WriteByte(':')
					i++
					continue
				}
			}
			b.WriteString(`\\`)
		case v21 && c == ',' && !categories:
			b.WriteString(`\,`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// unescape undoes vCard 3.0 text escaping: \\ \n \N \, \; and (leniently)
// \: ; any other backslash is kept as a backslash.
func unescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case '\\', ',', ';', ':':
				b.WriteByte(s[i+1])
				i++
				continue
			case 'n', 'N':
				b.WriteByte('\n')
				i++
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// splitRaw splits an escaped value at each sep that is not escaped; the
// parts stay escaped.
func splitRaw(s string, sep byte) []string {
	if strings.IndexByte(s, sep) < 0 {
		return []string{s}
	}
	return splitRawInto(nil, s, sep)
}

// splitRawInto is splitRaw appending to out.
func splitRawInto(out []string, s string, sep byte) []string {
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case sep:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
