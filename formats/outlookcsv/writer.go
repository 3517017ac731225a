package outlookcsv

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// Writer writes an Outlook CSV file one record at a time (formats.Writer)
// in the columns of a layout: the file's own when it was read (Reader's
// Layout), else a fresh Outlook layout in Options.Locale.
//
// Two things are known only at the end: the columns to append (a value
// the layout has no column for, met in any record) and the encoding
// (Windows-1252 when every character of the file fits and its bytes do
// not read as UTF-8, else UTF-8 with a BOM). A file (Create) is first
// written as it will most likely end: the layout's columns, in
// Windows-1252, each row straight into the output's temporary file. Once
// a row needs a column more or a character Windows-1252 lacks (or Close
// finds the file must be UTF-8 after all), the rows written so far are
// read back into a spool, and from then on Write encodes each row in
// UTF-8 into the spool beside the output, noting its number of cells and
// whether it fits Windows-1252; Close writes the header, then the spooled
// rows padded to the final width in the chosen encoding, into the
// output's temporary file, and renames it into place. Memory stays one
// row, whatever the number of records.
type Writer struct {
	e       *encoder
	path    string
	out     io.Writer           // the CSV's destination at Close
	atomic  *formats.AtomicFile // out, when writing a file
	spool   *os.File            // rows until Close (nil: spoolMem)
	spoolW  *bufio.Writer
	spoolM  bytes.Buffer
	cw      cellWriter
	varint  []byte
	enc     encodingCheck
	res     WriteResult
	done    bool
	written bool // Close completed
	// direct: the rows go straight to atomic, in Windows-1252, each as
	// wide as the header (see Write); headed: the header is written.
	direct, headed bool
	// rowSchema is the last schema of a Row given to WriteRead, and
	// rowSame whether it is the writer's.
	rowSchema *schema
	rowSame   bool
	copied    int // records WriteRead copied
}

var _ formats.Writer = (*Writer)(nil)

// encodingCheck follows, over all the text written, whether every
// character fits Windows-1252 and whether its Windows-1252 bytes hold any
// byte above 0x7F and would fail to read as UTF-8. Rows are checked one
// by one: a row ends in a line break, so no character spans two.
type encodingCheck struct {
	misfit   bool
	nonASCII bool
	notUTF8  bool
	buf      []byte
}

// add checks p and returns its Windows-1252 bytes (p itself when ASCII;
// else c.buf, good until the next add), nil when some character does not
// fit (or did in an earlier add).
func (c *encodingCheck) add(p []byte) []byte {
	if c.misfit {
		return nil
	}
	if ascii(p) {
		return p
	}
	var ok bool
	c.buf, ok = formats.Append1252(c.buf[:0], p)
	if !ok {
		c.misfit = true
		return nil
	}
	c.nonASCII = true
	if !c.notUTF8 && !utf8.Valid(c.buf) {
		c.notUTF8 = true
	}
	return c.buf
}

// encoding is the one the rule picks for the text checked.
func (c *encodingCheck) encoding() string {
	if c.misfit || (c.nonASCII && !c.notUTF8) {
		return formats.UTF8BOM
	}
	return formats.Windows1252
}

// Create starts writing the Outlook CSV file path (atomically, see
// formats.CreateAtomic) in the columns of layout (nil: a fresh layout).
func Create(path string, layout *File, opt Options) (*Writer, error) {
	e, err := newEncoder(layout, opt)
	if err != nil {
		return nil, err
	}
	a, err := formats.CreateAtomic(path, formats.FilePerm)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	w := &Writer{e: e, path: path, out: a, atomic: a, direct: len(e.s.cols) == len(e.header)}
	w.cw.delim = e.delim
	if !w.direct {
		if err := w.startSpool(); err != nil {
			a.Abort()
			return nil, err
		}
	}
	return w, nil
}

// startSpool creates the spool of a file's rows.
func (w *Writer) startSpool() error {
	sp, err := os.CreateTemp(filepath.Dir(w.path), "."+filepath.Base(w.path)+".rows*")
	if err != nil {
		return fmt.Errorf("write %s: %w", w.path, err)
	}
	os.Remove(sp.Name()) // unlinked where the system allows: never left behind
	w.spool, w.spoolW = sp, bufio.NewWriterSize(sp, 256<<10)
	return nil
}

// Hash makes Sum give the SHA-256 of the file written (formats.AtomicFile's
// Hash); call it before the first Write. A Writer of NewWriter has none.
func (w *Writer) Hash() {
	if w.atomic != nil {
		w.atomic.Hash()
	}
}

// Sum returns the SHA-256 (hex) and size of the file Close wrote, when Hash
// asked for it.
func (w *Writer) Sum() (string, int64, bool) {
	if w.atomic == nil || !w.written {
		return "", 0, false
	}
	return w.atomic.Sum()
}

// NewWriter is Create writing to out at Close, with the rows held in
// memory until then.
func NewWriter(out io.Writer, layout *File, opt Options) (*Writer, error) {
	e, err := newEncoder(layout, opt)
	if err != nil {
		return nil, err
	}
	w := &Writer{e: e, out: out}
	w.cw.delim = e.delim
	return w, nil
}

// Write encodes one record as a row.
func (w *Writer) Write(c *contact.Contact) error {
	if w.done {
		return errors.New("outlookcsv: write after close")
	}
	e := w.e
	mapped, dropped := e.res.Mapped, e.res.Dropped
	e.fill(c)
	if e.missed {
		// c needs a column no record before it needed: learnt, and the
		// row filled again with it (counted once).
		e.missed = false
		e.res.Mapped, e.res.Dropped = mapped, dropped
		e.fill(c)
	}
	cw := &w.cw
	cw.buf, cw.n, cw.wrote = cw.buf[:0], 0, false
	cw.row(e.row)
	return w.put()
}

// put writes the row in w.cw: straight to the file while it is written
// directly, else to the spool with its number of cells and whether one
// is not empty.
func (w *Writer) put() error {
	cw := &w.cw
	if w.direct {
		if err := w.writeDirect(); err != errNotDirect {
			return err
		}
	}
	w.enc.add(cw.buf)
	flag := uint64(0)
	if cw.wrote {
		flag = 1
	}
	w.varint = binary.AppendUvarint(w.varint[:0], uint64(cw.n)<<1|flag)
	w.varint = binary.AppendUvarint(w.varint, uint64(len(cw.buf)))
	if w.spool == nil {
		w.spoolM.Write(w.varint)
		w.spoolM.Write(cw.buf)
		return nil
	}
	w.spoolW.Write(w.varint)
	if _, err := w.spoolW.Write(cw.buf); err != nil {
		return fmt.Errorf("write %s: %w", w.path, err)
	}
	return nil
}

// Close writes the file and, for Create, renames it into place.
func (w *Writer) Close() error {
	if w.done {
		return fmt.Errorf("write %s: already closed", w.path)
	}
	w.done = true
	defer w.release()
	err := w.endDirect()
	if err == nil && !w.direct {
		err = w.emit()
	}
	if err != nil {
		if w.atomic != nil {
			w.atomic.Abort()
			return fmt.Errorf("write %s: %w", w.path, err)
		}
		return err
	}
	if w.atomic != nil {
		if err := w.atomic.Commit(); err != nil {
			return fmt.Errorf("write %s: %w", w.path, err)
		}
	}
	w.written = true
	return nil
}

// errNotDirect: the row cannot be written directly (see writeDirect).
var errNotDirect = errors.New("outlookcsv: the row is not written directly")

// writeDirect writes the row in w.cw straight to the file, in
// Windows-1252, after the header when it is the first. When the row
// needs a column the header lacks, or a character Windows-1252 lacks, the
// rows written are moved to the spool (undirect) and it returns
// errNotDirect: the row is to be spooled.
func (w *Writer) writeDirect() error {
	if !w.headed {
		w.headed = true
		if err := w.writeDirect1252(w.header()); err != nil {
			return w.leaveDirect(err)
		}
	}
	if len(w.e.extraNames) > 0 {
		return w.leaveDirect(errNotDirect)
	}
	return w.leaveDirect(w.writeDirect1252(w.cw.buf))
}

// leaveDirect returns err, after moving the rows to the spool when it is
// errNotDirect.
func (w *Writer) leaveDirect(err error) error {
	if err == errNotDirect {
		if uerr := w.undirect(); uerr != nil {
			return uerr
		}
	}
	return err
}

// writeDirect1252 writes the row p (its cells, in UTF-8) to the file in
// Windows-1252 with its line end; errNotDirect when some character does
// not fit.
func (w *Writer) writeDirect1252(p []byte) error {
	b := w.enc.add(p)
	if b == nil {
		return errNotDirect
	}
	if len(w.e.header) == 1 && len(b) == 0 {
		// An empty line is no record to a CSV reader: "" keeps it.
		b = append(b, `""`...)
	}
	b = append(b, "\r\n"...)
	if _, err := w.atomic.Write(b); err != nil {
		return fmt.Errorf("write %s: %w", w.path, err)
	}
	return nil
}

// endDirect ends the direct writing at Close: the header of a file with no
// row, and the rows to the spool when the file must be UTF-8 after all.
func (w *Writer) endDirect() error {
	if !w.direct {
		return nil
	}
	if !w.headed {
		w.headed = true
		if err := w.writeDirect1252(w.header()); err != nil && err != errNotDirect {
			return err
		}
	}
	if w.enc.encoding() == formats.Windows1252 {
		w.res.Encoding = formats.Windows1252
		return nil
	}
	return w.undirect()
}

// undirect moves the rows written directly to the spool, in UTF-8, and
// empties the file: from now on the rows are spooled, and Close writes
// the file (emit). Each row is as wide as the header.
func (w *Writer) undirect() error {
	w.direct = false
	if err := w.startSpool(); err != nil {
		return err
	}
	written, err := w.atomic.Written()
	if err != nil {
		return fmt.Errorf("write %s: %w", w.path, err)
	}
	width := len(w.e.header)
	header := true
	err = eachRow(bufio.NewReaderSize(written, 256<<10), func(row []byte) error {
		if header {
			header = false // emit writes it
			return nil
		}
		row = row[:len(row)-2] // CRLF
		if width == 1 && string(row) == `""` {
			row = row[:0] // a record of one empty cell
		}
		if !ascii(row) {
			row = formats.Decode1252(row)
		}
		flag := uint64(0)
		if len(row) > 0 {
			flag = 1
		}
		w.varint = binary.AppendUvarint(w.varint[:0], uint64(width)<<1|flag)
		w.varint = binary.AppendUvarint(w.varint, uint64(len(row)))
		w.spoolW.Write(w.varint)
		_, err := w.spoolW.Write(row)
		return err
	})
	if err == nil {
		err = w.atomic.Rewind()
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", w.path, err)
	}
	return nil
}

// eachRow hands f each row of the CSV text r (header first) with its line
// end, as cellWriter writes rows: a line break inside a cell is inside
// quotes, and every quote of a cell's text is doubled, so a row ends at
// the first line feed after an even number of quotes.
func eachRow(r *bufio.Reader, f func(row []byte) error) error {
	var row []byte
	quotes := 0
	for {
		line, err := r.ReadSlice('\n')
		row = append(row, line...)
		quotes += bytes.Count(line, []byte{'"'})
		if len(line) > 0 && line[len(line)-1] == '\n' && quotes%2 == 0 {
			if ferr := f(row); ferr != nil {
				return ferr
			}
			row, quotes = row[:0], 0
		}
		switch {
		case err == io.EOF:
			if len(row) > 0 {
				return errors.New("outlookcsv: a row written is cut short")
			}
			return nil
		case err != nil && err != bufio.ErrBufferFull:
			return err
		}
	}
}

// header returns the header's cells, in UTF-8, without a line end.
func (w *Writer) header() []byte {
	e := w.e
	var head cellWriter
	head.delim = e.delim
	// Header cells are always quoted: a header of empty or blank names
	// would otherwise be a line a reader takes for no header at all.
	head.quoteEmpty = true
	for _, h := range e.header {
		head.cell(h)
	}
	for _, h := range e.extraNames {
		head.cell(h)
	}
	return head.buf
}

// emit writes the header and the spooled rows to out.
func (w *Writer) emit() error {
	e := w.e
	var hb bytes.Buffer
	hb.Write(w.header())
	hb.WriteString("\r\n")
	w.enc.add(hb.Bytes())
	enc := w.enc.encoding()
	out := bufio.NewWriterSize(w.out, 256<<10)
	put := func(p []byte) {
		if enc == formats.UTF8BOM || ascii(p) {
			out.Write(p)
			return
		}
		w.enc.buf, _ = formats.Append1252(w.enc.buf[:0], p)
		out.Write(w.enc.buf)
	}
	if enc == formats.UTF8BOM {
		out.WriteString("\uFEFF")
	}
	put(hb.Bytes())
	width := len(e.header) + len(e.extraNames)
	var rows *bufio.Reader
	if w.spool == nil {
		rows = bufio.NewReader(&w.spoolM)
	} else {
		if err := w.spoolW.Flush(); err != nil {
			return err
		}
		if _, err := w.spool.Seek(0, io.SeekStart); err != nil {
			return err
		}
		rows = bufio.NewReaderSize(w.spool, 256<<10)
	}
	var row []byte
	for {
		flags, err := binary.ReadUvarint(rows)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		n, err := binary.ReadUvarint(rows)
		if err != nil {
			return err
		}
		if uint64(cap(row)) < n+uint64(width)+4 {
			row = make([]byte, n, n+uint64(width)+64)
		}
		row = row[:n]
		if _, err := io.ReadFull(rows, row); err != nil {
			return err
		}
		cells, wrote := int(flags>>1), flags&1 == 1
		// Cells appended after the row was written are empty: bare.
		for ; cells < width; cells++ {
			row = append(row, e.delim)
		}
		if width == 1 && !wrote {
			// An empty line is no record to a CSV reader: "" keeps it.
			row = append(row, `""`...)
		}
		row = append(row, "\r\n"...)
		put(row)
	}
	if err := out.Flush(); err != nil {
		return err
	}
	w.res.Encoding = enc
	return nil
}

// release drops the spool.
func (w *Writer) release() {
	if w.spool != nil {
		w.spool.Close()
		os.Remove(w.spool.Name())
		w.spool = nil
	}
	w.spoolM = bytes.Buffer{}
}

// Abort drops what was written; the file is left as it was. It does
// nothing after Close.
func (w *Writer) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.release()
	if w.atomic != nil {
		w.atomic.Abort()
	}
}

// Result is what the write did besides writing; complete after Close.
func (w *Writer) Result() WriteResult {
	r := w.e.res
	r.Encoding = w.res.Encoding
	return r
}

// Describe says what was written, for the plan.
func (w *Writer) Describe() string { return Describe(w.Result()) }

// Describe says what a write with result res wrote.
func Describe(res WriteResult) string {
	desc := "Outlook CSV in " + res.Encoding + " (" + EncodingReason(res.Encoding) + ")"
	if res.Mapped > 0 {
		desc += fmt.Sprintf("; %d values from another format filled their Outlook columns", res.Mapped)
	}
	if res.Dropped > 0 {
		names := res.DroppedNames
		if len(names) > 8 {
			names = append(names[:8:8], "...")
		}
		desc += fmt.Sprintf("; %d values from another format have no Outlook CSV column and are not in this file (%s)", res.Dropped, strings.Join(names, ", "))
	}
	return desc
}
