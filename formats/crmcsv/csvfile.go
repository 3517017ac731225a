package crmcsv

import (
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strconv"
	"unicode/utf8"

	"contactsync/formats"
	"contactsync/formats/csvscan"
)

// csvFile reads one CSV table and turns every problem into a positioned
// *formats.ParseError. In collect mode (Validate) it goes on after a
// record-level problem; otherwise the first problem stops it. A syntax
// error (broken quote) always ends the file: what follows cannot be
// trusted.
type csvFile struct {
	name string // path as the user named it
	text *formats.Text
	win  *formats.Window // the text of the current record on
	r    *csvscan.Reader
	rec  []string // the current record's cells
	// views says that the cells are views of the reader's buffer, valid
	// until the next record: for a reader that copies what it keeps.
	views   bool
	collect bool
	errs    formats.ErrorList
	header  []string
	// rowErrs counts the problems that concern one row only (set aside
	// by ReadDirLenient); the others concern the file.
	rowErrs int
}

// newCSVFile reads a table held in memory.
func newCSVFile(name string, data []byte, collect bool) *csvFile {
	t, err := formats.NewText(data, name, "")
	return newCSVText(name, t, err, collect)
}

// newCSVText reads a table from t as it is decoded (err: why t could not
// be opened), holding only the current record's text.
func newCSVText(name string, t *formats.Text, err error, collect bool) *csvFile {
	f := &csvFile{name: name, collect: collect}
	if err != nil {
		if errors.Is(err, formats.ErrNotText) {
			f.errs = append(f.errs, &formats.ParseError{File: name, Err: err})
		} else {
			f.add(1, 1, "", "cannot decode text: %v", err)
		}
		return f
	}
	f.text, f.win = t, formats.NewWindow(t)
	// The record's slice is reused: a reader keeps what it needs (the
	// strings, which never share the slice's array, and a clone of the
	// rare row it must keep whole; with views, clones of the strings).
	f.r = csvscan.NewReader(f.win)
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

// charCol converts the CSV reader's byte column to a character column.
func (f *csvFile) charCol(line, byteCol int) int { return f.win.CharCol(line, byteCol) }

// csvErr converts a CSV reader's error (csvscan's are encoding/csv's).
func (f *csvFile) csvErr(err error) {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		f.add(0, 0, "", "%v", err)
		return
	}
	msg := pe.Err.Error()
	switch {
	case errors.Is(pe.Err, csv.ErrQuote):
		// At the end of the text the problem is an unclosed field: point
		// at its opening quote rather than at the end of the file.
		f.win.Drain() // a broken file: what is left is read to find where
		if line, col, ok := f.unclosedQuote(pe.StartLine); ok && pe.Line >= f.win.Lines() {
			f.add(line, col, "", "this quoted field is never closed: it runs to the end of the file (a missing \" or a stray one)")
			return
		}
		msg = "a quote inside a quoted field is not doubled, or the field goes on after its closing quote"
		if pe.Line != pe.StartLine {
			msg += " (the record starts on line " + strconv.Itoa(pe.StartLine) + ")"
		}
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
	rec, err := f.r.ReadStrings(nil)
	if err == io.EOF {
		f.add(1, 1, "", "empty file: want a header line naming the columns (%s)", what)
		return false
	}
	if err != nil {
		f.csvErr(err)
		return false
	}
	f.header = slices.Clone(rec)
	return true
}

// each calls fn for every record after the header, with the line it
// starts on. A record with a different number of fields than the header
// is reported and not passed on.
func (f *csvFile) each(fn func(rec []string, line int)) {
	for !f.stopped() {
		f.win.Forget(f.r.InputOffset())
		var err error
		if f.views {
			f.rec, err = f.r.ReadViews(f.rec)
		} else {
			f.rec, err = f.r.ReadStrings(f.rec)
		}
		rec := f.rec
		if err == io.EOF {
			return
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
				f.add(pe.StartLine, 1, "", "the record has %d fields, the header has %d", len(rec), len(f.header))
				f.rowErrs++
				continue
			}
			f.csvErr(err)
			return
		}
		line, _ := f.r.FieldPos(0)
		fn(rec, line)
	}
}

// unclosedQuote scans the records from startLine to the end of the text
// and, when the text ends inside a quoted field, returns where that field's
// opening quote is. The CSV reader only says where the text ended.
func (f *csvFile) unclosedQuote(startLine int) (line, col int, ok bool) {
	text, ok := f.win.Line(startLine)
	if !ok {
		return 0, 0, false
	}
	line, lineStart := startLine, 0
	fieldStart, quoted := true, false
	openLine, openOff := 0, 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case quoted && c == '"':
			if i+1 < len(text) && text[i+1] == '"' {
				i++
				continue
			}
			quoted = false
		case quoted:
			// inside the field
		case fieldStart && c == '"':
			quoted, openLine, openOff = true, line, i-lineStart
		case c == ',':
			fieldStart = true
			continue
		}
		if c == '\n' {
			line++
			lineStart = i + 1
			if !quoted {
				fieldStart = true
				continue
			}
		}
		fieldStart = false
	}
	if !quoted {
		return 0, 0, false
	}
	lt, _ := f.win.Line(openLine)
	return openLine, utf8.RuneCount(lt[:openOff]) + 1, true
}
