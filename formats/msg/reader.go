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
	others  int    // messages that are no contact
	stopAt1 bool   // lenient, but the first file set aside ends the read (ReadFile)
	buf     []byte // the file being read, reused from file to file
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
		data, err := r.readFile(fn)
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

// readFile reads the file fn into r.buf: no contact keeps a slice of a
// file's bytes (the streams are copied out, the values decoded), so one
// buffer serves every file of a folder.
func (r *Reader) readFile(fn string) ([]byte, error) {
	f, err := os.Open(fn)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	r.buf = r.buf[:0]
	if n := int(st.Size()) + 1; cap(r.buf) < n {
		r.buf = make([]byte, 0, n)
	}
	for {
		n, err := f.Read(r.buf[len(r.buf):cap(r.buf)])
		r.buf = r.buf[:len(r.buf)+n]
		if err == io.EOF {
			return r.buf, nil
		}
		if err != nil {
			return nil, err
		}
		if len(r.buf) == cap(r.buf) {
			r.buf = append(r.buf, 0)[:len(r.buf)] // grown while being read
		}
	}
}

func (r *Reader) finish() {
	r.err, r.buf = io.EOF, nil
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
