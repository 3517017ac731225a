package crmcsv

import (
	"fmt"
	"path/filepath"
	"strings"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// Headers used for a Dump built in code, without a header read from files.
var (
	defaultContactHeader = []string{
		"CONTACTID", "ACCOUNTID", "ACCOUNT", "LASTNAME", "FIRSTNAME", "MIDDLENAME", "PREFIX", "SUFFIX",
		"TITLE", "DEPARTMENT", "EMAIL", "SECONDARYEMAIL", "WORKPHONE", "MOBILE", "HOMEPHONE", "FAX",
		"ADDRESS1", "ADDRESS2", "ADDRESS3", "CITY", "STATE", "POSTALCODE", "COUNTRY",
		"SECCODEID", "ACCOUNTMANAGERID", "CREATEDATE", "MODIFYDATE",
	}
	defaultAccountHeader = []string{"ACCOUNTID", "ACCOUNT", "TYPE", "STATUS", "SECCODEID", "ACCOUNTMANAGERID"}
	defaultSyncHeader    = []string{"CONTACTID"}
)

func (d *Dump) contactHeader() []string {
	if d.ContactHeader == nil {
		return defaultContactHeader
	}
	return d.ContactHeader
}

func (d *Dump) accountHeader() []string {
	if d.AccountHeader == nil {
		return defaultAccountHeader
	}
	return d.AccountHeader
}

func (d *Dump) syncHeader() []string {
	if d.SyncGroupHeader == nil {
		return defaultSyncHeader
	}
	return d.SyncGroupHeader
}

func nop(int, int) {}

// WriteDump writes the dump as the CRM would export it into dir (created
// if needed): contacts.csv, accounts.csv, and syncgroup.csv when
// HasSyncGroup, each atomically, under the dump's own headers. A value
// that did not change since ReadDir is written with the cells it was read
// from; a changed one is written like WriteChanges writes it (neutralised,
// dates in the dump's own layout). Columns not in the header are not
// written.
func WriteDump(dir string, d *Dump) error {
	if err := formats.MkdirPrivate(dir); err != nil {
		return fmt.Errorf("create crm dump folder: %w", err)
	}
	cl := newLayout(d.contactHeader(), contactKind, nop)
	if d.address != nil {
		rows := make([][]string, len(d.Contacts))
		for i := range d.Contacts {
			c := &d.Contacts[i]
			rows[i] = cl.contactCells(nil, c, d.contactRows[c.Key], d.dateLayout)
		}
		if err := d.writeTables(dir, rows); err != nil {
			return err
		}
	} else {
		name := ContactsFile
		if d.TableShaped() {
			name = filepath.Base(d.contactFile)
		}
		t, err := createTable(filepath.Join(dir, name), cl.header)
		if err != nil {
			return err
		}
		defer t.abort()
		for i := range d.Contacts {
			c := &d.Contacts[i]
			t.cells = cl.contactCells(t.cells, c, d.contactRows[c.Key], d.dateLayout)
			t.record(t.cells)
		}
		if err := t.commit(); err != nil {
			return err
		}
	}

	al := newLayout(d.accountHeader(), accountKind, nop)
	accounts := AccountsFile
	if d.TableShaped() && d.accountFile != "" {
		accounts = filepath.Base(d.accountFile)
	}
	t, err := createTable(filepath.Join(dir, accounts), al.header)
	if err != nil {
		return err
	}
	defer t.abort()
	for i := range d.Accounts {
		a := &d.Accounts[i]
		t.record(al.accountCells(a, d.accountRows[a.ID]))
	}
	if err := t.commit(); err != nil {
		return err
	}

	if d.secRightsRaw != nil {
		if err := writeFile(filepath.Join(dir, SecRightsFile), d.secRightsRaw); err != nil {
			return err
		}
	}
	if !d.HasSyncGroup {
		return nil
	}
	sl := newLayout(d.syncHeader(), syncKind, nop)
	if t, err = createTable(filepath.Join(dir, SyncGroupFile), sl.header); err != nil {
		return err
	}
	defer t.abort()
	for _, id := range d.SyncGroup {
		t.record(sl.idCells(id, d.syncRows[id]))
	}
	return t.commit()
}

// startFile is a table's bytes up to and with its header.
func startFile(header []string) []byte {
	return appendRecord([]byte(utf8BOM), header)
}

func writeFile(name string, data []byte) error {
	if err := formats.WriteFileAtomic(name, data, formats.FilePerm); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// table streams one CSV file (UTF-8 with a BOM, CRLF) into place
// atomically: a million rows are never held as one buffer.
type table struct {
	name  string
	f     *formats.AtomicFile
	buf   []byte   // one record's bytes
	cells []string // a row's cells, for callers to reuse
}

// createTable starts writing name with header as its first record.
func createTable(name string, header []string) (*table, error) {
	f, err := formats.CreateAtomic(name, formats.FilePerm)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", name, err)
	}
	t := &table{name: name, f: f}
	f.WriteString(utf8BOM)
	t.record(header)
	return t, nil
}

func (t *table) record(cells []string) {
	t.buf = appendRecord(t.buf[:0], cells)
	t.f.Write(t.buf)
}

func (t *table) commit() error {
	if err := t.f.Commit(); err != nil {
		return fmt.Errorf("write %s: %w", t.name, err)
	}
	return nil
}

// abort drops the file unless it was committed.
func (t *table) abort() { t.f.Abort() }

// contactCells returns the cells of c under layout l, in cells (reused
// when large enough). With raw (the cells c was read from), every column
// whose value is unchanged keeps its raw cell; the address lines count as
// one value.
func (l *layout) contactCells(cells []string, c *contact.Contact, raw []string, dateLayout string) []string {
	var rc *contact.Contact
	var rx extraFinder
	if len(raw) == len(l.cols) {
		r, _, _ := l.contact(raw)
		rc = &r
		rx = l.finder(r.Extra)
	}
	x := l.finder(c.Extra)
	var street []string
	if cap(cells) < len(l.cols) {
		cells = make([]string, len(l.cols))
	}
	cells = cells[:len(l.cols)]
	for i, col := range l.cols {
		if rc != nil && sameContactValue(col, c, rc, &x, &rx) {
			cells[i] = raw[i]
			continue
		}
		cells[i] = encodeCell(l.value(col, c, &x, &street, dateLayout))
	}
	return cells
}

// value is the value column col of c is written from: a line of the
// street (split once into *street), the date in dateLayout, or the
// column's value.
func (l *layout) value(col column, c *contact.Contact, x *extraFinder, street *[]string, dateLayout string) string {
	switch col.kind {
	case kindStreet:
		if *street == nil {
			*street = splitStreet(c.Values[contact.BusinessStreet], l.nStreet)
		}
		return (*street)[col.street]
	case kindModified:
		return formatDate(c.Modified, dateLayout)
	}
	return contactValue(col, c, x)
}

// reproduces reports whether contactCells(c) without raw cells gives rec,
// the cells c was read from, cell for cell. Then rec need not be kept to
// write c back byte for byte: at a million contacts, keeping only the
// rows that differ (padded ids, a date in another form, an address line
// with a line break of its own) saves the bulk of the cache. It allocates
// nothing: it runs for every row read.
func (l *layout) reproduces(rec []string, c *contact.Contact, dateLayout string) bool {
	var date [64]byte
	x := l.finder(c.Extra)
	for i := range l.cols {
		col := &l.cols[i]
		var v string
		switch col.kind {
		case kindStreet:
			v = streetLine(c.Values[contact.BusinessStreet], l.nStreet, col.street)
		case kindModified:
			if c.Modified.IsZero() {
				v = ""
				break
			}
			if dateLayout == "" {
				dateLayout = defaultDateLayout
			}
			if string(appendDate(date[:0], c.Modified, dateLayout)) != rec[i] {
				return false
			}
			continue
		default:
			v = contactValue(*col, c, &x)
		}
		if !isCell(rec[i], v) {
			return false
		}
	}
	return true
}

// streetLine is splitStreet(street, n)[k], without splitting.
func streetLine(street string, n, k int) string {
	for range k {
		_, rest, ok := strings.Cut(street, "\n")
		if !ok {
			return ""
		}
		street = rest
	}
	if k == n-1 {
		return street
	}
	line, _, _ := strings.Cut(street, "\n")
	return line
}

// isCell reports whether encodeCell(v) == cell, without building it.
func isCell(cell, v string) bool {
	switch len(cell) - len(v) {
	case 0:
		return cell == v && !needsMark(v)
	case 1:
		return cell[0] == '\'' && cell[1:] == v && needsMark(v)
	}
	return false
}

func sameContactValue(col column, c, rc *contact.Contact, x, rx *extraFinder) bool {
	switch col.kind {
	case kindStreet:
		return c.Values[contact.BusinessStreet] == rc.Values[contact.BusinessStreet]
	case kindModified:
		return c.Modified.Equal(rc.Modified)
	}
	return contactValue(col, c, x) == contactValue(col, rc, rx)
}

// contactValue is the value of a column other than street and date.
func contactValue(col column, c *contact.Contact, x *extraFinder) string {
	switch col.kind {
	case kindField:
		return c.Values[col.field]
	case kindContactID:
		return c.Key
	case kindAccountID:
		return c.CRM.AccountID
	case kindOwner:
		return c.CRM.Owner
	case kindManager:
		return c.CRM.AccountManagerID
	case kindType:
		return c.CRM.Type
	case kindStatus:
		return c.CRM.Status
	case kindExtra:
		return x.value(col)
	}
	return ""
}

// extraFinder finds the values of a record's extra columns in time linear
// in the record, however many columns the table has: a dump of 100,000
// columns must not cost 100,000² per row.
type extraFinder struct {
	extra []contact.Extra
	// direct: extra[k] is the value of the k-th extra column (the record
	// was read from this layout), so a column is one index away.
	direct bool
	// byName holds the own extras by name, built on first use for a
	// record with many extras that are not in column order.
	byName map[string][]string
}

// finder returns the extraFinder of extra under l. It allocates nothing
// for a record read from l or one with few extras.
func (l *layout) finder(extra []contact.Extra) extraFinder {
	x := extraFinder{extra: extra, direct: len(extra) == len(l.extras)}
	for k := 0; x.direct && k < len(extra); k++ {
		x.direct = extra[k].Name == l.extras[k] && own(extra[k])
	}
	return x
}

// value returns the value of the extra column col ("" when there is none).
func (x *extraFinder) value(col column) string {
	switch {
	case x.direct:
		return x.extra[col.xi].Value
	case len(x.extra) <= 16:
		return extraValue(x.extra, col.name, col.nth)
	}
	if x.byName == nil {
		x.byName = make(map[string][]string)
		for _, e := range x.extra {
			if own(e) {
				x.byName[e.Name] = append(x.byName[e.Name], e.Value)
			}
		}
	}
	if vs := x.byName[col.name]; col.nth < len(vs) {
		return vs[col.nth]
	}
	return ""
}

// extraValue returns the nth extra of the CRM's own named name ("" when
// there is none). Extras another format read (Format set and not
// contact.FormatCRM) never fill a column, even one of the same name: a
// vCard's or Outlook CSV's "NOTES" or "CREATEUSER" is not the CRM's.
func extraValue(extra []contact.Extra, name string, nth int) string {
	for _, e := range extra {
		if e.Name == name && own(e) {
			if nth == 0 {
				return e.Value
			}
			nth--
		}
	}
	return ""
}

// accountCells is contactCells for accounts.
func (l *layout) accountCells(a *contact.Account, raw []string) []string {
	var ra *contact.Account
	var rx extraFinder
	if len(raw) == len(l.cols) {
		r := l.account(raw)
		ra = &r
		rx = l.finder(r.Extra)
	}
	x := l.finder(a.Extra)
	cells := make([]string, len(l.cols))
	for i, col := range l.cols {
		v := accountValue(col, a, &x)
		if ra != nil && v == accountValue(col, ra, &rx) {
			cells[i] = raw[i]
			continue
		}
		cells[i] = encodeCell(v)
	}
	return cells
}

func accountValue(col column, a *contact.Account, x *extraFinder) string {
	switch col.kind {
	case kindAccountID:
		return a.ID
	case kindAccountName:
		return a.Name
	case kindOwner:
		return a.Owner
	case kindManager:
		return a.AccountManagerID
	case kindType:
		return a.Type
	case kindStatus:
		return a.Status
	case kindExtra:
		return x.value(col)
	}
	return ""
}

// idCells is one row of a CONTACTID list: the row read for id when there
// is one, else id with every other column blank.
func (l *layout) idCells(id string, raw []string) []string {
	if len(raw) == len(l.cols) {
		return raw
	}
	cells := make([]string, len(l.cols))
	for i, col := range l.cols {
		if col.kind == kindContactID {
			cells[i] = encodeCell(id)
		}
	}
	return cells
}

// own reports whether e is the CRM's own: read from a CRM table, or made
// in code without a format.
func own(e contact.Extra) bool {
	return e.Format == contact.FormatCRM || e.Format == ""
}
