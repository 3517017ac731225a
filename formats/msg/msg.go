// Package msg reads Outlook .msg contact files: what dragging a contact out
// of Outlook onto the desktop produces, one file per contact, or a folder
// of them.
//
// An .msg is a compound file ([MS-CFB]) whose streams hold one message's
// MAPI properties ([MS-OXMSG]): the fixed-size ones in
// "__properties_version1.0" (16 bytes each: tag, flags, value), every
// string, binary and multi-valued one in a "__substg1.0_IIIITTTT" stream of
// its own (id and type in hex), and the named properties' map in the
// "__nameid_version1.0" storage, in the same records as a PST's
// name-to-id map. The compound file is read with
// github.com/richardlehane/mscfb (this package is its one importer); the
// properties are handed to formats/pst's Message, so a contact maps with
// the one MAPI mapping of the PST reader and reads the same from both.
//
// Choices that may surprise:
//   - Contact.Key is the message's PidTagEntryId in upper-case hex when
//     the file has one (a contact dragged out of a PST carries the entry id
//     it had there, so it is found as the same contact); else empty, and the
//     contact is matched as an Outlook CSV contact is.
//   - Recipients and attachments (their own storages) are not read: a
//     contact has none that the mapping uses. A distribution list (.msg of
//     class IPM.DistList) is counted, not mapped, as in a PST.
//   - mscfb is guarded: a stream larger than the file is refused before it
//     is read, and a panic inside the library on a damaged file is turned
//     into a *formats.ParseError, so no input crashes the reader.
package msg

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"strings"

	"github.com/richardlehane/mscfb"

	"contactsync/engine/contact"
	"contactsync/formats"
	"contactsync/formats/pst"
)

// File is what was read from one .msg file or a folder of them.
type File struct {
	Path      string
	Contacts  []contact.Contact // one per contact .msg, in name order
	DistLists int               // distribution lists seen (counted, not mapped)
	Others    int               // .msg files that are no contact (mail, appointments): skipped
	Warnings  []formats.Warning
	Inputs    []formats.InputFile // the files read, hashed as read
}

// Kind of a message.
const (
	kindOther = iota
	kindContact
	kindDistList
)

// IsMSG reports whether b starts like a compound file (every .msg does).
func IsMSG(b []byte) bool {
	return bytes.HasPrefix(b, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
}

// Files lists the .msg files of a folder, in name order (not recursing).
func Files(dir string) ([]string, error) { return formats.FolderFiles(dir, ".msg") }

// ReadFile reads one .msg file, or every .msg of a folder. The first file
// that cannot be read stops it with a *formats.ParseError.
func ReadFile(path string) (*File, error) {
	f, rejected, err := read(path, false)
	if err != nil {
		return nil, err
	}
	if len(rejected) > 0 {
		return nil, rejected[0]
	}
	return f, nil
}

// ReadFileLenient reads like ReadFile but sets aside each .msg that cannot
// be read, returned as one problem each (--skip-invalid).
func ReadFileLenient(path string) (*File, formats.ErrorList, error) {
	return read(path, true)
}

// Validate returns the problem of every .msg that cannot be read.
func Validate(path string) formats.ErrorList {
	_, rejected, err := read(path, true)
	if err != nil {
		var pe *formats.ParseError
		if errors.As(err, &pe) {
			return formats.ErrorList{pe}
		}
		return formats.ErrorList{{File: path, Err: err}}
	}
	return rejected
}

// read reads every .msg of path through the Reader, the one loop over the
// files: with keepGoing, a file that cannot be read is set aside and the
// read goes on; else it stops at the first, returned as the one rejected.
func read(path string, keepGoing bool) (*File, formats.ErrorList, error) {
	r, err := Open(path, true)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	out := &File{Path: path}
	r.stopAt1 = !keepGoing
	for {
		c, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		out.Contacts = append(out.Contacts, *c)
	}
	out.DistLists, out.Others = r.dists, r.others
	out.Warnings, out.Inputs = r.sum.Warnings, r.sum.Inputs
	return out, r.sum.Rejected, nil
}

// Read reads one .msg of the given size; name is used in errors. It says
// whether the message is a contact, a distribution list or something else
// (only a contact is mapped).
func Read(ra io.ReaderAt, size int64, name string) (c contact.Contact, kind int, err error) {
	defer func() {
		if r := recover(); r != nil {
			c, kind, err = contact.Contact{}, 0, &formats.ParseError{File: name, Field: "compound file", Err: fmt.Errorf("damaged: %v", r)}
		}
	}()
	head := make([]byte, 8)
	if n, _ := ra.ReadAt(head, 0); n < 8 || !IsMSG(head) {
		return contact.Contact{}, 0, &formats.ParseError{File: name, Field: "header", Err: errors.New("not an Outlook .msg file (no compound file signature)")}
	}
	doc, err := mscfb.New(ra)
	if err != nil {
		return contact.Contact{}, 0, &formats.ParseError{File: name, Field: "compound file", Err: err}
	}
	streams := map[string][]byte{} // top-level and name-id streams by name
	for e, err := doc.Next(); ; e, err = doc.Next() {
		if err == io.EOF {
			break
		}
		if err != nil {
			return contact.Contact{}, 0, &formats.ParseError{File: name, Field: "compound file", Err: err}
		}
		key := ""
		switch {
		case len(e.Path) == 0:
			key = e.Name
		case len(e.Path) == 1 && e.Path[0] == "__nameid_version1.0":
			key = "nameid/" + e.Name
		default:
			continue // recipients, attachments, embedded messages
		}
		if !strings.HasPrefix(e.Name, "__") || e.Size <= 0 {
			continue
		}
		if e.Size > size {
			return contact.Contact{}, 0, &formats.ParseError{File: name, Field: e.Name, Err: fmt.Errorf("stream of %d bytes in a %d-byte file", e.Size, size)}
		}
		b := make([]byte, e.Size)
		if n, err := io.ReadFull(e, b); err != nil && !(errors.Is(err, io.EOF) && int64(n) == e.Size) {
			return contact.Contact{}, 0, &formats.ParseError{File: name, Field: e.Name, Err: fmt.Errorf("cannot read the stream: %v", err)}
		}
		streams[key] = b
	}
	m := pst.NewMessage()
	props, ok := streams["__properties_version1.0"]
	if !ok {
		return contact.Contact{}, 0, &formats.ParseError{File: name, Field: "__properties_version1.0", Err: errors.New("no property stream: not an Outlook item")}
	}
	// The top-level message's property stream starts with a 32-byte header.
	if len(props) < 32 || (len(props)-32)%16 != 0 {
		return contact.Contact{}, 0, &formats.ParseError{File: name, Field: "__properties_version1.0", Err: fmt.Errorf("%d bytes: want a 32-byte header and 16-byte entries", len(props))}
	}
	le := binary.LittleEndian
	var entryID []byte
	for off := 32; off+16 <= len(props); off += 16 {
		tag := le.Uint32(props[off:])
		typ, id := uint16(tag), uint16(tag>>16)
		val := props[off+8 : off+16]
		var v []byte
		switch {
		case typ&0x1000 != 0 && variable(typ&^0x1000):
			var vals [][]byte
			for i := 0; ; i++ {
				s, ok := streams[fmt.Sprintf("__substg1.0_%04X%04X-%08X", id, typ, i)]
				if !ok {
					break
				}
				vals = append(vals, s)
			}
			v = pst.MultiValue(vals)
		case typ&0x1000 != 0 || variable(typ):
			s, ok := streams[fmt.Sprintf("__substg1.0_%04X%04X", id, typ)]
			if !ok {
				continue // declared, stored nowhere: absent
			}
			v = s
		default:
			v = val
		}
		if id == 0x0FFF && typ == 0x0102 {
			entryID = v
		}
		if err := m.Add(id, typ, v); err != nil {
			return contact.Contact{}, 0, &formats.ParseError{File: name, Field: "__properties_version1.0", Offset: int64(off), Err: err}
		}
	}
	if err := m.SetNames(streams["nameid/__substg1.0_00020102"], streams["nameid/__substg1.0_00030102"], streams["nameid/__substg1.0_00040102"]); err != nil {
		return contact.Contact{}, 0, &formats.ParseError{File: name, Field: "__nameid_version1.0", Err: err}
	}
	switch {
	case m.IsDistList():
		return contact.Contact{}, kindDistList, nil
	case !m.IsContact():
		return contact.Contact{}, kindOther, nil
	}
	c, err = m.Contact()
	if err != nil {
		return contact.Contact{}, 0, &formats.ParseError{File: name, Field: "__substg1.0_10090102 (PidTagRtfCompressed)", Err: err}
	}
	if len(entryID) > 0 {
		c.Key = strings.ToUpper(hex.EncodeToString(entryID))
	}
	return c, kindContact, nil
}

// variable reports whether a MAPI type is stored in a stream of its own.
func variable(typ uint16) bool {
	switch typ {
	case 0x001E, 0x001F, 0x0102, 0x000D, 0x0048:
		return true
	}
	return false
}
