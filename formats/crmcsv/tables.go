package crmcsv

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"contactsync/formats"
)

// A dump may also come table-shaped: the CRM database's CONTACT, ACCOUNT
// and ADDRESS tables exported one file each (CONTACT.csv, ACCOUNT.csv,
// ADDRESS.csv, any letter case). The contact's address is then not in its
// own row but in the ADDRESS row its ADDRESSID names. Such a dump is read
// as the flat one with the address columns joined onto each contact row
// (after the CONTACT columns), and WriteDump writes it back to the same
// three tables: the CONTACT columns to CONTACT.csv, the joined columns
// into the ADDRESS row they came from, and a new ADDRESS row (a new
// ADDRESSID) for a contact that had none and now has an address.
const (
	ContactTable = "CONTACT.csv"
	AccountTable = "ACCOUNT.csv"
	AddressTable = "ADDRESS.csv"
)

// addressColumns are the ADDRESS table's columns that join onto a contact.
var addressColumns = []string{"ADDRESS1", "ADDRESS2", "ADDRESS3", "CITY", "STATE", "POSTALCODE", "COUNTRY"}

// addressJoin is a read ADDRESS table and how it joins onto CONTACT rows.
type addressJoin struct {
	file    string     // path of ADDRESS.csv
	header  []string   // its header as in the file
	rows    [][]string // its rows, in file order
	byID    map[string]int
	idCol   int   // ADDRESSID in ADDRESS.csv
	from    []int // ADDRESS.csv column of each joined column
	names   []string
	contact int // number of CONTACT.csv columns; joined ones follow
	ref     int // ADDRESSID column in CONTACT.csv; -1 when it has none
}

// findTable returns the path of a dump file: flat (contacts.csv) when it
// exists, else a file named table in any letter case; table reports which.
func findTable(dir, flat, tableName string) (path string, table bool) {
	p := filepath.Join(dir, flat)
	if _, err := os.Stat(p); err == nil && flat != "" {
		return p, false
	}
	ents, err := os.ReadDir(dir)
	if err == nil {
		for _, e := range ents {
			if strings.EqualFold(e.Name(), tableName) && e.Type().IsRegular() {
				return filepath.Join(dir, e.Name()), true
			}
		}
	}
	return p, false
}

// IsDumpDir reports whether dir looks like a CRM dump: contacts.csv, or a
// CONTACT table.
func IsDumpDir(dir string) bool {
	p, table := findTable(dir, ContactsFile, ContactTable)
	if table {
		return true
	}
	_, err := os.Stat(p)
	return err == nil
}

// readAddressTable reads ADDRESS.csv for the join.
func readAddressTable(name string, data []byte, collect bool) (*addressJoin, formats.ErrorList) {
	f := newCSVFile(name, data, collect)
	if !f.readHeader("ADDRESSID, ADDRESS1, CITY, ...") {
		return nil, f.errs
	}
	j := &addressJoin{file: name, header: f.header, byID: map[string]int{}, idCol: -1, ref: -1}
	for i, h := range f.header {
		n := norm(h)
		if n == colAddressID && j.idCol < 0 {
			j.idCol = i
		}
		if slices.Contains(addressColumns, n) && !slices.Contains(j.names, n) {
			j.from = append(j.from, i)
			j.names = append(j.names, n)
		}
	}
	if j.idCol < 0 {
		f.add(1, 1, colAddressID, "missing column: the ADDRESS table needs ADDRESSID to join its rows onto the contacts (the header has %s)", headerList(f.header))
		return nil, f.errs
	}
	f.each(func(rec []string, line int) {
		id := trimID(rec[j.idCol])
		if first, dup := j.byID[id]; dup && id != "" {
			f.fieldErr(j.idCol, f.header[j.idCol], "duplicate ADDRESSID %q (also row %d)", id, first+1)
			return
		}
		j.byID[id] = len(j.rows)
		j.rows = append(j.rows, slices.Clone(rec))
	})
	if f.stopped() {
		return nil, f.errs
	}
	return j, f.errs
}

// extend adds the joined columns to a CONTACT header (those the CONTACT
// table does not have itself, spelled as in ADDRESS.csv).
func (j *addressJoin) extend(header []string) []string {
	j.contact = len(header)
	have := map[string]bool{}
	for i, h := range header {
		n := norm(h)
		have[n] = true
		if n == colAddressID && j.ref < 0 {
			j.ref = i
		}
	}
	var from []int
	for k, n := range j.names {
		if !have[n] {
			from = append(from, j.from[k])
			header = append(header, j.header[j.from[k]])
		}
	}
	j.from = from
	return header
}

// cells appends the joined cells of the ADDRESS row a CONTACT row names.
func (j *addressJoin) cells(rec []string) []string {
	out := append(make([]string, 0, len(rec)+len(j.from)), rec...)
	r := -1
	if j.ref >= 0 {
		if k, ok := j.byID[trimID(rec[j.ref])]; ok && trimID(rec[j.ref]) != "" {
			r = k
		}
	}
	for _, c := range j.from {
		v := ""
		if r >= 0 && c < len(j.rows[r]) {
			v = j.rows[r][c]
		}
		out = append(out, v)
	}
	return out
}

// writeTables writes a table-shaped dump's CONTACT and ADDRESS tables:
// contact cells (CONTACT columns, then the joined address columns) per
// contact, in order.
func (d *Dump) writeTables(dir string, rows [][]string) error {
	j := d.address
	cl := d.contactHeader()
	ct, err := createTable(filepath.Join(dir, filepath.Base(d.contactFile)), cl[:j.contact])
	if err != nil {
		return err
	}
	defer ct.abort()
	addr := make([][]string, len(j.rows))
	for i, r := range j.rows {
		addr[i] = slices.Clone(r)
	}
	var ids []string
	for _, r := range j.rows {
		ids = append(ids, trimID(r[j.idCol]))
	}
	newID := newIDGen("DSIM", ids)
	for _, cells := range rows {
		joined := cells[j.contact:]
		own := slices.Clone(cells[:j.contact])
		r := -1
		if j.ref >= 0 {
			if k, ok := j.byID[trimID(own[j.ref])]; ok && trimID(own[j.ref]) != "" {
				r = k
			}
		}
		empty := true
		for _, v := range joined {
			empty = empty && v == ""
		}
		if r < 0 && !empty && j.ref >= 0 {
			// A contact the CRM created (or one without an address) that
			// now has one: a new ADDRESS row, as the CRM would add it.
			row := make([]string, len(j.header))
			id := newID()
			row[j.idCol] = id
			own[j.ref] = id
			addr = append(addr, row)
			r = len(addr) - 1
		}
		if r >= 0 {
			for k, c := range j.from {
				addr[r][c] = joined[k]
			}
		}
		ct.record(own)
	}
	if err := ct.commit(); err != nil {
		return err
	}
	at, err := createTable(filepath.Join(dir, filepath.Base(j.file)), j.header)
	if err != nil {
		return err
	}
	defer at.abort()
	for _, r := range addr {
		at.record(r)
	}
	return at.commit()
}
