package outlookcsv

import (
	"bytes"
	"errors"
	"testing"

	"contactsync/formats"
)

// FuzzRead: no input panics; every error is a positioned ParseError; what
// reads without error writes and reads back to the same canonical values.
func FuzzRead(f *testing.F) {
	f.Add([]byte(sample("en", 2, "")))
	f.Add([]byte(sample("de", 1, "")))
	f.Add([]byte(sample("fr", 1, "ł")))
	f.Add([]byte("Titre,Prénom,Nom,Titre\r\nM.,A,B,C\r\n"))
	f.Add([]byte("First Name,Notes\r\nA,\"unterminated\r\n"))
	f.Add([]byte("Name,Given Name,E-mail 1 - Value,Phone 1 - Type,Phone 1 - Value,Address 1 - Type,Address 1 - Street\nA,A,a@b ::: c@d,Mobile,1,Home,\"x\ny\"\n"))
	f.Add([]byte("\xff\xfeF\x00i\x00r\x00s\x00t\x00 \x00N\x00a\x00m\x00e\x00\n\x00A\x00"))
	f.Add([]byte("Vorname;Geburtstag\n\"A\";0.0.00\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Read(bytes.NewReader(b), "fuzz.csv", Options{})
		if err != nil {
			var pe *formats.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error is not a ParseError: %v", err)
			}
			if pe.Line <= 0 && pe.Err != nil && file != nil {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		var out bytes.Buffer
		if _, err := Write(&out, file.Contacts, file, Options{}); err != nil {
			t.Fatalf("write: %v", err)
		}
		again, err := Read(bytes.NewReader(out.Bytes()), "again.csv", Options{})
		if err != nil {
			t.Fatalf("reading own output: %v\n%q", err, out.Bytes())
		}
		if len(again.Contacts) != len(file.Contacts) {
			t.Fatalf("%d contacts became %d\n%q\n%q", len(file.Contacts), len(again.Contacts), b, out.Bytes())
		}
		for i := range file.Contacts {
			if again.Contacts[i].Values != file.Contacts[i].Values || again.Contacts[i].Key != file.Contacts[i].Key {
				t.Fatalf("contact %d changed:\n%q\n%q", i, file.Contacts[i].Values, again.Contacts[i].Values)
			}
		}
	})
}
