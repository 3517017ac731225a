package pst

import (
	"errors"
	"fmt"
	"io"
	"os"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// Reader gives the contacts of a PST's chosen folder one at a time
// (formats.Reader). The store is read at random through an io.ReaderAt,
// not into memory: opening walks the folder tree and takes the chosen
// folder's list of items (node ids); each item's properties are read and
// mapped when Next reaches it, so what the Reader holds is the list, not
// the contacts. At the end Summary().Deleted holds the contacts in Deleted
// Items, and Notes the folder read, how it was chosen and the distribution
// lists left out.
type Reader struct {
	r       *reader
	st      *Store
	chosen  *folder
	deleted *folder  // Deleted Items, read once the chosen folder is done; nil for none
	ids     []uint32 // the chosen folder's items, in table order
	i       int      // next index in ids
	n       int      // contacts given out
	dists   int      // distribution lists in the chosen folder
	c       contact.Contact
	sum     formats.Summary
	err     error    // what ended the read: io.EOF or an error, returned again
	osf     *os.File // the open file (nil for Read on a ReaderAt); closed by Close
	hashed  chan struct{}
	hashIn  formats.InputFile
	hashErr error
}

var _ formats.Reader = (*Reader)(nil)

var errClosed = errors.New("pst: Next after Close")

// Open opens the PST at path. When no folder was named and the store does
// not say which one holds the contacts, the error is a *FolderError that
// lists the candidates.
func Open(path string, opt Options) (*Reader, error) {
	osf, size, err := openOS(path)
	if err != nil {
		return nil, err
	}
	rd, err := newReader(osf, size, path, opt, osf)
	if err != nil {
		osf.Close()
		return nil, err
	}
	if rd.st.Unchosen != nil {
		rd.Close()
		return nil, rd.st.Unchosen
	}
	return rd, nil
}

// newReader opens the store in ra and chooses its folder. With osf set,
// the file is hashed from start to end meanwhile (Summary().Inputs, the
// input hash the journal records), and closed by Close.
func newReader(ra io.ReaderAt, size int64, name string, opt Options, osf *os.File) (*Reader, error) {
	rd := &Reader{osf: osf}
	if osf != nil {
		rd.hashed = make(chan struct{})
		go func() {
			defer close(rd.hashed)
			rd.hashIn, rd.hashErr = formats.NewHashReader(io.NewSectionReader(osf, 0, size)).Input(name)
		}()
	}
	f, err := openFile(ra, size, name)
	if err != nil {
		rd.wait()
		return nil, err
	}
	rd.r = &reader{f: f, lenient: opt.SkipInvalid}
	rd.st, rd.chosen, rd.deleted, err = rd.r.open(opt, nil)
	if err == nil && rd.chosen != nil {
		rd.ids, err = rd.r.tableRowIDs(rd.chosen.nid&^0x1F|0x0E, rd.chosen)
	}
	if err != nil {
		rd.wait()
		return nil, err
	}
	rd.sum.Notes = []string{fmt.Sprintf("PST folder %q (%s)", rd.st.Folder, rd.st.FolderChoice)}
	return rd, nil
}

// wait waits for the hash of the file to end.
func (rd *Reader) wait() {
	if rd.hashed != nil {
		<-rd.hashed
	}
}

// Store is what was read: the folders, the folder chosen, and (complete
// after io.EOF) the warnings, set-aside items and Deleted Items. Its
// Contacts stay nil: the Reader gives them out one at a time.
func (rd *Reader) Store() *Store { return rd.st }

// Next returns the next contact of the folder, io.EOF after the last.
func (rd *Reader) Next() (*contact.Contact, error) {
	for rd.err == nil {
		if rd.i == len(rd.ids) {
			rd.err = rd.finish()
			break
		}
		id := rd.ids[rd.i]
		rd.i++
		c, kind, err := rd.r.readItem(rd.chosen, id, rd.r.rejects(rd.st))
		if err != nil {
			rd.err = err
			break
		}
		switch kind {
		case kindContact:
			rd.n++
			c.Line = rd.n
			rd.c = c
			return &rd.c, nil
		case kindDistList:
			rd.dists++
		}
	}
	return nil, rd.err
}

// finish reads Deleted Items, says what was left out, and completes the
// Summary with the file's hash. It returns io.EOF, or what went wrong.
func (rd *Reader) finish() error {
	st := rd.st
	if rd.dists > 0 {
		st.Warnings = append(st.Warnings, distListsWarning(rd.dists, rd.chosen))
	}
	st.DistLists = rd.dists
	if rd.deleted != nil {
		cs, dl, err := rd.r.readFolder(rd.deleted, rd.r.rejects(st))
		if err != nil {
			return err
		}
		st.Deleted = cs
		st.DistLists += dl
		if dl > 0 {
			st.Warnings = append(st.Warnings, distListsWarning(dl, rd.deleted))
		}
	}
	rd.wait()
	if rd.hashErr != nil {
		return rd.hashErr
	}
	st.Input = rd.hashIn
	rd.sum.Warnings, rd.sum.Rejected, rd.sum.Deleted = st.Warnings, st.Rejected, st.Deleted
	if rd.osf != nil {
		rd.sum.Inputs = []formats.InputFile{st.Input}
	}
	if st.DistLists > 0 {
		rd.sum.Notes = append(rd.sum.Notes, fmt.Sprintf("%d distribution lists in the PST are not synced", st.DistLists))
	}
	return io.EOF
}

// drain reads every contact into the Store (ReadFile, Read) and closes
// the Reader.
func (rd *Reader) drain() (*Store, error) {
	defer rd.Close()
	var cs []contact.Contact
	for {
		c, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		cs = append(cs, *c)
	}
	rd.st.Contacts = cs
	return rd.st, nil
}

// Summary returns the warnings, notes, set-aside items, deleted contacts
// and the input's hash; complete after io.EOF.
func (rd *Reader) Summary() *formats.Summary { return &rd.sum }

// Close closes the file; it may be called at any time.
func (rd *Reader) Close() error {
	rd.wait()
	rd.ids = nil
	if rd.err == nil {
		rd.err = errClosed
	}
	if rd.osf == nil {
		return nil
	}
	err := rd.osf.Close()
	rd.osf = nil
	return err
}
