package formats

import (
	"io"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// The text decoding the format packages share lives here, so that
// golang.org/x/text is imported by this one package (STYLE §1: each
// third-party module has one importer).

// NewUTF16Reader decodes UTF-16 read from r into UTF-8 as it reads.
// bigEndian gives the byte order when there is no byte order mark; with
// bom, the text starts with one, which says the order and is dropped.
func NewUTF16Reader(r io.Reader, bigEndian, bom bool) io.Reader {
	order, b := unicode.LittleEndian, unicode.IgnoreBOM
	if bigEndian {
		order = unicode.BigEndian
	}
	if bom {
		b = unicode.ExpectBOM
	}
	return transform.NewReader(r, unicode.UTF16(order, b).NewDecoder())
}

// Decode1252 returns the Windows-1252 text b as UTF-8. Every byte has a
// character, so it cannot fail.
func Decode1252(b []byte) []byte { return decode1252(b) }
