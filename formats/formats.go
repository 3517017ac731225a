// Package formats holds what every importer and exporter shares: the one
// shape of a format — a Reader that yields records one at a time with a
// Summary (warnings, notes, set-aside records, the inputs hashed as read),
// and a Writer that takes records one at a time and commits its output
// atomically on Close — and the registry (Register, Lookup, Detect) through
// which the cycle reads, writes and validates a side without naming a
// format; the positioned ParseError that all of them return for bad input;
// text decoding as a file is read (Text, Window) for the Windows-made files
// they read; and atomic file writing.
//
// Each format lives in its own sub-package (outlookcsv, vcard, pst, msg,
// crmcsv), converts between its files and engine/contact values, registers
// itself in an init function, and runs the one conformance suite
// (formats/conformance).
package formats

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
)

// ParseError is a problem at a place in an input file. Its message has the
// form "file:line:col: field: what is wrong"; Line and Col are 1-based, and
// 0 when unknown (then they are left out of the message).
type ParseError struct {
	File  string // path of the file as the user named it
	Line  int    // line (for binary formats: 0, with Offset set)
	Col   int    // column in characters, 1-based
	Field string // column header, property name or structure; may be empty
	Err   error  // what is wrong
	// Offset is the byte offset for binary formats (PST); -1 or 0 when unused.
	Offset int64
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	} else if e.Offset > 0 {
		fmt.Fprintf(&b, ":offset 0x%x", e.Offset)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("invalid input")
	}
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }

// Errorf returns a ParseError for file at line:col.
func Errorf(file string, line, col int, field, format string, args ...any) *ParseError {
	return &ParseError{File: file, Line: line, Col: col, Field: field, Err: fmt.Errorf(format, args...)}
}

// IsParseError reports whether err is, or wraps, a ParseError.
func IsParseError(err error) bool {
	var pe *ParseError
	return errors.As(err, &pe)
}

// ErrorList collects several positioned problems (validate reports all of
// them; readers stop at the first).
type ErrorList []*ParseError

func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more errors)", l[0].Error(), len(l)-1)
}

// Err returns nil for an empty list and the list otherwise.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Encoding names used by DecodeText and EncodeText.
const (
	UTF8        = "utf-8"
	UTF8BOM     = "utf-8-bom"
	UTF16LE     = "utf-16le"
	UTF16BE     = "utf-16be"
	Windows1252 = "windows-1252"
)

// DecodeText turns the bytes of a text file into UTF-8 and says which
// encoding they were in. With force empty it detects: a UTF-8 BOM, a UTF-16
// BOM (LE or BE), valid UTF-8, else Windows-1252 (the ANSI code page of
// Western Windows, which is what Outlook writes). force names a code page
// ("1250", "cp1251", "windows-1253", "iso-8859-2", "shift_jis", ...) to use
// instead of the detection for files without a BOM.
func DecodeText(b []byte, force string) (text []byte, enc string, err error) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return b[3:], UTF8BOM, nil
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		out, err := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(b)
		return out, UTF16LE, err
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		out, err := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder().Bytes(b)
		return out, UTF16BE, err
	}
	if force != "" {
		e, name, err := LookupEncoding(force)
		if err != nil {
			return nil, "", err
		}
		if e == nil {
			return b, name, nil
		}
		out, err := e.NewDecoder().Bytes(b)
		return out, name, err
	}
	if utf8.Valid(b) {
		return b, UTF8, nil
	}
	return decode1252(b), Windows1252, nil
}

// cp1252 is the character of each Windows-1252 byte.
var cp1252 = func() (t [256]rune) {
	for i := range t {
		t[i] = charmap.Windows1252.DecodeByte(byte(i))
	}
	return t
}()

// decode1252 is what charmap.Windows1252's decoder does, into a slice
// sized exactly once: the decoder grows its output by doubling, which for
// an export of hundreds of megabytes copies it several times over.
func decode1252(b []byte) []byte {
	n := len(b)
	for i := 0; i < len(b); i++ {
		i += asciiRun(b[i:])
		if i < len(b) {
			n += utf8.RuneLen(cp1252[b[i]]) - 1
		}
	}
	out := make([]byte, 0, n)
	for len(b) > 0 {
		i := asciiRun(b)
		out = append(out, b[:i]...)
		if i == len(b) {
			break
		}
		out = utf8.AppendRune(out, cp1252[b[i]])
		b = b[i+1:]
	}
	return out
}

// LookupEncoding finds a text encoding by a user-given name: a bare Windows
// code page number ("1250"), "cp1250", or any WHATWG/IANA name. A nil
// Encoding with no error means UTF-8.
func LookupEncoding(name string) (encoding.Encoding, string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	n = strings.TrimPrefix(n, "cp")
	if n != "" && strings.Trim(n, "0123456789") == "" {
		n = "windows-" + n
	}
	switch n {
	case "utf-8", "utf8":
		return nil, UTF8, nil
	case "windows-437":
		return charmap.CodePage437, "cp437", nil
	case "windows-850":
		return charmap.CodePage850, "cp850", nil
	}
	e, err := htmlindex.Get(n)
	if err != nil {
		return nil, "", fmt.Errorf("unknown encoding %q (try a Windows code page number such as 1252, or a name such as iso-8859-2)", name)
	}
	canon, _ := htmlindex.Name(e)
	if canon == "utf-8" {
		return nil, UTF8, nil
	}
	return e, canon, nil
}

// EncodeText converts UTF-8 text to the named encoding (as returned by
// DecodeText). For utf-8-bom the BOM is prepended. It fails when a character
// has no representation in a single-byte code page.
func EncodeText(text []byte, enc string) ([]byte, error) {
	switch enc {
	case "", UTF8:
		return text, nil
	case UTF8BOM:
		return append([]byte{0xEF, 0xBB, 0xBF}, text...), nil
	case UTF16LE:
		return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes(text)
	case UTF16BE:
		return unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder().Bytes(text)
	}
	e, _, err := LookupEncoding(enc)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return text, nil
	}
	return e.NewEncoder().Bytes(text)
}

// Fits1252 reports whether every character of s can be written in Windows-1252.
func Fits1252(s string) bool {
	for _, r := range s {
		if r < 0x80 {
			continue
		}
		if _, ok := charmap.Windows1252.EncodeRune(r); !ok {
			return false
		}
	}
	return true
}

// Append1252 appends the Windows-1252 bytes of the UTF-8 text s (a string
// or bytes) to dst. It
// reports false (and dst as far as it got) when a character has no
// Windows-1252 byte or s is not valid UTF-8: what makes Fits1252 false.
func Append1252[T ~string | ~[]byte](dst []byte, s T) ([]byte, bool) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			j := i + 1
			for j < len(s) && s[j] < utf8.RuneSelf {
				j++
			}
			dst = append(dst, s[i:j]...)
			i = j
			continue
		}
		// U+00A0-U+00FF (C2 A0-BF, C3 80-BF) are the same byte in
		// Windows-1252: the letters of Western names, without a look-up.
		if i+1 < len(s) && (c == 0xC2 && s[i+1] >= 0xA0 || c == 0xC3 && s[i+1] >= 0x80) && s[i+1] <= 0xBF {
			dst = append(dst, (c&0x03)<<6|s[i+1]&0x3F)
			i += 2
			continue
		}
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		b, ok := charmap.Windows1252.EncodeRune(r)
		if !ok || (r == utf8.RuneError && size == 1) {
			return dst, false
		}
		dst = append(dst, b)
		i += size
	}
	return dst, true
}

// asciiRun returns the length of the run of ASCII bytes b starts with,
// eight bytes at a time where it can.
func asciiRun(b []byte) int {
	i := 0
	for i+8 <= len(b) && binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 == 0 {
		i += 8
	}
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	return i
}

// WriteFileAtomic writes data to path through a temporary file in the same
// folder, syncs it, and renames it into place, so that a reader (or a crash)
// sees either the old file or the complete new one.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := CreateAtomic(path, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

// AtomicFile is a file being written in place of path: the bytes go,
// buffered, into a temporary file in the same folder, and Commit syncs it
// and renames it into place. Until then path is untouched, so a reader (or
// a crash) sees either the old file or the complete new one: what
// WriteFileAtomic does, for a file too large to build in memory first.
// Call exactly one of Commit and Abort; Abort after Commit does nothing,
// so "defer f.Abort()" is the usual cleanup.
type AtomicFile struct {
	path string
	perm os.FileMode
	f    *os.File
	w    *bufio.Writer
	done bool
	h    hash.Hash // the SHA-256 of the bytes written, once Hash asked for it
	n    int64     // the bytes written to f
	// The file is synced in the background as it grows (see syncEvery):
	// synced is n when the last sync started, syncing its end (nil: none
	// runs), syncErr the first error of one.
	synced  int64
	syncing chan struct{}
	syncErr error
}

// syncEvery is how many bytes an AtomicFile takes between two syncs in the
// background: the system writes a large output (the hundreds of megabytes
// of a million contacts) to the disk while it is being written, so that
// Commit's sync waits only for the last bytes, not for the file whole. (A
// variable for the test.)
var syncEvery int64 = 32 << 20

// atomicOut is the file under an AtomicFile's buffer: it counts, and
// hashes when asked, the bytes as they go to the file, a buffer at a time.
type atomicOut struct{ a *AtomicFile }

func (o atomicOut) Write(p []byte) (int, error) {
	a := o.a
	n, err := a.f.Write(p)
	if a.h != nil {
		a.h.Write(p[:n])
	}
	a.n += int64(n)
	if a.n-a.synced >= syncEvery {
		a.syncBehind()
	}
	return n, err
}

// syncBehind starts a sync of what is written, unless the last one still
// runs.
func (a *AtomicFile) syncBehind() {
	if a.syncing != nil {
		select {
		case <-a.syncing:
		default:
			return
		}
	}
	a.synced = a.n
	done := make(chan struct{})
	a.syncing = done
	go func() {
		defer close(done)
		if err := a.f.Sync(); err != nil && a.syncErr == nil {
			a.syncErr = err // read once done is closed
		}
	}()
}

// waitSync waits for the sync in the background, if one runs, and returns
// the first error of those that ran.
func (a *AtomicFile) waitSync() error {
	if a.syncing != nil {
		<-a.syncing
		a.syncing = nil
	}
	return a.syncErr
}

// FilePerm and DirPerm are the modes of every file and folder contactsync
// writes: contacts are personal data, so only their owner may read them.
const (
	FilePerm os.FileMode = 0o600
	DirPerm  os.FileMode = 0o700
)

// MkdirPrivate creates dir, and any missing parent, with mode DirPerm
// whatever the umask. A folder that exists already is left as it is: it is
// the user's.
func MkdirPrivate(dir string) error {
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return nil
	}
	if err := os.MkdirAll(dir, DirPerm); err != nil {
		return err
	}
	return os.Chmod(dir, DirPerm)
}

// CreateAtomic starts writing path atomically with permission perm, less
// any bit for group and others.
func CreateAtomic(path string, perm os.FileMode) (*AtomicFile, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, err
	}
	// Personal data: whatever perm asks, nobody but the owner gets a bit.
	a := &AtomicFile{path: path, perm: perm &^ 0o077, f: f}
	a.w = bufio.NewWriterSize(atomicOut{a}, 256<<10)
	return a, nil
}

// Hash makes the file take the SHA-256 of its bytes as they are written,
// for Sum: whoever records the file's hash need not read it again. Call
// it before the first Write.
func (a *AtomicFile) Hash() {
	if a.h == nil && a.n == 0 && a.w.Buffered() == 0 {
		a.h = sha256.New()
	}
}

// Sum returns the SHA-256 (hex) and the size of the bytes written, once
// Commit has flushed them; ok is false without Hash (or when Hash came
// after the first Write).
func (a *AtomicFile) Sum() (sum string, size int64, ok bool) {
	if a.h == nil || a.w.Buffered() > 0 {
		return "", 0, false
	}
	return hex.EncodeToString(a.h.Sum(nil)), a.n, true
}

// Write writes p to the temporary file.
func (a *AtomicFile) Write(p []byte) (int, error) {
	return a.w.Write(p)
}

// WriteString writes s to the temporary file.
func (a *AtomicFile) WriteString(s string) (int, error) {
	return a.w.WriteString(s)
}

// WriteByte writes one byte to the temporary file.
func (a *AtomicFile) WriteByte(c byte) error {
	return a.w.WriteByte(c)
}

// Written flushes what is buffered and returns a reader of every byte
// written so far: a writer that learns late that its bytes must change
// reads them back before Rewind.
func (a *AtomicFile) Written() (io.Reader, error) {
	if err := a.w.Flush(); err != nil {
		return nil, err
	}
	return io.NewSectionReader(a.f, 0, a.n), nil
}

// Rewind discards everything written so far, so that the file can be
// written again from its start (a writer that learns late that it chose the
// wrong encoding).
func (a *AtomicFile) Rewind() error {
	a.w.Reset(atomicOut{a})
	a.n, a.synced = 0, 0
	if a.h != nil {
		a.h.Reset()
	}
	if _, err := a.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return a.f.Truncate(0)
}

// Commit flushes, syncs and closes the temporary file, renames it to path
// and syncs the folder. On error path is untouched and the temporary file
// is removed.
func (a *AtomicFile) Commit() error {
	if a.done {
		return errors.New("atomic file " + a.path + " already committed or aborted")
	}
	a.done = true
	tmp := a.f.Name()
	err := a.w.Flush()
	if serr := a.waitSync(); err == nil {
		// A sync that failed may have lost bytes that a later one
		// reports as synced.
		err = serr
	}
	if err == nil {
		err = a.f.Chmod(a.perm)
	}
	if err == nil {
		err = a.f.Sync()
	}
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, a.path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return SyncDir(filepath.Dir(a.path))
}

// Abort drops the temporary file and leaves path as it was. It does
// nothing after Commit or a first Abort.
func (a *AtomicFile) Abort() {
	if a.done {
		return
	}
	a.done = true
	a.waitSync()
	a.f.Close()
	os.Remove(a.f.Name())
}

// SyncDir fsyncs a directory so that renames in it are durable. Windows
// has no such call (opening a folder to flush it is refused with "Access
// denied"); NTFS journals its metadata, so there it does nothing.
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}
