package vcard

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// Options control writing.
type Options struct {
	Version string // "3.0" (default) or "4.0"
}

func (o Options) v4() (bool, error) {
	switch o.Version {
	case "", "3.0":
		return false, nil
	case "4.0":
		return true, nil
	}
	return false, fmt.Errorf("vcard version %q not supported for writing (use 3.0 or 4.0)", o.Version)
}

// Write writes the contacts as vCards: CRLF line ends, lines folded at 75
// octets without splitting a UTF-8 character.
func Write(w io.Writer, contacts []contact.Contact, opt Options) error {
	v4, err := opt.v4()
	if err != nil {
		return err
	}
	cw := newCardWriter(w, v4)
	for i := range contacts {
		cw.card(&contacts[i])
	}
	return cw.flush()
}

// WriteFile writes the contacts to one .vcf file atomically.
// The cards are streamed into the temporary file, never held whole.
func WriteFile(path string, contacts []contact.Contact, opt Options) error {
	w, err := Create(path, opt)
	if err != nil {
		return err
	}
	return formats.WriteAll(w, contacts)
}

// WriteDir writes a vdir: one .vcf per contact in dir (created if needed),
// each written atomically. The file name is the contact's Key made safe
// for every file system; a contact without Key is named by a hash of its
// name, company and first e-mail. Other files in dir are left alone.
func WriteDir(dir string, contacts []contact.Contact, opt Options) error {
	w, err := CreateDir(dir, opt)
	if err != nil {
		return err
	}
	return formats.WriteAll(w, contacts)
}

// FileName is the vdir file name WriteDir uses for c (before making names
// unique): the Key with every character other than letters, digits, '-',
// '_', '.' and '@' replaced by '_' (so none that Windows forbids), a name
// Windows reserves for a device (CON, NUL, COM1, ...) prefixed with '_',
// at most 100 bytes (longer keys, and keys
// that had to be changed, get a short hash so that different keys never
// share a name), plus ".vcf".
func FileName(c *contact.Contact) string {
	key := c.Key
	if key == "" {
		h := sha256.Sum256([]byte(c.Values[contact.First] + "\x00" + c.Values[contact.Last] + "\x00" + c.Values[contact.Company] + "\x00" + c.Values[contact.Email1]))
		return "contact-" + hex.EncodeToString(h[:8]) + ".vcf"
	}
	var b strings.Builder
	changed := false
	for _, r := range key {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == '@') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
			changed = true
		}
	}
	s := b.String()
	if strings.HasPrefix(s, ".") || windowsReserved(s) {
		s = "_" + s
		changed = true
	}
	if len(s) > 100 {
		s = s[:100]
		changed = true
	}
	if changed {
		h := sha256.Sum256([]byte(key))
		s += "-" + hex.EncodeToString(h[:4])
	}
	return s + ".vcf"
}

// windowsReserved reports whether a file named s (and any extension)
// would be a device on Windows: CON, PRN, AUX, NUL, COM0-9 and LPT0-9, in
// any letter case, before the first dot ("nul.vcf" and "Com1.x.vcf" too).
func windowsReserved(s string) bool {
	stem, _, _ := strings.Cut(s, ".")
	stem = strings.ToUpper(stem)
	switch stem {
	case "CON", "PRN", "AUX", "NUL":
		return true
	}
	return len(stem) == 4 && (strings.HasPrefix(stem, "COM") || strings.HasPrefix(stem, "LPT")) && stem[3] >= '0' && stem[3] <= '9'
}

// cardWriter builds the cards in out, a line at a time, and hands out to
// w once it holds flushSize bytes (flush): one write per large buffer, no
// string made per line. A card is built in a local copy of out (card),
// passed through the helpers and returned by them: a store of the slice
// into the writer, in the heap, costs a write barrier while the collector
// runs (as it does beside a million-card output), a local's does not.
type cardWriter struct {
	w     io.Writer
	out   []byte // the cards built, not yet written to w
	err   error  // the first error of w
	v4    bool
	fold  []byte    // a long line, while it is folded
	revAt time.Time // the time rev holds, formatted
	rev   []byte
	fn    []byte // the formatted name being built
	forms *slotForms
}

// flushSize is how many bytes of cards a cardWriter gathers before it
// writes them.
const flushSize = 64 << 10

func newCardWriter(w io.Writer, v4 bool) cardWriter {
	forms := &slotForms3
	if v4 {
		forms = &slotForms4
	}
	return cardWriter{w: w, v4: v4, forms: forms}
}

// flush writes the cards built to w; it returns the first error of w.
func (cw *cardWriter) flush() error {
	if len(cw.out) > 0 && cw.err == nil {
		_, cw.err = cw.w.Write(cw.out)
	}
	cw.out = cw.out[:0]
	return cw.err
}

// line appends one content line s to b, folded.
func (cw *cardWriter) line(b []byte, s string) []byte {
	start := len(b)
	return cw.end(append(b, s...), start)
}

// begin appends the start of a content line to b: name and parameters
// (form), then ':'. The value is appended to what it returns, and end
// ends the line (given len(b) before begin: the line's start).
func begin(b []byte, form string) []byte {
	b = append(b, form...)
	return append(b, ':')
}

// prop appends a content line of one text value, escaped.
func (cw *cardWriter) prop(b []byte, form, v string) []byte {
	start := len(b)
	return cw.end(appendEscape(begin(b, form), v), start)
}

// end ends the line of b that starts at start, folded at 75 octets
// without splitting a UTF-8 character.
func (cw *cardWriter) end(b []byte, start int) []byte {
	if len(b)-start > 75 {
		b = cw.foldLine(b, start)
	}
	return append(b, "\r\n"...)
}

// foldLine folds the line of b that starts at start (see end).
func (cw *cardWriter) foldLine(b []byte, start int) []byte {
	cw.fold = append(cw.fold[:0], b[start:]...)
	b = b[:start]
	s := cw.fold
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b = append(b, s[:cut]...)
		b = append(b, "\r\n "...)
		s = s[cut:]
		limit = 74
	}
	return append(b, s...)
}

// escape applies vCard 3.0/4.0 text escaping to a value of the model.
func escape(s string) string {
	if plainText(s) == len(s) {
		return s
	}
	return string(appendEscape(make([]byte, 0, len(s)+8), s))
}

// escaped marks the bytes text escaping changes: '\\', ',', ';', CR, LF.
var escaped = [256]bool{'\\': true, ',': true, ';': true, '\n': true, '\r': true}

// plainText returns the length of the start of s that needs no escaping.
func plainText[T ~string | ~[]byte](s T) int {
	i := 0
	for i < len(s) && !escaped[s[i]] {
		i++
	}
	return i
}

// appendEscape appends escape(s) to b.
func appendEscape[T ~string | ~[]byte](b []byte, s T) []byte {
	i := plainText(s)
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', ',', ';':
			b = append(b, '\\', c)
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			b = append(b, `\n`...)
		case '\n':
			b = append(b, `\n`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// noBreaks makes sure a kept raw value holds no line break.
func noBreaks(s string) string {
	if strings.IndexAny(s, "\r\n") < 0 {
		return s
	}
	return strings.NewReplacer("\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

func (cw *cardWriter) card(c *contact.Contact) {
	var carriers map[string]string // nil when c has none: most contacts
	for _, e := range c.Extra {
		if isSlotCarrier(e) {
			if carriers == nil {
				carriers = map[string]string{}
			}
			carriers[e.Name[1:]] = e.Value
		}
	}
	fs := cw.forms
	v := &c.Values
	b := cw.out
	if cw.v4 {
		b = append(b, "BEGIN:VCARD\r\nVERSION:4.0\r\n"...)
	} else {
		b = append(b, "BEGIN:VCARD\r\nVERSION:3.0\r\n"...)
	}

	cw.fn = appendFN(cw.fn[:0], c)
	start := len(b)
	b = begin(b, cw.form(carriers, slotFN, "FN", fs.fn))
	if t, ok := carriers["FN.text"]; ok && carriers["FN.from"] == string(cw.fn) {
		b = appendEscape(b, t)
	} else {
		b = appendEscape(b, cw.fn)
	}
	b = cw.end(b, start)

	start = len(b)
	b = appendEscape(begin(b, cw.form(carriers, slotN, "N", fs.n)), v[contact.Last])
	for _, f := range [...]contact.Field{contact.First, contact.Middle, contact.Prefix, contact.Suffix} {
		b = appendEscape(append(b, ';'), v[f])
	}
	if r, ok := carriers["N.rest"]; ok {
		b = append(append(b, ';'), noBreaks(r)...)
	}
	b = cw.end(b, start)

	if v[contact.Company] != "" || v[contact.Department] != "" {
		start = len(b)
		b = appendEscape(begin(b, cw.form(carriers, slotORG, "ORG", fs.org)), v[contact.Company])
		r, hasRest := carriers["ORG.rest"]
		if v[contact.Department] != "" || hasRest {
			b = appendEscape(append(b, ';'), v[contact.Department])
		}
		if hasRest {
			b = append(append(b, ';'), noBreaks(r)...)
		}
		b = cw.end(b, start)
	}
	if x := v[contact.JobTitle]; x != "" {
		b = cw.prop(b, cw.form(carriers, slotTITLE, "TITLE", fs.title), x)
	}
	for _, f := range emailFields {
		if x := v[f]; x != "" {
			b = cw.prop(b, cw.form(carriers, f.String(), "EMAIL", fs.field[f]), x)
		}
	}
	for _, s := range telSlots {
		if x := v[s.field]; x != "" {
			b = cw.prop(b, cw.form(carriers, s.field.String(), "TEL", fs.field[s.field]), x)
		}
	}
	b = cw.adrs(b, v, carriers)
	if x := v[contact.WebPage]; x != "" {
		b = cw.prop(b, cw.form(carriers, slotURL, "URL", fs.url), x)
	}
	if x := v[contact.Notes]; x != "" {
		b = cw.prop(b, cw.form(carriers, slotNOTE, "NOTE", fs.note), x)
	}
	if x := v[contact.Birthday]; x != "" {
		if cw.v4 {
			x = strings.Replace(strings.TrimPrefix(x, "--"), "-", "", -1)
			if len(x) == 4 {
				x = "--" + x
			}
		}
		b = cw.prop(b, cw.form(carriers, slotBDAY, "BDAY", fs.bday), x)
	}
	if cat, rest := nextCategory(v[contact.Categories]); cat != "" {
		// contact.SplitCategories, without its slice.
		start = len(b)
		b = appendEscape(begin(b, cw.form(carriers, slotCATEGORIES, "CATEGORIES", fs.categories)), cat)
		for cat, rest = nextCategory(rest); cat != ""; cat, rest = nextCategory(rest) {
			b = appendEscape(append(b, ','), cat)
		}
		b = cw.end(b, start)
	}
	if c.Key != "" {
		b = cw.prop(b, cw.form(carriers, slotUID, "UID", fs.uid), c.Key)
	}
	if !c.Modified.IsZero() {
		start = len(b)
		b = begin(b, cw.form(carriers, slotREV, "REV", fs.rev))
		if cw.rev == nil || !c.Modified.Equal(cw.revAt) {
			// Formatted once for the records of one time (an export's).
			cw.revAt = c.Modified
			cw.rev = c.Modified.UTC().AppendFormat(cw.rev[:0], "20060102T150405Z")
		}
		b = cw.end(append(b, cw.rev...), start)
	}
	for _, e := range c.Extra {
		if isSlotCarrier(e) {
			continue
		}
		b = cw.extra(b, e)
	}
	cw.out = append(b, "END:VCARD\r\n"...)
	if len(cw.out) >= flushSize {
		cw.flush()
	}
}

// adrs appends the ADR lines of the card of v.
func (cw *cardWriter) adrs(b []byte, v *contact.Values, carriers map[string]string) []byte {
	for ai, a := range adrSlots {
		any := false
		for k := range 5 {
			any = any || v[a.street+contact.Field(k)] != ""
		}
		var pobox, ext, rest string
		var hasBox, hasExt, hasRest bool
		if carriers != nil {
			pobox, hasBox = carriers[a.slot+".pobox"]
			ext, hasExt = carriers[a.slot+".extended"]
			rest, hasRest = carriers[a.slot+".rest"]
		}
		if !any && !hasBox && !hasExt {
			continue
		}
		start := len(b)
		b = appendEscape(begin(b, cw.form(carriers, a.slot, "ADR", cw.forms.adr[ai])), pobox)
		b = appendEscape(append(b, ';'), ext)
		for k := range 5 {
			b = appendEscape(append(b, ';'), v[a.street+contact.Field(k)])
		}
		if hasRest {
			b = append(append(b, ';'), noBreaks(rest)...)
		}
		b = cw.end(b, start)
	}
	return b
}

// form returns the name and parameters for a slot: the carrier's if it
// is a well-formed header of the expected property, else the default.
func (cw *cardWriter) form(carriers map[string]string, slot, prop, def string) string {
	if carriers == nil {
		return def
	}
	return cw.carrierForm(carriers, slot, prop, def)
}

func (cw *cardWriter) carrierForm(carriers map[string]string, slot, prop, def string) string {
	if f, ok := carriers[slot]; ok {
		if h, _, _, msg := parseHeader(f + ":"); msg == "" && strings.EqualFold(h.Name, prop) {
			return cw.convert(f)
		}
	}
	return def
}

// nextCategory returns the first of the categories v holds (as
// contact.SplitCategories splits them: at ';', blanks trimmed, empty ones
// dropped), "" when there is none, and the text after it.
func nextCategory(v string) (cat, rest string) {
	for v != "" {
		part, r, _ := strings.Cut(v, ";")
		if part = strings.TrimSpace(part); part != "" {
			return part, r
		}
		v = r
	}
	return "", ""
}

// slotForms are the default forms (name and parameters) of the slots a
// card is written in, for one version: a card without carriers (most)
// takes them without a look-up by name.
type slotForms struct {
	fn, n, org, title, url, note, bday, categories, uid, rev string
	field                                                    [contact.NumFields]string // the e-mail and phone slots
	adr                                                      []string                  // per adrSlots
}

var slotForms3, slotForms4 = makeSlotForms(false), makeSlotForms(true)

func makeSlotForms(v4 bool) slotForms {
	d := func(slot string) string { return defaultForm(slot, v4) }
	fs := slotForms{fn: d(slotFN), n: d(slotN), org: d(slotORG), title: d(slotTITLE), url: d(slotURL), note: d(slotNOTE),
		bday: d(slotBDAY), categories: d(slotCATEGORIES), uid: d(slotUID), rev: d(slotREV)}
	for _, f := range emailFields {
		fs.field[f] = d(f.String())
	}
	for _, t := range telSlots {
		fs.field[t.field] = d(t.field.String())
	}
	for _, a := range adrSlots {
		fs.adr = append(fs.adr, d(a.slot))
	}
	return fs
}

// appendFN appends defaultFN(c) to b.
func appendFN(b []byte, c *contact.Contact) []byte {
	n := len(b)
	for _, f := range [...]contact.Field{contact.Prefix, contact.First, contact.Middle, contact.Last, contact.Suffix} {
		if v := strings.TrimSpace(c.Values[f]); v != "" {
			if len(b) > n {
				b = append(b, ' ')
			}
			b = append(b, v...)
		}
	}
	switch {
	case len(b) > n:
		return b
	case c.Values[contact.Company] != "":
		return append(b, c.Values[contact.Company]...)
	}
	return append(b, c.Values[contact.Email1]...)
}

// isOwn reports whether e was read by this package and can be written
// natively. An empty Format counts as own: Extras made before Format
// existed were always the writer's own.
func isOwn(e contact.Extra) bool {
	return e.Format == "" || e.Format == contact.FormatVCard
}

// isSlotCarrier reports whether e is one of this package's own "=slot"
// carriers, which the writer consumes when it writes the mapped properties
// and the reader makes again (see the package doc).
func isSlotCarrier(e contact.Extra) bool {
	return isOwn(e) && strings.HasPrefix(e.Name, "=") && knownCarriers[e.Name[1:]]
}

var knownCarriers = func() map[string]bool {
	m := make(map[string]bool, len(carrierOrder))
	for _, k := range carrierOrder {
		m[k] = true
	}
	return m
}()

// extra writes one kept property: an own Extra whose name is a property
// with parameters natively, anything else (a foreign Extra, an own name that
// is no property) in the X-CONTACTSYNC-EXTRA carrier.
func (cw *cardWriter) extra(b []byte, e contact.Extra) []byte {
	if isOwn(e) && !strings.HasPrefix(e.Name, "=") {
		h, _, _, msg := parseHeader(e.Name + ":")
		up := h.upper()
		_, named := h.paramValue("X-NAME")
		native := msg == "" && up != "BEGIN" && up != "END" && up != "VERSION" &&
			!strings.ContainsAny(e.Name, "\r\n") &&
			!(up == foreignName && h.Group == "" && named) // would read back as a carrier
		if native {
			return cw.line(b, cw.convert(e.Name)+":"+cw.dataURI(h, noBreaks(e.Value)))
		}
	}
	return cw.carry(b, e)
}

// carry writes e as X-CONTACTSYNC-EXTRA[;X-FORMAT=f];X-NAME="name"[;ENCODING=b]:value
// (the encoding is in the package doc), from which the reader restores
// Name, Value and Format exactly.
func (cw *cardWriter) carry(b []byte, e contact.Extra) []byte {
	start := len(b)
	b = append(b, foreignName...)
	if !isOwn(e) {
		b = append(b, ";X-FORMAT="...)
		if isToken(e.Format) {
			b = append(b, e.Format...)
		} else {
			b = append(append(append(b, '"'), encodeParam(e.Format)...), '"')
		}
	}
	b = append(append(append(b, `;X-NAME="`...), encodeParam(e.Name)...), '"')
	if textSafe(e.Value) {
		b = appendEscape(append(b, ':'), e.Value)
	} else {
		b = append(b, ";ENCODING=b:"...)
		b = base64.StdEncoding.AppendEncode(b, []byte(e.Value))
	}
	return cw.end(b, start)
}

// isToken reports whether s can be an unquoted parameter value that needs
// no decoding: letters, digits, '-' and '_'.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isNameByte(s[i]) {
			return false
		}
	}
	return s != ""
}

// textSafe reports whether s survives vCard text escaping unchanged: valid
// UTF-8 with no control character other than tab and line feed.
func textSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' && c != '\n' || c == 0x7F {
			return false
		}
	}
	return utf8.ValidString(s)
}

// convert adapts a kept 3.0-style name with parameters to the output
// version: for 4.0, TYPE=pref becomes PREF=1 and ENCODING=b is dropped (the
// value becomes a data: URI, see dataURI).
func (cw *cardWriter) convert(f string) string {
	if !cw.v4 {
		return f
	}
	h, _, _, msg := parseHeader(f + ":")
	if msg != "" {
		return f
	}
	changed := false
	var ps []param
	pref := false
	for _, p := range h.Params {
		switch {
		case strings.EqualFold(p.Name, "ENCODING"):
			changed = true
			continue
		case strings.EqualFold(p.Name, "TYPE"):
			var vals []string
			for _, v := range p.Values {
				if strings.EqualFold(v, "pref") {
					pref, changed = true, true
					continue
				}
				vals = append(vals, v)
			}
			if len(vals) == 0 {
				continue
			}
			p.Values = vals
		case strings.EqualFold(p.Name, "PREF"):
			pref = false // keep the explicit one
		}
		ps = append(ps, p)
	}
	if !changed {
		return f
	}
	if pref {
		if _, ok := h.paramValue("PREF"); !ok {
			ps = append(ps, param{Name: "PREF", Values: []string{"1"}})
		}
	}
	pr := prop{header: header{Group: h.Group, Name: h.Name, Params: ps}}
	return pr.form()
}

// dataURI turns a base64 value (ENCODING=b) into a data: URI for vCard 4.0.
func (cw *cardWriter) dataURI(h header, value string) string {
	if !cw.v4 {
		return value
	}
	enc, _ := h.paramValue("ENCODING")
	if !strings.EqualFold(enc, "b") {
		return value
	}
	mt := "application/octet-stream"
	if t := h.types(); len(t) > 0 && t[0] != "" {
		if strings.Contains(t[0], "/") {
			mt = t[0]
		} else {
			mt = "image/" + t[0]
		}
	}
	return "data:" + mt + ";base64," + value
}
