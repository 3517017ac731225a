package formats

import (
	"bytes"
	"strings"
	"testing"
)

func TestCheckText(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string // "" for text, else a part of the error
	}{
		{"CSV", "First Name,Last Name\nAnn,Lee\n", ""},
		{"CSV with a stray NUL and a bell", "First Name,Notes\nAnn,a\x00b\x07\n", ""},
		{"UTF-16 with BOM", "\xFF\xFEF\x00i\x00r\x00s\x00t\x00", ""},
		{"padded with NULs at the start", strings.Repeat("\x00", 64) + "First Name\nAnn\n", ""},
		{"xlsx", "PK\x03\x04\x14\x00\x06\x00", "zip file, such as an Excel .xlsx"},
		{"xls", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00", "Excel .xls"},
		{"PST", "!BDN\x00\x00\x00\x00", "Outlook .pst"},
		{"journal", "SQLite format 3\x00\x10\x00", "SQLite database"},
		{"binary", strings.Repeat("ab\x01\x02\x03cd\x00", 100), "not a text file: 400 of its first 800 bytes are control bytes"},
	}
	for _, tt := range tests {
		err := CheckText([]byte(tt.data))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: CheckText = %v, want text", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: CheckText = %v, want an error with %q", tt.name, err, tt.want)
		case err != nil && strings.Contains(err.Error(), "\n"):
			t.Errorf("%s: error %q is more than one line", tt.name, err)
		}
	}
}

func TestHashReaderHashesWhatWasRead(t *testing.T) {
	data := bytes.Repeat([]byte("contact;"), 10000)
	hr := NewHashReader(bytes.NewReader(data))
	buf := make([]byte, 100)
	hr.Read(buf) // a parser that stops early: Input reads the rest
	in, err := hr.Input("x.vcf")
	if err != nil {
		t.Fatal(err)
	}
	if want := HashBytes("x.vcf", data); in != want {
		t.Errorf("Input = %+v, want %+v", in, want)
	}
}
