package formats

import (
	"bufio"
	"errors"
	"io"
	"unicode/utf8"

	"golang.org/x/text/transform"
)

// ErrNotUTF8Late is what a Text opened by OpenTextOnce returns when the
// file turns out not to be UTF-8 after text with other characters than
// ASCII was given out as UTF-8: the file is Windows-1252 (as DecodeText
// would say), and the reader must read it again from the start with that
// code page forced.
var ErrNotUTF8Late = errors.New("the text is not UTF-8 after all (a byte that is not UTF-8 follows other characters read as UTF-8): read it again as Windows-1252")

// OpenTextOnce is OpenText without the first read through a file without
// BOM or forced code page: its text is given out as UTF-8 while it is
// valid UTF-8. At the first byte that is not, when all that was given out
// was ASCII (the same in both), the rest is decoded as Windows-1252 and
// Encoding becomes Windows-1252: the text DecodeText gives, from one read.
// When characters other than ASCII were given out already, Read fails with
// ErrNotUTF8Late. Encoding is final once the text was read to its end.
func OpenTextOnce(path, force string) (*Text, error) {
	return openText(path, force, true)
}

// sniffer gives out UTF-8 text from br while it is valid, then
// Windows-1252 (see OpenTextOnce).
type sniffer struct {
	t        *Text
	br       *bufio.Reader
	dec      io.Reader // the Windows-1252 decoder, once switched
	nonASCII bool      // a character other than ASCII was given out
	ok       int       // bytes buffered that were found valid and are yet to give out
}

func (s *sniffer) Read(p []byte) (int, error) {
	if s.dec != nil {
		return s.dec.Read(p)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if s.ok > 0 {
		b, _ := s.br.Peek(min(len(p), s.ok))
		n := copy(p, b)
		s.br.Discard(n)
		s.ok -= n
		return n, nil
	}
	if s.br.Buffered() == 0 {
		if _, err := s.br.Peek(1); err != nil {
			return 0, err
		}
	}
	b, _ := s.br.Peek(min(len(p), s.br.Buffered()))
	i := asciiPrefix(b)
	if i == len(b) {
		n := copy(p, b)
		s.br.Discard(n)
		return n, nil
	}
	if i > 0 {
		// The ASCII before the first other byte; that one on the next Read.
		n := copy(p, b[:i])
		s.br.Discard(n)
		return n, nil
	}
	// b starts with a byte above 0x7F: give out the valid UTF-8 from here.
	n := validPrefix(b)
	if n == 0 && !utf8.FullRune(b) {
		// A character cut at the end of what is buffered: read on.
		more, err := s.br.Peek(utf8.UTFMax)
		if utf8.FullRune(more) || err == nil {
			n = validPrefix(more)
		}
	}
	if n > 0 {
		s.nonASCII = true
		s.ok = n
		return s.Read(p)
	}
	// Not UTF-8.
	if s.nonASCII {
		return 0, ErrNotUTF8Late
	}
	s.t.Encoding = Windows1252
	s.dec = transform.NewReader(s.br, windows1252{})
	return s.dec.Read(p)
}

// asciiPrefix returns the length of the run of ASCII bytes b starts with.
func asciiPrefix(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := uint64(b[i]) | uint64(b[i+1])<<8 | uint64(b[i+2])<<16 | uint64(b[i+3])<<24 |
			uint64(b[i+4])<<32 | uint64(b[i+5])<<40 | uint64(b[i+6])<<48 | uint64(b[i+7])<<56
		if w&0x8080808080808080 != 0 {
			break
		}
	}
	for ; i < len(b) && b[i] < utf8.RuneSelf; i++ {
	}
	return i
}

// validPrefix returns the length of the longest prefix of b that is valid
// UTF-8 made of whole characters.
func validPrefix(b []byte) int {
	if utf8.Valid(b) {
		return len(b)
	}
	i := 0
	for i < len(b) {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		i += size
	}
	return i
}
