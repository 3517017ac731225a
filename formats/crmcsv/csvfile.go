package crmcsv

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"

	"contactsync/formats"
)

// csvFile reads one CSV table and turns every problem into a positioned
// *formats.ParseError. In collect mode (Validate) it goes on after a
// record-level problem; otherwise the first problem stops it. A syntax
// error (broken quote) always ends the file: what follows cannot be
// trusted.
type csvFile struct {
	name    string // path as the user named it
	text    []byte // decoded UTF-8
	r       *csv.Reader
	collect bool
	errs    formats.ErrorList
	header  []string
	lines   []int // byte offset of each line start; built on the first error
}

func newCSVFile(name string, data []byte, collect bool) *csvFile {
	f := &csvFile{name: name, collect: collect}
	text, _, err := formats.DecodeText(data, "")
	if err != nil {
		f.add(1, 1, "", "cannot decode text: %v", err)
		return f
	}
	f.text = text
	f.r = csv.NewReader(bytes.NewReader(text))
	f.r.ReuseRecord = false
	return f
}

// stopped reports whether reading must end.
func (f *csvFile) stopped() bool { return len(f.errs) > 0 && !f.collect }

func (f *csvFile) add(line, col int, field, format string, args ...any) {
	f.errs = append(f.errs, formats.Errorf(f.name, line, col, field, format, args...))
}

// fieldErr reports a problem with field i of the record just read.
func (f *csvFile) fieldErr(i int, field, format string, args ...any) {
	line, col := f.r.FieldPos(i)
	f.add(line, f.charCol(line, col), field, format, args...)
}

// charCol converts encoding/csv's byte column to a character column.
func (f *csvFile) charCol(line, byteCol int) int {
	if f.lines == nil {
		f.lines = []int{0}
		for i, b := range f.text {
			if b == '\n' {
				f.lines = append(f.lines, i+1)
			}
		}
	}
	if line < 1 || line > len(f.lines) || byteCol < 1 {
		return byteCol
	}
	start := f.lines[line-1]
	end := min(start+byteCol-1, len(f.text))
	return utf8.RuneCount(f.text[start:end]) + 1
}

// csvErr converts an encoding/csv error.
func (f *csvFile) csvErr(err error) {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		f.add(0, 0, "", "%v", err)
		return
	}
	msg := pe.Err.Error()
	switch {
	case errors.Is(pe.Err, csv.ErrQuote) && pe.Line != pe.StartLine:
		msg = "a quoted field is not closed, or a quote inside it is not doubled (the record starts on line " + strconv.Itoa(pe.StartLine) + ")"
	case errors.Is(pe.Err, csv.ErrQuote):
		msg = "a quoted field is not closed, or a quote inside it is not doubled"
	case errors.Is(pe.Err, csv.ErrBareQuote):
		msg = `a " inside a field that does not start with a quote (quote the whole field and double the inner quote)`
	}
	f.add(pe.Line, f.charCol(pe.Line, pe.Column), "", "%s", msg)
}

// readHeader reads the header line; check sees it while FieldPos refers
// to it. It reports false when there is no usable header.
func (f *csvFile) readHeader(what string) bool {
	if f.r == nil {
		return false
	}
	rec, err := f.r.Read()
	if err == io.EOF {
		f.add(1, 1, "", "empty file: want a header line naming the columns (%s)", what)
		return false
	}
	if err != nil {
		f.csvErr(err)
		return false
	}
	f.header = rec
	return true
}

// each calls fn for every record after the header, with the line it
// starts on. A record with a different number of fields than the header
// is reported and not passed on.
func (f *csvFile) each(fn func(rec []string, line int)) {
	for !f.stopped() {
		rec, err := f.r.Read()
		if err == io.EOF {
			return
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
				f.add(pe.StartLine, 1, "", "the record has %d fields, the header has %d", len(rec), len(f.header))
				continue
			}
			f.csvErr(err)
			return
		}
		line, _ := f.r.FieldPos(0)
		fn(rec, line)
	}
}
