package pst

import (
	"fmt"
	"io"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// Reader gives the contacts of a PST's chosen folder one at a time
// (formats.Reader). The store is read at random through an io.ReaderAt
// (ReadFile), not into memory; the items of the folder are read when
// the Reader is opened. Summary().Deleted holds the contacts in Deleted
// Items, and Notes the folder read and how it was chosen.
type Reader struct {
	st  *Store
	i   int
	sum formats.Summary
}

var _ formats.Reader = (*Reader)(nil)

// Open reads the PST at path. When no folder was named and the store does
// not say which one holds the contacts, the error is a *FolderError that
// lists the candidates.
func Open(path string, opt Options) (*Reader, error) {
	st, err := ReadFile(path, opt)
	if err != nil {
		return nil, err
	}
	if st.Unchosen != nil {
		return nil, st.Unchosen
	}
	r := &Reader{st: st}
	r.sum = formats.Summary{
		Inputs:   []formats.InputFile{st.Input},
		Warnings: st.Warnings,
		Rejected: st.Rejected,
		Deleted:  st.Deleted,
		Notes:    []string{fmt.Sprintf("PST folder %q (%s)", st.Folder, st.FolderChoice)},
	}
	if st.DistLists > 0 {
		r.sum.Notes = append(r.sum.Notes, fmt.Sprintf("%d distribution lists in the PST are not synced", st.DistLists))
	}
	return r, nil
}

// Store is what was read: the folders, the folder chosen.
func (r *Reader) Store() *Store { return r.st }

// Next returns the next contact of the folder, io.EOF after the last.
func (r *Reader) Next() (*contact.Contact, error) {
	if r.i >= len(r.st.Contacts) {
		return nil, io.EOF
	}
	r.i++
	return &r.st.Contacts[r.i-1], nil
}

// Summary returns the warnings, notes, set-aside items, deleted contacts
// and the input's hash.
func (r *Reader) Summary() *formats.Summary { return &r.sum }

// Close drops the contacts.
func (r *Reader) Close() error {
	r.st.Contacts = nil
	return nil
}
