// Package csvscan reads RFC 4180 CSV as encoding/csv does, but hands out
// each record as byte slices into a buffer it reuses instead of allocating
// strings, and scans whole buffers a line at a time rather than through
// bufio and a copy of every line.
//
// The semantics are encoding/csv's with LazyQuotes, TrimLeadingSpace and
// Comment unset (the options contactsync's readers never set): the same
// records, the same errors (*csv.ParseError with csv.ErrQuote,
// csv.ErrBareQuote or csv.ErrFieldCount, at the same line and byte
// column), the same FieldPos and InputOffset. CR LF is read as LF, also
// inside quoted fields; a CR that ends the input is dropped; empty lines
// are skipped; the last line needs no line break. FuzzDifferential
// holds it to encoding/csv on every input.
//
// The delimiter is one byte (',', ';', tab, ...): the readers detect one of
// those three, and a multi-byte rune would cost every scan for nothing.
package csvscan

import (
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"io"
	"math/bits"
	"unsafe"
)

// The errors of encoding/csv, which Read returns in a *csv.ParseError.
var (
	ErrBareQuote  = csv.ErrBareQuote
	ErrQuote      = csv.ErrQuote
	ErrFieldCount = csv.ErrFieldCount
)

// errInvalidDelim is encoding/csv's answer to a delimiter it cannot use.
var errInvalidDelim = errors.New("csv: invalid field or comment delimiter")

// bufSize is the first size of the buffer; it grows to hold the longest
// record. Tests make it small, to run the scans at the buffer's end.
var bufSize = 64 << 10

// A Reader reads records from CSV input.
type Reader struct {
	// Comma is the field delimiter, ',' by NewReader. It must not be 0,
	// '"', '\r', '\n' or a byte of a multi-byte UTF-8 sequence (>= 0x80).
	Comma byte

	// FieldsPerRecord as in encoding/csv: positive, the number of fields
	// every record must have; 0, set by the first record; negative, no
	// check.
	FieldsPerRecord int

	src io.Reader
	buf []byte
	r   int   // buf[r:w] is read from src and not yet consumed
	w   int   // the end of what was read
	rs  int   // start of the current record in buf: kept when the buffer is refilled
	err error // what the last fill returned (io.EOF at the end)

	numLine int
	recLine int // the line the record last read starts on
	offset  int64

	// bounds holds, per field, the span of its text, relative
	// to rs. A quoted field's text starts after its quote and is
	// unescaped in place: its opening quote stays (no field writes before
	// its own text), which tells FieldPos it is quoted.
	bounds []span
	// lines are where the record's lines after its first start, relative
	// to rs: FieldPos counts from them.
	lines  []int
	fields [][]byte
	filled []uint64 // see Filled
	// plain is the length of the record last read when it is plain (see
	// Plain), else -1.
	plain int
}

// setBit sets bit k of the bitmap b, which grows to hold it.
func setBit(b []uint64, k int) []uint64 {
	for len(b) <= k>>6 {
		b = append(b, 0)
	}
	b[k>>6] |= 1 << (k & 63)
	return b
}

// NewReader returns a Reader of r, with ',' as delimiter.
func NewReader(r io.Reader) *Reader {
	return &Reader{Comma: ',', src: r}
}

// Read reads one record. The fields are slices of a buffer the next Read
// reuses: copy what is kept. Its results are encoding/csv's Read's: a
// record with the wrong number of fields comes with a *csv.ParseError of
// csv.ErrFieldCount, a record that cannot be parsed with the fields read
// before the error, and the end of the input is io.EOF.
func (r *Reader) Read() ([][]byte, error) {
	err := r.readRecord()
	if err == io.EOF {
		return nil, err
	}
	r.fields = r.fields[:0]
	rec := r.buf[r.rs:]
	for _, f := range r.bounds {
		s, e := f.s, f.e
		r.fields = append(r.fields, rec[s:e:e])
	}
	return r.fields, err
}

// ReadStrings is Read with the fields as strings that stay valid. They
// share one allocation a record, as encoding/csv's do, of the record's
// text from its first field to its last with the delimiters and quotes
// between them: one copy a record rather than one a field. The slice is
// dst's array when it is large enough.
func (r *Reader) ReadStrings(dst []string) ([]string, error) {
	err := r.readRecord()
	if err == io.EOF {
		return nil, err
	}
	all := ""
	if n := len(r.bounds); n > 0 {
		all = string(r.buf[r.rs+r.bounds[0].s : r.rs+r.bounds[n-1].e])
	}
	return r.strings(dst, all), err
}

// ReadViews is Read with the fields as strings that are views of the
// reused buffer: they hold what Read's bytes hold, valid until the next
// Read, for a caller that copies what it keeps (as a string pool does).
// Nothing else may keep them.
func (r *Reader) ReadViews(dst []string) ([]string, error) {
	err := r.readRecord()
	if err == io.EOF {
		return nil, err
	}
	all := ""
	if n := len(r.bounds); n > 0 && r.bounds[n-1].e > r.bounds[0].s {
		all = unsafe.String(&r.buf[r.rs+r.bounds[0].s], r.bounds[n-1].e-r.bounds[0].s)
	}
	return r.strings(dst, all), err
}

// Text returns the text of the record last read, from its first field's
// text to its last field's end, as a view of the reused buffer like
// ReadViews' fields: every field's text is in it, and nothing but those
// and the delimiters, quotes and line breaks between them, or bytes of
// the record's own text that a quoted field was unescaped over. So a
// byte that no field holds is in it only when the record's input held it
// (a reader looks for control characters in the record at once).
func (r *Reader) Text() string {
	n := len(r.bounds)
	if n == 0 || r.bounds[n-1].e <= r.bounds[0].s {
		return ""
	}
	return unsafe.String(&r.buf[r.rs+r.bounds[0].s], r.bounds[n-1].e-r.bounds[0].s)
}

// strings slices all, the record's text from its first field's start,
// into fields.
func (r *Reader) strings(dst []string, all string) []string {
	n := len(r.bounds)
	if cap(dst) < n {
		dst = make([]string, n)
	}
	dst = dst[:n]
	if n == 0 {
		r.filled = r.filled[:0]
		return dst
	}
	// The fields lie within all, in order (parse made them so): each is
	// made from its bounds without slicing all, whose checks cost more
	// than the rest of a field of a sparse record (an Outlook export's 92
	// columns, most of them empty).
	b := r.bounds[:len(dst)]
	base := unsafe.Pointer(unsafe.StringData(all))
	lo := b[0].s
	if len(all) != b[n-1].e-lo {
		// Never (all is the record's text); sliced, to be safe.
		r.filled = r.filled[:0]
		for k, f := range b {
			dst[k] = all[f.s-lo : f.e-lo]
			if f.e > f.s {
				r.filled = setBit(r.filled, k)
			}
		}
		return dst
	}
	words := (n + 63) >> 6
	if cap(r.filled) < words {
		r.filled = make([]uint64, words)
	}
	r.filled = r.filled[:words]
	clear(r.filled)
	for k, f := range b {
		if f.e == f.s {
			// Empty: no pointer (an empty field at the end of all
			// would point past it, which the collector must not see).
			// Stored only when dst holds another value: the same
			// fields of a sparse export are empty record after record
			// (an Outlook export's 92 columns, most of them empty), and
			// a store of a pointer in dst, on the heap, is a write
			// barrier's while the collector runs.
			if len(dst[k]) != 0 {
				dst[k] = ""
			}
			continue
		}
		r.filled[k>>6] |= 1 << (k & 63)
		dst[k] = unsafe.String((*byte)(unsafe.Add(base, f.s-lo)), f.e-f.s)
	}
	return dst
}

// Filled returns the fields of the record last read by ReadViews or
// ReadStrings that are not empty, as a bitmap (bit k&63 of word k>>6 is
// field k) valid until the next read: a reader of records of many
// columns, most of them empty, looks at the others only.
func (r *Reader) Filled() []uint64 { return r.filled }

// Plain returns the input text of the record last read, without its line
// break, when the record is plain: one line, each field either empty
// (nothing between its delimiters) or quoted, not empty and without a
// quote inside. Such a text is its fields' values joined by Comma, each
// value that is not empty in quotes: what a writer that quotes every
// value that is not empty, and no empty one, writes of them. ok is false
// for any other record. The text is a view of the reused buffer, valid
// until the next Read, like ReadViews' fields.
func (r *Reader) Plain() (text string, ok bool) {
	if r.plain < 0 {
		return "", false
	}
	if r.plain == 0 {
		return "", true // never: an empty line is no record
	}
	return unsafe.String(&r.buf[r.rs], r.plain), true
}

// FieldSpan returns where the text of field i of the record last read is
// in the record's text (Plain's, when the record is plain): from s to e,
// a quoted field's quotes not included. It panics when i is out of range.
func (r *Reader) FieldSpan(i int) (s, e int) {
	f := r.bounds[i]
	return f.s, f.e
}

// FieldPos returns the line and the byte column (both from 1) where field
// i of the record last read starts: its opening quote when it is quoted.
// It panics when i is out of range, as encoding/csv's does.
func (r *Reader) FieldPos(i int) (line, column int) {
	if i < 0 || i >= len(r.bounds) {
		panic("out of range index passed to FieldPos")
	}
	at, start := r.bounds[i].s, 0
	if at > 0 && (i == 0 || r.buf[r.rs+at-1] == '"') {
		at-- // a quoted field starts at its quote
	}
	line = r.recLine
	for k, s := range r.lines {
		if s > at {
			break
		}
		line, start = r.recLine+k+1, s
	}
	return line, at - start + 1
}

// InputOffset returns the offset in the input of the end of the record
// last read: where the next one starts.
func (r *Reader) InputOffset() int64 { return r.offset }

// fill reads more input into buf, keeping buf[rs:], which may move down.
func (r *Reader) fill() {
	if r.buf == nil {
		r.buf = make([]byte, bufSize)
	}
	if r.rs > 0 && len(r.buf)-r.w < len(r.buf)/2 {
		shift := r.rs
		copy(r.buf, r.buf[r.rs:r.w])
		r.r -= shift
		r.w -= shift
		r.rs = 0
	}
	if r.w == len(r.buf) {
		nb := make([]byte, 2*len(r.buf))
		copy(nb, r.buf[:r.w])
		r.buf = nb
	}
	for range 100 {
		n, err := r.src.Read(r.buf[r.w:])
		if n < 0 || n > len(r.buf)-r.w {
			n, err = 0, errors.New("csvscan: reader returned an invalid count")
		}
		r.w += n
		if err != nil {
			r.err = err
			return
		}
		if n > 0 {
			return
		}
	}
	r.err = io.ErrNoProgress
}

// span is where a field's text starts and ends in the buffer, relative to
// the start of its record.
type span struct{ s, e int }

// line is one line of input in buf: its text buf[s:e] without the line
// break (a CR before it dropped, as the CR ending the input), and nl when
// it ended with "\n".
type line struct {
	s, e int
	nl   bool
}

// size is the length of the line as encoding/csv sees it, "\n" included.
func (l line) size() int {
	if l.nl {
		return l.e - l.s + 1
	}
	return l.e - l.s
}

// readLine consumes the next line, as encoding/csv's readLine: a line is
// counted even when nothing is left; err is io.EOF only when no byte was
// left, and an error of the input comes with the bytes read before it.
// The line's offsets may move the bytes before it (fill): the caller
// keeps offsets relative to rs.
func (r *Reader) readLine() (line, error) {
	scan := r.r
	for {
		if i := bytes.IndexByte(r.buf[scan:r.w], '\n'); i >= 0 {
			end := scan + i + 1
			l := line{s: r.r, e: end - 1, nl: true}
			if l.e > l.s && r.buf[l.e-1] == '\r' {
				l.e--
			}
			r.offset += int64(end - r.r)
			r.r = end
			r.numLine++
			return l, nil
		}
		if r.err != nil {
			l := line{s: r.r, e: r.w}
			err := r.err
			if l.e > l.s && err == io.EOF {
				err = nil
				if r.buf[l.e-1] == '\r' {
					l.e--
				}
			}
			r.offset += int64(r.w - r.r)
			r.r = r.w
			r.numLine++
			return l, err
		}
		scanned := r.w - r.r
		r.fill()
		scan = r.r + scanned
	}
}

func (r *Reader) readRecord() error {
	if r.Comma == 0 || r.Comma == '"' || r.Comma == '\r' || r.Comma == '\n' || r.Comma >= 0x80 {
		return errInvalidDelim
	}
	r.bounds, r.lines = r.bounds[:0], r.lines[:0]
	r.plain = -1
	var l line
	var errRead error
	for errRead == nil {
		r.rs = r.r
		l, errRead = r.readLine()
		if errRead == nil && l.e == l.s {
			continue // an empty line
		}
		break
	}
	if errRead == io.EOF {
		return errRead
	}
	r.recLine = r.numLine
	err, errRead := r.parse(l, errRead)
	if err == nil {
		err = errRead
	}
	if err != nil {
		r.plain = -1
	}
	n := len(r.bounds)
	if r.FieldsPerRecord > 0 {
		if n != r.FieldsPerRecord && err == nil {
			err = &csv.ParseError{StartLine: r.recLine, Line: r.recLine, Column: 1, Err: ErrFieldCount}
		}
	} else if r.FieldsPerRecord == 0 {
		r.FieldsPerRecord = n
	}
	return err
}

// cursor is where parse is: at p on line l (number lineNo, which starts
// at ls for columns), reading a record that started on line recLine;
// errRead is the input's error that came with l.
type cursor struct {
	p       int
	l       line
	lineNo  int
	ls      int
	recLine int
	errRead error
}

// col is the byte column of offset p.
func (c *cursor) col(p int) int { return p - c.ls + 1 }

// parse reads the fields of the record that starts with line l (read with
// errRead), into bounds and pos. It returns the record's syntax error, and
// the error of the input, if any.
func (r *Reader) parse(l line, errRead error) (error, error) {
	c := cursor{p: l.s, l: l, lineNo: r.numLine, ls: l.s, recLine: r.numLine, errRead: errRead}
	comma := r.Comma
	// plain: every field so far is empty or quoted without a quote inside
	// and not empty (see Plain); only the first line's fields can be.
	plain := true
	for {
		// The fields on c's line, held in locals; a quoted field that
		// goes on past its line or holds a doubled quote is quoted's.
		buf, p, e, rs, b := r.buf, c.p, c.l.e, r.rs, r.bounds
		for {
			if p < e && buf[p] == comma {
				// An empty field: the usual one of a sparse row.
				b = append(b, span{p - rs, p - rs})
				p++
				continue
			}
			if p == e || buf[p] != '"' {
				// Not quoted: to the delimiter or the line's end, and no
				// quote in it.
				fe := scanField(buf, p, e, comma)
				if fe < e && buf[fe] == '"' {
					r.bounds = b
					return &csv.ParseError{StartLine: c.recLine, Line: r.numLine, Column: c.col(fe), Err: ErrBareQuote}, c.errRead
				}
				b = append(b, span{p - rs, fe - rs})
				plain = plain && fe == p
				if fe == e {
					r.bounds = b
					if plain {
						r.plain = e - rs
					}
					return nil, c.errRead
				}
				p = fe + 1
				continue
			}
			if q := indexQuote(buf, p+1, e); q >= 0 && (q+1 == e || buf[q+1] == comma) {
				// Quoted, and closed on its line without a doubled quote.
				b = append(b, span{p + 1 - rs, q - rs})
				plain = plain && q > p+1
				if q+1 == e {
					r.bounds = b
					if plain {
						r.plain = e - rs
					}
					return nil, c.errRead
				}
				p = q + 2
				continue
			}
			break
		}
		r.bounds, c.p = b, p
		plain = false
		if more, err := r.quoted(&c); !more {
			return err, c.errRead
		}
	}
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// zeros marks the first byte of x that is 0 (and maybe bytes after it)
// with its high bit.
func zeros(x uint64) uint64 { return (x - ones) &^ x & highs }

// scanField returns where the first delimiter or quote of buf[p:e] is, e
// when there is none. It looks at 8 bytes at a time, reading past e when
// buf has the bytes.
func scanField(buf []byte, p, e int, comma byte) int {
	cs, qs := ones*uint64(comma), uint64(ones*'"')
	for p < e && p+8 <= len(buf) {
		x := binary.LittleEndian.Uint64(buf[p:])
		if m := zeros(x^cs) | zeros(x^qs); m != 0 {
			return min(e, p+bits.TrailingZeros64(m)>>3)
		}
		p += 8
	}
	for p < e && buf[p] != comma && buf[p] != '"' {
		p++
	}
	return min(p, e)
}

// indexQuote returns where the first quote of buf[p:e] is, -1 when there
// is none: 8 bytes at a time for a short field, bytes.IndexByte past 32.
func indexQuote(buf []byte, p, e int) int {
	qs := uint64(ones * '"')
	k := p
	for ; k < e && k < p+32 && k+8 <= len(buf); k += 8 {
		if m := zeros(binary.LittleEndian.Uint64(buf[k:]) ^ qs); m != 0 {
			if i := k + bits.TrailingZeros64(m)>>3; i < e {
				return i
			}
			return -1
		}
	}
	if k >= e {
		return -1
	}
	if i := bytes.IndexByte(buf[k:e], '"'); i >= 0 {
		return k + i
	}
	return -1
}

// quoted reads the quoted field whose opening quote is at c.p. Its text is
// unescaped in place ("" to ", CR LF to LF), from just after the opening
// quote. more says that another field follows on c's line, at c.p.
func (r *Reader) quoted(c *cursor) (more bool, err error) {
	p := c.p + 1
	start := p - r.rs
	wp := start // where the next byte of the text goes, relative to rs
	for {
		buf, l := r.buf, c.l
		if i := indexQuote(buf, p, l.e); i >= 0 {
			i -= p
			if o := r.rs + wp; o != p {
				copy(buf[o:], buf[p:p+i])
			}
			wp += i
			p += i + 1
			switch {
			case p < l.e && buf[p] == '"':
				buf[r.rs+wp] = '"'
				wp++
				p++
				continue
			case p < l.e && buf[p] == r.Comma:
				r.bounds = append(r.bounds, span{start, wp})
				c.p = p + 1
				return true, nil
			case p == l.e:
				r.bounds = append(r.bounds, span{start, wp})
				return false, nil
			default:
				return false, &csv.ParseError{StartLine: c.recLine, Line: r.numLine, Column: c.col(p) - 1, Err: ErrQuote}
			}
		}
		if p < l.e || l.nl {
			// The line ends inside the field: its text and a "\n".
			if o := r.rs + wp; o != p {
				copy(buf[o:], buf[p:l.e])
			}
			wp += l.e - p
			if l.nl {
				buf[r.rs+wp] = '\n'
				wp++
			}
			if c.errRead != nil {
				return false, nil
			}
			endCol := c.col(l.e)
			if l.nl {
				endCol++
			}
			c.l, c.errRead = r.readLine()
			p = c.l.s
			if c.l.size() > 0 {
				c.lineNo++
				c.ls = p
				r.lines = append(r.lines, p-r.rs)
			} else {
				c.ls = p - endCol + 1 // the column stays where the last line ended
			}
			if c.errRead == io.EOF {
				c.errRead = nil
			}
			continue
		}
		// The input ends inside the field.
		if c.errRead == nil {
			return false, &csv.ParseError{StartLine: c.recLine, Line: c.lineNo, Column: c.col(p), Err: ErrQuote}
		}
		r.bounds = append(r.bounds, span{start, wp})
		return false, nil
	}
}
