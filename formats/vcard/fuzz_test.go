package vcard

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"contactsync/engine/contact"
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
	// leniencies: text outside cards, empty parameters, ',' for ';',
	// Windows-1252 in 3.0, '/' in a name, comment lines, no END at the end
	"ENCODING:UTF-8\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nNOTE;:x\r\nTEL;TYPE=WORK;;X=1:1\r\nLABEL,TYPE=HOME:s\r\nN:M\xfcller\r\nEND:VCARD\r\njunk\r\n",
	"BEGIN:VCARD\nVERSION:4.0\n# c\nX-a/b-All:v\nFN\nBEGIN:VCARD\nN:x",
	"BEGIN:VCARD\nFN :x\nX-L;X-ADDRESS=a \\\"b\\\" c;X-T=d:geo:1,2\nEND:VCARD\n",
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

// FuzzReadLenient: the --skip-invalid read never panics; every card is
// either a contact or one positioned problem; a file Read takes whole
// gives the same contacts and nothing set aside.
func FuzzReadLenient(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte("BEGIN:VCARD\nN:a\nEND:VCARD\nBEGIN:VCARD\nX-A B:1\nEND:VCARD\nBEGIN:VCARD\nTEL;TYPE=\"x:1\nEND:VCARD\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, rejected, err := ReadLenient(bytes.NewReader(data), "fuzz.vcf")
		if err != nil {
			var pe *formats.ParseError
			if !errors.As(err, &pe) || pe.Line <= 0 {
				t.Fatalf("error without position: %#v", err)
			}
			return
		}
		if file.Cards != len(file.Contacts)+len(rejected) {
			t.Fatalf("%d cards but %d contacts and %d set aside", file.Cards, len(file.Contacts), len(rejected))
		}
		for _, r := range rejected {
			if r.Line <= 0 {
				t.Fatalf("rejected card without position: %v", r)
			}
		}
		strict, err := Read(bytes.NewReader(data), "fuzz.vcf")
		if (err == nil) != (len(rejected) == 0) {
			t.Fatalf("Read error %v but %d cards set aside", err, len(rejected))
		}
		if err == nil && !reflect.DeepEqual(strict.Contacts, file.Contacts) {
			t.Fatalf("lenient read of a good file differs from Read")
		}
	})
}

// FuzzRoundTrip: whatever reads, written as 3.0 and read again, gives the
// same contacts, and writing those gives the same bytes. Each contact also
// gets a foreign Extra (an Outlook CSV column) made of the input's bytes,
// which must come back exactly through the X-CONTACTSYNC-EXTRA carrier.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Read(bytes.NewReader(data), "fuzz.vcf")
		if err != nil {
			return
		}
		foreign := contact.Extra{Name: string(data[:len(data)/2]), Value: string(data[len(data)/2:]), Format: contact.FormatOutlookCSV}
		for i := range file.Contacts {
			// First, so that the own "=slot" carriers the reader puts last
			// stay last.
			file.Contacts[i].Extra = append([]contact.Extra{foreign}, file.Contacts[i].Extra...)
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

// FuzzCarrier: an Extra of another format with any name, value and format
// name comes back exactly, next to an own one, in vCard 3.0 and 4.0.
func FuzzCarrier(f *testing.F) {
	for i, n := range carrierNames {
		f.Add(n, carrierValues[i%len(carrierValues)], carrierFormats[i%len(carrierFormats)])
	}
	f.Fuzz(func(t *testing.T, name, value, format string) {
		if format == "" || format == contact.FormatVCard {
			format = contact.FormatPST
		}
		in := contact.Contact{Extra: []contact.Extra{
			{Name: name, Value: value, Format: format},
			{Name: "X-OWN;TYPE=x", Value: "v", Format: contact.FormatVCard},
		}}
		in.Values[contact.Last] = "L"
		for _, ver := range []string{"3.0", "4.0"} {
			var out bytes.Buffer
			if err := Write(&out, []contact.Contact{in}, Options{Version: ver}); err != nil {
				t.Fatal(err)
			}
			back, err := Read(bytes.NewReader(out.Bytes()), "out.vcf")
			if err != nil {
				t.Fatalf("%s: reading our output: %v\n%q", ver, err, out.String())
			}
			if len(back.Contacts) != 1 || !reflect.DeepEqual(back.Contacts[0].Extra, in.Extra) {
				t.Fatalf("%s: round trip changed the extras:\n got %+v\nwant %q\noutput %q", ver, back.Contacts, in.Extra, out.String())
			}
		}
	})
}
