package outlookcsv

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"contactsync/engine/contact"
)

// writeRead reads the CSV b as EachView does and writes every record four
// ways, each by Write and by WriteRead with the record's Row: as read,
// with a new sync key, with the key taken away, and with a key that is
// no sync key. It fails when the two files of a way differ by a byte,
// and returns the number of records that had a Row. With files, the
// writers write files (Create: the rows go straight to the file while
// they can), else to memory (NewWriter: the rows are spooled).
func writeRead(t *testing.T, name string, b []byte, files bool) int {
	t.Helper()
	f, err := Read(bytes.NewReader(b), name, Options{})
	if err != nil {
		return 0 // what does not read has no records to write
	}
	opt := Options{}
	if f.DateInferred {
		opt.DateFormat = f.DateFormat // as a cycle reads the export again
	}
	ropt := opt
	ropt.views = true
	r, err := open(bytesSource(b, name), name, ropt, false)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer r.Close()
	dir := ""
	if files {
		dir = t.TempDir()
	}
	keys := []func(k int, c *contact.Contact){
		func(int, *contact.Contact) {},
		func(k int, c *contact.Contact) { c.Key = fmt.Sprintf(KeyPrefix+"%d-\"q\"", k) },
		func(_ int, c *contact.Contact) { c.Key = "" },
		func(_ int, c *contact.Contact) { c.Key = "own" },
		// Every third record changed (written by Write, the others
		// copied): a value no column holds, which makes the writer
		// append a column, and an e-mail with a quote.
		func(k int, c *contact.Contact) {
			if k%3 == 1 {
				c.Extra = append(c.Extra[:len(c.Extra):len(c.Extra)], contact.Extra{Name: "Appended", Value: "x", Format: contact.FormatOutlookCSV})
				c.Values[contact.Email1] = "a\"b@c"
			}
		},
	}
	type pair struct {
		enc, raw       *Writer
		encOut, rawOut bytes.Buffer
	}
	ws := make([]pair, len(keys))
	for i := range keys {
		var err1, err2 error
		w := &ws[i]
		if files {
			w.enc, err1 = Create(filepath.Join(dir, fmt.Sprintf("enc%d.csv", i)), f, opt)
			w.raw, err2 = Create(filepath.Join(dir, fmt.Sprintf("raw%d.csv", i)), f, opt)
		} else {
			w.enc, err1 = NewWriter(&w.encOut, f, opt)
			w.raw, err2 = NewWriter(&w.rawOut, f, opt)
		}
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v %v", name, err1, err2)
		}
	}
	rows := 0
	for k := 0; ; k++ {
		c, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: record %d: %v", name, k, err)
		}
		row := r.Row()
		if row.OK() {
			rows++
			row = row.WithText(strings.Clone(row.Text()))
		}
		for i, set := range keys {
			d := *c
			set(k, &d)
			if err := ws[i].enc.Write(&d); err != nil {
				t.Fatal(err)
			}
			write := ws[i].raw.WriteRead
			if i == 4 && k%3 == 1 {
				write = func(c *contact.Contact, _ Row) error { return ws[i].raw.Write(c) }
			}
			if err := write(&d, row); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := range ws {
		w := &ws[i]
		if err := w.enc.Close(); err != nil {
			t.Fatal(err)
		}
		if err := w.raw.Close(); err != nil {
			t.Fatal(err)
		}
		enc, raw := w.encOut.Bytes(), w.rawOut.Bytes()
		if files {
			enc, _ = os.ReadFile(filepath.Join(dir, fmt.Sprintf("enc%d.csv", i)))
			raw, _ = os.ReadFile(filepath.Join(dir, fmt.Sprintf("raw%d.csv", i)))
		}
		if !bytes.Equal(enc, raw) {
			t.Fatalf("%s, keys %d: copying the rows read writes\n%q\nencoding the records writes\n%q", name, i, cut(raw), cut(enc))
		}
		if w.enc.Describe() != w.raw.Describe() {
			t.Fatalf("%s, keys %d: copying the rows read says %q, encoding %q", name, i, w.raw.Describe(), w.enc.Describe())
		}
	}
	if n := ws[0].raw.Copied(); n != rows {
		t.Fatalf("%s: %d records have their text, %d of them were copied", name, rows, n)
	}
	return rows
}

func cut(b []byte) []byte {
	if len(b) > 2000 {
		return b[:2000]
	}
	return b
}

// writtenAgain is the CSV the writer writes of b's records: its own form,
// which WriteRead copies.
func writtenAgain(t *testing.T, b []byte) []byte {
	f, err := Read(bytes.NewReader(b), "in.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := Write(&out, f.Contacts, f, Options{}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// plainAgain is writtenAgain of b's records without quotes and line
// breaks in their values: records whose text is plain, as most of an
// export's are.
func plainAgain(t *testing.T, b []byte) []byte {
	f, err := Read(bytes.NewReader(b), "in.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	drop := strings.NewReplacer("\"", "", "\n", " ", "\r", "")
	for i := range f.Contacts {
		c := &f.Contacts[i]
		for k := range c.Values {
			c.Values[k] = drop.Replace(c.Values[k])
		}
		for k := range c.Extra {
			c.Extra[k].Value = drop.Replace(c.Extra[k].Value)
		}
	}
	var out bytes.Buffer
	if _, err := Write(&out, f.Contacts, f, Options{}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestWriteReadCopiesExactly holds WriteRead to Write: on every real-world
// CSV, the generated samples of each language (as written by hand and as
// the writer writes them again, whose records it copies), files without
// a key column and with other delimiters, copying a record's text gives
// the bytes encoding the record gives, with the key as read, changed,
// taken away and not a sync key.
func TestWriteReadCopiesExactly(t *testing.T) {
	for _, loc := range []string{"en", "de", "fr", "es"} {
		for _, extra := range []string{"", "ł"} {
			s := []byte(sample(loc, 60, extra))
			writeRead(t, "sample-"+loc, s, true)
			writeRead(t, "sample-"+loc+"-again", writtenAgain(t, s), false)
			if n := writeRead(t, "sample-"+loc+"-plain", plainAgain(t, s), true); n < 50 {
				t.Errorf("sample-%s without quotes and line breaks: %d of its 60 records are copied, want most", loc, n)
			}
		}
	}
	plain := []string{
		"\"First Name\",\"Last Name\",\"E-mail Address\"\r\n\"A\",\"B\",\"a@b\"\r\n,,\"c@d\"\r\n\"Zoë\",,\r\n",
		"\"Vorname\";\"Nachname\";\"Benutzer 4\"\r\n\"A\";\"B\";\"contactsync:1\"\r\n\"C\";;\"mine\"\r\n\"D\";\"E\";\r\n",
		"\"First Name\",\"User 4\",\"Notes\"\n\"A\",\"contactsync:2\",\"x, y\"\n\"B\",\"\",\"z\"\n\"C\",,\"\x01\"\n\"D\",,\"line\r\nbreak\"\n\"E\",,\n",
		"\"First Name\",\"Birthday\",\"Business Street\",\"Business Street 2\",\"User 4\"\r\n\"A\",\"1/2/1990\",\"s1\",\"s2\",\r\n\"B\",\"not a date\",,\"s2\",\r\n\"C\",\"0/0/00\",\"s\",,\"contactsync:3\"\r\n",
		"\"First Name\",\"X\",\"X\",\"Other\"\r\n\"A\",\"1\",\"2\",\"3\"\r\n\"B\",,,,\"beyond\"\r\n\"C\",\"1\"\r\n",
		// Thunderbird's birthday in three cells, guessed columns, Dutch,
		// Google's lists and typed slots
		"\"First Name\",\"Primary Email\",\"Work Address\",\"Birth Year\",\"Birth Month\",\"Birth Day\"\n\"A\",\"a@b\",\"x\",\"1970\",\"2\",\"3\"\n\"B\",,,,\"13\",\"40\"\n",
		"\"Nom\",\"Courriel perso\",\"Portable GSM\"\n\"A\",\"a@b\",\"1\"\n\"B\",\"Name <b@c>\",\n",
		"\"Voornaam\",\"Werkadres, straat\",\"E-mailadres\",\"Verjaardag\"\n\"Jan\",\"s\",\"j@x\",\"1-2-1990\"\n\"Piet\",,,\"0-0-00\"\n",
		"\"Name\",\"Given Name\",\"E-mail 1 - Value\",\"Phone 1 - Type\",\"Phone 1 - Value\",\"Address 1 - Type\",\"Address 1 - Street\",\"Group Membership\"\n\"A\",\"A\",\"a@b ::: c@d\",\"Mobile\",\"1\",\"Home\",\"x\",\"* myContacts ::: Friends\"\n\"B\",\"B\",\"e@f\",,,\"Work\",\"y\",\n",
	}
	for i, p := range plain {
		if n := writeRead(t, fmt.Sprintf("plain-%d", i), []byte(p), true); n == 0 {
			t.Errorf("plain-%d: no record copied", i)
		}
		writeRead(t, fmt.Sprintf("plain-%d-again", i), writtenAgain(t, []byte(p)), false)
	}
	for _, p := range realWorldCSVs(t) {
		b := readFile(t, p)
		writeRead(t, p, b, true)
		if _, err := Read(bytes.NewReader(b), p, Options{}); err == nil {
			writeRead(t, p+" written again", writtenAgain(t, b), false)
		}
	}
}

// FuzzWriteRead: on any input, copying the text of the records read
// writes what encoding them writes (see writeRead), for the input and
// for the writer's own form of it.
func FuzzWriteRead(f *testing.F) {
	f.Add([]byte(sample("en", 2, "")))
	f.Add([]byte("\"First Name\",\"User 4\",\"Notes\"\n\"A\",\"contactsync:2\",\"x, y\"\n\"B\",\"\",\"z\"\n"))
	f.Add([]byte("\"Vorname\";\"Geburtstag\";\"Benutzer 4\"\r\n\"A\";\"0.0.00\";\"mine\"\r\n"))
	f.Add([]byte("\"First Name\",\"Birthday\",\"Business Street\",\"Business Street 2\"\r\n\"A\",\"1/2/1990\",\"s1\",\"s2\"\r\n\"B\",\"20/01/1991\",,\"s2\"\r\n"))
	f.Add([]byte("\"Name\",\"E-mail 1 - Value\",\"Phone 1 - Type\",\"Phone 1 - Value\"\n\"A\",\"a@b ::: c@d\",\"Mobile\",\"1\"\n"))
	f.Add([]byte("\"First Name\",\"Primary Email\",\"Birth Year\",\"Birth Month\",\"Birth Day\"\n\"A\",\"a@b\",\"1970\",\"2\",\"30\"\n"))
	f.Add([]byte("\"Nom\";\"Courriel perso\";\"Portable GSM\"\n\"A\";\"a@b\";\"1\"\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		writeRead(t, "fuzz.csv", b, false)
		if f, err := Read(bytes.NewReader(b), "fuzz.csv", Options{}); err == nil {
			var out bytes.Buffer
			if _, err := Write(&out, f.Contacts, f, Options{}); err == nil {
				writeRead(t, "fuzz.csv written again", out.Bytes(), false)
			}
		}
	})
}
