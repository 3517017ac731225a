package vcard

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
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
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := cardWriter{w: bw, v4: v4}
	for i := range contacts {
		cw.card(&contacts[i])
	}
	return bw.Flush()
}

// WriteFile writes the contacts to one .vcf file atomically.
// The cards are streamed into the temporary file, never held whole.
func WriteFile(path string, contacts []contact.Contact, opt Options) error {
	if _, err := opt.v4(); err != nil {
		return err
	}
	f, err := formats.CreateAtomic(path, 0o644)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := Write(f, contacts, opt); err != nil {
		return err
	}
	return f.Commit()
}

// WriteDir writes a vdir: one .vcf per contact in dir (created if needed),
// each written atomically. The file name is the contact's Key made safe
// for every file system; a contact without Key is named by a hash of its
// name, company and first e-mail. Other files in dir are left alone.
func WriteDir(dir string, contacts []contact.Contact, opt Options) error {
	if _, err := opt.v4(); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	used := map[string]bool{}
	for i := range contacts {
		name := FileName(&contacts[i])
		base := strings.TrimSuffix(name, ".vcf")
		for n := 2; used[strings.ToLower(name)]; n++ {
			name = fmt.Sprintf("%s-%d.vcf", base, n)
		}
		used[strings.ToLower(name)] = true
		if err := WriteFile(filepath.Join(dir, name), contacts[i:i+1], opt); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	return nil
}

// FileName is the vdir file name WriteDir uses for c (before making names
// unique): the Key with every character other than letters, digits, '-',
// '_', '.' and '@' replaced by '_', at most 100 bytes (longer keys, and keys
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
	if strings.HasPrefix(s, ".") {
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

type cardWriter struct {
	w  *bufio.Writer
	v4 bool
}

// line writes one content line, folded.
func (cw *cardWriter) line(s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		cw.w.WriteString(s[:cut])
		cw.w.WriteString("\r\n ")
		s = s[cut:]
		limit = 74
	}
	cw.w.WriteString(s)
	cw.w.WriteString("\r\n")
}

// escape applies vCard 3.0/4.0 text escaping to a value of the model.
func escape(s string) string {
	if strings.IndexAny(s, "\\,;\n\r") < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', ',', ';':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			b.WriteString(`\n`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// noBreaks makes sure a kept raw value holds no line break.
func noBreaks(s string) string {
	if strings.IndexAny(s, "\r\n") < 0 {
		return s
	}
	return strings.NewReplacer("\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

func (cw *cardWriter) card(c *contact.Contact) {
	carriers := map[string]string{}
	for _, e := range c.Extra {
		if isSlotCarrier(e) {
			carriers[e.Name[1:]] = e.Value
		}
	}
	// form returns the name and parameters for a slot: the carrier's if it
	// is a well-formed header of the expected property, else the default.
	form := func(slot, prop string) string {
		if f, ok := carriers[slot]; ok {
			if h, _, _, msg := parseHeader(f + ":"); msg == "" && strings.EqualFold(h.Name, prop) {
				return cw.convert(f)
			}
		}
		return defaultForm(slot, cw.v4)
	}
	v := &c.Values
	cw.line("BEGIN:VCARD")
	if cw.v4 {
		cw.line("VERSION:4.0")
	} else {
		cw.line("VERSION:3.0")
	}

	fn := defaultFN(c)
	if t, ok := carriers["FN.text"]; ok && carriers["FN.from"] == fn {
		fn = t
	}
	cw.line(form(slotFN, "FN") + ":" + escape(fn))

	n := escape(v[contact.Last]) + ";" + escape(v[contact.First]) + ";" + escape(v[contact.Middle]) + ";" +
		escape(v[contact.Prefix]) + ";" + escape(v[contact.Suffix])
	if r, ok := carriers["N.rest"]; ok {
		n += ";" + noBreaks(r)
	}
	cw.line(form(slotN, "N") + ":" + n)

	if v[contact.Company] != "" || v[contact.Department] != "" {
		org := escape(v[contact.Company])
		r, hasRest := carriers["ORG.rest"]
		if v[contact.Department] != "" || hasRest {
			org += ";" + escape(v[contact.Department])
		}
		if hasRest {
			org += ";" + noBreaks(r)
		}
		cw.line(form(slotORG, "ORG") + ":" + org)
	}
	if x := v[contact.JobTitle]; x != "" {
		cw.line(form(slotTITLE, "TITLE") + ":" + escape(x))
	}
	for _, f := range emailFields {
		if x := v[f]; x != "" {
			cw.line(form(f.String(), "EMAIL") + ":" + escape(x))
		}
	}
	for _, s := range telSlots {
		if x := v[s.field]; x != "" {
			cw.line(form(s.field.String(), "TEL") + ":" + escape(x))
		}
	}
	for _, a := range adrSlots {
		var parts [5]string
		any := false
		for k := range parts {
			parts[k] = v[a.street+contact.Field(k)]
			any = any || parts[k] != ""
		}
		pobox, hasBox := carriers[a.slot+".pobox"]
		ext, hasExt := carriers[a.slot+".extended"]
		rest, hasRest := carriers[a.slot+".rest"]
		if !any && !hasBox && !hasExt {
			continue
		}
		s := escape(pobox) + ";" + escape(ext)
		for _, p := range parts {
			s += ";" + escape(p)
		}
		if hasRest {
			s += ";" + noBreaks(rest)
		}
		cw.line(form(a.slot, "ADR") + ":" + s)
	}
	if x := v[contact.WebPage]; x != "" {
		cw.line(form(slotURL, "URL") + ":" + escape(x))
	}
	if x := v[contact.Notes]; x != "" {
		cw.line(form(slotNOTE, "NOTE") + ":" + escape(x))
	}
	if x := v[contact.Birthday]; x != "" {
		if cw.v4 {
			x = strings.Replace(strings.TrimPrefix(x, "--"), "-", "", -1)
			if len(x) == 4 {
				x = "--" + x
			}
		}
		cw.line(form(slotBDAY, "BDAY") + ":" + escape(x))
	}
	if cats := contact.SplitCategories(v[contact.Categories]); len(cats) > 0 {
		for i := range cats {
			cats[i] = escape(cats[i])
		}
		cw.line(form(slotCATEGORIES, "CATEGORIES") + ":" + strings.Join(cats, ","))
	}
	if c.Key != "" {
		cw.line(form(slotUID, "UID") + ":" + escape(c.Key))
	}
	if !c.Modified.IsZero() {
		cw.line(form(slotREV, "REV") + ":" + c.Modified.UTC().Format("20060102T150405Z"))
	}
	for _, e := range c.Extra {
		if isSlotCarrier(e) {
			continue
		}
		cw.extra(e)
	}
	cw.line("END:VCARD")
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
func (cw *cardWriter) extra(e contact.Extra) {
	if isOwn(e) && !strings.HasPrefix(e.Name, "=") {
		h, _, _, msg := parseHeader(e.Name + ":")
		up := h.upper()
		_, named := h.paramValue("X-NAME")
		native := msg == "" && up != "BEGIN" && up != "END" && up != "VERSION" &&
			!strings.ContainsAny(e.Name, "\r\n") &&
			!(up == foreignName && h.Group == "" && named) // would read back as a carrier
		if native {
			cw.line(cw.convert(e.Name) + ":" + cw.dataURI(h, noBreaks(e.Value)))
			return
		}
	}
	cw.carry(e)
}

// carry writes e as X-CONTACTSYNC-EXTRA[;X-FORMAT=f];X-NAME="name"[;ENCODING=b]:value
// (the encoding is in the package doc), from which the reader restores
// Name, Value and Format exactly.
func (cw *cardWriter) carry(e contact.Extra) {
	var b strings.Builder
	b.Grow(len(foreignName) + len(e.Name) + len(e.Value) + 32)
	b.WriteString(foreignName)
	if !isOwn(e) {
		b.WriteString(";X-FORMAT=")
		if isToken(e.Format) {
			b.WriteString(e.Format)
		} else {
			b.WriteByte('"')
			b.WriteString(encodeParam(e.Format))
			b.WriteByte('"')
		}
	}
	b.WriteString(`;X-NAME="`)
	b.WriteString(encodeParam(e.Name))
	b.WriteByte('"')
	if textSafe(e.Value) {
		b.WriteByte(':')
		b.WriteString(escape(e.Value))
	} else {
		b.WriteString(";ENCODING=b:")
		b.WriteString(base64.StdEncoding.EncodeToString([]byte(e.Value)))
	}
	cw.line(b.String())
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
