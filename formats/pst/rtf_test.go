package pst

import (
	"testing"
)

func TestRTFPrebuf(t *testing.T) {
	if len(rtfPrebuf) != 207 {
		t.Fatalf("prebuffer is %d bytes, [MS-OXRTFCP] says 207", len(rtfPrebuf))
	}
}

func TestDecompressRTF(t *testing.T) {
	// [MS-OXRTFCP] §4.1: "{\rtf1\ansi\ansicpg1252\pard hello world}\r\n".
	spec := []byte{
		0x2d, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x4c, 0x5a, 0x46, 0x75, 0xf1, 0xc5, 0xc7, 0xa7,
		0x03, 0x00, 0x0a, 0x00, 0x72, 0x63, 0x70, 0x67, 0x31, 0x32, 0x35, 0x42, 0x32, 0x0a, 0xf3, 0x20,
		0x68, 0x65, 0x6c, 0x09, 0x00, 0x20, 0x62, 0x77, 0x05, 0xb0, 0x6c, 0x64, 0x7d, 0x0a, 0x80, 0x0f,
		0xa0,
	}
	got, err := decompressRTF(spec)
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n"; string(got) != want {
		t.Errorf("decompressRTF = %q, want %q", got, want)
	}
	if text := rtfText(got); text != "hello world" {
		t.Errorf("rtfText = %q, want %q", text, "hello world")
	}

	// Uncompressed ("MELA") content is stored as is.
	raw := "{\\rtf1 plain}"
	b := le.AppendUint32(nil, uint32(12+len(raw)))
	b = le.AppendUint32(b, uint32(len(raw)))
	b = le.AppendUint32(b, rtfUncompressed)
	b = le.AppendUint32(b, 0)
	b = append(b, raw...)
	if got, err := decompressRTF(b); err != nil || string(got) != raw {
		t.Errorf("decompressRTF(MELA) = %q, %v", got, err)
	}

	for _, bad := range [][]byte{nil, spec[:10], append(le.AppendUint32(nil, 1000), spec[4:]...)} {
		if _, err := decompressRTF(bad); err == nil {
			t.Errorf("decompressRTF(% x) succeeded", bad)
		}
	}
}

func TestRTFText(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{\rtf1\ansi{\fonttbl{\f0 Arial;}}{\*\generator Riched20;}\pard Caf\'e9 \par line 2\line x}`, "Café \nline 2\nx"},
		{`{\rtf1\uc1 \u8364?uro \{x\}\\}`, "€uro {x}\\"},
		{`{\rtf1{\*\htmltag <p>}\htmlrtf {\f0 junk}\htmlrtf0 visible}`, "visible"},
	}
	for _, tt := range tests {
		if got := rtfText([]byte(tt.in)); got != tt.want {
			t.Errorf("rtfText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
