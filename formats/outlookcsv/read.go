package outlookcsv

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"contactsync/engine/contact"
	"contactsync/formats"
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
	Warnings  []string // unknown headers (once each), unreadable dates, cells beyond the header; positioned
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
	b, err := formats.ReadFile(path)
	if err != nil {
		return nil, &formats.ParseError{File: path, Err: err}
	}
	in := formats.HashBytes(path, b) // before parse, which may reuse b
	f, err := parse(b, path, opt, false)
	if f != nil {
		f.Input = in
	}
	return f, err
}

// Read reads an export; name is used in errors and as File.Path.
func Read(r io.Reader, name string, opt Options) (*File, error) {
	b, err := readAll(r)
	if err != nil {
		return nil, &formats.ParseError{File: name, Err: err}
	}
	return parse(b, name, opt, false)
}

// readAll is io.ReadAll with one allocation when the reader knows its
// length (bytes.Reader, strings.Reader): growing a 50 MB buffer by doubling
// copies it several times.
func readAll(r io.Reader) ([]byte, error) {
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
	b, err := formats.ReadFile(path)
	if err != nil {
		return nil, nil, &formats.ParseError{File: path, Err: err}
	}
	in := formats.HashBytes(path, b)
	f, err := parse(b, path, opt, true)
	if err != nil {
		return nil, nil, err
	}
	f.Input = in
	return f, f.rejected, nil
}

// Validate reads the file at path and returns every problem found: broken
// quoting (reading goes on at the next line), unknown headers, unreadable
// dates, cells beyond the header.
func Validate(path string, opt Options) formats.ErrorList {
	b, err := formats.ReadFile(path)
	if err != nil {
		return formats.ErrorList{{File: path, Err: err}}
	}
	f, err := parse(b, path, opt, true)
	var list formats.ErrorList
	if f != nil {
		list = append(list, f.problems...)
	}
	var pe *formats.ParseError
	if errors.As(err, &pe) && (f == nil || !slices.Contains(f.problems, pe)) {
		list = append(list, pe)
	} else if err != nil && pe == nil {
		list = append(list, &formats.ParseError{File: path, Err: err})
	}
	return list
}

// maxProblems bounds the warnings kept for one file.
const maxProblems = 1000

func parse(b []byte, name string, opt Options, keepGoing bool) (*File, error) {
	if err := formats.CheckText(b); err != nil {
		return nil, &formats.ParseError{File: name, Err: err}
	}
	text, enc, err := formats.DecodeText(b, opt.Encoding)
	if err != nil {
		return nil, formats.Errorf(name, 0, 0, "", "cannot decode text: %v", err)
	}
	text = bytes.TrimPrefix(text, []byte("\uFEFF"))
	text = bytes.TrimLeft(text, "\x00")
	if len(bytes.TrimSpace(text)) == 0 {
		return nil, formats.Errorf(name, 1, 1, "", "empty file: no header line")
	}
	delim := detectDelimiter(text)
	text0 := text
	cr := newCSV(text, delim)
	header, err := cr.Read()
	if err != nil {
		return nil, csvError(name, text, 0, err)
	}
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	header = append([]string(nil), header...)
	sch, err := newSchema(header, opt.KeyColumn, opt.DateFormat, "")
	if err != nil {
		return nil, formats.Errorf(name, 0, 0, "", "%v", err)
	}
	f := &File{Path: name, Header: header, Dialect: sch.dialect, Locale: sch.locale, Encoding: enc, Delimiter: delim}
	if sch.date != nil {
		f.DateFormat = sch.date.src
	}
	f.schema = sch
	f.Guessed = sch.guessed
	for i, c := range sch.cols {
		if c.col >= 0 && sch.isGuessed(i) {
			_, col := cr.FieldPos(i)
			f.Warnings = append(f.Warnings, formats.Errorf(name, 1, charCol(text, 1, col), header[i], "unknown column read as %q because of its name", englishColumns[c.col]).Error())
		}
	}
	for _, i := range sch.unknown {
		_, col := cr.FieldPos(i)
		f.warn(formats.Errorf(name, 1, charCol(text, 1, col), header[i], "unknown column, kept as is"))
	}
	d := decoder{s: sch, file: f, name: name, text: text, strayCR: bytes.Contains(text, []byte("\r\r\n")),
		userDate: opt.DateFormat != "" && !opt.inferring}
	baseLine := 0 // lines consumed before a restart after a broken record
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			pe := csvError(name, text, baseLine, err)
			if !keepGoing {
				return f, pe
			}
			f.warn(pe)
			f.rejected = append(f.rejected, pe)
			// Go on at the line after the error, as a fresh reader.
			rel := pe.Line - baseLine
			off := lineOffset(text, rel+1)
			if off < 0 || off >= len(text) || len(f.problems) >= maxProblems {
				return f, nil
			}
			text = text[off:]
			baseLine += rel
			d.text, d.base, d.lastL = text, baseLine, 0
			cr = newCSV(text, delim)
			continue
		}
		line, _ := cr.FieldPos(0)
		d.record(rec, line+baseLine, cr)
		if pe := f.badDate; pe != nil {
			f.badDate = nil
			if opt.DateFormat == "" && !opt.inferring {
				// The locale's date order does not read this file's dates:
				// infer the order from every date cell and read again with
				// it, unless the usual order is still the one that reads
				// the most.
				opt.inferring = true
				if df, all := inferDateFormat(text0, delim, sch, sch.date.order); df != "" {
					if idf, err := parseDateFormat(df, ""); err == nil && idf.order != sch.date.order {
						opt.DateFormat = df
						g, err := parse(b, name, opt, keepGoing)
						if g != nil {
							g.DateInferred = all
							if all {
								g.Warnings = append(g.Warnings, formats.Errorf(name, 1, 0, "", "dates read as %s: the usual %s of the file's language cannot read them, this order reads every one", df, sch.date.src).Error())
							} else {
								g.Warnings = append(g.Warnings, formats.Errorf(name, 1, 0, "", "dates read as %s, the order that reads most of them (no order reads every one; the usual %s of the file's language reads fewer)", df, sch.date.src).Error())
							}
						}
						return g, err
					}
				}
			}
			// No order reads this date: the record cannot be read.
			if !keepGoing {
				return f, pe
			}
			f.Contacts = f.Contacts[:len(f.Contacts)-1]
			f.rejected = append(f.rejected, pe)
		}
		if len(f.Contacts) == 64 && baseLine == 0 {
			// Size the slice once from the first records' length instead of
			// growing a 100,000-contact slice by copying.
			if off := cr.InputOffset(); off > 0 {
				est := int(int64(len(text)) * 64 / off * 11 / 10)
				f.Contacts = append(make([]contact.Contact, 0, est+1), f.Contacts...)
			}
		}
	}
	return f, nil
}

func newCSV(text []byte, delim rune) *csv.Reader {
	cr := csv.NewReader(bytes.NewReader(text))
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return cr
}

func (f *File) warn(pe *formats.ParseError) {
	if len(f.problems) >= maxProblems {
		return
	}
	f.problems = append(f.problems, pe)
	f.Warnings = append(f.Warnings, pe.Error())
}

// decoder turns records into contacts.
type decoder struct {
	s        *schema
	file     *File
	name     string
	row      []string // a record padded to the header's width
	tmp      []string // encoding scratch for the round-trip check
	shadow   []bool   // per group: keep the original cells
	text     []byte   // the text the current csv.Reader reads
	base     int      // lines before text
	lastL    int      // a line of text whose start offset is known: lastOff
	lastOff  int
	strayCR  bool            // the text has "\r\r\n": cells may hold a CR before "\n"
	userDate bool            // the date format is the user's (Options.DateFormat), not inferred
	scratch  []contact.Extra // the current record's Extras
	block    []contact.Extra // shared storage the contacts' Extras point into
}

// pos returns the absolute line and character column of field i of the
// current record.
func (d *decoder) pos(cr *csv.Reader, i int) (int, int) {
	l, col := cr.FieldPos(i)
	if d.lastL < 1 || l < d.lastL {
		d.lastL, d.lastOff = 1, 0
	}
	off := lineOffsetFrom(d.text, d.lastL, d.lastOff, l)
	if off < 0 {
		return l + d.base, col
	}
	d.lastL, d.lastOff = l, off
	return l + d.base, charColAt(d.text, off, col)
}

func (d *decoder) record(rec []string, line int, cr *csv.Reader) {
	s := d.s
	n := len(s.cols)
	// A line break is "\n" in the contact model. encoding/csv turns a
	// quoted CRLF into "\n" but leaves the other CRs of "\r\r\n"; the
	// writer writes a CR before a line break as part of that break, so CRs
	// before a "\n" are dropped here. Only a text with "\r\r\n" somewhere
	// can have such cells (strayCR), which spares the scan of every cell.
	if d.strayCR {
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
	d.file.Contacts = append(d.file.Contacts, contact.Contact{Line: line})
	c := &d.file.Contacts[len(d.file.Contacts)-1]
	if len(d.tmp) < n {
		d.tmp = make([]string, n)
		d.shadow = make([]bool, len(s.groups))
	}
	// Groups first: they decode from the row, and whether a group keeps
	// its original cells (a shadow) is known before the one pass over the
	// columns below.
	for gi, g := range s.groups {
		if w := g.decode(row, &c.Values); w != "" {
			_, col := d.pos(cr, g.idx[0])
			if cell := row[g.idx[0]]; g.kind == gDate && dateShaped(cell) {
				// Written as a date, but not one this format reads: an
				// error, unless another order reads the column (see parse).
				pe := formats.Errorf(d.name, line, col, s.cols[g.idx[0]].header, "%s", d.dateError(cell, g.date))
				d.file.warn(pe)
				if d.file.badDate == nil {
					d.file.badDate = pe
				}
			} else if g.kind == gDate {
				// Not written as a date (free text an exporter put in
				// Birthday): kept as it is, a warning, not a problem.
				if len(d.file.Warnings) < maxProblems {
					d.file.Warnings = append(d.file.Warnings, formats.Errorf(d.name, line, col, s.cols[g.idx[0]].header,
						"%s is not written as a date (a day, a month and a year in digits); kept as is", quote(cell)).Error())
				}
			} else {
				d.file.warn(formats.Errorf(d.name, line, col, s.cols[g.idx[0]].header, "%s", w))
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
	for i := 0; i < n; i++ {
		col := &s.cols[i]
		v := row[i]
		if col.kind == kSimple {
			c.Values[col.field] = v
		}
		switch {
		case v == "":
		case i == s.keyIdx && strings.HasPrefix(v, KeyPrefix):
			c.Key = v
		case col.kind == kUnmapped:
			extra(col.name, v)
		case col.kind == kGroup && d.shadow[col.group]:
			extra(col.name, v)
		}
	}
	for i := n; i < len(rec); i++ {
		if rec[i] == "" {
			continue
		}
		name := "column " + strconv.Itoa(i+1)
		extra(name, rec[i])
		l, col := d.pos(cr, i)
		d.file.warn(formats.Errorf(d.name, l, col, name, "cell beyond the %d header columns, kept", n))
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

// detectDelimiter picks ',', ';' or tab: whichever occurs most often in the
// header line outside quotes (',' on a tie).
func detectDelimiter(text []byte) rune {
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
		return ';'
	case n[2] > n[0] && n[2] > n[1]:
		return '\t'
	}
	return ','
}

// csvError turns an encoding/csv error into a ParseError with the column
// counted in characters.
func csvError(name string, text []byte, baseLine int, err error) *formats.ParseError {
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
	return &formats.ParseError{File: name, Line: ce.Line + baseLine, Col: charCol(text, ce.Line, ce.Column), Err: errors.New(what)}
}

// lineOffset returns the byte offset where 1-based line starts; -1 past the end.
func lineOffset(text []byte, line int) int {
	return lineOffsetFrom(text, 1, 0, line)
}

// lineOffsetFrom is lineOffset starting from a known line start.
func lineOffsetFrom(text []byte, fromLine, off, line int) int {
	for l := fromLine; l < line; l++ {
		i := bytes.IndexByte(text[off:], '\n')
		if i < 0 {
			return -1
		}
		off += i + 1
	}
	return off
}

// charCol converts a 1-based byte column on a line into a character column.
func charCol(text []byte, line, byteCol int) int {
	return charColAt(text, lineOffset(text, line), byteCol)
}

func charColAt(text []byte, off, byteCol int) int {
	if off < 0 || byteCol <= 0 {
		return byteCol
	}
	end := off + byteCol - 1
	if end > len(text) {
		end = len(text)
	}
	return utf8.RuneCount(text[off:end]) + 1
}
