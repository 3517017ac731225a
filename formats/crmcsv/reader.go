package crmcsv

import (
	"io"
	"slices"
	"sync"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// Reader gives the contacts of a CRM dump one at a time as contacts.csv
// is read (formats.Reader); the dump's other tables (accounts, the sync
// group, the security rights) are read after it and come alongside in
// Dump, complete once Next has returned io.EOF.
//
// The read runs in its own goroutine (ReadDirEach hands each contact to a
// function) and Next takes the contacts from it one at a time, so neither
// side holds the dump's contacts. A problem of the dump (a CONTACTID
// repeated on a later row) can come after contacts were given out: Next
// then returns it, as ReadDir would have, and a caller stops.
type Reader struct {
	recs chan contact.Contact
	done chan struct{} // closed by Close: the read goes on without handing out
	end  chan struct{} // closed when the read has ended
	once sync.Once
	c    contact.Contact
	d    *Dump
	errs formats.ErrorList
	sum  formats.Summary
	err  error
}

var _ formats.Reader = (*Reader)(nil)

// Open starts reading the dump folder dir. With lenient set, the contact
// rows it cannot read are set aside (Summary().Rejected), as
// ReadDirLenient does.
func Open(dir string, lenient bool) (*Reader, error) {
	r := &Reader{recs: make(chan contact.Contact, 64), done: make(chan struct{}), end: make(chan struct{})}
	go func() {
		defer close(r.end)
		defer close(r.recs)
		r.d, r.errs = ReadDirEach(dir, lenient, func(c *contact.Contact) {
			cc := *c
			cc.Extra = slices.Clone(c.Extra) // c's are reused for the next row
			select {
			case r.recs <- cc:
			case <-r.done:
			}
		})
	}()
	return r, nil
}

// Next returns the next contact of contacts.csv, io.EOF after the last.
func (r *Reader) Next() (*contact.Contact, error) {
	if r.err != nil {
		return nil, r.err
	}
	c, ok := <-r.recs
	if ok {
		r.c = c
		return &r.c, nil
	}
	<-r.end
	switch {
	case r.d == nil && len(r.errs) > 0:
		r.err = r.errs[0]
	case r.d == nil:
		r.err = io.ErrUnexpectedEOF // cannot happen: a dump or its problems
	default:
		r.sum.Inputs, r.sum.Rejected = r.d.Inputs, r.errs
		r.err = io.EOF
	}
	return nil, r.err
}

// Dump is the dump read: its accounts, sync group, headers (its Contacts
// are nil: they were given out by Next); nil until Next has returned
// io.EOF.
func (r *Reader) Dump() *Dump {
	if r.err != io.EOF {
		return nil
	}
	return r.d
}

// Summary returns the input files hashed and the rows set aside; complete
// after io.EOF.
func (r *Reader) Summary() *formats.Summary { return &r.sum }

// Close stops handing out contacts and waits for the read to end.
func (r *Reader) Close() error {
	r.once.Do(func() { close(r.done) })
	for range r.recs {
	}
	<-r.end
	return nil
}
