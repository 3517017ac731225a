package formats

import (
	"bytes"
	"testing"
)

// BenchmarkDecodeText1252 decodes a Windows-1252 export (what Outlook
// writes for Western text), 1% of its bytes above 0x7F.
func BenchmarkDecodeText1252(b *testing.B) {
	line := []byte(`"Zo` + "\xeb" + `","M` + "\xfc" + `ller","Acme, Inc.","Head of Things","p1@example.com","+1 (555) 010-0000",,,,,,,,,,,"Bahnhofstr. 1","Z` + "\xfc" + `rich"` + "\r\n")
	in := bytes.Repeat(line, (32<<20)/len(line))
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, enc, err := DecodeText(in, ""); err != nil || enc != Windows1252 {
			b.Fatal(enc, err)
		}
	}
}
