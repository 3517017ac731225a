package crmcsv

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// File names of a cycle's crm/ output folder (DESIGN §4).
const (
	NewContactsFile    = "contacts-new.csv"
	UpdateContactsFile = "contacts-update.csv"
	NewAccountsFile    = "accounts-new.csv"
	GroupAddFile       = "syncgroup-add.csv"
	GroupRemoveFile    = "syncgroup-remove.csv"
)

// Changes is what one cycle asks the CRM to import (DESIGN §4 outputs,
// folder crm/).
type Changes struct {
	// Fields are the mapped fields: update rows carry CONTACTID and exactly
	// the columns of these fields.
	Fields []contact.Field
	// New are contacts-new.csv: no CONTACTID; ACCOUNTID when the account
	// exists, else ACCOUNT (the company value) names an account of
	// NewAccounts; SECCODEID and ACCOUNTMANAGERID from contact.CRM.
	New []contact.Contact
	// Updates are contacts-update.csv: Key is the CONTACTID; every mapped
	// column holds its new value (an empty cell means empty).
	Updates []contact.Contact
	// NewAccounts are accounts-new.csv: no ACCOUNTID; ACCOUNT, TYPE,
	// STATUS, SECCODEID, ACCOUNTMANAGERID.
	NewAccounts []contact.Account
	GroupAdd    []string // syncgroup-add.csv (CONTACTID)
	GroupRemove []string // syncgroup-remove.csv (CONTACTID)
	// NewRows and UpdateRows, when set, are written instead of New and
	// Updates: a cycle's records are streamed from the plan's tables, one
	// at a time, never held as a []Contact.
	NewRows, UpdateRows Rows
}

// Rows are contacts given one at a time: a *contact.Table (each without
// Extra), or Contacts.
type Rows interface {
	Len() int
	Contact(i int) contact.Contact
}

// Contacts are contacts held whole, as Rows.
type Contacts []contact.Contact

func (cs Contacts) Len() int                      { return len(cs) }
func (cs Contacts) Contact(i int) contact.Contact { return cs[i] }

var _ Rows = (*contact.Table)(nil)

// newRows and updateRows are the rows of contacts-new.csv and
// contacts-update.csv.
func (ch *Changes) newRows() Rows {
	if ch.NewRows != nil {
		return ch.NewRows
	}
	return Contacts(ch.New)
}

func (ch *Changes) updateRows() Rows {
	if ch.UpdateRows != nil {
		return ch.UpdateRows
	}
	return Contacts(ch.Updates)
}

// Empty reports whether ch asks for nothing.
func (ch *Changes) Empty() bool {
	return ch.newRows().Len() == 0 && ch.updateRows().Len() == 0 && len(ch.NewAccounts) == 0 &&
		len(ch.GroupAdd) == 0 && len(ch.GroupRemove) == 0
}

// changeHeaders returns the headers of contacts-update.csv and
// contacts-new.csv for fields, spelled and ordered as in dump's
// contacts.csv; fields the dump has no column for follow under their
// canonical names (the street as ADDRESS1..3).
func changeHeaders(fields []contact.Field, dump *Dump) (update, create []string, err error) {
	var dl *layout
	if dump != nil && dump.ContactHeader != nil {
		dl = newLayout(dump.ContactHeader, contactKind, nop)
	}
	want := map[contact.Field]bool{}
	for _, f := range fields {
		if _, ok := ColumnFor(f); !ok {
			return nil, nil, fmt.Errorf("field %s has no column in the CRM contact table", f)
		}
		want[f] = true
	}
	var cols []string
	covered := map[contact.Field]bool{}
	if dl != nil {
		for i, col := range dl.cols {
			if (col.kind == kindField || col.kind == kindStreet) && want[col.field] {
				cols = append(cols, dl.header[i])
				covered[col.field] = true
			}
		}
	}
	for _, f := range fields {
		if covered[f] {
			continue
		}
		covered[f] = true
		if f == contact.BusinessStreet {
			cols = append(cols, streetColumns...)
			continue
		}
		name, _ := ColumnFor(f)
		cols = append(cols, name)
	}

	update = append([]string{dl.spell(colContactID)}, cols...)
	create = []string{dl.spell(colAccountID)}
	if !want[contact.Company] {
		create = append(create, dl.spell(colAccount))
	}
	create = append(create, cols...)
	create = append(create, dl.spell(colOwner), dl.spell(colManager))
	for _, n := range []string{colType, colStatus} {
		if dl != nil && dl.has(n) {
			create = append(create, dl.spell(n))
		}
	}
	return update, create, nil
}

// WriteChanges writes the files of ch that have rows into dir (created if
// needed), each atomically, and returns the paths written. Columns are
// named as in dump (its header's spelling and case) when dump is given.
// Files are UTF-8 with a BOM, so that the Import Wizard shows extended
// characters right, with CRLF line ends and formula injection
// neutralised. A file of this set that is already in dir and has no rows
// this time is removed, so the folder never mixes two cycles' files.
func WriteChanges(dir string, ch *Changes, dump *Dump) ([]string, error) {
	updateHeader, newHeader, err := changeHeaders(ch.Fields, dump)
	if err != nil {
		return nil, err
	}
	var dateLayout string
	var al, idl *layout
	if dump != nil {
		dateLayout = dump.dateLayout
		if dump.AccountHeader != nil {
			al = newLayout(dump.AccountHeader, accountKind, nop)
		}
		if dump.SyncGroupHeader != nil {
			idl = newLayout(dump.SyncGroupHeader, syncKind, nop)
		} else if dump.ContactHeader != nil {
			idl = newLayout(dump.ContactHeader, contactKind, nop)
		}
	}

	newRows, updateRows := ch.newRows(), ch.updateRows()
	for i := range updateRows.Len() {
		if c := updateRows.Contact(i); c.Key == "" {
			return nil, fmt.Errorf("update of %q: no CONTACTID", c.DisplayName())
		}
	}
	if err := formats.MkdirPrivate(dir); err != nil {
		return nil, fmt.Errorf("create crm output folder: %w", err)
	}
	var written []string
	// write streams one file of rows into place, or removes a stale one
	// when there are none.
	write := func(name string, n int, header []string, row func(t *table, i int)) error {
		path := filepath.Join(dir, name)
		if n == 0 {
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("remove stale %s: %w", path, err)
			}
			return nil
		}
		t, err := createTable(path, header)
		if err != nil {
			return err
		}
		defer t.abort()
		for i := 0; i < n; i++ {
			row(t, i)
		}
		if err := t.commit(); err != nil {
			return err
		}
		written = append(written, path)
		return nil
	}
	ah := []string{al.spell(colAccount), al.spell(colType), al.spell(colStatus), al.spell(colOwner), al.spell(colManager)}
	aLay := newLayout(ah, accountKind, nop)
	nLay := newLayout(newHeader, contactKind, nop)
	uLay := newLayout(updateHeader, contactKind, nop)
	idLay := newLayout([]string{idl.spell(colContactID)}, syncKind, nop)
	files := []struct {
		name   string
		n      int
		header []string
		row    func(t *table, i int)
	}{
		{NewAccountsFile, len(ch.NewAccounts), aLay.header, func(t *table, i int) {
			t.record(aLay.accountCells(&ch.NewAccounts[i], nil))
		}},
		{NewContactsFile, newRows.Len(), nLay.header, func(t *table, i int) {
			c := newRows.Contact(i)
			t.cells = nLay.contactCells(t.cells, &c, nil, dateLayout)
			t.record(t.cells)
		}},
		{UpdateContactsFile, updateRows.Len(), uLay.header, func(t *table, i int) {
			c := updateRows.Contact(i)
			t.cells = uLay.contactCells(t.cells, &c, nil, dateLayout)
			t.record(t.cells)
		}},
		{GroupAddFile, len(ch.GroupAdd), idLay.header, func(t *table, i int) {
			t.record(idLay.idCells(ch.GroupAdd[i], nil))
		}},
		{GroupRemoveFile, len(ch.GroupRemove), idLay.header, func(t *table, i int) {
			t.record(idLay.idCells(ch.GroupRemove[i], nil))
		}},
	}
	for _, f := range files {
		if err := write(f.name, f.n, f.header, f.row); err != nil {
			return written, err
		}
	}
	return written, nil
}

// ReadChanges reads a cycle's crm/ folder back; a missing file means no
// rows. Fields are the mapped columns of contacts-update.csv, or, without
// it, of contacts-new.csv (which always has ACCOUNT, so company is among
// them), in canonical order. Columns a change file should not have are
// kept in Extra; Apply ignores them.
func ReadChanges(dir string) (*Changes, error) {
	ch := &Changes{}
	var fieldsFrom *layout

	name := filepath.Join(dir, UpdateContactsFile)
	if data, err := readFile(name, false); err != nil {
		return nil, err
	} else if data != nil {
		t, errs := readContacts(name, data, false, keyRequired)
		if len(errs) > 0 {
			return nil, errs[0]
		}
		ch.Updates, fieldsFrom = t.contacts, t.lay
	}

	name = filepath.Join(dir, NewContactsFile)
	if data, err := readFile(name, false); err != nil {
		return nil, err
	} else if data != nil {
		t, errs := readContacts(name, data, false, keyNone)
		if len(errs) > 0 {
			return nil, errs[0]
		}
		ch.New = t.contacts
		if fieldsFrom == nil {
			fieldsFrom = t.lay
		}
	}
	if fieldsFrom != nil {
		for _, col := range fieldsFrom.cols {
			if (col.kind == kindField || col.kind == kindStreet) && !slices.Contains(ch.Fields, col.field) {
				ch.Fields = append(ch.Fields, col.field)
			}
		}
		slices.Sort(ch.Fields)
	}

	name = filepath.Join(dir, NewAccountsFile)
	if data, err := readFile(name, false); err != nil {
		return nil, err
	} else if data != nil {
		t, errs := readAccounts(name, data, false, false)
		if len(errs) > 0 {
			return nil, errs[0]
		}
		ch.NewAccounts = t.accounts
	}

	for _, g := range []struct {
		file string
		ids  *[]string
	}{{GroupAddFile, &ch.GroupAdd}, {GroupRemoveFile, &ch.GroupRemove}} {
		name = filepath.Join(dir, g.file)
		data, err := readFile(name, false)
		if err != nil {
			return nil, err
		}
		if data == nil {
			continue
		}
		t, errs := readIDList(name, data, false)
		if len(errs) > 0 {
			return nil, errs[0]
		}
		*g.ids = t.ids
	}
	return ch, nil
}
