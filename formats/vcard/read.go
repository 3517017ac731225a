package vcard

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// File is what was read from one .vcf file or vdir folder.
type File struct {
	Path     string            // the file or folder as named by the caller
	Contacts []contact.Contact // one per BEGIN:VCARD, in file order (a nested card follows its parent)
	Cards    int               // number of BEGIN:VCARD lines seen
	Encoding string            // "" (bytes as written), "utf-8-bom", "utf-16le" or "utf-16be"
	Warnings []string          // non-fatal notes, each "file:line: ..."
	// Inputs are the files read by ReadFile or ReadFileLenient (one per
	// card file of a vdir), hashed as they were read.
	Inputs []formats.InputFile
}

// ReadFile reads a .vcf file, or every *.vcf file of a vdir folder (in
// name order, not recursing; each file may hold several cards).
func ReadFile(path string) (*File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		hr := formats.NewHashReader(f)
		out, err := Read(hr, path)
		if err != nil {
			return nil, err
		}
		in, err := hr.Input(path)
		if err != nil {
			return nil, err
		}
		out.Inputs = []formats.InputFile{in}
		return out, nil
	}
	names, err := vdirFiles(path)
	if err != nil {
		return nil, err
	}
	out := &File{Path: path}
	for _, n := range names {
		one, err := ReadFile(n)
		if err != nil {
			return nil, err
		}
		out.Contacts = append(out.Contacts, one.Contacts...)
		out.Cards += one.Cards
		out.Warnings = append(out.Warnings, one.Warnings...)
		out.Inputs = append(out.Inputs, one.Inputs...)
	}
	return out, nil
}

func vdirFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if e.Type().IsRegular() && strings.EqualFold(filepath.Ext(e.Name()), ".vcf") && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(names)
	return names, nil
}

// Read reads every card of r. name is used in errors and warnings. It stops
// at the first problem it cannot read past and returns it as a
// *formats.ParseError.
func Read(r io.Reader, name string) (*File, error) {
	p := newParser(r, name, true)
	p.run()
	if len(p.errs) > 0 {
		return nil, p.errs[0]
	}
	return p.file, nil
}

// ReadFileLenient reads like ReadFile but sets aside each card with a
// problem (a property that cannot be read) instead of stopping: it returns
// the contacts of the other cards and, separately, one positioned problem
// per card set aside. What cannot be delimited into cards (END:VCARD
// without BEGIN, a file with no card) is still an error.
func ReadFileLenient(path string) (*File, formats.ErrorList, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	files := []string{path}
	if st.IsDir() {
		if files, err = vdirFiles(path); err != nil {
			return nil, nil, err
		}
	}
	out := &File{Path: path}
	var rejected formats.ErrorList
	for _, fn := range files {
		f, err := os.Open(fn)
		if err != nil {
			return nil, nil, err
		}
		hr := formats.NewHashReader(f)
		one, rej, err := ReadLenient(hr, fn)
		var in formats.InputFile
		if err == nil {
			in, err = hr.Input(fn)
		}
		f.Close()
		if err != nil {
			return nil, nil, err
		}
		out.Inputs = append(out.Inputs, in)
		if !st.IsDir() {
			out.Encoding = one.Encoding
		}
		out.Contacts = append(out.Contacts, one.Contacts...)
		out.Cards += one.Cards
		out.Warnings = append(out.Warnings, one.Warnings...)
		rejected = append(rejected, rej...)
	}
	return out, rejected, nil
}

// ReadLenient is ReadFileLenient for one stream; name is used in errors.
func ReadLenient(r io.Reader, name string) (*File, formats.ErrorList, error) {
	p := newParser(r, name, true)
	p.lenient, p.badCards = true, map[int]bool{}
	p.run()
	if len(p.errs) > 0 {
		return nil, nil, p.errs[0]
	}
	return p.file, p.rejected, nil
}

// Validate reads the file or vdir folder at path and returns every problem
// found, each positioned; an empty list means Read succeeds. Warnings are
// not problems and are not listed (ReadFile returns them).
func Validate(path string) formats.ErrorList {
	errs, _ := Check(path)
	return errs
}

// Check is Validate that also returns the warnings: what was read past
// (text outside a card, an empty parameter, a missing END:VCARD, ...).
func Check(path string) (out formats.ErrorList, warnings []string) {
	st, err := os.Stat(path)
	if err != nil {
		return formats.ErrorList{{File: path, Err: err}}, nil
	}
	files := []string{path}
	if st.IsDir() {
		if files, err = vdirFiles(path); err != nil {
			return formats.ErrorList{{File: path, Err: err}}, nil
		}
	}
	for _, fn := range files {
		f, err := os.Open(fn)
		if err != nil {
			out = append(out, &formats.ParseError{File: fn, Err: err})
			continue
		}
		p := newParser(f, fn, false)
		p.run()
		f.Close()
		out = append(out, p.errs...)
		warnings = append(warnings, p.file.Warnings...)
	}
	return out, warnings
}

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
func (p *parser) warnAt(line, col int, field, format string, args ...any) {
	if p.count(format) {
		p.listWarning(format, formats.Errorf(p.name, line, col, field, format, args...).Error())
	}
}

// flushOutside warns about the run of lines outside any card that ended
// before the current line, if any.
func (p *parser) flushOutside(last *int, first int) {
	if *last == 0 {
		return
	}
	if *last == first {
		p.warnAt(first, 1, "", "text outside a vCard skipped")
	} else {
		p.warnAt(first, 1, "", "text outside a vCard skipped (lines %d-%d)", first, *last)
	}
	*last = 0
}

func (p *parser) warn(line int, format string, args ...any) {
	if p.count(format) {
		p.listWarning(format, fmt.Sprintf("%s:%d: %s", p.name, line, fmt.Sprintf(format, args...)))
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

func (p *parser) listWarning(format, msg string) {
	if p.warned[format] == 1 {
		p.kinds = append(p.kinds, format)
		p.sample = append(p.sample, msg)
	}
	p.file.Warnings = append(p.file.Warnings, msg)
}

// countWarnings adds one warning per kind that was warned of more than
// maxSameWarnings times, with the count of those not listed.
func (p *parser) countWarnings() {
	for i, k := range p.kinds {
		if n := p.warned[k]; n > maxSameWarnings {
			p.file.Warnings = append(p.file.Warnings, fmt.Sprintf("%s: %d more warnings like %q not listed (%d in all)", p.name, n-maxSameWarnings, p.sample[i], n))
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
	if s.n%chunkSize == 0 {
		s.chunks = append(s.chunks, make([]contact.Contact, chunkSize))
	}
	s.n++
	return s.n - 1
}

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

func (p *parser) run() {
	var stack []*card
	outside, outsideFrom := 0, 0 // last and first line of skipped text outside a card
	for !p.stopped() {
		l, ok := p.lr.next()
		if !ok {
			break
		}
		num := p.lr.num
		if isBlank(l) {
			continue
		}
		if isMarker(l, "BEGIN") {
			if len(stack) >= maxNesting {
				p.inCard = 0 // the file, not a card, is at fault
				p.fail(num, 1, "BEGIN", "vCards nested more than %d deep (the card begun at line %d holds %d open cards): not a contact file", maxNesting, stack[0].line, len(stack))
				stack = nil
				break
			}
			if len(stack) > 0 {
				p.warn(num, "vCard nested inside the card begun at line %d: read as a contact of its own", stack[len(stack)-1].line)
			}
			p.file.Cards++
			nc := &card{line: num, index: p.store.add()}
			if n := len(p.free); n > 0 {
				nc.props, p.free = p.free[n-1][:0], p.free[:n-1]
			}
			stack = append(stack, nc)
			p.inCard = nc.index + 1
			continue
		}
		if len(stack) == 0 {
			if isMarker(l, "END") {
				p.fail(num, 1, "END", "END:VCARD without BEGIN:VCARD")
				continue
			}
			// Text before the first card or between cards (an
			// "ENCODING:UTF-8" line, a mailer's banner) is skipped, as
			// other readers do; one warning per run of such lines.
			if outside == 0 {
				outsideFrom = num
			}
			outside = num
			continue
		}
		p.flushOutside(&outside, outsideFrom)
		c := stack[len(stack)-1]
		if isMarker(l, "END") {
			*p.store.at(c.index) = p.mapCard(c)
			stack = stack[:len(stack)-1]
			clear(c.props) // drop references; the slice is reused
			p.free = append(p.free, c.props)
			p.inCard = 0
			if len(stack) > 0 {
				p.inCard = stack[len(stack)-1].index + 1
			}
			continue
		}
		if l[0] == ' ' || l[0] == '\t' {
			p.fail(num, 1, "", "continuation line (starting with a blank) without a property before it")
			continue
		}
		if pr, ok := p.readProp(l, num, c); ok {
			if pr.upper() == "VERSION" {
				c.version = strings.TrimSpace(pr.value)
			}
			c.props = append(c.props, pr)
		}
	}
	p.inCard = 0 // what follows is about the file, not a card
	if err := p.lr.err(); err != nil && !p.stopped() {
		p.fail(p.lr.num+1, 0, "", "read: %v", err)
	}
	if !p.stopped() && outside > 0 {
		if p.file.Cards == 0 {
			p.fail(outsideFrom, 1, "", "no BEGIN:VCARD in the file: not a vCard")
		} else {
			p.flushOutside(&outside, outsideFrom)
		}
	}
	// A file cut after its last property (no END:VCARD) is read as other
	// readers read it: the cards still open end with the file.
	for !p.stopped() && len(stack) > 0 {
		c := stack[len(stack)-1]
		p.warnAt(p.lr.num, 0, "END", "end of input inside the vCard begun at line %d (END:VCARD missing): the card ends with the file", c.line)
		*p.store.at(c.index) = p.mapCard(c)
		stack = stack[:len(stack)-1]
	}
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
		h, vi, col, msg, lax = parseHeaderLenient(acc)
		if msg == "" {
			first := acc[:len(l)]
			for _, x := range lax {
				c := min(x.col, len(first))
				p.warnAt(num, utf8.RuneCountInString(first[:c])+1, h.Name, "%s", x.msg)
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
			p.warnAt(num, utf8.RuneCountInString(first[:col])+1, field, "%s: not a property, line skipped", msg)
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
		p.warn(num, "%s: value continued on the next line after a trailing backslash; read as a line break", h.Name)
	}
	pr := prop{header: h, line: num}
	charset, _ := h.paramValue("CHARSET")
	var text string
	var note string
	switch enc {
	case "qp":
		bs, bad := decodeQP(raw)
		if bad {
			p.warn(num, "%s: '=' not followed by two hex digits in quoted-printable value; kept as is", h.Name)
		}
		text, note = decodeCharset(bs, charset)
		if charset == "" && (c.version == "3.0" || c.version == "4.0") && !utf8.Valid(bs) {
			p.warnAt(num, 0, h.Name, "quoted-printable bytes that are not UTF-8 and no CHARSET: read as Windows-1252")
		}
	case "b64":
		text = stripSpace(raw)
		if validBase64(text) {
			pr.b64 = true
			pr.value = text
			return pr, true
		}
		p.warn(num, "%s: value is not valid base64; kept as text without ENCODING", h.Name)
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
				p.warnAt(num, col, h.Name, "bytes that are not UTF-8 and no CHARSET: read as Windows-1252")
			}
		}
	}
	if note != "" {
		p.warn(num, "%s: %s", h.Name, note)
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
	var out []string
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

// Slots that a mapped property can fill; their names follow "=" in Extra
// names of the carriers (see the package doc).
const (
	slotN          = "N"
	slotFN         = "FN"
	slotORG        = "ORG"
	slotTITLE      = "TITLE"
	slotNOTE       = "NOTE"
	slotBDAY       = "BDAY"
	slotCATEGORIES = "CATEGORIES"
	slotREV        = "REV"
	slotUID        = "UID"
	slotURL        = "URL"
)

// telSlots lists the phone fields in the order the writer writes them, with
// the TYPE values it writes.
var telSlots = []struct {
	field contact.Field
	types string
}{
	{contact.PhoneBusiness, "WORK,VOICE"},
	{contact.PhoneBusiness2, "WORK,VOICE"},
	{contact.PhoneMobile, "CELL,VOICE"},
	{contact.PhoneHome, "HOME,VOICE"},
	{contact.PhoneHome2, "HOME,VOICE"},
	{contact.PhoneFaxBusiness, "WORK,FAX"},
	{contact.PhoneFaxHome, "HOME,FAX"},
	{contact.PhoneOther, "VOICE"},
	{contact.PhonePager, "PAGER"},
	{contact.PhoneAssistant, "X-ASSISTANT"},
	{contact.PhoneCompanyMain, "X-COMPANY-MAIN"},
}

// adrSlots are the three addresses: the first field of each block of five
// (street, city, state, postal code, country) and the TYPE written.
var adrSlots = []struct {
	street contact.Field
	slot   string
	types  string
}{
	{contact.BusinessStreet, "address_business", "WORK"},
	{contact.HomeStreet, "address_home", "HOME"},
	{contact.OtherStreet, "address_other", ""},
}

var emailFields = []contact.Field{contact.Email1, contact.Email2, contact.Email3}

// types returns the lower-case TYPE values of h, including vCard 2.1
// nameless parameters.
func (h *header) types() []string {
	var out []string
	for _, p := range h.Params {
		if p.Name == "" || strings.EqualFold(p.Name, "TYPE") {
			for _, v := range p.Values {
				for v != "" {
					t := v
					if i := strings.IndexByte(v, ','); i >= 0 {
						t, v = v[:i], v[i+1:]
					} else {
						v = ""
					}
					out = append(out, lower(strings.TrimSpace(t)))
				}
			}
		}
	}
	return out
}

// lower is strings.ToLower without an allocation for lower-case input.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return strings.ToLower(s)
		}
	}
	return s
}

// prefRank is 1 for TYPE=pref, n for PREF=n, 101 otherwise.
func (h *header) prefRank() int {
	for _, t := range h.types() {
		if t == "pref" {
			return 1
		}
	}
	if v, ok := h.paramValue("PREF"); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 1 && n <= 100 {
			return n
		}
	}
	return 101
}

// has reports whether ts holds any of want.
func has(ts []string, want ...string) bool {
	return slices.ContainsFunc(ts, func(t string) bool { return slices.Contains(want, t) })
}

// telCandidates returns the phone fields a TEL with these types may fill,
// in order of preference.
func telCandidates(ts []string) []contact.Field {
	work, home := has(ts, "work"), has(ts, "home")
	switch {
	case has(ts, "fax"):
		switch {
		case work:
			return []contact.Field{contact.PhoneFaxBusiness}
		case home:
			return []contact.Field{contact.PhoneFaxHome}
		}
		return []contact.Field{contact.PhoneFaxBusiness, contact.PhoneFaxHome}
	case has(ts, "pager"):
		return []contact.Field{contact.PhonePager}
	}
	for _, t := range ts {
		if t == "x-assistant" || strings.HasPrefix(t, "x-") && strings.Contains(t, "assistant") {
			return []contact.Field{contact.PhoneAssistant}
		}
		if t == "main" || t == "x-main" || t == "x-company-main" || strings.HasPrefix(t, "x-") && strings.Contains(t, "company") {
			return []contact.Field{contact.PhoneCompanyMain}
		}
	}
	switch {
	case has(ts, "cell", "mobile", "iphone"):
		return []contact.Field{contact.PhoneMobile}
	case work:
		return []contact.Field{contact.PhoneBusiness, contact.PhoneBusiness2}
	case home:
		return []contact.Field{contact.PhoneHome, contact.PhoneHome2}
	}
	return []contact.Field{contact.PhoneOther}
}

func adrIndex(ts []string) int {
	switch {
	case has(ts, "work"):
		return 0
	case has(ts, "home"):
		return 1
	}
	return 2
}

// form is the Extra name of a property: "[group.]NAME(;PARAM=v,...)*" in
// vCard 3.0 syntax. vCard 2.1 nameless parameters are gathered into one
// TYPE; CHARSET and ENCODING=QUOTED-PRINTABLE/8BIT/7BIT are dropped because
// the value is kept decoded; ENCODING=BASE64 becomes ENCODING=b.
func (pr *prop) form() string {
	if len(pr.Params) == 0 && pr.Group == "" {
		return pr.Name
	}
	var b strings.Builder
	if pr.Group != "" {
		b.WriteString(pr.Group)
		b.WriteByte('.')
	}
	b.WriteString(pr.Name)
	var bare []string
	bareAt := -1
	type out struct {
		name string
		vals []string
	}
	var ps []out
	for _, p := range pr.Params {
		switch {
		case p.Name == "":
			v := p.Values[0]
			switch strings.ToUpper(v) {
			case "QUOTED-PRINTABLE", "8BIT", "7BIT":
				continue
			case "BASE64":
				if pr.b64 {
					ps = append(ps, out{"ENCODING", []string{"b"}})
				}
				continue
			}
			if bareAt < 0 {
				bareAt = len(ps)
				ps = append(ps, out{})
			}
			bare = append(bare, v)
		case strings.EqualFold(p.Name, "CHARSET"):
		case strings.EqualFold(p.Name, "ENCODING"):
			if pr.b64 {
				ps = append(ps, out{p.Name, []string{"b"}})
			}
		default:
			ps = append(ps, out{p.Name, p.Values})
		}
	}
	if bareAt >= 0 {
		ps[bareAt] = out{"TYPE", bare}
	}
	for _, p := range ps {
		b.WriteByte(';')
		b.WriteString(p.name)
		b.WriteByte('=')
		for i, v := range p.vals {
			if i > 0 {
				b.WriteByte(',')
			}
			writeParamValue(&b, v)
		}
	}
	return b.String()
}

func writeParamValue(b *strings.Builder, v string) {
	// "^'" is what a '"' read as text becomes (encodeCaret): quoting it too
	// keeps the name the same when it is read back and written again.
	if strings.ContainsAny(v, ";:,\"") || strings.Contains(v, "^'") {
		b.WriteByte('"')
		b.WriteString(encodeCaret(v))
		b.WriteByte('"')
		return
	}
	b.WriteString(v)
}

// defaultForm is the form the writer uses for a slot when no carrier says
// otherwise.
func defaultForm(slot string, v4 bool) string {
	if v4 {
		if f, ok := defaultForms4[slot]; ok {
			return f
		}
	} else if f, ok := defaultForms3[slot]; ok {
		return f
	}
	return makeDefaultForm(slot, v4)
}

var defaultForms3, defaultForms4 = func() (m3, m4 map[string]string) {
	m3, m4 = map[string]string{}, map[string]string{}
	for _, k := range carrierOrder {
		m3[k], m4[k] = makeDefaultForm(k, false), makeDefaultForm(k, true)
	}
	return
}()

func makeDefaultForm(slot string, v4 bool) string {
	t := func(s string) string {
		if v4 {
			return strings.ToLower(s)
		}
		return s
	}
	switch slot {
	case "email1", "email2", "email3":
		if v4 {
			return "EMAIL"
		}
		return "EMAIL;TYPE=INTERNET"
	}
	for _, s := range telSlots {
		if s.field.String() == slot {
			return "TEL;TYPE=" + t(s.types)
		}
	}
	for _, s := range adrSlots {
		if s.slot == slot {
			if s.types == "" {
				return "ADR"
			}
			return "ADR;TYPE=" + t(s.types)
		}
	}
	return slot
}

// foreignName is the property that carries an Extra that is not written
// as a property of its own: one of another format (a CSV column, a PST
// property), or an own one whose name is not a property. See the package
// doc for the encoding.
const foreignName = "X-CONTACTSYNC-EXTRA"

// carried restores the Extra an X-CONTACTSYNC-EXTRA property carries: Name
// from X-NAME, Format from X-FORMAT (vcard when absent), Value unescaped, or
// base64-decoded under ENCODING=b. ok is false for anything else, which is
// then kept as an ordinary property.
func carried(pr *prop) (contact.Extra, bool) {
	if pr.Group != "" || !strings.EqualFold(pr.Name, foreignName) {
		return contact.Extra{}, false
	}
	n, ok := pr.paramValue("X-NAME")
	if !ok {
		return contact.Extra{}, false
	}
	e := contact.Extra{Name: decodeParam(n), Format: contact.FormatVCard}
	if f, ok := pr.paramValue("X-FORMAT"); ok && f != "" {
		e.Format = decodeParam(f)
	}
	if pr.b64 {
		b, err := base64.StdEncoding.DecodeString(pr.value)
		if err != nil {
			b, _ = base64.RawStdEncoding.DecodeString(strings.TrimRight(pr.value, "="))
		}
		e.Value = string(b)
	} else {
		e.Value = unescape(pr.value)
	}
	return e, true
}

func isEmpty(v string) bool { return strings.Trim(v, " \t;") == "" }

// mapCard turns the properties of one card into a contact: the first
// property of each mapped kind fills the fields, everything else goes to
// Extra in source order.
func (p *parser) mapCard(c *card) contact.Contact {
	ct := contact.Contact{Line: c.line}
	v4 := c.version == "4.0"
	const (
		toExtra = iota
		toSlot
		toSkip
	)
	kind := make([]int, len(c.props))
	slot := make([]string, len(c.props))
	seen := make(map[string]bool, 16)
	var emails []int
	var telUsed [contact.NumFields]bool
	var adrUsed [3]bool
	for i := range c.props {
		pr := &c.props[i]
		name := pr.upper()
		switch name {
		case "VERSION":
			if !seen[name] {
				kind[i], seen[name] = toSkip, true
			}
		case "PROFILE":
			// RFC 2426's "PROFILE:VCARD" repeats BEGIN:VCARD; it is
			// structure like VERSION, and vobject rejects it.
			if !seen[name] && strings.EqualFold(strings.TrimSpace(pr.value), "VCARD") && pr.Group == "" {
				kind[i], seen[name] = toSkip, true
			}
		case slotN, slotFN:
			if !seen[name] {
				kind[i], slot[i], seen[name] = toSlot, name, true
			}
		case slotORG, slotTITLE, slotNOTE, slotCATEGORIES, slotUID, slotURL:
			if !seen[name] && !isEmpty(pr.value) && !pr.b64 {
				kind[i], slot[i], seen[name] = toSlot, name, true
			}
		case slotBDAY:
			if !seen[name] && !isEmpty(pr.value) {
				if _, ok := parseBDay(pr.value); ok {
					kind[i], slot[i], seen[name] = toSlot, name, true
				} else {
					p.warn(pr.line, "BDAY: %q is not a date; kept as an extra property", pr.value)
				}
			}
		case slotREV:
			if !seen[name] && !isEmpty(pr.value) {
				if _, ok := parseRev(pr.value); ok {
					kind[i], slot[i], seen[name] = toSlot, name, true
				} else {
					p.warn(pr.line, "REV: %q is not a timestamp; kept as an extra property", pr.value)
				}
			}
		case "EMAIL":
			if !isEmpty(pr.value) && !pr.b64 {
				emails = append(emails, i)
			}
		case "TEL":
			if isEmpty(pr.value) || pr.b64 {
				break
			}
			for _, f := range telCandidates(pr.types()) {
				if !telUsed[f] {
					telUsed[f] = true
					kind[i], slot[i] = toSlot, f.String()
					break
				}
			}
		case "ADR":
			if isEmpty(pr.value) || pr.b64 {
				break
			}
			if a := adrIndex(pr.types()); !adrUsed[a] {
				adrUsed[a] = true
				kind[i], slot[i] = toSlot, adrSlots[a].slot
			}
		}
	}
	if len(emails) > 1 {
		rank := make(map[int]int, len(emails))
		for _, i := range emails {
			rank[i] = c.props[i].prefRank()
		}
		slices.SortStableFunc(emails, func(a, b int) int { return cmp.Compare(rank[a], rank[b]) })
	}
	for n, i := range emails {
		if n < len(emailFields) {
			kind[i], slot[i] = toSlot, emailFields[n].String()
		}
	}

	fnText, fnSeen := "", false
	var carriers map[string]string
	carry := func(name, value string) {
		if carriers == nil {
			carriers = map[string]string{}
		}
		carriers[name] = value
	}
	for i := range c.props {
		pr := &c.props[i]
		switch kind[i] {
		case toSkip:
			continue
		case toExtra:
			if e, ok := carried(pr); ok {
				ct.Extra = append(ct.Extra, e)
				continue
			}
			ct.Extra = append(ct.Extra, contact.Extra{Name: pr.form(), Value: pr.value, Format: contact.FormatVCard})
			continue
		}
		s := slot[i]
		if f := pr.form(); !strings.EqualFold(f, defaultForm(s, v4)) {
			carry(s, f)
		}
		switch s {
		case slotN:
			parts := splitRaw(pr.value, ';')
			fs := []contact.Field{contact.Last, contact.First, contact.Middle, contact.Prefix, contact.Suffix}
			for k, part := range parts {
				if k < len(fs) {
					ct.Values[fs[k]] = unescape(part)
				}
			}
			if len(parts) > len(fs) {
				carry("N.rest", strings.Join(parts[len(fs):], ";"))
			}
		case slotFN:
			fnText, fnSeen = unescape(pr.value), true
		case slotORG:
			parts := splitRaw(pr.value, ';')
			ct.Values[contact.Company] = unescape(parts[0])
			if len(parts) > 1 {
				ct.Values[contact.Department] = unescape(parts[1])
			}
			if len(parts) > 2 {
				carry("ORG.rest", strings.Join(parts[2:], ";"))
			}
		case slotTITLE:
			ct.Values[contact.JobTitle] = unescape(pr.value)
		case slotNOTE:
			ct.Values[contact.Notes] = unescape(pr.value)
		case slotURL:
			ct.Values[contact.WebPage] = unescape(pr.value)
		case slotUID:
			ct.Key = unescape(pr.value)
		case slotBDAY:
			ct.Values[contact.Birthday], _ = parseBDay(pr.value)
		case slotREV:
			ct.Modified, _ = parseRev(pr.value)
			ct.ModifiedFrom = "REV"
		case slotCATEGORIES:
			var cats []string
			for _, part := range splitRaw(pr.value, ',') {
				if v := strings.TrimSpace(unescape(part)); v != "" {
					cats = append(cats, v)
				}
			}
			ct.Values[contact.Categories] = contact.JoinCategories(cats)
		case "email1", "email2", "email3":
			f, _ := contact.ParseField(s)
			ct.Values[f] = unescape(pr.value)
		case "address_business", "address_home", "address_other":
			a := adrSlots[0]
			for _, x := range adrSlots {
				if x.slot == s {
					a = x
				}
			}
			parts := splitRaw(pr.value, ';')
			for k, part := range parts {
				switch {
				case k == 0 && part != "":
					carry(s+".pobox", unescape(part))
				case k == 1 && part != "":
					carry(s+".extended", unescape(part))
				case k >= 2 && k < 7:
					ct.Values[a.street+contact.Field(k-2)] = unescape(part)
				}
			}
			if len(parts) > 7 {
				carry(s+".rest", strings.Join(parts[7:], ";"))
			}
		default: // phone fields
			f, _ := contact.ParseField(s)
			ct.Values[f] = unescape(pr.value)
		}
	}
	if fnSeen {
		if def := defaultFN(&ct); fnText != def {
			carry("FN.text", fnText)
			carry("FN.from", def)
		}
	}
	// Carriers follow the kept properties, in the order the writer writes
	// the slots, so that a round trip gives the same Extra list.
	if len(carriers) > 0 {
		for _, k := range carrierOrder {
			if v, ok := carriers[k]; ok {
				ct.Extra = append(ct.Extra, contact.Extra{Name: "=" + k, Value: v, Format: contact.FormatVCard})
			}
		}
	}
	return ct
}

// carrierOrder lists every carrier slot in the order the writer writes the
// properties.
var carrierOrder = func() []string {
	out := []string{slotFN, "FN.text", "FN.from", slotN, "N.rest", slotORG, "ORG.rest", slotTITLE}
	for _, f := range emailFields {
		out = append(out, f.String())
	}
	for _, s := range telSlots {
		out = append(out, s.field.String())
	}
	for _, a := range adrSlots {
		out = append(out, a.slot, a.slot+".pobox", a.slot+".extended", a.slot+".rest")
	}
	return append(out, slotURL, slotNOTE, slotBDAY, slotCATEGORIES, slotUID, slotREV)
}()

// defaultFN is the formatted name the writer derives from the fields:
// prefix, first, middle, last and suffix joined by blanks, else the
// company, else the first e-mail address.
func defaultFN(c *contact.Contact) string {
	var parts []string
	for _, f := range []contact.Field{contact.Prefix, contact.First, contact.Middle, contact.Last, contact.Suffix} {
		if v := strings.TrimSpace(c.Values[f]); v != "" {
			parts = append(parts, v)
		}
	}
	switch {
	case len(parts) > 0:
		return strings.Join(parts, " ")
	case c.Values[contact.Company] != "":
		return c.Values[contact.Company]
	}
	return c.Values[contact.Email1]
}

// parseBDay accepts YYYYMMDD, YYYY-MM-DD, --MMDD and --MM-DD, optionally
// followed by a midnight time (KDE writes "1955-07-19T00:00:00Z"), and
// returns "YYYY-MM-DD" or "--MM-DD".
func parseBDay(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "Tt"); i >= 0 {
		if strings.Trim(s[i+1:], "0:.Zz+-") != "" {
			return "", false
		}
		s = s[:i]
	}
	if strings.HasPrefix(s, "--") {
		md := strings.ReplaceAll(s[2:], "-", "")
		if len(md) != 4 || !digits(md) {
			return "", false
		}
		if _, err := time.Parse("20060102", "2000"+md); err != nil {
			return "", false
		}
		return "--" + md[:2] + "-" + md[2:], true
	}
	ymd := strings.ReplaceAll(s, "-", "")
	if len(ymd) != 8 || !digits(ymd) || len(s) != 8 && len(s) != 10 {
		return "", false
	}
	t, err := time.Parse("20060102", ymd)
	if err != nil {
		return "", false
	}
	return t.Format("2006-01-02"), true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

var revLayouts = []string{
	"20060102T150405Z07:00", "20060102T150405Z0700", "20060102T150405Z07", "20060102T150405",
	"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05", "2006-01-02T15:04:05Z0700",
	"20060102T1504Z07:00", "2006-01-02T15:04Z07:00",
	"20060102", "2006-01-02",
}

// parseRev parses a REV timestamp in basic or extended ISO 8601 form; a
// time without zone is taken as UTC. The result is UTC, whole seconds.
func parseRev(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	// fractional seconds: drop them (REV is compared at second precision)
	if i := strings.IndexByte(s, '.'); i > 0 {
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j > i+1 {
			s = s[:i] + s[j:]
		}
	}
	for _, l := range revLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC().Truncate(time.Second), true
		}
	}
	return time.Time{}, false
}

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
