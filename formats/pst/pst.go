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
//   - Without a folder named, the contacts folder is chosen by class
//     (IPF.Contact, "Contacts" first) and, when no such folder holds
//     contact items, by the items the folders hold (IPM.Contact,
//     IPM.DistList): tools that write PSTs file contacts anywhere (Aspose's
//     samples keep them in "myInbox"). Several candidates, or none, leave
//     Store.Unchosen set with the counts instead of guessing. Outlook's
//     Recipient Cache and hidden folders are never taken.
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
	// SkipInvalid sets aside the items that cannot be read (Store.Rejected)
	// instead of stopping; a folder or table that cannot be read still
	// stops the read.
	SkipInvalid bool
}

// Store is what ReadFile found in a PST.
type Store struct {
	Path string
	// Input is the file read by ReadFile, hashed from the same open file
	// while it was read.
	Input     formats.InputFile
	Contacts  []contact.Contact // IPM.Contact messages of the chosen folder
	Deleted   []contact.Contact // IPM.Contact messages in Deleted Items
	DistLists int               // IPM.DistList messages seen (counted, reported, not mapped)
	Folders   []string          // every folder path in the store, for messages/help
	Warnings  []formats.Warning // e.g. a password-protected PST read anyway, dist lists skipped
	// Folder is the path of the folder the contacts were read from, and
	// FolderChoice how it was chosen (Choice...).
	Folder       string
	FolderChoice string
	// Unchosen is set, and no contacts are read, when no folder was named
	// and the store does not say which holds the contacts: several hold
	// contact items, or none does and there is no contacts folder.
	Unchosen *FolderError
	// Rejected lists the items set aside under Options.SkipInvalid, one
	// positioned problem each.
	Rejected formats.ErrorList
}

// ReadFile reads the contacts of the chosen folder and of Deleted Items:
// the Reader, drained into Store.Contacts. Bad structure gives a
// *formats.ParseError with Offset and the node or block id in Field.
// When no folder was named and the store does not say which holds the
// contacts, Store.Unchosen is set and no contacts are read.
func ReadFile(path string, opt Options) (*Store, error) {
	osf, size, err := openOS(path)
	if err != nil {
		return nil, err
	}
	rd, err := newReader(osf, size, path, opt, osf)
	if err != nil {
		osf.Close()
		return nil, err
	}
	return rd.drain()
}

// Read is ReadFile for a PST held by any io.ReaderAt of the given size;
// name is used in errors. Store.Input is left empty.
func Read(ra io.ReaderAt, size int64, name string, opt Options) (*Store, error) {
	rd, err := newReader(ra, size, name, opt, nil)
	if err != nil {
		return nil, err
	}
	return rd.drain()
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
	lenient   bool // Options.SkipInvalid
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
	system bool // kept by Outlook for itself (Recipient Cache, hidden): never chosen unless named
}

// read reads the store's folders and, with errs nil, chooses the folder
// of the contacts (st.Folder, st.FolderChoice; st.Unchosen when it cannot)
// and returns it with Deleted Items, whose items are left unread: the
// Reader reads them one at a time. With errs non-nil (Validate) it goes on
// after a bad message or folder and reads every message of every folder.
func (r *reader) read(opt Options, errs *formats.ErrorList) (*Store, error) {
	st, _, _, err := r.open(opt, errs)
	return st, err
}

func (r *reader) open(opt Options, errs *formats.ErrorList) (st *Store, chosen, deleted *folder, err error) {
	st = &Store{Path: r.f.path}
	store, err := r.f.openNode(nidMessageStore)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("message store: %w", err)
	}
	sp, err := store.pc()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("message store: %w", err)
	}
	r.recordKey = sp.binary(tagRecordKey)
	if pw, ok := sp.int(tagPstPassword); ok && pw != 0 {
		st.Warnings = append(st.Warnings, formats.Warn(formats.WarnPassword, "password-protected PST: read anyway (the password does not encrypt the data)"))
	}
	r.names, err = r.f.readNameMap()
	if err != nil {
		if errs == nil {
			return nil, nil, nil, fmt.Errorf("name-to-id map: %w", err)
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
		return nil, nil, nil, err
	}
	for _, fo := range r.folders {
		st.Folders = append(st.Folders, fo.path)
	}

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
		return st, nil, nil, nil
	}
	chosen, why, err := r.chooseFolder(opt.Folder, deleted)
	var fe *FolderError
	switch {
	case errors.As(err, &fe):
		// Not a fault of the file: the caller must name the folder.
		st.Unchosen = fe
		st.Warnings = append(st.Warnings, formats.Warn(formats.WarnFolderUnchosen, fe.Error()))
		return st, nil, deleted, nil
	case err != nil:
		return nil, nil, nil, err
	}
	st.FolderChoice = why
	if why == choiceEmptyStore {
		st.Warnings = append(st.Warnings, formats.Warn(formats.WarnEmptyStore, fmt.Sprintf("no contact items (IPM.Contact, IPM.DistList) in any folder of the store; %q is empty", chosen.path)))
	}
	st.Folder = chosen.path
	if deleted == chosen {
		deleted = nil
	}
	return st, chosen, deleted, nil
}

// distListsWarning says that a folder's distribution lists were not read.
func distListsWarning(n int, fo *folder) formats.Warning {
	return formats.Warn(formats.WarnDistLists, fmt.Sprintf("%d distribution list(s) in %q not read: contactsync maps contacts only", n, fo.path))
}

// rejects is where readFolder sets aside the items it cannot read: nil
// (stop at the first) unless reading leniently.
func (r *reader) rejects(st *Store) *formats.ErrorList {
	if r.lenient {
		return &st.Rejected
	}
	return nil
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
	hidden := false
	if v, ok := p.props[tagAttributeHidden]; ok && v.typ == typBool && len(v.val) > 0 && v.val[0] != 0 {
		hidden = true
	}
	fo.system = systemFolder(fo.name, fo.class, hidden) || fo.parent != nil && fo.parent.system
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
	ids, _, err := r.tableRows(nid, fo, false)
	return ids, err
}

// tableRows is tableRowIDs, and with classes set the message class each
// row of a contents table holds ("" where its cell is absent).
func (r *reader) tableRows(nid uint32, fo *folder, classes bool) ([]uint32, []string, error) {
	n, err := r.f.openNode(nid)
	if err != nil {
		if pe := asParseError(err); pe != nil && errors.Is(err, errNotFound) && pe.Field == nodeField(nid) {
			return nil, nil, nil
		}
		return nil, nil, fmt.Errorf("folder %q: %w", fo.path, err)
	}
	t, err := n.table()
	if err != nil {
		return nil, nil, fmt.Errorf("folder %q table: %w", fo.path, err)
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
	var cls []string
	if classes {
		cls = make([]string, 0, len(refs))
	}
	for _, ref := range refs {
		// Cross-check with the row's own LtpRowId cell when present.
		row, err := t.row(ref.idx)
		if err != nil {
			return nil, nil, err
		}
		if v, err := t.cell(row, tagLtpRowID); err == nil && len(v) == 4 && le.Uint32(v) != ref.id {
			return nil, nil, r.f.perr(n.off(), nodeField(nid), "row %d holds id 0x%x but the row index says 0x%x", ref.idx, le.Uint32(v), ref.id)
		}
		ids = append(ids, ref.id)
		if classes {
			cls = append(cls, rowClass(t, row))
		}
	}
	return ids, cls, nil
}

// rowClass is the message class in a contents table's row, "" when the
// row holds none (or one that cannot be read: the message says then).
func rowClass(t *table, row []byte) string {
	if v, err := t.cell(row, uint32(tagMessageClass)<<16|typString); err == nil && v != nil {
		return utf16String(v)
	}
	if v, err := t.cell(row, uint32(tagMessageClass)<<16|typString8); err == nil && v != nil {
		return string(v) // class names are ASCII
	}
	return ""
}

// How the contacts folder was chosen (Store.FolderChoice).
const (
	ChoiceNamed      = "named by the caller"
	ChoiceContacts   = "the store's Contacts folder"
	ChoiceClass      = "the only contacts folder (IPF.Contact) holding contact items"
	ChoiceItems      = "the only folder holding contact items (IPM.Contact, IPM.DistList)"
	choiceEmptyStore = "the store's contacts folder; no folder holds contact items"
)

// FolderCount is a folder and the contact items it holds.
type FolderCount struct {
	Path      string
	Contacts  int // IPM.Contact items
	DistLists int // IPM.DistList items
}

func (fc FolderCount) String() string {
	s := fmt.Sprintf("%q (%d contacts", fc.Path, fc.Contacts)
	if fc.DistLists > 0 {
		s += fmt.Sprintf(", %d distribution lists", fc.DistLists)
	}
	return s + ")"
}

// FolderError says that the folder of the contacts cannot be chosen
// without the caller naming it: Candidates are the folders that hold
// contact items (several), or none when no folder of the store holds any.
type FolderError struct {
	Path       string
	Candidates []FolderCount
	Folders    []string // every folder of the store
}

func (e *FolderError) Error() string {
	if len(e.Candidates) == 0 {
		return fmt.Sprintf("%s: no contact items (IPM.Contact, IPM.DistList) in any folder of the store and no contacts folder (folders: %s)",
			e.Path, strings.Join(e.Folders, ", "))
	}
	parts := make([]string, len(e.Candidates))
	for i, c := range e.Candidates {
		parts[i] = c.String()
	}
	return fmt.Sprintf("%s: contact items in several folders: %s", e.Path, strings.Join(parts, ", "))
}

// chooseFolder finds the folder named by path (case-insensitive), or else
// the folder of the user's contacts:
//  1. the contacts folders (container class IPF.Contact) that hold contact
//     items: the top-level "Contacts" among them, else the only one;
//  2. else every folder that holds contact items (a store written by a tool
//     that files contacts under "myInbox", or leaves out the container
//     class): the only one;
//  3. several in step 1 or 2 are a *FolderError listing them with their
//     counts; no contact item anywhere takes the empty contacts folder if
//     there is one, else is a *FolderError too.
//
// Deleted Items, Outlook's "Recipient Cache" (the addresses Outlook
// remembers, not the user's contacts) and other hidden folders are never
// taken unless named.
func (r *reader) chooseFolder(path string, deleted *folder) (*folder, string, error) {
	path = strings.Trim(strings.ReplaceAll(path, "\\", "/"), "/")
	if path != "" {
		for _, fo := range r.folders {
			if strings.EqualFold(fo.path, path) {
				return fo, ChoiceNamed, nil
			}
		}
		names := make([]string, len(r.folders))
		for i, fo := range r.folders {
			names[i] = fo.path
		}
		return nil, "", fmt.Errorf("%s: no folder %q in the store (folders: %s)", r.f.path, path, strings.Join(names, ", "))
	}
	return pickFolder(r.f.path, r.folders, deleted, r.countItems)
}

// pickFolder is chooseFolder without a folder named: folders in tree order,
// count gives the contact items of one.
func pickFolder(file string, folders []*folder, deleted *folder, count func(*folder) (int, int, error)) (*folder, string, error) {
	var counts []FolderCount
	var held []*folder
	var emptyContacts *folder
	paths := make([]string, len(folders))
	for i, fo := range folders {
		paths[i] = fo.path
	}
	for _, fo := range folders {
		if fo == deleted || fo.system {
			continue
		}
		c, d, err := count(fo)
		if err != nil {
			return nil, "", err
		}
		if c+d == 0 {
			if isContactClass(fo.class) && (emptyContacts == nil || strings.EqualFold(fo.path, "Contacts")) {
				emptyContacts = fo
			}
			continue
		}
		counts = append(counts, FolderCount{Path: fo.path, Contacts: c, DistLists: d})
		held = append(held, fo)
	}
	pick := func(classOnly bool) (*folder, []FolderCount) {
		var fs []*folder
		var cs []FolderCount
		for i, fo := range held {
			if !classOnly || isContactClass(fo.class) {
				fs, cs = append(fs, fo), append(cs, counts[i])
			}
		}
		if len(fs) == 1 {
			return fs[0], nil
		}
		return nil, cs
	}
	for _, fo := range held {
		if isContactClass(fo.class) && strings.EqualFold(fo.path, "Contacts") {
			return fo, ChoiceContacts, nil
		}
	}
	fo, several := pick(true)
	if fo != nil {
		return fo, ChoiceClass, nil
	}
	if len(several) == 0 {
		if fo, several = pick(false); fo != nil {
			return fo, ChoiceItems, nil
		}
	}
	if len(several) > 0 {
		return nil, "", &FolderError{Path: file, Candidates: several, Folders: paths}
	}
	if emptyContacts != nil {
		return emptyContacts, choiceEmptyStore, nil
	}
	return nil, "", &FolderError{Path: file, Folders: paths}
}

// systemFolder reports whether Outlook keeps fo for itself: the Recipient
// Cache (every address the user wrote to), the hidden folders of
// Skype/Lync and the address book caches, anything marked hidden.
func systemFolder(name, class string, hidden bool) bool {
	c := strings.ToUpper(class)
	return hidden || strings.EqualFold(name, "Recipient Cache") || strings.Contains(c, "RECIPIENTCACHE") ||
		strings.HasPrefix(c, "IPF.CONTACT.MOC.") || strings.Contains(c, "GALCONTACTS") || strings.Contains(c, "ORGANIZATIONALCONTACTS")
}

// countItems counts the contact items (IPM.Contact) and distribution lists
// of a folder, by the message class column of its contents table, else
// (a row without it) by the message's own class: choosing the folder does
// not read every item of the store.
func (r *reader) countItems(fo *folder) (contacts, dists int, err error) {
	ids, classes, err := r.tableRows(fo.nid&^0x1F|0x0E, fo, true)
	if err != nil {
		return 0, 0, err
	}
	for i, id := range ids {
		class := classes[i]
		if class == "" {
			n, err := r.f.openNode(id)
			var p *pc
			if err == nil {
				p, err = n.pc()
			}
			if err != nil {
				if r.lenient {
					continue // set aside when the folder is read
				}
				return 0, 0, fmt.Errorf("folder %q message 0x%x: %w", fo.path, id, err)
			}
			class = p.str(tagMessageClass)
		}
		switch classKind(class) {
		case kindContact:
			contacts++
		case kindDistList:
			dists++
		}
	}
	return contacts, dists, nil
}

func classKind(class string) int {
	class = strings.ToUpper(class)
	switch {
	case class == "IPM.CONTACT" || strings.HasPrefix(class, "IPM.CONTACT.") || class == "IPM.ABCHPERSON":
		return kindContact
	case class == "IPM.DISTLIST" || strings.HasPrefix(class, "IPM.DISTLIST."):
		return kindDistList
	}
	return kindOther
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
		c, kind, err := r.readItem(fo, id, errs)
		if err != nil {
			return nil, 0, err
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

// readItem reads the message id of folder fo. A message that cannot be
// read is an error with errs nil; else it is recorded in errs (as one
// positioned problem set aside when reading leniently) and reads as
// kindOther.
func (r *reader) readItem(fo *folder, id uint32, errs *formats.ErrorList) (contact.Contact, int, error) {
	c, kind, err := r.readMessage(id)
	if err == nil {
		return c, kind, nil
	}
	err = fmt.Errorf("folder %q message 0x%x: %w", fo.path, id, err)
	if errs == nil {
		return contact.Contact{}, 0, err
	}
	if r.lenient {
		// Set aside: say which item, where, and why.
		pe := &formats.ParseError{File: r.f.path, Field: nodeField(id), Err: err}
		if inner := asParseError(err); inner != nil {
			pe.Offset, pe.Field = inner.Offset, inner.Field
			pe.Err = fmt.Errorf("folder %q item 0x%x: %w", fo.path, id, inner.Err)
		}
		*errs = append(*errs, pe)
	} else {
		*errs = append(*errs, errorList(err, r.f.path)...)
	}
	return contact.Contact{}, kindOther, nil
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
	switch classKind(p.str(tagMessageClass)) {
	case kindContact:
	case kindDistList:
		return contact.Contact{}, kindDistList, nil
	default:
		return contact.Contact{}, kindOther, nil
	}
	c, err := r.mapContact(p, nid)
	return c, kindContact, err
}
