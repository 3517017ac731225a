package formats

import (
	"bytes"
	"errors"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

// readOnce reads the file at path as a reader of OpenTextOnce does: in one
// read, or, told ErrNotUTF8Late, again as Windows-1252. oneByte reads a
// byte at a time (characters cut between reads); ahead reads the text
// ahead (Text.ReadAhead) after its first 10 bytes.
func readOnce(path string, oneByte, ahead bool) (text []byte, enc string, again bool, err error) {
	t, err := OpenTextOnce(path, "")
	if err != nil {
		return nil, "", false, err
	}
	defer t.Close()
	var r io.Reader = t
	if ahead {
		head := make([]byte, 10)
		n, err := io.ReadFull(t, head)
		t.ReadAhead()
		r = io.MultiReader(bytes.NewReader(head[:n]), t)
		if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
			r = io.MultiReader(bytes.NewReader(head[:n]), iotest.ErrReader(err))
		}
	}
	if oneByte {
		r = iotest.OneByteReader(r)
	}
	text, err = io.ReadAll(r)
	if errors.Is(err, ErrNotUTF8Late) {
		t2, err := OpenText(path, "1252")
		if err != nil {
			return nil, "", true, err
		}
		defer t2.Close()
		text, err = io.ReadAll(t2)
		return text, t2.Encoding, true, err
	}
	return text, t.Encoding, false, err
}

// checkOnce checks that reading b through OpenTextOnce gives the text and
// encoding DecodeText gives, and reads the file again only when b has
// other characters than ASCII before its first byte that is not UTF-8.
func checkOnce(t *testing.T, dir string, b []byte) {
	t.Helper()
	path := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	want, wantEnc, err := DecodeText(b, "")
	if err != nil {
		t.Fatal(err)
	}
	if CheckText(b[:min(len(b), peekSize)]) != nil {
		return // not text: OpenText refuses it either way
	}
	for k := range 4 {
		oneByte, ahead := k&1 == 1, k&2 == 2
		got, enc, again, err := readOnce(path, oneByte, ahead)
		if err != nil {
			t.Fatalf("%.40q: %v", b, err)
		}
		if !bytes.Equal(got, want) || enc != wantEnc {
			t.Fatalf("%.40q (one byte a read: %v, ahead: %v): %s %.60q, DecodeText %s %.60q", b, oneByte, ahead, enc, got, wantEnc, want)
		}
		bad := validPrefix(b) // the first byte that is not UTF-8
		wantAgain := bad < len(b) && asciiPrefix(b) < bad
		if bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}) || bytes.HasPrefix(b, []byte{0xFF, 0xFE}) || bytes.HasPrefix(b, []byte{0xFE, 0xFF}) {
			wantAgain = false
		}
		if again != wantAgain {
			t.Fatalf("%.40q: read again %v, want %v", b, again, wantAgain)
		}
	}
}

func TestOpenTextOnce(t *testing.T) {
	dir := t.TempDir()
	pad := strings.Repeat("a,b,c\r\n", peekSize/7)
	for _, s := range []string{
		"", "a,b\r\n1,2\r\n",
		"First,Last\r\nZoë,Müller\r\n",           // UTF-8
		"First,Last\r\nZo\xeb,M\xfcller\r\n",     // Windows-1252 after ASCII: no second read
		"First,Last\r\nZoë,M\xfcller\r\n",        // UTF-8, then a byte that is not: read again
		"abc\xc3", "abc\xc3\xa9\xc3", "\xc3\xa9", // a character cut at the end
		"\x80abc", "ab\xef\xbf\xbdc\xff",
		pad + "Zoë\r\n",      // a character across the first buffer's end
		pad + "Zo\xeb\r\n",   // Windows-1252 far in
		"Zoë" + pad + "\xfc", // the byte that is not UTF-8 far in
	} {
		checkOnce(t, dir, []byte(s))
	}
	// Characters cut at every place of the buffers.
	for k := range 8 {
		checkOnce(t, dir, []byte(pad[:len(pad)-k]+"€🙂é\r\n"+pad[:4096-k]+"é"))
		checkOnce(t, dir, []byte(pad[:len(pad)-k]+"€🙂é\r\n"+pad[:4096-k]+"\xe9"))
	}
	r := rand.New(rand.NewSource(1))
	pieces := []string{"a", ",", "\r\n", "é", "€", "🙂", "\xe9", "\xfc", "\x80", "\xc3", strings.Repeat("x", 1000)}
	for range 100 {
		var b []byte
		for range r.Intn(200) {
			p := pieces[r.Intn(len(pieces))]
			if p[0] >= 0x80 && r.Intn(8) > 0 {
				p = "b" // mostly ASCII, as exports are
			}
			b = append(b, p...)
		}
		checkOnce(t, dir, b)
	}
}

func FuzzTextOnce(f *testing.F) {
	f.Add([]byte("First,Last\r\nZoë,M\xfcller\r\n"))
	f.Add([]byte("a\xe9b"))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkOnce(t, t.TempDir(), b)
	})
}
