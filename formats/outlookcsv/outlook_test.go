package outlookcsv

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"contactsync/engine/contact"
	"contactsync/formats"
)

func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustEncode(t *testing.T, text, enc string) []byte {
	t.Helper()
	b, err := formats.EncodeText([]byte(text), enc)
	if err != nil {
		t.Fatalf("encode %s: %v", enc, err)
	}
	return b
}

func TestRoundTripEveryEncoding(t *testing.T) {
	cases := []struct {
		enc, force, extra string
	}{
		{formats.UTF8, "", "ł"}, // not 1252, so valid UTF-8 is detected
		{formats.UTF8BOM, "", ""},
		{formats.UTF16LE, "", "€ł"},
		{formats.UTF16BE, "", "€ł"},
		{formats.Windows1252, "", "€"},
		{"windows-1250", "1250", "Řł"},
	}
	for _, c := range cases {
		t.Run(c.enc, func(t *testing.T) {
			text := sample("en", 10, c.extra)
			if c.force != "" { // names that fit the code page
				text = strings.NewReplacer("Ø", "O", "ñ", "n").Replace(text)
			}
			p := writeTemp(t, "export.csv", mustEncode(t, text, c.enc))
			opt := Options{Encoding: c.force}
			f, err := ReadFile(p, opt)
			if err != nil {
				t.Fatal(err)
			}
			if f.Encoding != c.enc {
				t.Errorf("encoding %q, want %q", f.Encoding, c.enc)
			}
			if len(f.Contacts) != 10 || len(f.Header) != numDesktop || f.Locale != "en" || f.Dialect != "outlook" {
				t.Fatalf("%d contacts, %d columns, locale %q, dialect %q", len(f.Contacts), len(f.Header), f.Locale, f.Dialect)
			}
			if got, want := f.Contacts[0].Values[contact.First], "Zoë"+c.extra; got != want {
				t.Errorf("first name %q, want %q", got, want)
			}
			out := roundTrip(t, f, opt)
			wantEnc := formats.UTF8BOM
			if formats.Fits1252(text) {
				wantEnc = formats.Windows1252
			}
			if !bytes.HasPrefix(out, []byte{0xEF, 0xBB, 0xBF}) != (wantEnc == formats.Windows1252) {
				t.Errorf("output BOM does not match the expected encoding %s", wantEnc)
			}
		})
	}
}

func TestValuesAndKey(t *testing.T) {
	f, err := Read(strings.NewReader(sample("en", 5, "")), "s.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	c0, c1, c2, c3 := f.Contacts[0], f.Contacts[1], f.Contacts[2], f.Contacts[3]
	if c0.Key != "contactsync:0" {
		t.Errorf("key %q", c0.Key)
	}
	if _, ok := c0.ExtraValue("User 4"); ok {
		t.Error("a sync key also went to Extra")
	}
	if c1.Key != "" {
		t.Errorf("user data became key %q", c1.Key)
	}
	if v, _ := c1.ExtraValue("User 4"); v != "my own note" {
		t.Errorf("user's User 4 = %q", v)
	}
	if c0.Values[contact.Birthday] != "1970-03-14" || c1.Values[contact.Birthday] != "" || c3.Values[contact.Birthday] != "" {
		t.Errorf("birthdays %q %q %q", c0.Values[contact.Birthday], c1.Values[contact.Birthday], c3.Values[contact.Birthday])
	}
	if got := c0.Values[contact.BusinessStreet]; got != "Bahnhofstr. 1\nc/o Müller" {
		t.Errorf("business street %q", got)
	}
	if got := c3.Values[contact.BusinessStreet]; got != "Bahnhofstr. 1\nc/o Müller\nFloor 3" {
		t.Errorf("three-line street %q", got)
	}
	if got := c2.Values[contact.OtherStreet]; got != "\n\nonly the third line" {
		t.Errorf("other street %q", got)
	}
	if got := c1.Values[contact.HomeStreet]; got != "Hauptstraße 5\nHinterhaus" {
		t.Errorf("home street %q", got)
	}
	if got := c2.Values[contact.Categories]; got != "a;b" {
		t.Errorf("categories %q", got)
	}
	if got := c0.Values[contact.Notes]; got != "Line one, with comma\nLine \"two\"\n\nafter an empty line" {
		t.Errorf("notes %q", got)
	}
	if !c0.Modified.IsZero() {
		t.Error("Modified set")
	}
	for name, want := range map[string]string{"Gender": "Unspecified", "Priority": "Normal", "Private": "False", "Anniversary": "0/0/00", "E-mail Type": "SMTP"} {
		if v, _ := c0.ExtraValue(name); v != want {
			t.Errorf("extra %s = %q, want %q", name, v, want)
		}
	}
}

// Changing values writes them in the layout's form; the sync key goes to
// the key column; Extra the layout lacks is appended.
func TestWriteChangedValues(t *testing.T) {
	f, err := Read(strings.NewReader(sample("de", 3, "")), "de.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	cs := f.Contacts
	cs[0].Values[contact.Birthday] = "1980-12-24"
	cs[1].Values[contact.HomeStreet] = "Neue Str. 1\nAufgang B\nEG\nlinks"
	cs[1].Key = "contactsync:new"
	cs[2].Values[contact.Birthday] = "--02-29"
	cs[2].Extra = append(cs[2].Extra, contact.Extra{Name: "X-Custom", Value: "kept"})
	var out bytes.Buffer
	if _, err := Write(&out, cs, f, Options{}); err != nil {
		t.Fatal(err)
	}
	g, err := Read(bytes.NewReader(out.Bytes()), "out.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	recs := records(t, out.Bytes())
	col := func(name string) int {
		for i, h := range recs[0] {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %q in %q", name, recs[0])
		return -1
	}
	if got := recs[1][col("Geburtstag")]; got != "24.12.1980" {
		t.Errorf("Geburtstag cell %q", got)
	}
	if got := recs[3][col("Geburtstag")]; got != "29.2.1604" {
		t.Errorf("yearless birthday cell %q", got)
	}
	if a, b, c := recs[2][col("Straße privat")], recs[2][col("Straße privat 2")], recs[2][col("Straße privat 3")]; a != "Neue Str. 1" || b != "Aufgang B" || c != "EG\nlinks" {
		t.Errorf("street cells %q %q %q", a, b, c)
	}
	if got := recs[2][col("Benutzer 4")]; got != "contactsync:new" {
		t.Errorf("key cell %q", got)
	}
	if got := recs[3][col("X-Custom")]; got != "kept" {
		t.Errorf("appended extra %q", got)
	}
	if g.Contacts[1].Key != "contactsync:new" || g.Contacts[2].Values[contact.Birthday] != "--02-29" || g.Contacts[1].Values[contact.HomeStreet] != cs[1].Values[contact.HomeStreet] {
		t.Errorf("read back: key %q birthday %q street %q", g.Contacts[1].Key, g.Contacts[2].Values[contact.Birthday], g.Contacts[1].Values[contact.HomeStreet])
	}
	if len(g.Warnings) != 1 || !strings.Contains(g.Warnings[0].Text, "X-Custom") || g.Warnings[0].Kind != formats.WarnColumn {
		t.Errorf("warnings %q, want one for X-Custom", g.Warnings)
	}
}

func TestLocalesRoundTrip(t *testing.T) {
	for _, loc := range []string{"en", "de", "fr", "es"} {
		t.Run(loc, func(t *testing.T) {
			text := sample(loc, 6, "")
			p := writeTemp(t, loc+".csv", mustEncode(t, text, formats.Windows1252))
			f, err := ReadFile(p, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if f.Locale != loc || len(f.Warnings) != 0 {
				t.Fatalf("locale %q, warnings %q", f.Locale, f.Warnings)
			}
			c := f.Contacts[0]
			if c.Values[contact.JobTitle] != `Head of "Things"` || c.Values[contact.First] != "Zoë" || c.Values[contact.Email1] != "p0@example.com" || c.Values[contact.Birthday] != "1970-03-14" || c.Key != "contactsync:0" {
				t.Errorf("job %q first %q email %q birthday %q key %q", c.Values[contact.JobTitle], c.Values[contact.First], c.Values[contact.Email1], c.Values[contact.Birthday], c.Key)
			}
			roundTrip(t, f, Options{})
			// A fresh layout in the same locale has the same header.
			var out bytes.Buffer
			if _, err := Write(&out, f.Contacts, nil, Options{Locale: loc}); err != nil {
				t.Fatal(err)
			}
			g, err := Read(&out, "fresh.csv", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(g.Header, "|") != strings.Join(f.Header, "|") {
				t.Errorf("fresh header differs:\n%q\n%q", g.Header, f.Header)
			}
			for i := range f.Contacts {
				if g.Contacts[i].Values != f.Contacts[i].Values || g.Contacts[i].Key != f.Contacts[i].Key {
					t.Errorf("contact %d differs after fresh write", i)
				}
			}
		})
	}
}

// French "Titre" twice: Title then Job Title; once: by its place.
func TestFrenchTitre(t *testing.T) {
	f, err := Read(strings.NewReader("Titre,Prénom,Nom,Société,Titre\r\nM.,Jean,Dupont,ACME,Directeur\r\n"), "fr.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := f.Contacts[0]
	if c.Values[contact.Prefix] != "M." || c.Values[contact.JobTitle] != "Directeur" || f.Locale != "fr" {
		t.Errorf("prefix %q job %q locale %q", c.Values[contact.Prefix], c.Values[contact.JobTitle], f.Locale)
	}
	for in, want := range map[string]contact.Field{
		"Prénom,Nom,Société,Titre\r\nJean,Dupont,ACME,X\r\n": contact.JobTitle,
		"Titre,Prénom,Nom\r\nX,Jean,Dupont\r\n":              contact.Prefix,
	} {
		f, err := Read(strings.NewReader(in), "fr.csv", Options{})
		if err != nil {
			t.Fatal(err)
		}
		if f.Contacts[0].Values[want] != "X" {
			t.Errorf("%q: %s = %q, want X", in, want, f.Contacts[0].Values[want])
		}
	}
}

func TestDialectsAndDelimiters(t *testing.T) {
	cases := []struct {
		name, in, dialect string
		delim             rune
		field             contact.Field
		want              string
	}{
		{"legacy", "First Name,Last Name,Business Country,PO Box,E-mail Address\r\nA,B,Norway,12,a@x.no\r\n", "outlook-legacy", ',', contact.BusinessCountry, "Norway"},
		{"outlook.com", "First Name,Middle Name,Last Name,Title,Suffix,Nickname,Given Yomi,E-mail Address,Business Street\nA,,B,,,nick,,a@x.com,\"Industrigata 50B\nOslo, 0357\nNorway\"\n", "outlook.com", ',', contact.BusinessStreet, "Industrigata 50B\nOslo, 0357\nNorway"},
		{"semicolon", "\"Vorname\";\"Nachname\";\"E-Mail-Adresse\"\r\n\"Jörg\";\"B; C\";\"j@x.de\"\r\n", "outlook", ';', contact.Last, "B; C"},
		{"tab", "First Name\tLast Name\tNotes\r\nA\tB\t\"x, y\"\r\n", "outlook", '\t', contact.Notes, "x, y"},
		{"google", "First Name,Last Name,Labels,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value\nRob,Roe,* myContacts,* Work,rob@acme.example ::: bob@gmail.com,Mobile,+1 555\n", "google", ',', contact.Email2, "bob@gmail.com"},
		{"trimmed headers", " First Name , Société \r\nA,B\r\n", "outlook", ',', contact.Company, "B"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Read(strings.NewReader(c.in), "x.csv", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if f.Dialect != c.dialect || f.Delimiter != c.delim {
				t.Errorf("dialect %q delimiter %q, want %q %q", f.Dialect, f.Delimiter, c.dialect, c.delim)
			}
			if got := f.Contacts[0].Values[c.field]; got != c.want {
				t.Errorf("%s = %q, want %q", c.field, got, c.want)
			}
			var out bytes.Buffer
			if _, err := Write(&out, f.Contacts, f, Options{}); err != nil {
				t.Fatal(err)
			}
			in := pad(records(t, []byte(c.in)))
			for i := range in[0] {
				in[0][i] = strings.TrimSpace(in[0][i])
			}
			got := pad(records(t, out.Bytes()))
			if len(got) != len(in) || strings.Join(got[1], "|") != strings.Join(in[1], "|") || strings.Join(got[0], "|") != strings.Join(in[0], "|") {
				t.Errorf("round trip:\n in %q\nout %q", in, got)
			}
		})
	}
}

func TestUnknownHeaderReportedOnce(t *testing.T) {
	f, err := Read(strings.NewReader("First Name,Favourite Colour\r\nA,blue\r\nB,red\r\n"), "u.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Warnings) != 1 || f.Warnings[0].Text != "u.csv:1:12: Favourite Colour: unknown column, kept as is" {
		t.Errorf("warnings %q", f.Warnings)
	}
	if v, _ := f.Contacts[1].ExtraValue("Favourite Colour"); v != "red" {
		t.Errorf("unknown column value %q", v)
	}
}

func TestBrokenQuoting(t *testing.T) {
	cases := []struct{ in, want string }{
		{"First Name,Notes\r\nA,\"ok\"\r\nB,\"unterminated\r\nmore\r\n", `b.csv:4:6: quoted field that starts on line 3 is not closed`},
		{"First Name,Notes\r\nA,x\"y\r\n", `b.csv:2:4: bare " in a field that is not quoted (quote the whole field and double the ")`},
		{"First Name,Notes\r\nÄÖ,\"a\"b\r\n", `b.csv:2:6: extraneous or missing " in quoted field`},
	}
	for _, c := range cases {
		_, err := Read(strings.NewReader(c.in), "b.csv", Options{})
		var pe *formats.ParseError
		if !errors.As(err, &pe) || err.Error() != c.want {
			t.Errorf("Read(%q) error = %v, want %s", c.in, err, c.want)
		}
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	in := "First Name,Birthday,Mystery\r\nA,13/45/1999,x\r\nB,\"bad\"q\r\nC,1/2/1990,ok,extra cell\r\n"
	p := writeTemp(t, "v.csv", []byte(in))
	list := Validate(p, Options{})
	var msgs []string
	for _, e := range list {
		msgs = append(msgs, e.Error())
	}
	want := []string{
		p + ":1:21: Mystery: unknown column, kept as is",
		p + ":2:3: Birthday: cannot read \"13/45/1999\" as a date in any order (tried day-month-year, month-day-year and year-month-day)",
		p + ":3:7: extraneous or missing \" in quoted field",
		p + ":4:15: column 4: cell beyond the 3 header columns, kept",
	}
	if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Errorf("Validate:\n%s\nwant\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
}

func TestEmptyAndHeaderOnly(t *testing.T) {
	if _, err := Read(strings.NewReader(""), "e.csv", Options{}); err == nil || err.Error() != "e.csv:1:1: empty file: no header line" {
		t.Errorf("empty: %v", err)
	}
	f, err := Read(strings.NewReader("First Name,Last Name\r\n"), "h.csv", Options{})
	if err != nil || len(f.Contacts) != 0 {
		t.Errorf("header only: %v, %d contacts", err, len(f.Contacts))
	}
}

func TestFreshLayoutEncodingChoice(t *testing.T) {
	c := contact.Contact{Key: "contactsync:7"}
	c.Values[contact.First] = "Zoë"
	var out bytes.Buffer
	enc, err := Write(&out, []contact.Contact{c}, nil, Options{})
	if err != nil || enc != formats.Windows1252 {
		t.Fatalf("enc %q err %v", enc, err)
	}
	recs := records(t, out.Bytes())
	if len(recs[0]) != numDesktop || recs[1][1] != "Zoë" || recs[1][90] != "contactsync:7" || !bytes.HasSuffix(out.Bytes(), []byte("\r\n")) {
		t.Errorf("fresh output: %d columns, first %q, user 4 %q", len(recs[0]), recs[1][1], recs[1][90])
	}
	c.Values[contact.Last] = "Čapek"
	out.Reset()
	if enc, _ = Write(&out, []contact.Contact{c}, nil, Options{}); enc != formats.UTF8BOM || !bytes.HasPrefix(out.Bytes(), []byte{0xEF, 0xBB, 0xBF}) {
		t.Errorf("enc %q for a non-1252 name", enc)
	}
	if EncodingReason(enc) == EncodingReason(formats.Windows1252) {
		t.Error("reasons do not differ")
	}
	// A layout without the key column and without a Last Name column gets both appended.
	f, err := Read(strings.NewReader("E-mail Address\r\na@x\r\n"), "k.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if _, err := Write(&out, []contact.Contact{c}, f, Options{}); err != nil {
		t.Fatal(err)
	}
	recs = records(t, out.Bytes())
	if strings.Join(recs[0], "|") != "E-mail Address|User 4|First Name|Last Name" || strings.Join(recs[1], "|") != "|contactsync:7|Zoë|Čapek" {
		t.Errorf("appended columns: %q", recs)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out.csv")
	c := contact.Contact{}
	c.Values[contact.Email1] = "a@b.c"
	if _, err := WriteFile(p, []contact.Contact{c}, nil, Options{Locale: "fr"}); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile(p, Options{})
	if err != nil || f.Locale != "fr" || f.Contacts[0].Values[contact.Email1] != "a@b.c" {
		t.Errorf("read back: %v %+v", err, f)
	}
	if _, err := WriteFile(p, nil, nil, Options{Locale: "xx"}); err == nil {
		t.Error("unknown locale accepted")
	}
}
