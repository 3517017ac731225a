package vcard

import (
	"io"
	"os"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// Reader reads a .vcf file, or the .vcf files of a vdir folder in name
// order, one card at a time (formats.Reader), lexing and parsing as it
// reads. A card nested in another (a vCard 2.1 AGENT) is given out after
// its parent, as ReadFile lists them, once the outermost card has ended.
type Reader struct {
	path    string
	files   []string
	next    int // index in files of the next file to open
	lenient bool
	f       *os.File
	hr      *formats.HashReader
	p       *parser // the current file's parser; nil between files
	queue   []contact.Contact
	bad     map[int]bool // queue indexes of cards set aside
	qi      int
	sum     formats.Summary
	err     error // what ended the read: io.EOF or an error, returned again
}

var _ formats.Reader = (*Reader)(nil)

// Open opens the .vcf file or vdir folder at path. With lenient set, a
// card with a problem is set aside (Summary().Rejected) and reading goes
// on; what cannot be delimited into cards still ends the read.
func Open(path string, lenient bool) (*Reader, error) {
	files, err := formats.InputFiles(path, ".vcf")
	if err != nil {
		return nil, err
	}
	return &Reader{path: path, files: files, lenient: lenient}, nil
}

// Next returns the next card's contact, io.EOF after the last.
func (r *Reader) Next() (*contact.Contact, error) {
	for r.err == nil {
		for r.qi < len(r.queue) {
			i := r.qi
			r.qi++
			if !r.bad[i] {
				return &r.queue[i], nil
			}
		}
		if r.p == nil {
			if r.next == len(r.files) {
				r.err = io.EOF
				break
			}
			if err := r.openNext(); err != nil {
				r.err = err
				break
			}
		}
		r.fill()
	}
	return nil, r.err
}

func (r *Reader) openNext() error {
	name := r.files[r.next]
	r.next++
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	r.f, r.hr = f, formats.NewHashReader(f)
	r.p = newParser(r.hr, name, true)
	if r.lenient {
		r.p.lenient, r.p.badCards = true, map[int]bool{}
	}
	return nil
}

// fill parses until the outermost open card ends (its cards go to the
// queue) or the file ends.
func (r *Reader) fill() {
	p := r.p
	p.store.reset()
	clear(p.badCards)
	more := true
	for more && (len(p.stack) > 0 || p.store.n == 0) {
		more = p.step()
	}
	if !more {
		p.finish()
	}
	if len(p.errs) > 0 {
		r.err = p.errs[0]
		r.closeFile()
		return
	}
	r.queue, r.qi = p.store.all(), 0
	r.bad = p.badCards
	if more {
		return
	}
	p.countWarnings()
	r.sum.Warnings = append(r.sum.Warnings, p.file.Warnings...)
	r.sum.Rejected = append(r.sum.Rejected, p.rejected...)
	in, err := r.hr.Input(p.name)
	if err != nil {
		r.err = err
	}
	r.sum.Inputs = append(r.sum.Inputs, in)
	r.closeFile()
}

func (r *Reader) closeFile() {
	if r.f != nil {
		r.f.Close()
	}
	r.f, r.hr, r.p = nil, nil, nil
}

// Summary returns the warnings, set-aside cards and hashed inputs; they
// are complete after io.EOF.
func (r *Reader) Summary() *formats.Summary { return &r.sum }

// Close closes the current file.
func (r *Reader) Close() error {
	r.closeFile()
	return nil
}
