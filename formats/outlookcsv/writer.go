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
// not read as UTF-8, else UTF-8 with a BOM). So Write encodes each row
// in UTF-8 into a spool file beside the output, noting its number of
// cells and whether it fits Windows-1252; Close writes the header, then
// the spooled rows padded to the final width in the chosen encoding, into
// the output's temporary file, and renames it into place. Memory stays one
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

func (c *encodingCheck) add(p []byte) {
	if c.misfit || ascii(p) {
		return
	}
	var ok bool
	c.buf, ok = formats.Append1252(c.buf[:0], p)
	if !ok {
		c.misfit = true
		return
	}
	c.nonASCII = true
	if !c.notUTF8 && !utf8.Valid(c.buf) {
		c.notUTF8 = true
	}
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
	sp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".rows*")
	if err != nil {
		a.Abort()
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	os.Remove(sp.Name()) // unlinked where the system allows: never left behind
	w := &Writer{e: e, path: path, out: a, atomic: a, spool: sp, spoolW: bufio.NewWriterSize(sp, 256<<10)}
	w.cw.delim = e.delim
	return w, nil
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
	for _, v := range e.row {
		cw.cell(v)
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
	if err := w.emit(); err != nil {
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

// emit writes the header and the spooled rows to out.
func (w *Writer) emit() error {
	e := w.e
	var head cellWriter
	var hb bytes.Buffer
	head.w, head.delim = &hb, e.delim
	// Header cells are always quoted: a header of empty or blank names
	// would otherwise be a line a reader takes for no header at all.
	head.quoteEmpty = true
	for _, h := range e.header {
		head.cell(h)
	}
	for _, h := range e.extraNames {
		head.cell(h)
	}
	head.end()
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
