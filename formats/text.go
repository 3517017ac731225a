package formats

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Text is a text file (or bytes) decoded to UTF-8 as it is read: the
// readers of the CSV formats parse from it without holding the file. The
// bytes are hashed as they are read (Input).
//
// The encoding is the one DecodeText would find on the whole file: a
// UTF-8 or UTF-16 BOM, else the forced code page, else UTF-8 when the
// whole file is valid UTF-8 and Windows-1252 otherwise. That last test
// needs every byte, so a file without BOM or forced code page is first
// read once through (not hashed, not held) before its text is given out.
type Text struct {
	r        io.Reader
	hash     *HashReader
	file     *os.File
	path     string
	Encoding string // as DecodeText names it
	Size     int64  // the file's size in bytes; 0 when unknown
	ahead    *ahead // see ReadAhead
}

// peekSize is what Text looks at before decoding: the BOM, and the start
// CheckText judges.
const peekSize = 64 << 10

// OpenText opens the text file at path; force names a code page for a
// file without BOM ("" = detect). A binary file (CheckText) is an error
// wrapping ErrNotText.
func OpenText(path, force string) (*Text, error) {
	return openText(path, force, false)
}

func openText(path, force string, once bool) (*Text, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		// A pipe (or a device) can be read only once: held, as it must
		// be to tell its encoding.
		b, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			return nil, err
		}
		bytesRead.Add(int64(len(b)))
		return NewText(b, path, force)
	}
	valid := func() (bool, error) {
		g, err := os.Open(path)
		if err != nil {
			return false, err
		}
		defer g.Close()
		return validUTF8(g)
	}
	if once {
		valid = nil // told while streaming (sniffer)
	}
	t, err := newText(NewHashReader(f), path, force, valid)
	if err != nil {
		f.Close()
		return nil, err
	}
	t.file, t.Size = f, st.Size()
	return t, nil
}

// NewText is OpenText on bytes held in memory; name is for Input. The
// bytes are not counted in BytesRead again.
func NewText(b []byte, name, force string) (*Text, error) {
	h := NewHashReader(bytes.NewReader(b))
	h.quiet = true // counted when they were read into memory
	t, err := newText(h, name, force, func() (bool, error) { return utf8.Valid(b), nil })
	if t != nil {
		t.Size = int64(len(b))
	}
	return t, err
}

// newText decodes what h reads. valid reports whether the whole text is
// UTF-8; nil: the text is told while it is read (see OpenTextOnce).
func newText(h *HashReader, path, force string, valid func() (bool, error)) (*Text, error) {
	t := &Text{path: path, hash: h}
	br := bufio.NewReaderSize(t.hash, peekSize)
	head, err := br.Peek(peekSize)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	if err := CheckText(head); err != nil {
		return nil, err
	}
	var dec transform.Transformer
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
		t.Encoding = UTF8BOM
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		dec, t.Encoding = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder(), UTF16LE
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		dec, t.Encoding = unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder(), UTF16BE
	case force != "":
		e, name, err := LookupEncoding(force)
		if err != nil {
			return nil, err
		}
		t.Encoding = name
		if e != nil {
			dec = decoderOf(e)
		}
	case valid == nil:
		t.Encoding = UTF8
		t.r = &sniffer{t: t, br: br}
		return t, nil
	default:
		ok, err := valid()
		if err != nil {
			return nil, err
		}
		t.Encoding = UTF8
		if !ok {
			dec, t.Encoding = windows1252{}, Windows1252
		}
	}
	t.r = br
	if dec != nil {
		t.r = transform.NewReader(br, dec)
	}
	return t, nil
}

// Read reads UTF-8 text.
func (t *Text) Read(p []byte) (int, error) {
	if t.ahead != nil {
		return t.ahead.Read(p)
	}
	return t.r.Read(p)
}

// ReadAhead makes the text of a file read, hashed and decoded in a
// goroutine of its own, a few hundred KiB ahead of Read (see ahead): for
// a reader that parses as it reads, on a machine with a core to spare.
// Encoding may then change while the text is read (a file told to be
// Windows-1252 late): it is settled once Input or Close returned. Text
// held in memory is read as it is.
func (t *Text) ReadAhead() {
	if t.file != nil && t.ahead == nil {
		t.ahead = newAhead(t.r)
	}
}

// stopAhead ends the reading ahead: what was read ahead is hashed, and
// the rest of the file is the hash's to read.
func (t *Text) stopAhead() {
	if t.ahead != nil {
		t.ahead.stop()
	}
}

// Input reads what is left unread and returns the file's size and hash.
func (t *Text) Input() (InputFile, error) {
	t.stopAhead()
	return t.hash.Input(t.path)
}

// Close closes the file (nothing for bytes).
func (t *Text) Close() error {
	t.stopAhead()
	if t.file == nil {
		return nil
	}
	return t.file.Close()
}

// validUTF8 reports whether all of r is valid UTF-8, a chunk at a time.
func validUTF8(r io.Reader) (bool, error) {
	const chunk = 1 << 20
	buf := make([]byte, chunk+utf8.UTFMax)
	carry := 0
	for {
		n, err := io.ReadFull(r, buf[carry:carry+chunk])
		n += carry
		end := n
		if err == nil {
			// More follows: keep back a character cut at the chunk's end.
			i := n - 1
			for i > 0 && i > n-utf8.UTFMax && !utf8.RuneStart(buf[i]) {
				i--
			}
			if !utf8.FullRune(buf[i:n]) {
				end = i
			}
		}
		if !utf8.Valid(buf[:end]) {
			return false, nil
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		carry = copy(buf, buf[end:n])
	}
}

// Window keeps the text a reader (a CSV reader: csvscan's or
// encoding/csv's) has taken from r since a known line start, so that a
// parser reading records can turn byte columns into character columns and
// start over after a broken record, without holding the file: Forget drops
// the text before a record boundary once the record is done. Lines are
// counted by "\n", as the CSV readers count them.
type Window struct {
	r     io.Reader
	buf   []byte
	start int   // buf[start:] is kept
	off   int64 // input offset of buf[start]
	line  int   // line number of buf[start], which starts a line
}

// NewWindow returns a Window over r, at line 1.
func NewWindow(r io.Reader) *Window { return &Window{r: r, line: 1} }

func (w *Window) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	w.buf = append(w.buf, p[:n]...)
	return n, err
}

// Forget drops the text before input offset off, which must start a
// line (the CSV reader's InputOffset after a record).
func (w *Window) Forget(off int64) {
	k := w.start + int(off-w.off)
	if k <= w.start || k > len(w.buf) {
		return
	}
	w.line += bytes.Count(w.buf[w.start:k], []byte{'\n'})
	w.start, w.off = k, off
	if w.start >= 64<<10 && w.start*2 >= len(w.buf) {
		w.buf = w.buf[:copy(w.buf, w.buf[w.start:])]
		w.start = 0
	}
}

// Line returns the text from the start of line l (1-based) to the end of
// what was read, and false when l is not in the window.
func (w *Window) Line(l int) ([]byte, bool) {
	if l < w.line {
		return nil, false
	}
	b := w.buf[w.start:]
	for x := w.line; x < l; x++ {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return nil, false
		}
		b = b[i+1:]
	}
	return b, true
}

// Until returns the text from the window's start to input offset off.
func (w *Window) Until(off int64) []byte {
	return w.buf[w.start:min(len(w.buf), w.start+max(0, int(off-w.off)))]
}

// CharCol converts a 1-based byte column on line l into a character
// column; it returns byteCol when the line is no longer in the window.
func (w *Window) CharCol(l, byteCol int) int {
	b, ok := w.Line(l)
	if !ok || byteCol <= 0 {
		return byteCol
	}
	return utf8.RuneCount(b[:min(byteCol-1, len(b))]) + 1
}

// Drain reads the rest of r into the window: for a parser that stopped
// at a broken record and looks at what follows.
func (w *Window) Drain() {
	io.Copy(io.Discard, w)
}

// Lines is the number of line breaks from the start of the text to the
// end of what was read.
func (w *Window) Lines() int {
	return w.line - 1 + bytes.Count(w.buf[w.start:], []byte{'\n'})
}

// Rest returns a reader of the text from the start of line l on: what
// the window holds of it, then the rest of r. A parser starts a fresh
// reader on it after a broken record. ok is false when line l was not
// reached (nothing follows).
func (w *Window) Rest(l int) (io.Reader, bool) {
	b, ok := w.Line(l)
	if !ok {
		return nil, false
	}
	return io.MultiReader(bytes.NewReader(append([]byte(nil), b...)), w.r), true
}
