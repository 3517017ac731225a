package formats

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// FuzzWindows1252 holds windows1252 to charmap.Windows1252's decoder: the
// same text from every input, read whole or a byte at a time (the output
// then cut short for every character).
func FuzzWindows1252(f *testing.F) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	f.Add(all)
	f.Add([]byte("Zoë, Müller; \x80 \x81 \x8d \x9f\xff plain ASCII long enough for a word or two"))
	f.Fuzz(func(t *testing.T, in []byte) {
		want, err := io.ReadAll(transform.NewReader(bytes.NewReader(in), charmap.Windows1252.NewDecoder()))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(transform.NewReader(bytes.NewReader(in), windows1252{}))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("windows1252(%q) = %q, %v; charmap's decoder %q", in, got, err, want)
		}
		got, err = io.ReadAll(iotest.OneByteReader(transform.NewReader(iotest.HalfReader(bytes.NewReader(in)), windows1252{})))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("windows1252(%q) a byte at a time = %q, %v; charmap's decoder %q", in, got, err, want)
		}
		// Into an output of 3 bytes (the longest character): short, then
		// what fits each time.
		got = got[:0]
		for src := in; len(src) > 0; {
			var dst [3]byte
			nDst, nSrc, err := windows1252{}.Transform(dst[:], src, true)
			if err != nil && err != transform.ErrShortDst || nSrc == 0 {
				t.Fatalf("windows1252(%q) into 3 bytes: %d, %d, %v", src, nDst, nSrc, err)
			}
			got, src = append(got, dst[:nDst]...), src[nSrc:]
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("windows1252(%q) 3 bytes at a time = %q; charmap's decoder %q", in, got, want)
		}
	})
}

// BenchmarkWindows1252 decodes an export-like text, mostly ASCII with a
// letter of Windows-1252 now and then, with windows1252 and with
// charmap's decoder.
func BenchmarkWindows1252(b *testing.B) {
	line := []byte(`"Zo` + "\xeb" + `","M` + "\xfc" + `ller","Company 1847 Ltd","Engineer","905 Main Street","Springfield","10694","United States","user0@example.com"` + "\r\n")
	text := bytes.Repeat(line, 20_000)
	for _, d := range []struct {
		name string
		t    func() transform.Transformer
	}{
		{"windows1252", func() transform.Transformer { return windows1252{} }},
		{"charmap", func() transform.Transformer { return charmap.Windows1252.NewDecoder() }},
	} {
		b.Run(d.name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				if _, err := io.Copy(io.Discard, transform.NewReader(bytes.NewReader(text), d.t())); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
