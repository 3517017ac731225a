// Package pst reads the contacts of an Outlook personal folders file (.pst)
// from Microsoft's open [MS-PST] specification, without any C library.
//
// The file is read in the specification's three layers. The NDB layer
// (ndb.go) finds nodes through the node B-tree and blocks through the block
// B-tree, undoes the "permute" or "cyclic" encoding of data blocks, and
// assembles data trees and subnode trees. The LTP layer (ltp.go) reads the
// heap-on-node inside a node, B-trees on that heap, property contexts (one
// object's properties) and table contexts (folder hierarchy and contents
// tables). The messaging layer (this file) walks the folder tree from the
// store's IPM subtree, picks the contacts folder, and maps each IPM.Contact
// message to a contact.Contact (mapping.go).
//
// Choices that may surprise:
//   - Pages and blocks are read on demand through an io.ReaderAt with a
//     small page cache, so memory grows with the contacts read, not with the
//     file. Every tree walk is bounded by its level bytes (each child one
//     level below its parent) and by maxDepth, so a corrupt file ends in a
//     *formats.ParseError naming the offset and the node or block, never in
//     a panic or an endless loop.
//   - The password of a password-protected PST is only a property (a CRC of
//     the password); the data is not encrypted by it. The file is read and a
//     warning says so.
//   - Contact.Key is the message's Outlook entry id in hex: 4 zero flag
//     bytes, the store's 16-byte record key (PidTagRecordKey of the message
//     store) and the message's 4-byte node id, little-endian — the EntryID
//     Outlook itself shows for items of a PST. It is stable while the item
//     stays in the same .pst file.
//   - Every property with no canonical field is kept in Contact.Extra under
//     its [MS-OXPROPS] name ("PidTagNickname", "PidLidFileUnder") with
//     Format contact.FormatPST. This package only reads, so those values
//     are PST's own: other writers carry them (vCard) or leave them out.
//   - Distribution lists (IPM.DistList) are counted and reported in
//     Warnings, not mapped.
//   - 4k-page files (wVer 36, Outlook 2013 OST) are refused with a clear
//     error: their blocks may be compressed, which [MS-PST] does not
//     describe.
package pst

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// Options says which folder to read.
type Options struct {
	Folder string // folder path like "Contacts" or "Contacts/CRM"; "" = the store's default Contacts folder
}

// Store is what ReadFile found in a PST.
type Store struct {
	Path      string
	Contacts  []contact.Contact // IPM.Contact messages of the chosen folder
	Deleted   []contact.Contact // IPM.Contact messages in Deleted Items
	DistLists int               // IPM.DistList messages seen (counted, reported, not mapped)
	Folders   []string          // every folder path in the store, for messages/help
	Warnings  []string          // e.g. "password-protected PST: read anyway", dist lists skipped
	// Folder is the path of the folder the contacts were read from.
	Folder string
}

// ReadFile reads the contacts of the chosen folder and of Deleted Items.
// Bad structure gives a *formats.ParseError with Offset and the node or
// block id in Field.
func ReadFile(path string, opt Options) (*Store, error) {
	osf, size, err := openOS(path)
	if err != nil {
		return nil, err
	}
	defer osf.Close()
	return Read(osf, size, path, opt)
}

// Read is ReadFile for a PST held by any io.ReaderAt of the given size;
// name is used in errors.
func Read(ra io.ReaderAt, size int64, name string, opt Options) (*Store, error) {
	f, err := openFile(ra, size, name)
	if err != nil {
		return nil, err
	}
	return (&reader{f: f}).read(opt, nil)
}

// Validate reads the whole store — every folder and every message in it —
// and reports every problem it finds instead of stopping at the first.
func Validate(path string) formats.ErrorList {
	osf, size, err := openOS(path)
	if err != nil {
		return errorList(err, path)
	}
	defer osf.Close()
	return validate(osf, size, path)
}

func validate(ra io.ReaderAt, size int64, name string) formats.ErrorList {
	f, err := openFile(ra, size, name)
	if err != nil {
		return errorList(err, name)
	}
	var errs formats.ErrorList
	if _, err := (&reader{f: f}).read(Options{}, &errs); err != nil {
		errs = append(errs, errorList(err, name)...)
	}
	return errs
}

func errorList(err error, path string) formats.ErrorList {
	if pe := asParseError(err); pe != nil {
		return formats.ErrorList{pe}
	}
	return formats.ErrorList{{File: path, Err: err}}
}

func asParseError(err error) *formats.ParseError {
	var pe *formats.ParseError
	if errors.As(err, &pe) {
		return pe
	}
	return nil
}

// reader holds an open PST and what the messaging layer learned about it.
type reader struct {
	f         *file
	names     *nameMap
	recordKey []byte
	folders   []*folder
}

func openOS(path string) (*os.File, int64, error) {
	osf, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	st, err := osf.Stat()
	if err != nil {
		osf.Close()
		return nil, 0, err
	}
	return osf, st.Size(), nil
}

const (
	nidMessageStore = 0x21
	nidRootFolder   = 0x122
)

// folder is one folder of the store's tree.
type folder struct {
	nid    uint32
	name   string
	class  string // PidTagContainerClass, e.g. "IPF.Contact"
	path   string // "/"-joined names below the IPM subtree
	parent *folder
}

// read does the work of ReadFile; with errs non-nil (Validate) it goes on
// after a bad message or folder and reads every folder.
func (r *reader) read(opt Options, errs *formats.ErrorList) (*Store, error) {
	st := &Store{Path: r.f.path}
	store, err := r.f.openNode(nidMessageStore)
	if err != nil {
		return nil, fmt.Errorf("message store: %w", err)
	}
	sp, err := store.pc()
	if err != nil {
		return nil, fmt.Errorf("message store: %w", err)
	}
	r.recordKey = sp.binary(tagRecordKey)
	if pw, ok := sp.int(tagPstPassword); ok && pw != 0 {
		st.Warnings = append(st.Warnings, "password-protected PST: read anyway (the password does not encrypt the data)")
	}
	r.names, err = r.f.readNameMap()
	if err != nil {
		if errs == nil {
			return nil, fmt.Errorf("name-to-id map: %w", err)
		}
		*errs = append(*errs, errorList(err, r.f.path)...)
		r.names = &nameMap{}
	}

	// The IPM subtree is the root of what the user sees; fall back to the
	// root folder when the store does not name it.
	top := uint32(nidRootFolder)
	if id := entryNID(sp.binary(tagIpmSubTreeEntryID)); id != 0 {
		top = id
	}
	waste := entryNID(sp.binary(tagWastebasketEntry))
	if err := r.walkFolders(&folder{nid: top}, 0, map[uint32]bool{}, errs); err != nil {
		return nil, err
	}
	for _, fo := range r.folders {
		st.Folders = append(st.Folders, fo.path)
	}

	chosen, err := r.chooseFolder(opt.Folder)
	if err != nil {
		return nil, err
	}
	var deleted *folder
	for _, fo := range r.folders {
		if fo.nid == waste || waste == 0 && fo.parent != nil && fo.parent.parent == nil && strings.EqualFold(fo.name, "Deleted Items") {
			deleted = fo
			break
		}
	}

	if errs != nil {
		// Validate: read every message of every folder.
		for _, fo := range r.folders {
			if _, _, err := r.readFolder(fo, errs); err != nil {
				*errs = append(*errs, errorList(err, r.f.path)...)
			}
		}
		return st, nil
	}
	if chosen == nil {
		st.Warnings = append(st.Warnings, "no contacts folder (container class IPF.Contact) in the store; choose one of: "+strings.Join(st.Folders, ", "))
	} else {
		st.Folder = chosen.path
		cs, dl, err := r.readFolder(chosen, nil)
		if err != nil {
			return nil, err
		}
		st.Contacts, st.DistLists = cs, dl
		if dl > 0 {
			st.Warnings = append(st.Warnings, fmt.Sprintf("%d distribution list(s) in %q not read: contactsync maps contacts only", dl, chosen.path))
		}
	}
	if deleted != nil && deleted != chosen {
		cs, dl, err := r.readFolder(deleted, nil)
		if err != nil {
			return nil, err
		}
		st.Deleted = cs
		st.DistLists += dl
		if dl > 0 {
			st.Warnings = append(st.Warnings, fmt.Sprintf("%d distribution list(s) in %q not read: contactsync maps contacts only", dl, deleted.path))
		}
	}
	return st, nil
}

// entryNID returns the node id at the end of a PST entry id (flags, store
// UID, NID), or 0.
func entryNID(eid []byte) uint32 {
	if len(eid) != 24 {
		return 0
	}
	return le.Uint32(eid[20:])
}

// walkFolders reads fo's properties and, through its hierarchy table, its
// subfolders, depth first. seen guards against a folder listed inside
// itself.
func (r *reader) walkFolders(fo *folder, depth int, seen map[uint32]bool, errs *formats.ErrorList) error {
	n, err := r.f.openNode(fo.nid)
	if err != nil {
		return fmt.Errorf("folder: %w", err)
	}
	if seen[fo.nid] {
		return r.f.perr(n.off(), nodeField(fo.nid), "folder appears twice in the folder tree (cycle)")
	}
	if depth > 64 {
		return r.f.perr(n.off(), nodeField(fo.nid), "folders nested deeper than 64 levels")
	}
	seen[fo.nid] = true
	p, err := n.pc()
	if err != nil {
		return fmt.Errorf("folder: %w", err)
	}
	fo.name = p.str(tagDisplayName)
	fo.class = p.str(tagContainerClass)
	if fo.parent != nil {
		if fo.parent.path == "" {
			fo.path = fo.name
		} else {
			fo.path = fo.parent.path + "/" + fo.name
		}
		r.folders = append(r.folders, fo)
	}
	ids, err := r.tableRowIDs(fo.nid&^0x1F|0x0D, fo)
	if err != nil {
		if errs == nil {
			return err
		}
		*errs = append(*errs, errorList(err, r.f.path)...)
		return nil
	}
	for _, id := range ids {
		if err := r.walkFolders(&folder{nid: id, parent: fo}, depth+1, seen, errs); err != nil {
			if errs == nil {
				return err
			}
			*errs = append(*errs, errorList(err, r.f.path)...)
		}
	}
	return nil
}

// tableRowIDs returns the row ids of a hierarchy or contents table in table
// order; they are the node ids of the subfolders or messages. A folder
// without the table has no rows.
func (r *reader) tableRowIDs(nid uint32, fo *folder) ([]uint32, error) {
	n, err := r.f.openNode(nid)
	if err != nil {
		if pe := asParseError(err); pe != nil && errors.Is(err, errNotFound) && pe.Field == nodeField(nid) {
			return nil, nil
		}
		return nil, fmt.Errorf("folder %q: %w", fo.path, err)
	}
	t, err := n.table()
	if err != nil {
		return nil, fmt.Errorf("folder %q table: %w", fo.path, err)
	}
	type rowRef struct {
		id  uint32
		idx int
	}
	refs := make([]rowRef, len(t.rowIDs))
	for i := range t.rowIDs {
		refs[i] = rowRef{t.rowIDs[i], t.rowIdx[i]}
	}
	// Table order is row-matrix order; the row index is sorted by id.
	slices.SortStableFunc(refs, func(a, b rowRef) int { return cmp.Compare(a.idx, b.idx) })
	ids := make([]uint32, 0, len(refs))
	for _, ref := range refs {
		// Cross-check with the row's own LtpRowId cell when present.
		if row, err := t.row(ref.idx); err == nil {
			if v, err := t.cell(row, tagLtpRowID); err == nil && len(v) == 4 && le.Uint32(v) != ref.id {
				return nil, r.f.perr(n.off(), nodeField(nid), "row %d holds id 0x%x but the row index says 0x%x", ref.idx, le.Uint32(v), ref.id)
			}
		} else {
			return nil, err
		}
		ids = append(ids, ref.id)
	}
	return ids, nil
}

// chooseFolder finds the folder named by path (case-insensitive), or the
// default contacts folder: a top-level IPF.Contact folder named Contacts,
// else the first IPF.Contact folder.
func (r *reader) chooseFolder(path string) (*folder, error) {
	path = strings.Trim(strings.ReplaceAll(path, "\\", "/"), "/")
	if path != "" {
		for _, fo := range r.folders {
			if strings.EqualFold(fo.path, path) {
				return fo, nil
			}
		}
		names := make([]string, len(r.folders))
		for i, fo := range r.folders {
			names[i] = fo.path
		}
		return nil, fmt.Errorf("%s: no folder %q in the store (folders: %s)", r.f.path, path, strings.Join(names, ", "))
	}
	var first *folder
	for _, fo := range r.folders {
		if !isContactClass(fo.class) {
			continue
		}
		if strings.EqualFold(fo.path, "Contacts") {
			return fo, nil
		}
		if first == nil {
			first = fo
		}
	}
	return first, nil
}

func isContactClass(c string) bool {
	return strings.EqualFold(c, "IPF.Contact") || len(c) > 12 && strings.EqualFold(c[:12], "IPF.Contact.")
}

// readFolder maps the contact messages of a folder and counts its
// distribution lists. With errs non-nil a bad message is recorded and
// skipped.
func (r *reader) readFolder(fo *folder, errs *formats.ErrorList) ([]contact.Contact, int, error) {
	ids, err := r.tableRowIDs(fo.nid&^0x1F|0x0E, fo)
	if err != nil {
		return nil, 0, err
	}
	var out []contact.Contact
	dl := 0
	for _, id := range ids {
		c, kind, err := r.readMessage(id)
		if err != nil {
			err = fmt.Errorf("folder %q message 0x%x: %w", fo.path, id, err)
			if errs == nil {
				return nil, 0, err
			}
			*errs = append(*errs, errorList(err, r.f.path)...)
			continue
		}
		switch kind {
		case kindContact:
			c.Line = len(out) + 1
			out = append(out, c)
		case kindDistList:
			dl++
		}
	}
	return out, dl, nil
}

const (
	kindOther = iota
	kindContact
	kindDistList
)

func (r *reader) readMessage(nid uint32) (contact.Contact, int, error) {
	n, err := r.f.openNode(nid)
	if err != nil {
		return contact.Contact{}, 0, err
	}
	p, err := n.pc()
	if err != nil {
		return contact.Contact{}, 0, err
	}
	class := strings.ToUpper(p.str(tagMessageClass))
	switch {
	case class == "IPM.CONTACT" || strings.HasPrefix(class, "IPM.CONTACT.") || class == "IPM.ABCHPERSON":
	case class == "IPM.DISTLIST" || strings.HasPrefix(class, "IPM.DISTLIST."):
		return contact.Contact{}, kindDistList, nil
	default:
		return contact.Contact{}, kindOther, nil
	}
	c, err := r.mapContact(p, nid)
	return c, kindContact, err
}
