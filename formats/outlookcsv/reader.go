package outlookcsv

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"contactsync/engine/contact"
	"contactsync/formats"
	"contactsync/formats/csvscan"
)

// Reader reads an Outlook CSV export one record at a time
// (formats.Reader), decoding and parsing as it reads: the file is never
// held whole. A file without BOM or forced code page is first read once
// through to tell UTF-8 from Windows-1252 (formats.Text).
//
// Dates. When no date format is given and the language's usual order
// cannot read a date, the order is inferred from every date of the file
// (read again for that) and the rest is read in it. The records before
// were read in the usual order: that is the same as reading them in the
// inferred one when each of their date cells reads the same in both (the
// reader remembers the distinct date cells until the order is settled).
// When one does not, Next fails with an error that names the form to give
// with --date-format; ReadFile, which holds the records, reads the file
// again instead.
type Reader struct {
	file    *File // layout, warnings; Contacts unused
	opt     Options
	lenient bool
	src     source
	text    *formats.Text
	win     *formats.Window
	cr      *csvscan.Reader
	rec     []string // the current record's cells
	// views says that the cells are views of the CSV reader's buffer,
	// valid until the next record (Next's contact too): for EachView.
	views bool
	d     decoder
	c     contact.Contact
	base  int   // lines consumed before the current CSV reader's input
	size  int64 // the file's size, 0 when unknown
	sum   formats.Summary
	err   error // what ended the read: io.EOF or an error, returned again
	dates map[dateCell]bool
	// datesFull says that more distinct date cells were met than kept,
	// so the order can no longer change.
	datesFull bool
	// controls says that the record Next returned may hold control
	// characters (see Controls).
	controls bool
}

var _ formats.Reader = (*Reader)(nil)

type dateCell struct {
	group int
	cell  string
}

// maxDateCells bounds the distinct date cells kept until the date order
// is settled.
const maxDateCells = 100_000

// Open opens the export at path for reading one record at a time. With
// lenient set, records that cannot be read are set aside
// (Summary().Rejected) instead of ending the read.
func Open(path string, opt Options, lenient bool) (*Reader, error) {
	return open(fileSource(path), path, opt, lenient)
}

func open(src source, name string, opt Options, lenient bool) (*Reader, error) {
	t, err := src(opt.Encoding, opt.once)
	if err != nil {
		var pathErr *fs.PathError
		if errors.Is(err, formats.ErrNotText) || errors.As(err, &pathErr) {
			return nil, &formats.ParseError{File: name, Err: err}
		}
		return nil, formats.Errorf(name, 0, 0, "", "cannot decode text: %v", err)
	}
	r := &Reader{opt: opt, lenient: lenient, src: src, text: t, views: opt.views}
	if t.Size > 0 {
		r.size = t.Size
	}
	if err := r.start(name); err != nil {
		t.Close()
		return nil, err
	}
	return r, nil
}

// start reads the header and builds the schema.
func (r *Reader) start(name string) error {
	text, delim, err := prepare(r.text)
	if err == errEmpty {
		return formats.Errorf(name, 1, 1, "", "%v", err)
	}
	if err != nil {
		return asParseError(name, err)
	}
	r.win = formats.NewWindow(text)
	cr := newCSV(r.win, delim)
	r.cr = cr
	header, err := cr.ReadStrings(nil)
	if err != nil {
		return csvError(name, r.win, 0, err)
	}
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	header = append([]string(nil), header...)
	opt := r.opt
	sch, err := newSchema(header, opt.KeyColumn, opt.DateFormat, "")
	if err != nil {
		return formats.Errorf(name, 0, 0, "", "%v", err)
	}
	f := &File{Path: name, Header: header, Dialect: sch.dialect, Locale: sch.locale, Encoding: r.text.Encoding, Delimiter: delim}
	if sch.date != nil {
		f.DateFormat = sch.date.src
	}
	f.schema = sch
	f.Guessed = sch.guessed
	for i, c := range sch.cols {
		if c.col >= 0 && sch.isGuessed(i) {
			_, col := cr.FieldPos(i)
			f.Warnings = append(f.Warnings, formats.Warn(formats.WarnColumn, formats.Errorf(name, 1, r.win.CharCol(1, col), header[i], "unknown column read as %q because of its name", englishColumns[c.col]).Error()))
		}
	}
	for _, i := range sch.unknown {
		_, col := cr.FieldPos(i)
		f.warn(formats.WarnColumn, formats.Errorf(name, 1, r.win.CharCol(1, col), header[i], "unknown column, kept as is"))
	}
	r.file = f
	r.d = decoder{s: sch, file: f, name: name, rd: r, userDate: opt.DateFormat != "" && !opt.inferring}
	if sch.date != nil && opt.DateFormat == "" && !opt.inferring {
		r.dates = map[dateCell]bool{}
	}
	// The records' text is read, hashed and decoded on another core while
	// they are parsed (its Encoding is read again once it is all read).
	r.text.ReadAhead()
	return nil
}

// Layout is the file's layout (header, dialect, locale, delimiter, date
// format) without its records: what a Writer needs to write the file back
// in its own columns. The date format is settled once the whole file was
// read.
func (r *Reader) Layout() *File {
	l := *r.file
	l.Contacts = nil
	return &l
}

// Next returns the next record, io.EOF after the last.
func (r *Reader) Next() (*contact.Contact, error) {
	if r.err != nil {
		return nil, r.err
	}
	f := r.file
	for {
		r.win.Forget(r.cr.InputOffset())
		rec, err := r.read()
		if err == io.EOF {
			return nil, r.finish()
		}
		if err != nil {
			pe := csvError(f.Path, r.win, r.base, err)
			if !r.lenient || pe.Line == 0 {
				r.err = pe
				return nil, pe
			}
			f.warn(formats.WarnSyntax, pe)
			r.sum.Rejected = append(r.sum.Rejected, pe)
			// Go on at the line after the error, as a fresh reader.
			rel := pe.Line - r.base
			rest, ok := r.win.Rest(rel + 1)
			if !ok || len(f.problems) >= maxProblems {
				return nil, r.finish()
			}
			r.base += rel
			r.win = formats.NewWindow(rest)
			r.cr = newCSV(r.win, f.Delimiter)
			continue
		}
		line, _ := r.cr.FieldPos(0)
		nw, np := len(f.Warnings), len(f.problems)
		r.d.record(&r.c, rec, line+r.base, r.cr)
		if f.badDate != nil && r.dates != nil {
			// The usual order cannot read this date: settle the order.
			if err := r.settleDates(nw, np); err != nil {
				r.err = err
				return nil, err
			}
			if f.badDate == nil {
				r.d.record(&r.c, rec, line+r.base, r.cr) // in the inferred order
			}
		}
		if pe := f.badDate; pe != nil {
			// No order reads this date: the record cannot be read.
			f.badDate = nil
			if !r.lenient {
				r.err = pe
				return nil, pe
			}
			r.sum.Rejected = append(r.sum.Rejected, pe)
			continue
		}
		if r.dates != nil {
			r.noteDates(rec)
		}
		r.controls = contact.HasControl(r.cr.Text())
		return &r.c, nil
	}
}

// Controls reports whether the record Next returned last may hold a
// control character that contact.DropControls drops: false says that its
// text held none, so that none of its values and Extras does (they are
// its cells, parts of them, or dates, streets and lists made of them),
// and DropControls would change nothing. One look at the record's text
// instead of one at each of its values.
func (r *Reader) Controls() bool { return r.controls }

// read reads the next record's cells: views of the CSV reader's buffer,
// or strings that stay valid.
func (r *Reader) read() ([]string, error) {
	var err error
	if r.views {
		r.rec, err = r.cr.ReadViews(r.rec)
	} else {
		r.rec, err = r.cr.ReadStrings(r.rec)
	}
	return r.rec, err
}

// noteDates remembers the record's date cells while the order may change.
func (r *Reader) noteDates(rec []string) {
	for gi, g := range r.d.s.groups {
		if g.kind != gDate || g.idx[0] >= len(rec) || rec[g.idx[0]] == "" {
			continue
		}
		k := dateCell{gi, rec[g.idx[0]]}
		if r.dates[k] {
			continue
		}
		if len(r.dates) >= maxDateCells {
			r.datesFull = true
			continue
		}
		k.cell = strings.Clone(k.cell) // a view, or part of the whole record's text
		r.dates[k] = true
	}
}

// DateOrderError is what the Reader returns when the date order it
// inferred (Format) reads an earlier record's date differently from the
// usual one it was read in: a reader of the whole file (ReadFile) reads it
// again in that order instead.
type DateOrderError struct {
	Format, usual string
	all           bool
}

func (e *DateOrderError) Error() string {
	return fmt.Sprintf("the dates of the file are in the form %s, not the usual %s of its language, but an earlier date reads differently in both: give the form with --date-format %s", e.Format, e.usual, e.Format)
}

// settleDates infers the date order from every date of the file, once,
// at the first date the usual order cannot read. When it finds another
// order, the reader goes on in it (the current record's bad date and its
// warnings, nw and np, are dropped; the caller reads the record again).
func (r *Reader) settleDates(nw, np int) error {
	f, sch := r.file, r.d.s
	dates, full := r.dates, r.datesFull
	r.dates, r.opt.inferring = nil, true
	df, all := r.inferDates()
	if df == "" {
		return nil
	}
	if idf, err := parseDateFormat(df, ""); err != nil || idf.order == sch.date.order {
		return nil
	}
	next, err := newSchema(f.Header, r.opt.KeyColumn, df, "")
	if err != nil {
		return nil
	}
	if full || !sameDates(sch, next, dates) {
		pe := *f.badDate
		pe.Err = &DateOrderError{Format: df, usual: sch.date.src, all: all}
		return &pe
	}
	bad := f.badDate
	f.badDate = nil
	f.Warnings = f.Warnings[:nw]
	f.problems = f.problems[:np]
	if len(f.problems) > 0 && f.problems[len(f.problems)-1] == bad {
		f.problems = f.problems[:len(f.problems)-1]
	}
	f.schema, r.d.s = next, next
	f.DateFormat, f.DateInferred = next.date.src, all
	f.Warnings = append(f.Warnings, inferredWarning(f.Path, df, sch.date.src, all))
	return nil
}

// inferDates reads the file again for inferDateFormat.
func (r *Reader) inferDates() (string, bool) {
	t, err := r.src(r.opt.Encoding, false)
	if err != nil {
		return "", false
	}
	defer t.Close()
	text, _, err := prepare(t)
	if err != nil {
		return "", false
	}
	return inferDateFormat(text, r.file.Delimiter, r.d.s, r.d.s.date.order)
}

// sameDates reports whether every date cell reads to the same value, and
// would be written back the same, in schema a as in b.
func sameDates(a, b *schema, cells map[dateCell]bool) bool {
	row := make([]string, len(a.cols))
	ea, eb := make([]string, len(a.cols)), make([]string, len(a.cols))
	for k := range cells {
		ga, gb := a.groups[k.group], b.groups[k.group]
		i := ga.idx[0]
		row[i] = k.cell
		var va, vb contact.Values
		wa, wb := ga.decode(row, &va), gb.decode(row, &vb)
		ga.encode(&va, nil, ea)
		gb.encode(&vb, nil, eb)
		if (wa == "") != (wb == "") || va != vb || (ea[i] == k.cell) != (eb[i] == k.cell) {
			return false
		}
	}
	return true
}

// finish completes the input's hash and ends the read.
func (r *Reader) finish() error {
	in, err := r.text.Input()
	if err != nil {
		r.err = &formats.ParseError{File: r.file.Path, Err: err}
		return r.err
	}
	r.file.Input = in
	r.file.Encoding = r.text.Encoding // told by the end of the text
	r.sum.Inputs = []formats.InputFile{in}
	r.sum.Notes = Notes(r.file)
	r.err = io.EOF
	return io.EOF
}

// Notes are what the plan says about how f was read: the columns taken
// by their names, the date order inferred.
func Notes(f *File) []string {
	var ns []string
	if len(f.Guessed) > 0 {
		ns = append(ns, "Outlook CSV columns read by what their names say: "+strings.Join(f.Guessed, ", "))
	}
	if f.DateInferred {
		ns = append(ns, "Outlook CSV dates read as "+f.DateFormat+", the one order that reads every date of the file (the language's usual order does not)")
	}
	return ns
}

// Summary returns the warnings, notes and input hash; complete after io.EOF.
func (r *Reader) Summary() *formats.Summary {
	r.sum.Warnings = r.file.Warnings
	return &r.sum
}

// Close releases the file.
func (r *Reader) Close() error {
	if r.text == nil {
		return nil
	}
	return r.text.Close()
}

// LayoutOf is a Reader of no records with the layout f: what a format's
// Create takes as like, to write in f's columns records read earlier.
func LayoutOf(f *File) *Reader {
	l := *f
	l.Contacts = nil
	return &Reader{file: &l, err: io.EOF}
}
