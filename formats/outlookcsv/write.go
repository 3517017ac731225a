package outlookcsv

import (
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// Write writes contacts as Outlook CSV. layout is the file the contacts came
// from (nil: a fresh Outlook 92-column layout in opt.Locale). With a layout,
// the output keeps exactly the layout's columns (same names, same order,
// same dialect/locale, same delimiter) plus nothing lost: every Outlook CSV
// Extra whose name is not a layout column, every canonical value the layout
// has no column for, and the sync key when the layout lacks the key column,
// are appended as extra columns (named in the layout's language).
//
// Extras another format read (a vCard property, a PST tag, a CRM column)
// are never appended: those with an Outlook column go into it, the others
// are left out (see foreign.go for the table; WriteReport counts them).
//
// The output is Windows-1252 when every character fits, else UTF-8 with a
// BOM; enc says which (formats' names) and EncodingReason(enc) why.
func Write(w io.Writer, contacts []contact.Contact, layout *File, opt Options) (enc string, err error) {
	res, err := WriteReport(w, contacts, layout, opt)
	return res.Encoding, err
}

// WriteFile writes the CSV to path atomically (temporary file, fsync, rename).
func WriteFile(path string, contacts []contact.Contact, layout *File, opt Options) (enc string, err error) {
	res, err := WriteFileReport(path, contacts, layout, opt)
	return res.Encoding, err
}

// WriteResult tells what a write did besides writing.
type WriteResult struct {
	// Encoding is formats.Windows1252 or formats.UTF8BOM; EncodingReason
	// says why.
	Encoding string
	// Mapped counts the values of other formats written into the Outlook
	// column that holds the same thing (a vCard X-MS-SPOUSE into Spouse).
	Mapped int
	// Dropped counts the values of other formats left out because no
	// column of the layout holds them (a vCard PHOTO, a PST display name),
	// and DroppedNames lists their Extra names, each once, in the order
	// first met.
	Dropped      int
	DroppedNames []string
}

// WriteReport is Write that also reports what became of other formats'
// values.
func WriteReport(w io.Writer, contacts []contact.Contact, layout *File, opt Options) (WriteResult, error) {
	wr, err := NewWriter(w, layout, opt)
	if err != nil {
		return WriteResult{}, err
	}
	return writeAll(wr, contacts)
}

// WriteFileReport is WriteFile that also reports what became of other
// formats' values. The CSV is streamed into the temporary file, never held
// whole in memory.
func WriteFileReport(path string, contacts []contact.Contact, layout *File, opt Options) (WriteResult, error) {
	wr, err := Create(path, layout, opt)
	if err != nil {
		return WriteResult{}, err
	}
	return writeAll(wr, contacts)
}

func writeAll(w *Writer, contacts []contact.Contact) (WriteResult, error) {
	defer w.Abort()
	for i := range contacts {
		if err := w.Write(&contacts[i]); err != nil {
			return WriteResult{}, err
		}
	}
	if err := w.Close(); err != nil {
		return WriteResult{}, err
	}
	return w.Result(), nil
}

// EncodingReason says why Write chose enc.
func EncodingReason(enc string) string {
	if enc == formats.Windows1252 {
		return "every character fits Windows-1252, the code page Outlook reads CSV in"
	}
	return "some characters do not fit Windows-1252 (or their Windows-1252 bytes would read as UTF-8), so UTF-8 with a byte-order mark (which Outlook recognises)"
}

// sink is what cellWriter writes each record to.
type sink interface {
	Write(p []byte) (int, error)
}

// ascii reports whether b is all ASCII, eight bytes at a time.
func ascii(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// newEncoder makes the encoder for layout; the columns to append are
// learnt as the records come (fill).
func newEncoder(layout *File, opt Options) (*encoder, error) {
	var header []string
	delim, loc, forced := ',', opt.Locale, ""
	if layout != nil {
		header, delim, loc, forced = layout.Header, layout.Delimiter, layout.Locale, layout.Locale
		if delim == 0 {
			delim = ','
		}
	} else {
		if loc == "" {
			loc = "en"
		}
		if locales[loc] == nil {
			return nil, fmt.Errorf("unknown Outlook locale %q (use en, de, fr, es, it, nl or pt)", opt.Locale)
		}
		header, forced = freshHeader(loc), loc
	}
	df := opt.DateFormat
	if df == "" && layout != nil {
		df = layout.DateFormat // the layout's own, also when inferred from its dates
	}
	s, err := newSchema(header, opt.KeyColumn, df, forced)
	if err != nil {
		return nil, err
	}
	e := &encoder{s: s, loc: loc, header: header, delim: byte(delim), extraCol: map[string]int{}, byCol: make([]int, len(englishColumns))}
	for i := range e.byCol {
		e.byCol[i] = -1
	}
	for i, c := range s.cols {
		if c.kind == kSimple {
			e.simple = append(e.simple, simpleCol{i, c.field})
		}
	}
	for i := len(s.cols) - 1; i >= 0; i-- {
		if c := s.cols[i]; c.col >= 0 && c.kind == kUnmapped {
			e.byCol[c.col] = i
		}
	}
	e.row = make([]string, len(s.cols))
	return e, nil
}

type encoder struct {
	s          *schema
	loc        string
	header     []string
	delim      byte
	row        []string // layout cells, then appended cells
	orig       []string // the original row rebuilt from shadows
	extraNames []string // appended columns, in order of first need
	extraCol   map[string]int
	missed     bool  // fill learnt an appended column: run it again
	byCol      []int // per English column, the layout's unmapped column of it; -1: none
	simple     []simpleCol
	res        WriteResult
	dropped    map[string]bool // names in res.DroppedNames
}

// simpleCol is a column that holds a canonical field's value as it is.
type simpleCol struct {
	col   int
	field contact.Field
}

// overflow records value v for appended column name. A name no record
// needed before is learnt: the row is then a cell short, and fill says so
// (missed) to be run again.
func (e *encoder) overflow(name, v string) {
	if v == "" {
		return
	}
	i, ok := e.extraCol[name]
	if !ok {
		i = len(e.s.cols) + len(e.extraNames)
		e.extraCol[name] = i
		e.extraNames = append(e.extraNames, name)
		e.missed = true
		return
	}
	if i < len(e.row) {
		e.row[i] = v
	}
}

// fieldName is the appended column's name for a field the layout lacks.
func (e *encoder) fieldName(f contact.Field) string {
	if c := fieldCol[f]; c >= 0 {
		if strings.HasPrefix(e.s.dialect, "google") {
			return englishColumns[c]
		}
		return columnName(e.loc, c)
	}
	return f.String()
}

// fill computes the cells of c into e.row, learning the appended columns
// c needs; when it learnt one (missed), the row lacks its cells and fill
// is run again (see Writer.Write).
func (e *encoder) fill(c *contact.Contact) {
	s := e.s
	n := len(s.cols)
	want := n + len(e.extraNames)
	if cap(e.row) < want {
		e.row = make([]string, want)
	}
	e.row = e.row[:want]
	clear(e.row)
	row := e.row
	for _, sc := range e.simple {
		row[sc.col] = c.Values[sc.field]
	}
	// Extras: into their column, or appended. Shadows are collected for
	// the groups.
	var shadows []int
	foreign := false
	for _, x := range c.Extra {
		if !own(x) {
			foreign = true
			continue
		}
		i, ok := s.byName[x.Name]
		if !ok {
			e.overflow(x.Name, x.Value)
			continue
		}
		switch s.cols[i].kind {
		case kUnmapped:
			row[i] = x.Value
		case kGroup:
			shadows = append(shadows, i)
		default:
			e.overflow(x.Name, x.Value) // a value for a mapped column: keep it beside
		}
	}
	if s.keyIdx >= 0 {
		if strings.HasPrefix(c.Key, KeyPrefix) {
			row[s.keyIdx] = c.Key
		}
	} else if strings.HasPrefix(c.Key, KeyPrefix) {
		e.overflow(s.keyName, c.Key)
	}
	if foreign {
		for _, x := range c.Extra {
			if !own(x) && x.Value != "" {
				e.foreign(x)
			}
		}
	}
	for gi, g := range s.groups {
		var orig []string
		if len(shadows) > 0 {
			orig = e.rebuild(c, g, gi)
		}
		if orig != nil {
			var v contact.Values
			g.decode(orig, &v)
			if g.same(&v, &c.Values) {
				for _, i := range g.all {
					row[i] = orig[i]
				}
				continue
			}
		}
		for _, f := range g.encode(&c.Values, orig, row) {
			e.overflow(e.fieldName(f), c.Values[f])
		}
	}
	for f := range contact.NumFields {
		if !s.hasField[f] && c.Values[f] != "" {
			e.overflow(e.fieldName(contact.Field(f)), c.Values[f])
		}
	}
}

// foreign puts a value of another format into the Outlook column that
// holds the same thing, if the layout has it and the cell is free (an
// Outlook CSV value or the sync key already there wins); else it is left
// out and counted; no column is appended for it.
func (e *encoder) foreign(x contact.Extra) {
	col, cell, ok, hint := foreignCell(x, e.s)
	if hint {
		return
	}
	if ok {
		i := e.byCol[col]
		if i == e.s.keyIdx && strings.HasPrefix(cell, KeyPrefix) {
			i = -1 // it would read back as the sync key
		}
		if i >= 0 && (e.row[i] == "" || e.row[i] == cell) {
			e.row[i] = cell
			e.res.Mapped++
			return
		}
	}
	e.res.Dropped++
	if !e.dropped[x.Name] {
		if e.dropped == nil {
			e.dropped = map[string]bool{}
		}
		e.dropped[x.Name] = true
		e.res.DroppedNames = append(e.res.DroppedNames, x.Name)
	}
}

// rebuild returns the original cells of group g from c's shadows, or nil
// when c has none for it.
func (e *encoder) rebuild(c *contact.Contact, g *group, gi int) []string {
	found := false
	for _, x := range c.Extra {
		if !own(x) {
			continue
		}
		if i, ok := e.s.byName[x.Name]; ok && e.s.cols[i].kind == kGroup && e.s.cols[i].group == gi {
			if !found {
				if len(e.orig) < len(e.s.cols) {
					e.orig = make([]string, len(e.s.cols))
				}
				for _, j := range g.all {
					e.orig[j] = ""
				}
				found = true
			}
			e.orig[i] = x.Value
		}
	}
	if !found {
		return nil
	}
	return e.orig
}

// cellWriter writes CSV the way Outlook does: CRLF line ends, every
// non-empty cell in double quotes with quotes doubled and line breaks as
// CRLF, empty cells bare. A record is built in buf and written to w whole.
type cellWriter struct {
	w     sink
	buf   []byte
	delim byte
	n     int
	wrote bool // the current record has a non-empty cell
	// quoteEmpty writes empty cells as "" too.
	quoteEmpty bool
}

func (w *cellWriter) cell(v string) {
	if w.n > 0 {
		w.buf = append(w.buf, w.delim)
	}
	w.n++
	if v == "" && !w.quoteEmpty {
		return
	}
	w.wrote = true
	w.buf = appendQuoted(w.buf, v)
}

// row appends the cells of a record: cell for each, without a call for
// an empty one (most of a row's).
func (w *cellWriter) row(cells []string) {
	if w.quoteEmpty {
		for _, v := range cells {
			w.cell(v)
		}
		return
	}
	b := w.buf
	for k, v := range cells {
		if k > 0 || w.n > 0 {
			b = append(b, w.delim)
		}
		if v != "" {
			w.wrote = true
			b = appendQuoted(b, v)
		}
	}
	w.buf = b
	w.n += len(cells)
}

// quotedSpecial marks the bytes a quoted cell writes otherwise: a quote
// (doubled) and a line feed (a CRLF).
var quotedSpecial = [256]bool{'"': true, '\n': true}

// appendQuoted appends v in quotes, its quotes doubled and its line breaks
// CRLF (a CR already before a line feed is that break's). Most values hold
// neither a quote nor a line break and are copied whole.
func appendQuoted(b []byte, v string) []byte {
	b = append(b, '"')
	i := 0
	for i < len(v) && !quotedSpecial[v[i]] {
		i++
	}
	if i == len(v) {
		b = append(b, v...)
		return append(b, '"')
	}
	start := 0
	for ; i < len(v); i++ {
		switch v[i] {
		case '"':
			b = append(b, v[start:i+1]...)
			b = append(b, '"')
			start = i + 1
		case '\n':
			b = append(b, v[start:i]...)
			if i > 0 && v[i-1] == '\r' {
				b = append(b, '\n')
			} else {
				b = append(b, "\r\n"...)
			}
			start = i + 1
		}
	}
	b = append(b, v[start:]...)
	return append(b, '"')
}

// end ends the record and writes it. A record of one empty cell is
// written `""`: an empty line is no record to a CSV reader, so the row
// would be lost.
func (w *cellWriter) end() {
	if w.n == 1 && !w.wrote {
		w.buf = append(w.buf, `""`...)
	}
	w.buf = append(w.buf, "\r\n"...)
	w.w.Write(w.buf)
	w.buf, w.n, w.wrote = w.buf[:0], 0, false
}
