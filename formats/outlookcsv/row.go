package outlookcsv

import (
	"reflect"
	"strings"

	"contactsync/engine/contact"
)

// A record that a Writer would write back exactly as it was read need not
// be encoded again: the Writer copies its text (WriteRead). A second
// cycle writes an export made by the first one's outputs, whose records
// are almost all such; a first cycle gives every record its sync key,
// which is spliced into the text.

// Row is the text of a record as a Reader read it (Reader.Row), when the
// Writer of the reader's layout writes that record, unchanged, as exactly
// that text and a line break. The zero Row is none.
type Row struct {
	text   string  // the record's line, without its line break
	s      *schema // the schema the record was read in
	n      int32   // its cells: the header's
	ks, ke int32   // the key's cell in text, quotes included; ks -1: none
}

// OK reports whether r is a record's text (not the zero Row).
func (r Row) OK() bool { return r.s != nil }

// Text is the record's text.
func (r Row) Text() string { return r.text }

// WithText is r with its text t, a copy of r's (for a caller that keeps
// the text beyond the reader's next record).
func (r Row) WithText(t string) Row {
	if len(t) != len(r.text) {
		return Row{}
	}
	r.text = t
	return r
}

// Row returns the text of the record Next returned last when the Writer
// of this layout writes the record, unchanged, as exactly that text, else
// the zero Row. It is so when the record's text is plain (csvscan: one
// line, each cell empty or quoted and not empty, no quote inside, which
// is how the writer writes cells), it has a cell for every column of the
// header and none beyond (the writer writes every column and appends
// the cells beyond), its text holds no control character (a reader's
// caller drops them from the values), and no field has two sources (a
// column and a group), so that every cell is read as a value the writer
// writes back into the same cell: a simple column's value as it is, an
// unmapped column's Extra, the key, and each group's cells, which
// decode and encode back to themselves or are kept as they are (a
// shadow). The text is a view of the reader's buffer, valid until Next.
func (r *Reader) Row() Row {
	if r.controls || r.cr == nil {
		return Row{}
	}
	text, ok := r.cr.Plain()
	s := r.d.s
	if !ok || len(r.rec) != len(s.cols) || !r.d.plan().exclusive {
		return Row{}
	}
	row := Row{text: text, s: s, n: int32(len(s.cols)), ks: -1}
	if k := s.keyIdx; k >= 0 {
		st, e := r.cr.FieldSpan(k)
		if e > st {
			st, e = st-1, e+1 // the quotes
		}
		row.ks, row.ke = int32(st), int32(e)
	}
	return row
}

// WriteRead writes c, the record a Reader read as row (Reader.Row) with at
// most its Key changed, as Write does: by copying row's text, with the
// key's cell written again when the key changed, when row was read in
// this writer's schema; else by encoding c.
func (w *Writer) WriteRead(c *contact.Contact, row Row) error {
	if w.done || !row.OK() || !w.sameSchema(row.s) {
		return w.Write(c)
	}
	cw := &w.cw
	buf, ok := w.e.appendRow(cw.buf[:0], row, c.Key)
	if !ok {
		return w.Write(c)
	}
	// Every cell not empty is quoted: the row has one when its text is
	// more than its delimiters.
	cw.buf, cw.n, cw.wrote = buf, int(row.n), len(buf) > int(row.n)-1
	w.copied++
	return w.put()
}

// Copied returns the number of records WriteRead wrote by copying their
// text.
func (w *Writer) Copied() int { return w.copied }

// sameSchema reports whether s, a reader's schema, reads and writes the
// cells as the writer's does (remembered for the last s asked about).
func (w *Writer) sameSchema(s *schema) bool {
	if s != w.rowSchema {
		w.rowSchema, w.rowSame = s, reflect.DeepEqual(s, w.e.s)
	}
	return w.rowSame
}

// appendRow appends to dst the text the writer writes for a record read
// as row whose key is now key: row's text, with the key's cell written
// again when it changed. ok is false when the writer would write the row
// otherwise: the key goes to a column the layout lacks, or a key read
// from the key's cell was taken away.
func (e *encoder) appendRow(dst []byte, row Row, key string) ([]byte, bool) {
	keyed := strings.HasPrefix(key, KeyPrefix)
	if row.ks < 0 {
		// No key column: the reader read no key, and the writer appends
		// a column for one.
		return append(dst, row.text...), !keyed
	}
	old := row.text[row.ks:row.ke]
	if old != "" {
		old = old[1 : len(old)-1]
	}
	// The writer writes the key in its cell; else the cell's Extra (what
	// was read there, when it was no key).
	switch {
	case keyed && key == old, !keyed && !strings.HasPrefix(old, KeyPrefix):
		return append(dst, row.text...), true
	case !keyed:
		return dst, false
	}
	dst = append(dst, row.text[:row.ks]...)
	dst = appendQuoted(dst, key)
	return append(dst, row.text[row.ke:]...), true
}
