package outlookcsv

import (
	"io"
	"strings"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// Reader reads an Outlook CSV export one record at a time (formats.Reader).
type Reader struct {
	f   *File
	i   int
	sum formats.Summary
	err error
}

var _ formats.Reader = (*Reader)(nil)

// Open opens the export at path. With lenient set, records that cannot be
// read are set aside (Summary().Rejected) instead of ending the read.
func Open(path string, opt Options, lenient bool) (*Reader, error) {
	var f *File
	var err error
	var rejected formats.ErrorList
	if lenient {
		f, rejected, err = ReadFileLenient(path, opt)
	} else {
		f, err = ReadFile(path, opt)
	}
	if f == nil {
		return nil, err
	}
	r := &Reader{f: f, err: err}
	r.sum.Rejected = rejected
	return r, nil
}

// Layout is the file's layout (header, dialect, locale, delimiter, date
// format) without its records: what a Writer needs to write the file back
// in its own columns.
func (r *Reader) Layout() *File {
	l := *r.f
	l.Contacts = nil
	return &l
}

// Next returns the next record, io.EOF after the last.
func (r *Reader) Next() (*contact.Contact, error) {
	if r.i >= len(r.f.Contacts) {
		if r.err != nil {
			return nil, r.err
		}
		r.finish()
		return nil, io.EOF
	}
	c := &r.f.Contacts[r.i]
	r.i++
	return c, nil
}

func (r *Reader) finish() {
	f := r.f
	r.sum.Inputs = []formats.InputFile{f.Input}
	r.sum.Warnings = f.Warnings
	r.sum.Notes = notes(f)
}

// notes are what the plan says about how the file was read.
func notes(f *File) []string {
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
func (r *Reader) Summary() *formats.Summary { return &r.sum }

// Close releases the reader.
func (r *Reader) Close() error {
	r.f.Contacts = nil
	return nil
}
