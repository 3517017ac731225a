package formats

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// InputFile is one file a reader parsed: its size and the SHA-256 of the
// bytes it read, hashed as they were read (not by reading the file again
// later, when it may have changed).
type InputFile struct {
	Path   string
	SHA256 string // hex
	Size   int64
}

// HashBytes is the InputFile of data, read from path.
func HashBytes(path string, data []byte) InputFile {
	sum := sha256.Sum256(data)
	return InputFile{Path: path, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))}
}

// HashReader hashes what is read through it.
type HashReader struct {
	r io.Reader
	h hash.Hash
	n int64
	// quiet leaves BytesRead alone: the bytes were counted when they
	// were read from their file into memory.
	quiet bool
}

// NewHashReader returns a reader that reads from r and hashes what it reads.
func NewHashReader(r io.Reader) *HashReader { return &HashReader{r: r, h: sha256.New()} }

func (h *HashReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	if !h.quiet {
		bytesRead.Add(int64(n))
	}
	return n, err
}

// Input reads what is left (a parser may stop before the end) and returns
// the InputFile of everything read, named path.
func (h *HashReader) Input(path string) (InputFile, error) {
	if _, err := io.Copy(io.Discard, h); err != nil {
		return InputFile{}, err
	}
	return InputFile{Path: path, SHA256: hex.EncodeToString(h.h.Sum(nil)), Size: h.n}, nil
}

// binarySignatures are the first bytes of files that are often given by
// mistake where a text export is wanted, and what they are.
var binarySignatures = []struct {
	magic, what string
}{
	{"PK\x03\x04", "a zip file, such as an Excel .xlsx workbook"},
	{"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "an OLE compound file, such as an Excel .xls workbook or an Outlook .msg"},
	{"!BDN", "an Outlook .pst file"},
	{"%PDF-", "a PDF document"},
	{"\x1F\x8B", "a gzip file"},
	{"SQLite format 3\x00", "a SQLite database, such as a contactsync journal"},
}

// ErrNotText is what CheckText's errors wrap: the whole file is not text,
// so its error names the file but no line or column.
var ErrNotText = errors.New("not a text file")

// CheckText returns an error of one line when data, the content of a file
// meant to be text (a CSV export), is binary: it starts like a known
// binary format, or its start holds many control bytes. A few stray
// control bytes in a text file are not enough.
func CheckText(data []byte) error {
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return nil // UTF-16 text
	}
	for _, s := range binarySignatures {
		if bytes.HasPrefix(data, []byte(s.magic)) {
			return fmt.Errorf("%w: this is %s; export the data as CSV", ErrNotText, s.what)
		}
	}
	sample := bytes.TrimLeft(data, "\x00") // some exporters pad the start
	if len(sample) > 8192 {
		sample = sample[:8192]
	}
	control := 0
	for _, c := range sample {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' {
			control++
		}
	}
	if control >= 8 && control*50 > len(sample) {
		return fmt.Errorf("%w: %d of its first %d bytes are control bytes; export the data as CSV", ErrNotText, control, len(sample))
	}
	return nil
}

// InputFiles lists the files an input of one file or a folder stands for:
// path itself when it is a file, otherwise the folder's regular files whose
// extension is ext (in any letter case), hidden ones left out, in name
// order.
func InputFiles(path, ext string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	return FolderFiles(path, ext)
}

// FolderFiles lists the regular files of dir whose extension is ext (in any
// letter case), hidden ones left out, in name order.
func FolderFiles(dir, ext string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if e.Type().IsRegular() && strings.EqualFold(filepath.Ext(e.Name()), ext) && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, filepath.Join(dir, e.Name()))
		}
	}
	slices.Sort(names)
	return names, nil
}
