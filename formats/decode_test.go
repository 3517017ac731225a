package formats

import (
	"bytes"
	"io"
	"testing"
	"unicode/utf16"
)

// utf16Bytes encodes s as UTF-16 in the given order, with a BOM if asked.
func utf16Bytes(s string, bigEndian, bom bool) []byte {
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	var b []byte
	for _, u := range units {
		if bigEndian {
			b = append(b, byte(u>>8), byte(u))
		} else {
			b = append(b, byte(u), byte(u>>8))
		}
	}
	return b
}

func TestNewUTF16Reader(t *testing.T) {
	const text = "BEGIN:VCARD\r\nFN:Jürgen Çelik 🙂\r\nEND:VCARD\r\n"
	for _, big := range []bool{false, true} {
		for _, bom := range []bool{false, true} {
			got, err := io.ReadAll(NewUTF16Reader(bytes.NewReader(utf16Bytes(text, big, bom)), big, bom))
			if err != nil || string(got) != text {
				t.Errorf("big-endian %v, BOM %v: %q, %v; want %q", big, bom, got, err, text)
			}
		}
	}
	// With bom, the mark decides the order, whatever bigEndian says.
	got, err := io.ReadAll(NewUTF16Reader(bytes.NewReader(utf16Bytes(text, true, true)), false, true))
	if err != nil || string(got) != text {
		t.Errorf("a big-endian BOM read as little-endian: %q, %v", got, err)
	}
}
