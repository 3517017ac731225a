package outlookcsv

import (
	"bytes"
	"contactsync/engine/contact"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"contactsync/formats"
)

// TestReaderWriterMatchFile checks that the streaming Reader yields what
// ReadFile returns, with the same warnings and input hash, and that the
// Writer, given the Reader as layout, writes the bytes WriteFile writes.
func TestReaderWriterMatchFile(t *testing.T) {
	rw := "../../../shared/realworld/"
	for _, p := range []string{"../../fixtures/outlook/contacts.csv",
		rw + "tine20/tests/tine20/Addressbook/Import/files/importtest_outlook2013.csv",
		rw + "roundcubemail/tests/src/Csv2vcard/gmail.csv"} {
		t.Run(filepath.Base(p), func(t *testing.T) {
			f, err := ReadFile(p, Options{})
			if err != nil {
				t.Fatal(err)
			}
			fm, ok := formats.Lookup("CSV")
			if !ok {
				t.Fatal("csv not registered")
			}
			r, err := fm.Open(p, formats.Options{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := formats.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, f.Contacts) {
				t.Errorf("Reader yields %d records that differ from ReadFile's %d", len(got), len(f.Contacts))
			}
			sum := r.Summary()
			if len(sum.Inputs) != 1 || sum.Inputs[0] != f.Input {
				t.Errorf("inputs %+v, want %+v", sum.Inputs, f.Input)
			}
			if !reflect.DeepEqual(sum.Warnings, f.Warnings) {
				t.Errorf("warnings %q, want %q", sum.Warnings, f.Warnings)
			}
			dir := t.TempDir()
			want := filepath.Join(dir, "want.csv")
			if _, err := WriteFile(want, f.Contacts, f, Options{}); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "got.csv")
			w, err := fm.Create(out, formats.Options{}, r)
			if err != nil {
				t.Fatal(err)
			}
			if err := formats.WriteAll(w, got); err != nil {
				t.Fatal(err)
			}
			a, _ := os.ReadFile(want)
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a, b) {
				t.Errorf("Writer wrote %d bytes that differ from WriteFile's %d", len(b), len(a))
			}
			if w.Describe() == "" {
				t.Error("no description of the written file")
			}
		})
	}
}

// TestStreamedPositions: errors deep in a file that is read in pieces
// (far past what the reader keeps) are positioned as on the whole text:
// the line, and the column counted in characters; a lenient read goes on
// at the next line and reads every other record.
func TestStreamedPositions(t *testing.T) {
	var b strings.Builder
	b.WriteString("First Name,Last Name,Company\r\n")
	const n = 6000
	for i := 0; i < n; i++ {
		switch i {
		case 4000:
			b.WriteString("Zoë,Müller,ba\"d\r\n") // line 8002: bare quote at character 14
		case 5000:
			b.WriteString("\"Ève\",\"Ørsted\r\nstill open\",\"x\" y\r\n") // lines 10001-10002
		default:
			fmt.Fprintf(&b, "Zoë %d,\"Müller\r\nzweite Zeile\",Çompany %d\r\n", i, i)
		}
	}
	p := writeTemp(t, "big.csv", []byte(b.String()))
	_, err := ReadFile(p, Options{})
	if want := p + `:8002:14: bare " in a field that is not quoted (quote the whole field and double the ")`; err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
	r, err := Open(p, Options{}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := 0
	for {
		c, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(c.Values[contact.First], "Zoë ") || c.Values[contact.Last] != "Müller\nzweite Zeile" {
			t.Fatalf("line %d read as %q %q", c.Line, c.Values[contact.First], c.Values[contact.Last])
		}
		got++
	}
	rej := r.Summary().Rejected
	if got != n-2 || len(rej) != 2 {
		t.Fatalf("%d records read and %d set aside, want %d and 2: %v", got, len(rej), n-2, rej)
	}
	if want := p + `:10002:15: quoted field that starts on line 10001 is not closed`; rej[1].Error() != want {
		t.Errorf("second problem %v\nwant %s", rej[1], want)
	}
	if in := r.Summary().Inputs; len(in) != 1 || in[0].Size != int64(b.Len()) {
		t.Errorf("inputs %+v, want the whole file of %d bytes", in, b.Len())
	}
}

// TestStreamedDateOrder: a date the usual order cannot read, after
// records already given out, switches the reader to the inferred order
// when the earlier dates read the same in it; when one does not, the
// streaming Reader stops with an error naming the form to give, and
// ReadFile, which holds the records, reads the file again in that order.
func TestStreamedDateOrder(t *testing.T) {
	src := "First Name,Birthday\nA,5/5/1990\nB,20/1/1991\nC,3/4/1985\n"
	all := func(src string) ([]string, error) {
		r, err := Open(writeTemp(t, "d.csv", []byte(src)), Options{}, false)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var bd []string
		for {
			c, err := r.Next()
			if err == io.EOF {
				if r.Layout().DateFormat != "D/M/YYYY" || !r.Layout().DateInferred {
					t.Errorf("layout date format %q inferred %v", r.Layout().DateFormat, r.Layout().DateInferred)
				}
				return bd, nil
			}
			if err != nil {
				return bd, err
			}
			bd = append(bd, c.Values[contact.Birthday])
		}
	}
	bd, err := all(src)
	if err != nil || strings.Join(bd, " ") != "1990-05-05 1991-01-20 1985-04-03" {
		t.Errorf("switched: birthdays %q, %v", bd, err)
	}
	f, err := Read(strings.NewReader(src), "d.csv", Options{})
	if err != nil || f.DateFormat != "D/M/YYYY" || len(f.Warnings) != 1 {
		t.Errorf("ReadFile: %v, format %q, warnings %q", err, f.DateFormat, f.Warnings)
	}

	src = "First Name,Birthday\nA,3/4/1985\nB,20/1/1991\n"
	_, err = all(src)
	if err == nil || !strings.Contains(err.Error(), "d.csv:3:3: Birthday:") || !strings.Contains(err.Error(), "--date-format D/M/YYYY") {
		t.Errorf("ambiguous: error %v", err)
	}
	f, err = Read(strings.NewReader(src), "d.csv", Options{})
	if err != nil || f.Contacts[0].Values[contact.Birthday] != "1985-04-03" || !f.DateInferred || len(f.Warnings) != 1 {
		t.Errorf("ReadFile reads again: %v, %+v, warnings %q", err, f, f.Warnings)
	}
}

// TestWriterAppendsLate: a column to append that only a late record
// needs is in the header, and every row, earlier ones included, has the
// header's width; reading the file back gives every value. A layout of
// one column keeps an empty row as `""`.
func TestWriterAppendsLate(t *testing.T) {
	cs := make([]contact.Contact, 500)
	for i := range cs {
		cs[i].Values[contact.First] = fmt.Sprintf("N%d", i)
	}
	cs[499].Extra = []contact.Extra{{Name: "Lieblingsfarbe", Value: "grün", Format: contact.FormatOutlookCSV}}
	p := filepath.Join(t.TempDir(), "out.csv")
	if _, err := WriteFile(p, cs, nil, Options{}); err != nil {
		t.Fatal(err)
	}
	recs, err := readRaw(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if h := recs[0]; h[len(h)-1] != "Lieblingsfarbe" {
		t.Fatalf("last header cell %q", h[len(h)-1])
	}
	for i, r := range recs {
		if len(r) != len(recs[0]) {
			t.Fatalf("row %d has %d cells, the header %d", i, len(r), len(recs[0]))
		}
	}
	f, err := ReadFile(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := f.Contacts[499].ExtraValue("Lieblingsfarbe"); v != "grün" || f.Contacts[0].Values[contact.First] != "N0" || len(f.Contacts) != 500 {
		t.Errorf("read back: %d contacts, last extra %q", len(f.Contacts), v)
	}

	one := &File{Header: []string{"E-mail Address"}, Delimiter: ',', Locale: "en"}
	var b bytes.Buffer
	if _, err := Write(&b, []contact.Contact{{}, {Values: contact.Values{contact.Email1: "a@b.c"}}}, one, Options{}); err != nil {
		t.Fatal(err)
	}
	if want := "\"E-mail Address\"\r\n\"\"\r\n\"a@b.c\"\r\n"; b.String() != want {
		t.Errorf("one column: %q, want %q", b.String(), want)
	}
}
