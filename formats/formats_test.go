package formats

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

func TestParseErrorMessage(t *testing.T) {
	base := errors.New("quote not closed")
	cases := []struct {
		err  *ParseError
		want string
	}{
		{&ParseError{File: "a.csv", Line: 3, Col: 7, Field: "Notes", Err: base}, "a.csv:3:7: Notes: quote not closed"},
		{&ParseError{File: "a.csv", Line: 3, Err: base}, "a.csv:3: quote not closed"},
		{&ParseError{File: "a.csv", Err: base}, "a.csv: quote not closed"},
		{&ParseError{File: "x.pst", Offset: 0x4400, Field: "block 0x1234", Err: base}, "x.pst:offset 0x4400: block 0x1234: quote not closed"},
		{&ParseError{File: "a.csv", Line: 1, Col: 1}, "a.csv:1:1: invalid input"},
	}
	for _, c := range cases {
		if got := c.err.Error(); got != c.want {
			t.Errorf("Error() = %q, want %q", got, c.want)
		}
	}
	wrapped := fmt.Errorf("read: %w", cases[0].err)
	if !IsParseError(wrapped) || !errors.Is(wrapped, base) {
		t.Error("a wrapped ParseError is not found by IsParseError / errors.Is")
	}
	if IsParseError(base) {
		t.Error("IsParseError(plain error) = true")
	}
	l := ErrorList{cases[0].err, cases[1].err}
	if l.Err() == nil || ErrorList(nil).Err() != nil || l.Error() != "a.csv:3:7: Notes: quote not closed (and 1 more errors)" {
		t.Errorf("ErrorList = %q", l.Error())
	}
}

func TestDecodeText(t *testing.T) {
	cases := []struct {
		name, force string
		in          []byte
		want, enc   string
	}{
		{"utf-8", "", []byte("Zoë"), "Zoë", UTF8},
		{"utf-8 bom", "", []byte("\xef\xbb\xbfZoë"), "Zoë", UTF8BOM},
		{"utf-16le bom", "", []byte("\xff\xfeZ\x00\xeb\x00"), "Zë", UTF16LE},
		{"utf-16be bom", "", []byte("\xfe\xff\x00Z\x00\xeb"), "Zë", UTF16BE},
		{"windows-1252", "", []byte("Zo\xeb \x80"), "Zoë €", Windows1252},
		{"forced 1250", "1250", []byte("\x8a"), "Š", "windows-1250"},
		{"forced cp1251", "cp1251", []byte("\xc0"), "А", "windows-1251"},
		{"forced iso-8859-2", "iso-8859-2", []byte("\xa9"), "Š", "iso-8859-2"},
		{"forced utf-8", "utf-8", []byte("Zoë"), "Zoë", UTF8},
		{"bom wins over force", "1250", []byte("\xef\xbb\xbfZoë"), "Zoë", UTF8BOM},
	}
	for _, c := range cases {
		got, enc, err := DecodeText(c.in, c.force)
		if err != nil || string(got) != c.want || enc != c.enc {
			t.Errorf("%s: DecodeText = %q, %q, %v; want %q, %q", c.name, got, enc, err, c.want, c.enc)
		}
	}
	// A file that says UTF-8 but holds stray bytes keeps them: readers
	// tolerate them, and writers of our own outputs may have put them there
	// from an input value.
	if out, enc, err := DecodeText([]byte("\xef\xbb\xbfab\xbb"), ""); err != nil || string(out) != "ab\xbb" || enc != UTF8BOM {
		t.Errorf("UTF-8 BOM then a stray byte: %q, %s, %v; want the bytes unchanged", out, enc, err)
	}
	if _, _, err := DecodeText([]byte("x"), "klingon"); err == nil {
		t.Error("an unknown forced encoding was accepted")
	}
}

func TestEncodeTextRoundTrips(t *testing.T) {
	text := []byte("Zoë Núñez, Øster: 12 €")
	for _, enc := range []string{UTF8, UTF8BOM, UTF16LE, UTF16BE, Windows1252, "windows-1250"} {
		b, err := EncodeText(text, enc)
		if enc == "windows-1250" {
			// Ø has no place in 1250: the encoder must say so, not guess.
			if err == nil {
				t.Errorf("EncodeText(%s) accepted a character the code page lacks", enc)
			}
			continue
		}
		if err != nil {
			t.Fatalf("EncodeText(%s): %v", enc, err)
		}
		force := ""
		if enc == Windows1252 {
			force = "1252"
		}
		back, got, err := DecodeText(b, force)
		if err != nil || !bytes.Equal(back, text) || (got != enc && !(enc == UTF8 && got == UTF8)) {
			t.Errorf("%s: round trip gave %q as %s, %v", enc, back, got, err)
		}
	}
	if !Fits1252("Zoë Øster €") || Fits1252("Łódź") {
		t.Error("Fits1252 is wrong about Western or Polish letters")
	}
}

// TestAppend1252EveryRune holds Append1252 (with its shortcut for
// U+00A0-U+00FF) to the Windows-1252 encoder, a rune at a time between
// ASCII text, and on bytes that are no UTF-8.
func TestAppend1252EveryRune(t *testing.T) {
	enc := charmap.Windows1252.NewEncoder()
	for r := rune(0); r <= 0x10FFFF; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		s := "a" + string(r) + "bc"
		want, werr := enc.String(s)
		got, ok := Append1252([]byte("x"), s)
		if ok != (werr == nil) || ok && string(got) != "x"+want {
			t.Fatalf("U+%04X: Append1252 gave %q, %v; the encoder %q, %v", r, got, ok, want, werr)
		}
		if gb, okb := Append1252(nil, []byte(s)); okb != ok || ok && string(gb) != want {
			t.Fatalf("U+%04X as bytes: Append1252 gave %q, %v", r, gb, okb)
		}
	}
	for _, bad := range []string{"\xC2", "a\xC3", "\xC3\x7F", "\xC2\x9F", "\xC3\xC0", "\xFF", "\xE2\x82"} {
		if got, ok := Append1252(nil, bad); ok && !utf8.ValidString(bad) {
			t.Errorf("%q is no UTF-8, Append1252 gave %q, true", bad, got)
		}
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.csv")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(p, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(p)
	st, _ := os.Stat(p)
	if err != nil || string(got) != "new" || st.Mode().Perm() != 0o600 {
		t.Errorf("file = %q (mode %v), %v; want \"new\" with mode 0600", got, st.Mode().Perm(), err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("temporary files left behind: %v", ents)
	}
	if err := WriteFileAtomic(filepath.Join(dir, "missing", "x"), nil, 0o644); err == nil {
		t.Error("writing into a missing folder succeeded")
	}
}

// FuzzDecodeText: any bytes decode or fail cleanly; what is not UTF-16 or a
// UTF-8 file with its mark (whose stray bytes are kept) comes out as UTF-8.
func FuzzDecodeText(f *testing.F) {
	for _, s := range []string{"", "Zoë", "\xef\xbb\xbfa", "\xff\xfea\x00", "\xfe\xff\x00a", "\xff\xfe\x00", "Zo\xeb"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		out, enc, err := DecodeText(b, "")
		if err != nil {
			return
		}
		if enc == "" {
			t.Fatal("no encoding named")
		}
		if enc == UTF8BOM && !bytes.Equal(out, b[3:]) {
			t.Fatalf("DecodeText(%q) changed the text after the byte-order mark", b)
		}
		if enc != UTF16LE && enc != UTF16BE && enc != UTF8BOM && !utf8.Valid(out) {
			t.Fatalf("DecodeText(%q) = %q as %s: not UTF-8", b, out, enc)
		}
	})
}
