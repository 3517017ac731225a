package outlookcsv

import (
	"errors"
	"io"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// Each reads the export at path as ReadFile (or, lenient, ReadFileLenient)
// does, but hands every record to add instead of keeping it: the record is
// valid only during the call. When the file's dates must be read in
// another order than the one the first records were read in, reset is
// called and the records are given again from the first. The File
// returned has the layout, warnings and input hash, and no records.
func Each(path string, opt Options, lenient bool, reset func(), add func(*contact.Contact) error) (*File, formats.ErrorList, error) {
	return each(fileSource(path), path, opt, lenient, reset, func(c *contact.Contact, _ bool, _ Row) error { return add(c) })
}

// EachView is Each for a caller that copies what it keeps of a record
// (a contact.Table, whose string pool copies every value): the record's
// strings are views of the reader's buffer, which the next record
// overwrites, so no record's text is allocated. add is also told whether
// the record may hold control characters (Reader.Controls): when not,
// contact.DropControls would change nothing.
func EachView(path string, opt Options, lenient bool, reset func(), add func(c *contact.Contact, controls bool) error) (*File, formats.ErrorList, error) {
	opt.views = true
	return each(fileSource(path), path, opt, lenient, reset, func(c *contact.Contact, controls bool, _ Row) error { return add(c, controls) })
}

// EachViewRows is EachView whose add is also given the record's text when
// a Writer of the file's layout would write the record, unchanged, as that
// text (Reader.Row; a view too): for a caller that writes the file again.
func EachViewRows(path string, opt Options, lenient bool, reset func(), add func(c *contact.Contact, controls bool, row Row) error) (*File, formats.ErrorList, error) {
	opt.views, opt.rows = true, true
	return each(fileSource(path), path, opt, lenient, reset, add)
}

// each is Each over src, named name in messages. The encoding of a file
// without BOM or forced code page is told as it is read
// (formats.OpenTextOnce); when the text read as UTF-8 turns out to be
// Windows-1252 after other characters than ASCII were given, the records
// are given again from the first, read in Windows-1252.
func each(src source, name string, opt Options, lenient bool, reset func(), add func(*contact.Contact, bool, Row) error) (*File, formats.ErrorList, error) {
	opt.once = opt.Encoding == ""
	again := func() (*File, formats.ErrorList, error) {
		opt.Encoding = formats.Windows1252
		reset()
		return each(src, name, opt, lenient, reset, add)
	}
	r, err := open(src, name, opt, lenient)
	if r == nil {
		if errors.Is(err, formats.ErrNotUTF8Late) {
			return again()
		}
		return nil, nil, err
	}
	defer r.Close()
	f := r.file
	for {
		c, err := r.Next()
		if err == io.EOF {
			break
		}
		if de := dateOrderError(err); de != nil && !opt.inferring {
			opt.DateFormat, opt.inferring = de.Format, true
			reset()
			g, rejected, err := each(src, name, opt, lenient, reset, add)
			if g != nil {
				g.DateInferred = de.all
				g.Warnings = append(g.Warnings, inferredWarning(name, de.Format, de.usual, de.all))
			}
			return g, rejected, err
		}
		if errors.Is(err, formats.ErrNotUTF8Late) {
			return again()
		}
		if err != nil {
			return f, r.sum.Rejected, err
		}
		var row Row
		if opt.rows {
			row = r.Row()
		}
		if err := add(c, r.controls, row); err != nil {
			return f, r.sum.Rejected, err
		}
	}
	return f, r.sum.Rejected, nil
}

// dateOrderError returns err as a *DateOrderError, or nil. A function of
// its own: the target errors.As needs would otherwise be allocated for
// every record read.
func dateOrderError(err error) *DateOrderError {
	if err == nil {
		return nil
	}
	var de *DateOrderError
	if errors.As(err, &de) {
		return de
	}
	return nil
}
