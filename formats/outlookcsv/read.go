package outlookcsv

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"contactsync/engine/contact"
	"contactsync/formats"
	"contactsync/formats/csvscan"
)

// DefaultKeyColumn is the column that holds contactsync's sync key.
const DefaultKeyColumn = "User 4"

// KeyPrefix starts every sync key that contactsync writes.
const KeyPrefix = "contactsync:"

// Options tune reading and writing.
type Options struct {
	KeyColumn  string // English name of the column holding the sync key; "" = DefaultKeyColumn
	Encoding   string // force a code page for files without BOM ("1250", "cp1251", ...); "" = detect
	DateFormat string // exporter's short-date format, e.g. "M/D/YYYY"; "" = the locale's usual one (en M/D/YYYY, de D.M.YYYY, fr/es DD/MM/YYYY)
	Locale     string // for writing a fresh layout: "" or "en", "de", "fr", "es"

	inferring bool // parse is reading again with a date order it inferred
	once      bool // tell the encoding while reading (formats.OpenTextOnce): for each, which can read again
	views     bool // the records' strings are views valid during the call (EachView)
	rows      bool // the records' text is given when it is the writer's (EachViewRows)
}

// File is one Outlook (or Google) CSV export: its layout and its contacts.
type File struct {
	Path      string
	Header    []string // the input's header cells exactly (trimmed)
	Dialect   string   // "outlook", "outlook-legacy", "outlook.com", "google", "google-legacy"
	Locale    string   // detected "en", "de", "fr", "es"
	Encoding  string   // as formats.DecodeText names it
	Delimiter rune
	Contacts  []contact.Contact
	Warnings  []formats.Warning // unknown headers (once each), unreadable dates, cells beyond the header; positioned
	// Guessed lists the columns whose header the reader did not know but
	// whose name says what they hold, and what they were read as:
	// "\"Courriel perso\" as \"E-mail Address\"".
	Guessed []string
	// DateFormat is the short-date format the dates were read in, and
	// DateInferred says that it was inferred from the date columns because
	// the locale's usual one could not read them ("20/01/1991" in an English
	// file): the one order that reads every date of the file.
	DateFormat   string
	DateInferred bool
	// Input is the file read by ReadFile or ReadFileLenient, hashed as read.
	Input formats.InputFile

	problems []*formats.ParseError // Warnings as errors, for Validate
	badDate  *formats.ParseError   // the current record's date cell that the format cannot read
	rejected formats.ErrorList     // records set aside by a lenient read
	schema   *schema
}

// ReadFile reads an export from path.
func ReadFile(path string, opt Options) (*File, error) {
	f, _, err := readAll(fileSource(path), path, opt, false)
	return f, err
}

// Read reads an export; name is used in errors and as File.Path.
func Read(r io.Reader, name string, opt Options) (*File, error) {
	b, err := readBytes(r)
	if err != nil {
		return nil, &formats.ParseError{File: name, Err: err}
	}
	f, _, err := readAll(bytesSource(b, name), name, opt, false)
	return f, err
}

// readBytes is io.ReadAll with one allocation when the reader knows its
// length (bytes.Reader, strings.Reader): growing a 50 MB buffer by doubling
// copies it several times.
func readBytes(r io.Reader) ([]byte, error) {
	if l, ok := r.(interface{ Len() int }); ok {
		b := make([]byte, l.Len())
		n, err := io.ReadFull(r, b)
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			err = nil
		}
		if err != nil {
			return nil, err
		}
		rest, err := io.ReadAll(r)
		return append(b[:n], rest...), err
	}
	return io.ReadAll(r)
}

// ReadFileLenient reads an export like ReadFile, but goes on after records
// it cannot read (broken quoting), which are set aside: it returns the
// contacts it could read and, separately, the problems of the records it
// could not. Warnings about records it did read stay in File.Warnings.
// A file it cannot read at all (missing, no header) is an error.
func ReadFileLenient(path string, opt Options) (*File, formats.ErrorList, error) {
	f, rejected, err := readAll(fileSource(path), path, opt, true)
	if err != nil {
		return nil, nil, err
	}
	return f, rejected, nil
}

// Validate reads the file at path and returns every problem found: broken
// quoting (reading goes on at the next line), unknown headers, unreadable
// dates, cells beyond the header.
func Validate(path string, opt Options) formats.ErrorList {
	r, err := open(fileSource(path), path, opt, true)
	if r == nil {
		return formats.ErrorList{asParseError(path, err)}
	}
	defer r.Close()
	for {
		if _, err = r.Next(); err != nil {
			break
		}
	}
	list := append(formats.ErrorList(nil), r.file.problems...)
	if err == io.EOF {
		return list
	}
	if pe := asParseError(path, err); !slices.Contains(list, pe) {
		list = append(list, pe)
	}
	return list
}

func asParseError(path string, err error) *formats.ParseError {
	var pe *formats.ParseError
	if errors.As(err, &pe) {
		return pe
	}
	return &formats.ParseError{File: path, Err: err}
}

// readAll reads every record of the source into File.Contacts, through
// each: when the order of the dates must be settled after records were
// read in another one, each gives the records again from the first.
func readAll(src source, name string, opt Options, lenient bool) (*File, formats.ErrorList, error) {
	var cs []contact.Contact
	f, rejected, err := each(src, name, opt, lenient, func() { cs = nil }, func(c *contact.Contact, _ bool, _ Row) error {
		// The Extras of a record live in blocks the reader never writes
		// again: the record can be kept as it is.
		cs = append(cs, *c)
		return nil
	})
	if f != nil {
		f.Contacts = cs
	}
	return f, rejected, err
}

func inferredWarning(name, df, usual string, all bool) formats.Warning {
	if all {
		return formats.Warn(formats.WarnDateOrder, formats.Errorf(name, 1, 0, "", "dates read as %s: the usual %s of the file's language cannot read them, this order reads every one", df, usual).Error())
	}
	return formats.Warn(formats.WarnDateOrder, formats.Errorf(name, 1, 0, "", "dates read as %s, the order that reads most of them (no order reads every one; the usual %s of the file's language reads fewer)", df, usual).Error())
}

// maxProblems bounds the warnings kept for one file.
const maxProblems = 1000

// source opens the text of an export from its start, in the code page
// enc ("": detect); once: the encoding is told while reading, in one read
// (formats.OpenTextOnce).
type source func(enc string, once bool) (*formats.Text, error)

func fileSource(path string) source {
	return func(enc string, once bool) (*formats.Text, error) {
		if once {
			return formats.OpenTextOnce(path, enc)
		}
		return formats.OpenText(path, enc)
	}
}

func bytesSource(b []byte, name string) source {
	return func(enc string, _ bool) (*formats.Text, error) { return formats.NewText(b, name, enc) }
}

var errEmpty = errors.New("empty file: no header line")

// maxPrefix bounds what prepare reads to find the header line's end.
const maxPrefix = 1 << 20

// prepare reads the start of the text: it drops a BOM left in the text
// and NULs some exporters pad the start with, refuses a text of nothing
// but white space, and picks the delimiter from the header line. It
// returns the text from there on.
func prepare(r io.Reader) (io.Reader, rune, error) {
	var buf []byte
	chunk := make([]byte, 32<<10)
	for {
		n, err := r.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, err
		}
		t := trimStart(buf)
		if len(bytes.TrimSpace(t)) > 0 {
			if _, ended := scanHeader(t); ended || len(t) > maxPrefix {
				break
			}
		}
	}
	text := trimStart(buf)
	if len(bytes.TrimSpace(text)) == 0 {
		return nil, 0, errEmpty
	}
	delim, _ := scanHeader(text)
	return io.MultiReader(bytes.NewReader(text), r), delim, nil
}

func trimStart(b []byte) []byte {
	return bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\uFEFF")), "\x00")
}

// newCSV returns the CSV reader of an export whose delimiter is delim,
// one of the bytes scanHeader picks.
func newCSV(r io.Reader, delim rune) *csvscan.Reader {
	cr := csvscan.NewReader(r)
	cr.Comma = byte(delim)
	cr.FieldsPerRecord = -1
	return cr
}

func (f *File) warn(kind formats.WarningKind, pe *formats.ParseError) {
	if len(f.problems) >= maxProblems {
		return
	}
	f.problems = append(f.problems, pe)
	f.Warnings = append(f.Warnings, formats.Warn(kind, pe.Error()))
}

// decoder turns records into contacts.
type decoder struct {
	s        *schema
	file     *File
	name     string
	rd       *Reader
	row      []string        // a record padded to the header's width
	tmp      []string        // encoding scratch for the round-trip check
	shadow   []bool          // per group: keep the original cells
	userDate bool            // the date format is the user's (Options.DateFormat), not inferred
	scratch  []contact.Extra // the current record's Extras
	block    []contact.Extra // shared storage the contacts' Extras point into
	cells    *cellPlan       // how the cells of s are read (plan)
}

// cellPlan is how the cells of a record of a schema are read, column by
// column, without looking at every column's kind for every record (an
// Outlook export has 92 columns, most of them empty): the columns whose
// cell is a field's value as is, and the others that may hold something
// to keep, in column order (the key's, the unmapped ones', the groups').
//
// A group whose cells are all empty is read without decoding them when
// that is known to give every field of the group "" and to encode back
// to empty cells (emptyClean): most groups of most records (the home and
// other addresses, the birthday) are empty.
//
// When no field has two sources (two columns, or a column and a group),
// a record's cells are looked at only where they are not empty
// (exclusive): per column, the field its cell is (field, -1 for none) and
// whether it is one of the others.
type cellPlan struct {
	s          *schema
	simple     []simpleCell
	others     []int32
	emptyClean []bool
	exclusive  bool
	field      []contact.Field
	other      []bool
}

type simpleCell struct {
	col   int32
	field contact.Field
}

// plan returns the cellPlan of d.s, made again when the schema changed
// (the dates' order was settled).
func (d *decoder) plan() *cellPlan {
	if d.cells != nil && d.cells.s == d.s {
		return d.cells
	}
	p := &cellPlan{s: d.s}
	for i, col := range d.s.cols {
		if col.kind == kSimple {
			p.simple = append(p.simple, simpleCell{int32(i), col.field})
		}
		if i == d.s.keyIdx || col.kind != kSimple {
			p.others = append(p.others, int32(i))
		}
	}
	p.emptyClean = emptyCleanGroups(d.s)
	var sources [contact.NumFields]int
	p.exclusive = true
	p.field, p.other = make([]contact.Field, len(d.s.cols)), make([]bool, len(d.s.cols))
	for i := range p.field {
		p.field[i] = -1
	}
	for _, sc := range p.simple {
		p.field[sc.col] = sc.field
		sources[sc.field]++
	}
	for _, i := range p.others {
		p.other[i] = true
	}
	for _, g := range d.s.groups {
		for _, f := range g.fields {
			sources[f]++
		}
	}
	for _, n := range sources {
		p.exclusive = p.exclusive && n <= 1
	}
	d.cells = p
	return p
}

// everyCell makes the decoder look at every cell even where no field has
// two sources: for the test that holds the two ways to each other.
var everyCell = false

// emptyCleanGroups tells, per group of s, whether a record whose cells of
// the group are all empty is read as one with the group's fields ""
// without decoding it: decoding a row of empty cells gives every field
// of the group "" without a warning, and encoding that gives back empty
// cells. None is when two groups share a field (the later one's ""
// would overwrite the earlier one's value).
func emptyCleanGroups(s *schema) []bool {
	clean := make([]bool, len(s.groups))
	var seen [contact.NumFields]bool
	for _, g := range s.groups {
		for _, f := range g.fields {
			if seen[f] {
				return clean
			}
			seen[f] = true
		}
	}
	row, out := make([]string, len(s.cols)), make([]string, len(s.cols))
	for gi, g := range s.groups {
		var v contact.Values
		if g.decode(row, &v) != "" || v != (contact.Values{}) {
			continue
		}
		g.encode(&v, nil, out)
		clean[gi] = allEmpty(out, g.all)
	}
	return clean
}

// allEmpty reports whether the cells of row at idx are all "".
func allEmpty(row []string, idx []int) bool {
	for _, i := range idx {
		if row[i] != "" {
			return false
		}
	}
	return true
}

// pos returns the absolute line and character column of field i of the
// current record.
func (d *decoder) pos(cr *csvscan.Reader, i int) (int, int) {
	l, col := cr.FieldPos(i)
	return l + d.rd.base, d.rd.win.CharCol(l, col)
}

func (d *decoder) record(c *contact.Contact, rec []string, line int, cr *csvscan.Reader) {
	s := d.s
	n := len(s.cols)
	// A line break is "\n" in the contact model. The CSV reader turns a
	// quoted CRLF into "\n" but leaves the other CRs of "\r\r\n"; the
	// writer writes a CR before a line break as part of that break, so CRs
	// before a "\n" are dropped here. Only a record with "\r\r\n" in its
	// text can have such cells, which spares the scan of every cell.
	if bytes.Contains(d.rd.win.Until(cr.InputOffset()), []byte("\r\r\n")) {
		for i, v := range rec {
			if strings.Contains(v, "\r\n") {
				rec[i] = dropCRBeforeLF(v)
			}
		}
	}
	row := rec
	if len(rec) < n {
		// Outlook leaves out trailing empty cells; they are empty.
		d.row = append(d.row[:0], rec...)
		for len(d.row) < n {
			d.row = append(d.row, "")
		}
		row = d.row
	}
	// The contact is built in its place in the slice: copying 800 bytes a
	// record showed in profiles.
	*c = contact.Contact{Line: line}
	if len(d.tmp) < n {
		d.tmp = make([]string, n)
		d.shadow = make([]bool, len(s.groups))
	}
	// Groups first: they decode from the row, and whether a group keeps
	// its original cells (a shadow) is known before the one pass over the
	// columns below.
	p := d.plan()
	for gi, g := range s.groups {
		if p.emptyClean[gi] && allEmpty(row, g.all) {
			// Its fields are "" (c is cleared), and so are its cells.
			d.shadow[gi] = false
			continue
		}
		if w := g.decode(row, &c.Values); w != "" {
			_, col := d.pos(cr, g.idx[0])
			if cell := row[g.idx[0]]; g.kind == gDate && dateShaped(cell) {
				// Written as a date, but not one this format reads: an
				// error, unless another order reads the column (see parse).
				pe := formats.Errorf(d.name, line, col, s.cols[g.idx[0]].header, "%s", d.dateError(cell, g.date))
				d.file.warn(formats.WarnValue, pe)
				if d.file.badDate == nil {
					d.file.badDate = pe
				}
			} else if g.kind == gDate {
				// Not written as a date (free text an exporter put in
				// Birthday): kept as it is, a warning, not a problem.
				if len(d.file.Warnings) < maxProblems {
					d.file.Warnings = append(d.file.Warnings, formats.Warn(formats.WarnValue, formats.Errorf(d.name, line, col, s.cols[g.idx[0]].header,
						"%s is not written as a date (a day, a month and a year in digits); kept as is", quote(cell)).Error()))
				}
			} else {
				d.file.warn(formats.WarnValue, formats.Errorf(d.name, line, col, s.cols[g.idx[0]].header, "%s", w))
			}
		}
		g.encode(&c.Values, nil, d.tmp)
		d.shadow[gi] = false
		for _, i := range g.all {
			if d.tmp[i] != row[i] {
				d.shadow[gi] = true
				break
			}
		}
	}
	// Extras are gathered in a scratch slice and then copied into a shared
	// block (see keepExtras): one allocation per few thousand records
	// instead of one or two per record.
	d.scratch = d.scratch[:0]
	extra := func(name, v string) {
		d.scratch = append(d.scratch, contact.Extra{Name: name, Value: v, Format: contact.FormatOutlookCSV})
	}
	// The other cells, in column order: the key, the unmapped columns'
	// (Extras), and a group's that keeps its original cells (a shadow).
	other := func(i int, v string) {
		switch col := &s.cols[i]; {
		case i == s.keyIdx && strings.HasPrefix(v, KeyPrefix):
			c.Key = v
		case col.kind == kUnmapped:
			extra(col.name, v)
		case col.kind == kGroup && d.shadow[col.group]:
			extra(col.name, v)
		}
	}
	if p.exclusive && !everyCell {
		// No field has two sources: only the cells that are not empty
		// are looked at (c's fields are ""), in column order.
	filled:
		for w, m := range cr.Filled() {
			for m != 0 {
				i := w<<6 | bits.TrailingZeros64(m)
				m &= m - 1
				if i >= n {
					break filled // beyond the header (below)
				}
				if f := p.field[i]; f >= 0 {
					c.Values[f] = row[i]
				}
				if p.other[i] {
					other(i, row[i])
				}
			}
		}
	} else {
		for _, sc := range p.simple {
			c.Values[sc.field] = row[sc.col]
		}
		for _, i := range p.others {
			if v := row[i]; v != "" {
				other(int(i), v)
			}
		}
	}
	for i := n; i < len(rec); i++ {
		if rec[i] == "" {
			continue
		}
		name := "column " + strconv.Itoa(i+1)
		extra(name, rec[i])
		l, col := d.pos(cr, i)
		d.file.warn(formats.WarnSyntax, formats.Errorf(d.name, l, col, name, "cell beyond the %d header columns, kept", n))
	}
	c.Extra = d.keepExtras(d.scratch)
}

// dateError says why a cell written as a date cannot be read, naming the
// orders tried.
func (d *decoder) dateError(cell string, df *dateFormat) string {
	if d.userDate {
		return fmt.Sprintf("cannot read %s as a date in the form %s given by --date-format", quote(cell), df.src)
	}
	r := readers(cell)
	if len(r) == 0 {
		return fmt.Sprintf("cannot read %s as a date in any order (tried %s)", quote(cell), triedOrders)
	}
	names := make([]string, len(r))
	for i, o := range r {
		names[i] = orderName(o)
	}
	return fmt.Sprintf("cannot read %s as a date in the form %s, the order that reads most of the column's dates: only %s reads it, and no order reads every date of the column (tried %s)",
		quote(cell), df.src, strings.Join(names, " or "), triedOrders)
}

// keepExtras copies a record's Extras into the current block and returns
// them with their capacity capped, so that appending to one contact's
// Extra never writes into its neighbour's.
func (d *decoder) keepExtras(xs []contact.Extra) []contact.Extra {
	if len(xs) == 0 {
		return nil
	}
	if len(d.block)+len(xs) > cap(d.block) {
		d.block = make([]contact.Extra, 0, max(4096, len(xs)))
	}
	start := len(d.block)
	d.block = append(d.block, xs...)
	return d.block[start:len(d.block):len(d.block)]
}

// dropCRBeforeLF removes every run of CRs that a "\n" follows.
func dropCRBeforeLF(v string) string {
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); {
		if v[i] != '\r' {
			b.WriteByte(v[i])
			i++
			continue
		}
		j := i
		for j < len(v) && v[j] == '\r' {
			j++
		}
		if j == len(v) || v[j] != '\n' {
			b.WriteString(v[i:j])
		}
		i = j
	}
	return b.String()
}

// scanHeader picks the delimiter, ',', ';' or tab: whichever occurs most
// often in the header line outside quotes (',' on a tie). ended says
// that the header line's end was seen.
func scanHeader(text []byte) (delim rune, ended bool) {
	var n [3]int
	inQuote := false
	for _, ch := range text {
		if ch == '"' {
			inQuote = !inQuote
			continue
		}
		if inQuote {
			continue
		}
		if ch == '\n' || ch == '\r' {
			ended = true
			break
		}
		switch ch {
		case ',':
			n[0]++
		case ';':
			n[1]++
		case '\t':
			n[2]++
		}
	}
	switch {
	case n[1] > n[0] && n[1] >= n[2]:
		return ';', ended
	case n[2] > n[0] && n[2] > n[1]:
		return '\t', ended
	}
	return ',', ended
}

// detectDelimiter is scanHeader's delimiter.
func detectDelimiter(text []byte) rune {
	d, _ := scanHeader(text)
	return d
}

// csvError turns a CSV reader's error (csvscan's are encoding/csv's) into
// a ParseError with the column counted in characters.
func csvError(name string, w *formats.Window, baseLine int, err error) *formats.ParseError {
	var ce *csv.ParseError
	if !errors.As(err, &ce) {
		return &formats.ParseError{File: name, Err: err}
	}
	what := ce.Err.Error()
	switch {
	case errors.Is(ce.Err, csv.ErrQuote) && ce.Line != ce.StartLine:
		what = fmt.Sprintf("quoted field that starts on line %d is not closed", ce.StartLine+baseLine)
	case errors.Is(ce.Err, csv.ErrQuote):
		what = `extraneous or missing " in quoted field`
	case errors.Is(ce.Err, csv.ErrBareQuote):
		what = `bare " in a field that is not quoted (quote the whole field and double the ")`
	}
	return &formats.ParseError{File: name, Line: ce.Line + baseLine, Col: w.CharCol(ce.Line, ce.Column), Err: errors.New(what)}
}
