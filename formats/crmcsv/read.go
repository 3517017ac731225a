package crmcsv

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// File names of a CRM dump folder.
const (
	ContactsFile  = "contacts.csv"
	AccountsFile  = "accounts.csv"
	SyncGroupFile = "syncgroup.csv"
)

// Dump is one CRM dump folder.
type Dump struct {
	Dir           string
	Contacts      []contact.Contact // from contacts.csv, in file order
	Accounts      []contact.Account // from accounts.csv, in file order
	SyncGroup     []string          // CONTACTIDs from syncgroup.csv, in order; nil without the file
	HasSyncGroup  bool
	ContactHeader []string // contacts.csv header as in the file
	// Inputs are the files of the dump that were read, hashed as read.
	Inputs        []formats.InputFile
	AccountHeader []string // accounts.csv header as in the file
	// SyncGroupHeader is the syncgroup.csv header as in the file; nil
	// without the file.
	SyncGroupHeader []string

	// The cells as read, by id, so that WriteDump writes every value that
	// did not change byte for byte as it was (padding, quoting of the
	// user's own "'" text, address lines with line breaks of their own).
	// contactRows and syncRows hold only the rows that writing without
	// them would not give back (see layout.reproduces): most rows need no
	// copy.
	contactRows map[string][]string
	accountRows map[string][]string
	syncRows    map[string][]string
	// dateLayout is the MODIFYDATE form the dump uses; written dates follow it.
	dateLayout string
	// secRights is secrights.csv (user → owner codes), nil without it;
	// secRightsRaw is the file as read, written back unchanged.
	secRights    map[string]map[string]bool
	secRightsRaw []byte
	// contactFile and accountFile are the files read (contacts.csv or a
	// CONTACT table, ...); address is the ADDRESS table joined onto the
	// contacts of a table-shaped dump (tables.go), nil otherwise.
	contactFile, accountFile string
	address                  *addressJoin
}

// TableShaped reports whether the dump came as the CRM's CONTACT, ACCOUNT
// and ADDRESS tables rather than contacts.csv and accounts.csv.
func (d *Dump) TableShaped() bool {
	return d.address != nil || strings.EqualFold(filepath.Base(d.contactFile), ContactTable)
}

// ReadDir reads the CRM dump folder dir. The first problem found is
// returned as a *formats.ParseError.
func ReadDir(dir string) (*Dump, error) {
	d, errs := readDir(dir, false)
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return d, nil
}

// Validate reads the dump folder dir and returns every problem it finds;
// an empty list means ReadDir would succeed.
func Validate(dir string) formats.ErrorList {
	_, errs := readDir(dir, true)
	return errs
}

// ReadDirLenient reads the dump folder dir like ReadDir, but sets aside
// the contact rows it cannot read (a bad date, a blank or repeated
// CONTACTID, a wrong number of cells) and returns them as problems with the
// rest of the dump. A problem that is not one row's (a missing file or
// column, a broken header, quoting that breaks the rest of a file, any
// problem in accounts.csv, syncgroup.csv or secrights.csv) still fails:
// the dump returned is nil.
func ReadDirLenient(dir string) (*Dump, formats.ErrorList) {
	return readDirLenient(dir, nil, false)
}

func readDirLenient(dir string, add eachFunc, views bool) (*Dump, formats.ErrorList) {
	d, errs, fileErrs := readDirEach(dir, true, add, views)
	if len(errs) == 0 {
		return d, nil
	}
	contacts, _ := findTable(dir, ContactsFile, ContactTable)
	for _, e := range errs {
		if e.File != contacts {
			return nil, errs
		}
	}
	if fileErrs > 0 || d == nil {
		return nil, errs
	}
	return d, errs
}

func readDir(dir string, collect bool) (*Dump, formats.ErrorList) {
	d, errs, _ := readDirEach(dir, collect, nil, false)
	if len(errs) > 0 {
		return nil, errs
	}
	return d, nil
}

// readDirEach reads the dump; in collect mode it goes on after
// problems and returns what it read with all of them, and how many of the
// problems concern contacts.csv as a whole rather than one of its rows.
//
// With add set, each contact read is handed to add (valid only during the
// call; with views, its strings too) instead of being kept in
// Dump.Contacts.
func readDirEach(dir string, collect bool, add eachFunc, views bool) (d *Dump, errs formats.ErrorList, fileErrs int) {
	d = &Dump{Dir: dir}
	readFile := func(name string, required bool) ([]byte, *formats.ParseError) {
		data, err := readFile(name, required)
		if data != nil {
			d.Inputs = append(d.Inputs, formats.HashBytes(name, data)) // before parsing, which may reuse data
		}
		return data, err
	}

	name, tables := findTable(dir, ContactsFile, ContactTable)
	d.contactFile = name
	var join *addressJoin
	if tables {
		if an, ok := findTable(dir, "", AddressTable); ok {
			adata, err := readFile(an, true)
			if err != nil {
				return nil, append(errs, err), fileErrs + 1
			}
			j, es := readAddressTable(an, adata, collect)
			if j == nil || len(es) > 0 {
				return nil, append(errs, es...), fileErrs + len(es)
			}
			join = j
		}
	}
	// contacts.csv, the large one, is decoded and parsed as it is read,
	// and hashed as it goes.
	text, err := openFile(name, true)
	if err != nil {
		errs = append(errs, err)
		fileErrs++
	} else {
		if text.t != nil {
			// Read, hashed and decoded on another core while it is
			// parsed; input stops that before it hashes the rest.
			text.t.ReadAhead()
		}
		f := newCSVText(name, text.t, text.err, collect)
		f.views = views && add != nil
		t, es := readContactsFrom(f, keyRequired, join, add)
		if in, err := text.input(); err == nil {
			d.Inputs = append(d.Inputs, in)
		} else {
			es = append(es, &formats.ParseError{File: name, Err: err})
		}
		d.address = join
		errs = append(errs, es...)
		if t != nil {
			d.Contacts, d.ContactHeader, d.contactRows, d.dateLayout = t.contacts, t.lay.header, t.rows, t.dateLayout
			fileErrs = t.fileErrs
		} else {
			fileErrs = len(es)
		}
	}
	if len(errs) > 0 && !collect {
		return nil, errs, fileErrs
	}

	name, _ = findTable(dir, AccountsFile, AccountTable)
	d.accountFile = name
	data, err := readFile(name, true)
	if err != nil {
		errs = append(errs, err)
	} else {
		t, es := readAccounts(name, data, collect, true)
		errs = append(errs, es...)
		if t != nil {
			d.Accounts, d.AccountHeader, d.accountRows = t.accounts, t.lay.header, t.rows
		}
	}
	if len(errs) > 0 && !collect {
		return nil, errs, fileErrs
	}

	name = filepath.Join(dir, SyncGroupFile)
	data, err = readFile(name, false)
	if err != nil {
		errs = append(errs, err)
	} else if data != nil {
		t, es := readIDList(name, data, collect)
		errs = append(errs, es...)
		if t != nil {
			d.SyncGroup, d.SyncGroupHeader, d.syncRows = t.ids, t.lay.header, t.rows
			d.HasSyncGroup = true
			if d.SyncGroup == nil {
				d.SyncGroup = []string{}
			}
		}
	}
	name = filepath.Join(dir, SecRightsFile)
	data, err = readFile(name, false)
	if err != nil {
		errs = append(errs, err)
	} else if data != nil {
		rights, es := readSecRights(name, data)
		errs = append(errs, es...)
		d.secRights, d.secRightsRaw = rights, data
	}
	return d, errs, fileErrs
}

// readFile reads a file of the dump. A missing optional file is nil data
// and no error.
func readFile(name string, required bool) ([]byte, *formats.ParseError) {
	data, err := formats.ReadFile(name)
	switch {
	case err == nil:
		return data, nil
	case errors.Is(err, fs.ErrNotExist) && !required:
		return nil, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, &formats.ParseError{File: name, Err: errors.New("file not found: a CRM dump folder needs contacts.csv and accounts.csv (or the CONTACT and ACCOUNT tables: CONTACT.csv, ACCOUNT.csv)")}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return nil, &formats.ParseError{File: name, Err: err}
}

// openedText is a file of the dump opened for streaming: t, or why it
// could not be decoded (err, which the table reader reports).
type openedText struct {
	t   *formats.Text
	err error
	in  formats.InputFile // the hash of a file that is no text
}

// openFile opens a file of the dump for streaming; the errors are
// readFile's.
func openFile(name string, required bool) (*openedText, *formats.ParseError) {
	if _, err := os.Stat(name); err != nil {
		_, pe := readFile(name, required) // the same error for the same cause
		if pe == nil {
			pe = &formats.ParseError{File: name, Err: err}
		}
		return nil, pe
	}
	t, err := formats.OpenText(name, "")
	if err != nil {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			return nil, &formats.ParseError{File: name, Err: pathErr.Err}
		}
		// Not text, or not decodable: the table reader reports err; the
		// file is hashed all the same.
		data, rerr := readFile(name, required)
		if rerr != nil {
			return nil, rerr
		}
		return &openedText{err: err, in: formats.HashBytes(name, data)}, nil
	}
	return &openedText{t: t}, nil
}

// input completes the hash of the file and closes it.
func (o *openedText) input() (formats.InputFile, error) {
	if o.t == nil {
		return o.in, nil
	}
	defer o.t.Close()
	return o.t.Input()
}

// keyRule says what a contacts table requires of CONTACTID.
type keyRule int

const (
	keyRequired keyRule = iota // column required, every value non-blank and unique
	keyNone                    // new contacts: no requirement
)

type contactTable struct {
	// fileErrs counts the problems that are not one row's.
	fileErrs   int
	lay        *layout
	contacts   []contact.Contact
	rows       map[string][]string
	dateLayout string
}

// readContacts reads a contacts table: the dump's contacts.csv or a
// cycle's contacts-new.csv / contacts-update.csv.
func readContacts(name string, data []byte, collect bool, rule keyRule) (*contactTable, formats.ErrorList) {
	return readContactsJoined(name, data, collect, rule, nil)
}

// readContactsJoined is readContacts for a CONTACT table with the ADDRESS
// table's columns joined onto each row (join non-nil).
func readContactsJoined(name string, data []byte, collect bool, rule keyRule, join *addressJoin) (*contactTable, formats.ErrorList) {
	return readContactsFrom(newCSVFile(name, data, collect), rule, join, nil)
}

// readContactsFrom reads a contacts table from f. With add set, each
// contact is handed to add (valid only during the call) instead of being
// kept.
func readContactsFrom(f *csvFile, rule keyRule, join *addressJoin, add eachFunc) (*contactTable, formats.ErrorList) {
	if !f.readHeader("CONTACTID, LASTNAME, FIRSTNAME, ...") {
		return nil, f.errs
	}
	header := f.header
	if join != nil {
		header = join.extend(slices.Clone(f.header))
	}
	lay := newLayout(header, contactKind, func(i, first int) {
		f.fieldErr(i, header[i], "duplicate column (same as column %d)", first+1)
	})
	if rule == keyRequired && !lay.has(colContactID) {
		f.add(1, 1, colContactID, "missing column: every CRM contact row needs its CONTACTID (the header has %s)", headerList(f.header))
	}
	if f.stopped() {
		return nil, f.errs
	}
	// Sizing up front from the file's size (a row of a real dump is
	// rarely under 100 bytes) avoids copying the (large) contacts over
	// and over as the slice grows.
	lines := int(min(f.text.Size/100, 1<<24)) + 16
	t := &contactTable{lay: lay, rows: map[string][]string{}}
	if add == nil {
		t.contacts = make([]contact.Contact, 0, lines)
	}
	seen := newIDSet()
	keyCol, hasKey := lay.first[colContactID]
	// Handed to add, the contact is valid only during the call: one is
	// reused, and its Extras' room with it.
	var c contact.Contact
	f.each(func(rec []string, line int) {
		errs := len(f.errs)
		if join != nil {
			rec = join.cells(rec)
		}
		var extra []contact.Extra
		if add != nil {
			extra = c.Extra[:0]
		}
		bad, dl := lay.contactInto(rec, &c, extra)
		c.Line = line
		if bad >= 0 {
			f.fieldErr(bad, lay.header[bad], "cannot read the date %q (want YYYY-MM-DD hh:mm:ss)", rec[bad])
		} else if dl != "" && t.dateLayout == "" {
			t.dateLayout = dl
		}
		if rule == keyRequired && hasKey {
			if c.Key == "" {
				f.fieldErr(keyCol, lay.header[keyCol], "blank CONTACTID: every contact needs its id")
				f.rowErrs += len(f.errs) - errs
				return
			}
			// (the set copies the id: c.Key is part of the record's text)
			if first, ok := seen.add(c.Key, line); !ok {
				f.fieldErr(keyCol, lay.header[keyCol], "duplicate CONTACTID %q (also on line %d)", c.Key, first)
				f.rowErrs += len(f.errs) - errs
				return
			}
		}
		if len(f.errs) > errs {
			f.rowErrs += len(f.errs) - errs
			return // a row with a problem is set aside (ReadDirLenient)
		}
		// The rows a write would not give back are kept for WriteDump,
		// which writes a dump's Contacts: handed to add, the contacts are
		// not the Dump's, and their rows are not kept (nor checked).
		if add == nil && rule == keyRequired && hasKey && !lay.reproduces(rec, &c, t.dateLayout) {
			t.rows[c.Key] = slices.Clone(rec) // never views: they come with add only
		}
		if add != nil {
			// The row's text, or a joined address's, may hold control
			// characters; without a join, the row's text alone says.
			add(&c, join != nil || contact.HasControl(f.r.Text()))
			return
		}
		t.contacts = append(t.contacts, c)
	})
	if f.stopped() {
		return nil, f.errs
	}
	t.fileErrs = len(f.errs) - f.rowErrs
	return t, f.errs
}

// contact maps one contacts-table record.
func (l *layout) contact(rec []string) (c contact.Contact, badDate int, dateLayout string) {
	badDate, dateLayout = l.contactInto(rec, &c, nil)
	return c, badDate, dateLayout
}

// contactInto maps one contacts-table record into c, whose Extras are
// appended to extra.
func (l *layout) contactInto(rec []string, c *contact.Contact, extra []contact.Extra) (badDate int, dateLayout string) {
	*c = contact.Contact{Extra: extra}
	badDate = -1
	var street []string
	if l.nStreet > 0 {
		street = l.street[:0]
		for range l.nStreet {
			street = append(street, "")
		}
		l.street = street
	}
	for i := range l.cols {
		col := &l.cols[i] // not a copy of 56 bytes a cell
		v := cellValue(col, rec[i])
		switch col.kind {
		case kindExtra:
			c.Extra = append(c.Extra, contact.Extra{Name: col.name, Value: v, Format: contact.FormatCRM})
		case kindField:
			c.Values[col.field] = v
		case kindStreet:
			street[col.street] = v
		case kindContactID:
			c.Key = v
		case kindAccountID:
			c.CRM.AccountID = v
		case kindOwner:
			c.CRM.Owner = v
		case kindManager:
			c.CRM.AccountManagerID = v
		case kindType:
			c.CRM.Type = v
		case kindStatus:
			c.CRM.Status = v
		case kindModified:
			t, dl, ok := parseDate(v)
			if !ok {
				badDate = i
				continue
			}
			c.Modified = t
			if !t.IsZero() {
				c.ModifiedFrom = colModifyDate
				dateLayout = dl
			}
		}
	}
	if l.nStreet > 0 {
		c.Values[contact.BusinessStreet] = joinStreet(street)
	}
	return badDate, dateLayout
}

// cellValue is the value a cell of col stands for.
func cellValue(col *column, cell string) string {
	if col.kind.isID() {
		cell = trimID(cell)
	}
	return decodeCell(cell)
}

type accountTable struct {
	lay      *layout
	accounts []contact.Account
	rows     map[string][]string
}

// readAccounts reads accounts.csv (requireID) or accounts-new.csv.
func readAccounts(name string, data []byte, collect, requireID bool) (*accountTable, formats.ErrorList) {
	f := newCSVFile(name, data, collect)
	if !f.readHeader("ACCOUNTID, ACCOUNT, ...") {
		return nil, f.errs
	}
	lay := newLayout(f.header, accountKind, func(i, first int) {
		f.fieldErr(i, f.header[i], "duplicate column (same as column %d)", first+1)
	})
	required := []string{colAccount}
	if requireID {
		required = []string{colAccountID, colAccount}
	}
	for _, r := range required {
		if !lay.has(r) {
			f.add(1, 1, r, "missing column (the header has %s)", headerList(f.header))
		}
	}
	if f.stopped() {
		return nil, f.errs
	}
	t := &accountTable{lay: lay, rows: map[string][]string{}}
	seen := map[string]int{}
	idCol := lay.first[colAccountID]
	f.each(func(rec []string, line int) {
		a := lay.account(rec)
		a.Line = line
		if requireID {
			switch first, dup := seen[a.ID]; {
			case a.ID == "":
				f.fieldErr(idCol, lay.header[idCol], "blank ACCOUNTID: every account needs its id")
				return
			case dup:
				f.fieldErr(idCol, lay.header[idCol], "duplicate ACCOUNTID %q (also on line %d)", a.ID, first)
				return
			}
			seen[a.ID] = line
			t.rows[a.ID] = slices.Clone(rec)
		}
		t.accounts = append(t.accounts, a)
	})
	if f.stopped() {
		return nil, f.errs
	}
	return t, f.errs
}

// account maps one accounts-table record.
func (l *layout) account(rec []string) (a contact.Account) {
	for i, col := range l.cols {
		v := cellValue(&col, rec[i])
		switch col.kind {
		case kindExtra:
			a.Extra = append(a.Extra, contact.Extra{Name: col.name, Value: v, Format: contact.FormatCRM})
		case kindAccountID:
			a.ID = v
		case kindAccountName:
			a.Name = v
		case kindOwner:
			a.Owner = v
		case kindManager:
			a.AccountManagerID = v
		case kindType:
			a.Type = v
		case kindStatus:
			a.Status = v
		}
	}
	return a
}

type idTable struct {
	lay  *layout
	ids  []string
	rows map[string][]string // first row of each id, when idCells would not give it
}

// readIDList reads a one-CONTACTID-per-row table: syncgroup.csv and the
// cycle's syncgroup-add.csv / syncgroup-remove.csv. An id listed twice is
// kept twice: membership is what counts, and dropping a row would lose it.
func readIDList(name string, data []byte, collect bool) (*idTable, formats.ErrorList) {
	f := newCSVFile(name, data, collect)
	if !f.readHeader("CONTACTID") {
		return nil, f.errs
	}
	lay := newLayout(f.header, syncKind, func(i, first int) {
		f.fieldErr(i, f.header[i], "duplicate column (same as column %d)", first+1)
	})
	if !lay.has(colContactID) {
		f.add(1, 1, colContactID, "missing column: list one CONTACTID per row (the header has %s)", headerList(f.header))
	}
	if f.stopped() {
		return nil, f.errs
	}
	t := &idTable{lay: lay, rows: map[string][]string{}}
	seen := map[string]struct{}{}
	col := lay.first[colContactID]
	f.each(func(rec []string, line int) {
		id := cellValue(&lay.cols[col], rec[col])
		if id == "" {
			f.fieldErr(col, lay.header[col], "blank CONTACTID")
			return
		}
		if _, ok := seen[id]; !ok {
			seen[id] = struct{}{}
			if !slices.Equal(rec, lay.idCells(id, nil)) {
				t.rows[id] = slices.Clone(rec)
			}
		}
		t.ids = append(t.ids, id)
	})
	if f.stopped() {
		return nil, f.errs
	}
	return t, f.errs
}

// headerList shows a header in an error message, shortened when long.
func headerList(h []string) string {
	if len(h) == 0 {
		return "no columns"
	}
	const max = 8
	s := strings.Join(h[:min(len(h), max)], ", ")
	if len(h) > max {
		s += ", ..."
	}
	return s
}

// ReadDirEach reads the dump at dir as ReadDir (lenient: ReadDirLenient)
// does, but hands each contact to add instead of keeping it: the contact
// is valid only during the call, and Dump.Contacts is nil (so are the
// cells of the rows a write would not give back, which WriteDump takes
// for the Dump's Contacts). A dump that fails to read may have handed some
// contacts already.
func ReadDirEach(dir string, lenient bool, add func(*contact.Contact)) (*Dump, formats.ErrorList) {
	return readDirEachOf(dir, lenient, func(c *contact.Contact, _ bool) { add(c) }, false)
}

// eachFunc is what a dump's contacts are handed to one at a time, with
// whether the contact may hold control characters (see
// ReadDirEachViewControls).
type eachFunc func(c *contact.Contact, controls bool)

// ReadDirEachView is ReadDirEach for a caller that copies what it keeps
// of a contact (a contact.Table, whose string pool copies every value):
// the contact's strings are views of the reader's buffer, which the next
// row overwrites, so no row's text is allocated.
func ReadDirEachView(dir string, lenient bool, add func(*contact.Contact)) (*Dump, formats.ErrorList) {
	return readDirEachOf(dir, lenient, func(c *contact.Contact, _ bool) { add(c) }, true)
}

// ReadDirEachViewControls is ReadDirEachView whose add is also told
// whether the contact may hold control characters: false says that its
// row's text held none, so that none of its values and Extras does (they
// are its cells, or streets and dates made of them), and
// contact.DropControls would change nothing. One look at the row's text
// instead of one at each of the contact's values.
func ReadDirEachViewControls(dir string, lenient bool, add func(c *contact.Contact, controls bool)) (*Dump, formats.ErrorList) {
	return readDirEachOf(dir, lenient, add, true)
}

func readDirEachOf(dir string, lenient bool, add eachFunc, views bool) (*Dump, formats.ErrorList) {
	if lenient {
		return readDirLenient(dir, add, views)
	}
	d, errs, _ := readDirEach(dir, false, add, views)
	if len(errs) > 0 {
		return nil, errs
	}
	return d, nil
}
