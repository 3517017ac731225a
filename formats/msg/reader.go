package msg

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// Reader reads one .msg file, or the .msg files of a folder in name
// order, one contact at a time (formats.Reader); each file is read and
// hashed when its turn comes. Messages that are no contact are counted
// and skipped, as ReadFile does.
type Reader struct {
	path    string
	files   []string
	next    int
	lenient bool
	c       contact.Contact
	n       int // contacts given out
	dists   int
	others  int  // messages that are no contact
	stopAt1 bool // lenient, but the first file set aside ends the read (ReadFile)
	sum     formats.Summary
	err     error
}

var _ formats.Reader = (*Reader)(nil)

// Open opens the .msg file or folder at path. With lenient set, a .msg
// that cannot be read is set aside (Summary().Rejected).
func Open(path string, lenient bool) (*Reader, error) {
	files, err := formats.InputFiles(path, ".msg")
	if err != nil {
		return nil, err
	}
	return &Reader{path: path, files: files, lenient: lenient}, nil
}

// Next returns the next contact, io.EOF after the last.
func (r *Reader) Next() (*contact.Contact, error) {
	for r.err == nil {
		if r.next == len(r.files) {
			r.finish()
			break
		}
		fn := r.files[r.next]
		r.next++
		data, err := os.ReadFile(fn)
		if err != nil {
			r.err = err
			break
		}
		r.sum.Inputs = append(r.sum.Inputs, formats.HashBytes(fn, data))
		c, kind, err := Read(bytes.NewReader(data), int64(len(data)), fn)
		if err != nil {
			var pe *formats.ParseError
			if !errors.As(err, &pe) {
				pe = &formats.ParseError{File: fn, Err: err}
			}
			if !r.lenient {
				r.err = pe
				break
			}
			r.sum.Rejected = append(r.sum.Rejected, pe)
			if r.stopAt1 {
				r.err = io.EOF
				break
			}
			continue
		}
		switch kind {
		case kindContact:
			r.n++
			c.Line = r.n
			r.c = c
			return &r.c, nil
		case kindDistList:
			r.dists++
		default:
			r.others++
			r.sum.Warnings = append(r.sum.Warnings, formats.Warn(formats.WarnNotContact, fn+": not a contact (message class is not IPM.Contact): skipped"))
		}
	}
	return nil, r.err
}

func (r *Reader) finish() {
	r.err = io.EOF
	if r.dists > 0 {
		r.sum.Warnings = append(r.sum.Warnings, formats.Warn(formats.WarnDistLists, fmt.Sprintf("%s: %d distribution list(s) not read: contactsync maps contacts only", r.path, r.dists)))
		r.sum.Notes = append(r.sum.Notes, fmt.Sprintf("%d distribution lists among the .msg files are not synced", r.dists))
	}
}

// Summary returns the warnings, set-aside files and hashed inputs;
// complete after io.EOF.
func (r *Reader) Summary() *formats.Summary { return &r.sum }

// Close does nothing: each file is closed once read.
func (r *Reader) Close() error { return nil }
