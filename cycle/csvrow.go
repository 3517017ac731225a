package cycle

import (
	"io"
	"unicode"
	"unicode/utf8"
)

// csvRows builds CSV rows the way encoding/csv's Writer writes them with
// its defaults (comma, LF line ends), byte for byte, into one buffer that
// goes to w once it holds csvFlushSize bytes: no string and no slice a
// cell, and a cell's bytes looked at once, in a table.
type csvRows struct {
	w     io.Writer
	buf   []byte
	cells int // of the row being built
	err   error
}

const csvFlushSize = 256 << 10

// csvQuoted marks the bytes that put a cell in quotes.
var csvQuoted = [256]bool{'\n': true, '\r': true, '"': true, ',': true}

// cell appends the cell v.
func (r *csvRows) cell(v string) { r.buf = appendCSVCell(r.buf, r.cellsThen(), v) }

// cellBytes appends the cell v.
func (r *csvRows) cellBytes(v []byte) { r.buf = appendCSVCell(r.buf, r.cellsThen(), v) }

// cellsThen counts the cell to come and returns whether a comma goes
// before it.
func (r *csvRows) cellsThen() bool {
	r.cells++
	return r.cells > 1
}

// end ends the row, and writes the rows built once they are many.
func (r *csvRows) end() {
	r.buf = append(r.buf, '\n')
	r.cells = 0
	if len(r.buf) >= csvFlushSize {
		r.flush()
	}
}

// flush writes the rows built; it returns the first error of w.
func (r *csvRows) flush() error {
	if len(r.buf) > 0 && r.err == nil {
		_, r.err = r.w.Write(r.buf)
	}
	r.buf = r.buf[:0]
	return r.err
}

// appendCSVCell appends v as encoding/csv writes a field (comma first
// when sep): bare, unless it is `\.`, holds a quote, comma, CR or LF, or
// starts with a space (unicode.IsSpace); then in quotes, with its quotes
// doubled.
func appendCSVCell[T ~string | ~[]byte](b []byte, sep bool, v T) []byte {
	if sep {
		b = append(b, ',')
	}
	i := 0
	for i < len(v) && !csvQuoted[v[i]] {
		i++
	}
	if i == len(v) && !csvSpaceFirst(v) && string(v) != `\.` {
		return append(b, v...)
	}
	b = append(b, '"')
	start := 0
	for ; i < len(v); i++ {
		if v[i] == '"' {
			b = append(b, v[start:i+1]...)
			start = i // the quote again
		}
	}
	b = append(b, v[start:]...)
	return append(b, '"')
}

// csvSpaceFirst reports whether v starts with a space character.
func csvSpaceFirst[T ~string | ~[]byte](v T) bool {
	if len(v) == 0 {
		return false
	}
	if v[0] < utf8.RuneSelf {
		switch v[0] {
		case ' ', '\t', '\n', '\v', '\f', '\r':
			return true
		}
		return false
	}
	var r rune
	if len(v) >= utf8.UTFMax {
		r, _ = utf8.DecodeRuneInString(string(v[:utf8.UTFMax]))
	} else {
		r, _ = utf8.DecodeRuneInString(string(v))
	}
	return unicode.IsSpace(r)
}
