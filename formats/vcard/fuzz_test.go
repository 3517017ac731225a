package vcard

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"contactsync/formats"
)

var fuzzSeeds = []string{
	"BEGIN:VCARD\r\nVERSION:2.1\r\nN;ENCODING=QUOTED-PRINTABLE:M=FCller;J=\r\n=F6rg\r\nTEL;WORK;VOICE:1\r\nEND:VCARD\r\n",
	"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nN:O\\;B;C;;;\r\nitem1.EMAIL;type=pref:a@b\r\nADR;TYPE=\"work,\r\n x\":;;s\\nt;c;;;\r\nEND:VCARD\r\n",
	"BEGIN:VCARD\nVERSION:4.0\nFN:x\nBDAY:--0415\nREV:2024-01-31T10:15:00Z\nPHOTO:data:image/png;base64,AAA\nEND:VCARD\n",
	"BEGIN:VCARD\r\nPHOTO;ENCODING=BASE64:AAEC\r\nAwQF\r\n\r\nADR;HOME:;;a\\\r\nb;c\r\nEND:VCARD\r\n",
	"begin:vcard\rN:x\rBEGIN:VCARD\rEND:VCARD\rend:vcard",
	"BEGIN:VCARD\nX-CONTACTSYNC-EXTRA;X-NAME=\"a ^' b\":v\\nw\nEND:VCARD\n",
	"\xfe\xff\x00B\x00E\x00G\x00I\x00N\x00:\x00V\x00C\x00A\x00R\x00D\x00\n\x00E\x00N\x00D\x00:\x00V\x00C\x00A\x00R\x00D",
	"BEGIN:VCARD\nFN\nEND:VCARD\n",
	"x",
}

// FuzzRead: no input panics or hangs; every error is a positioned
// ParseError; every card read becomes one contact.
func FuzzRead(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Read(bytes.NewReader(data), "fuzz.vcf")
		if err != nil {
			var pe *formats.ParseError
			if !errors.As(err, &pe) || pe.Line <= 0 {
				t.Fatalf("error without position: %#v", err)
			}
			return
		}
		if file.Cards != len(file.Contacts) {
			t.Fatalf("%d cards but %d contacts", file.Cards, len(file.Contacts))
		}
		if n := bytes.Count(bytes.ToUpper(data), []byte("BEGIN:VCARD")); file.Encoding == "" && file.Cards > n {
			t.Fatalf("%d cards from %d BEGIN:VCARD", file.Cards, n)
		}
	})
}

// FuzzRoundTrip: whatever reads, written as 3.0 and read again, gives the
// same contacts, and writing those gives the same bytes.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Read(bytes.NewReader(data), "fuzz.vcf")
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := Write(&out, file.Contacts, Options{}); err != nil {
			t.Fatal(err)
		}
		first := out.String()
		back, err := Read(strings.NewReader(first), "out.vcf")
		if err != nil {
			t.Fatalf("reading our output: %v\n%q", err, first)
		}
		if got, want := comparable(back.Contacts), comparable(file.Contacts); !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip changed contacts:\n got %#v\nwant %#v\noutput %q", got, want, first)
		}
		out.Reset()
		Write(&out, back.Contacts, Options{})
		if out.String() != first {
			t.Fatalf("second write differs:\n%q\n%q", first, out.String())
		}
	})
}
