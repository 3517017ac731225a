package outlookcsv

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"contactsync/engine/contact"
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
	f.Add([]byte("First Name\r\n\"\"\r\nB\r\n")) // a record of one empty cell
	// dialects and guessed columns: Thunderbird's birthday in three cells,
	// Windows Live Mail names, Dutch Outlook, headers that say e-mail
	f.Add([]byte("First Name,Primary Email,Work Address,Work Address 2,Birth Year,Birth Month,Birth Day,\nA,a@b,x,y,1970,2,30,\n"))
	f.Add([]byte("Email Home,Home Mobile,Work Zip,Website Home Page,Birthday\na@b,1,2,u,20/01/1991\n"))
	f.Add([]byte("Voornaam,\"Werkadres, straat\",E-mailadres,Verjaardag\nJan,s,j@x,0-0-00\n"))
	f.Add([]byte("Nom,Courriel perso,Portable GSM\nA,a@b,1\n"))
	// date columns: orders that disagree, a cell no order reads, free text
	f.Add([]byte("First Name,Birthday\nA,01/20/1991\nB,20/01/1991\nC,03/04/1985\n"))
	f.Add([]byte("First Name,Birthday\nA,31/31/1990\nB,unknown\nC,20/01/1991\n"))
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
			for _, x := range again.Contacts[i].Extra {
				if x.Format != contact.FormatOutlookCSV {
					t.Fatalf("contact %d: extra %q read with format %q", i, x.Name, x.Format)
				}
			}
		}
		// Foreign extras named like every column, before the own ones,
		// change nothing: CRM values have no Outlook column.
		withForeign := make([]contact.Contact, len(file.Contacts))
		for i := range file.Contacts {
			withForeign[i] = file.Contacts[i].Clone()
			var fx []contact.Extra
			for _, h := range file.Header {
				fx = append(fx, contact.Extra{Name: h, Value: "foreign", Format: contact.FormatCRM})
			}
			withForeign[i].Extra = append(fx, withForeign[i].Extra...)
		}
		var out2 bytes.Buffer
		res, err := WriteReport(&out2, withForeign, file, Options{})
		if err != nil {
			t.Fatalf("write with foreign extras: %v", err)
		}
		if !bytes.Equal(out.Bytes(), out2.Bytes()) {
			t.Fatalf("foreign extras changed the output:\n%q\n%q", out.Bytes(), out2.Bytes())
		}
		if want := len(file.Contacts) * len(file.Header); res.Dropped != want || res.Mapped != 0 {
			t.Fatalf("dropped %d mapped %d, want %d dropped", res.Dropped, res.Mapped, want)
		}
	})
}

// FuzzWriteForeign: one foreign value of any name, value and format is
// never a column of its own; it is written into one Outlook column or
// counted as left out (or, for a formats/vcard spelling hint, neither),
// and the output reads back.
func FuzzWriteForeign(f *testing.F) {
	f.Add("PHOTO;TYPE=JPEG;ENCODING=b", "/9j/4AAQ", uint8(0))
	f.Add("LABEL;TYPE=WORK\nPREF", `1 Road\nTown`, uint8(0))
	f.Add("item1.X-MS-SPOUSE", `Alex\, Jr.`, uint8(0))
	f.Add("X-MS-ANNIVERSARY", "20110113", uint8(4))
	f.Add("ANNIVERSARY", "--0229", uint8(0))
	f.Add("X-MS-TEL;TYPE=VOICE,CALLBACK", "(111) 555-4444", uint8(0))
	f.Add("GENDER", "M;boy", uint8(4))
	f.Add("=FN.text", "Mr. X", uint8(0))
	f.Add("=email1", "EMAIL;TYPE=PREF", uint8(0))
	f.Add("=address_home.pobox", "PO 7", uint8(0))
	f.Add("PidTagGender", "2", uint8(1))
	f.Add("PidTagWeddingAnniversary", "1999-12-31", uint8(5))
	f.Add("PidLidContactUserField4", KeyPrefix+"x", uint8(1))
	f.Add("PidLidEmail1AddressType", "EX", uint8(1))
	f.Add("CREATEUSER", "ADMIN", uint8(2))
	f.Add("Spouse", "x", uint8(3))
	formatsOf := []string{contact.FormatVCard, contact.FormatPST, contact.FormatCRM, "elsewhere"}
	f.Fuzz(func(t *testing.T, name, value string, which uint8) {
		loc := "en"
		if which&4 != 0 {
			loc = "de"
		}
		c := contact.Contact{}
		c.Values[contact.First] = "A"
		c.Extra = []contact.Extra{{Name: name, Value: value, Format: formatsOf[int(which)%len(formatsOf)]}}
		var out bytes.Buffer
		res, err := WriteReport(&out, []contact.Contact{c}, nil, Options{Locale: loc})
		if err != nil {
			t.Fatal(err)
		}
		if res.Mapped+res.Dropped > 1 || (value == "" && res.Mapped+res.Dropped != 0) {
			t.Fatalf("one value counted as %d mapped and %d dropped", res.Mapped, res.Dropped)
		}
		if (res.Dropped == 1) != (len(res.DroppedNames) == 1 && res.DroppedNames[0] == name) {
			t.Fatalf("dropped %d, names %q", res.Dropped, res.DroppedNames)
		}
		back, err := Read(bytes.NewReader(out.Bytes()), "back.csv", Options{})
		if err != nil {
			t.Fatalf("output does not read: %v\n%q", err, out.Bytes())
		}
		if strings.Join(back.Header, "\x00") != strings.Join(freshHeader(loc), "\x00") {
			t.Fatalf("header is not the fresh %s layout: %q", loc, back.Header)
		}
		if len(back.Contacts) != 1 || back.Contacts[0].Values[contact.First] != "A" || back.Contacts[0].Key != "" {
			t.Fatalf("read back %+v", back.Contacts)
		}
		if n := len(back.Contacts[0].Extra); n != res.Mapped {
			t.Fatalf("%d cells filled for %d mapped values: %+v", n, res.Mapped, back.Contacts[0].Extra)
		}
	})
}
