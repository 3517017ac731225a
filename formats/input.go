package formats

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
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
}

// NewHashReader returns a reader that reads from r and hashes what it reads.
func NewHashReader(r io.Reader) *HashReader { return &HashReader{r: r, h: sha256.New()} }

func (h *HashReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	h.n += int64(n)
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
