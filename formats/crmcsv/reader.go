package crmcsv

import (
	"io"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// Reader gives the contacts of a CRM dump one at a time (formats.Reader);
// the dump's other tables (accounts, the sync group, the security rights)
// come alongside in Dump. contacts.csv is decoded and parsed as it is
// read (formats.Text), but the dump's checks span the file (a CONTACTID
// repeated on a later row is an error of the dump), so the whole dump is
// read when the Reader is opened.
type Reader struct {
	d   *Dump
	i   int
	sum formats.Summary
}

var _ formats.Reader = (*Reader)(nil)

// Open reads the dump folder dir. With lenient set, the contact rows it
// cannot read are set aside (Summary().Rejected), as ReadDirLenient does.
func Open(dir string, lenient bool) (*Reader, error) {
	var d *Dump
	var rejected formats.ErrorList
	if lenient {
		d, rejected = ReadDirLenient(dir)
		if d == nil {
			return nil, rejected[0]
		}
	} else {
		var err error
		if d, err = ReadDir(dir); err != nil {
			return nil, err
		}
	}
	return &Reader{d: d, sum: formats.Summary{Inputs: d.Inputs, Rejected: rejected}}, nil
}

// Dump is the dump read: its accounts, sync group, headers; its Contacts
// are the records Next gives out.
func (r *Reader) Dump() *Dump { return r.d }

// Next returns the next contact of contacts.csv, io.EOF after the last.
func (r *Reader) Next() (*contact.Contact, error) {
	if r.i >= len(r.d.Contacts) {
		return nil, io.EOF
	}
	r.i++
	return &r.d.Contacts[r.i-1], nil
}

// Summary returns the input files hashed and the rows set aside.
func (r *Reader) Summary() *formats.Summary { return &r.sum }

// Close does nothing: the files were closed once read.
func (r *Reader) Close() error { return nil }
