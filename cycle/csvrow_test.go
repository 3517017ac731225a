package cycle

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"contactsync/engine/contact"
)

// FuzzCSVRows: csvRows writes rows byte for byte as encoding/csv's Writer
// does. The input is cut into rows at "\x00\x00" and into cells at "\x00".
func FuzzCSVRows(f *testing.F) {
	for _, s := range []string{
		"a\x00b,c\x00\"q\"\x00 lead\x00\\.\x00\x00x\r\ny\x00\u00a0nbsp\x00\u2028ls\x00\x00",
		"\x00\x00\x00", "\t\x00\n\x00\r\x00\v\x00\f", "\u0085x\x00\xff\xfe\x00\xe2\x80", `\.\x00\..`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var want bytes.Buffer
		cw := csv.NewWriter(&want)
		var got bytes.Buffer
		r := &csvRows{w: &got}
		for k, row := range strings.Split(in, "\x00\x00") {
			cells := strings.Split(row, "\x00")
			if err := cw.Write(cells); err != nil {
				t.Fatal(err)
			}
			for i, c := range cells {
				if (i+k)%2 == 0 {
					r.cell(c)
				} else {
					r.cellBytes([]byte(c))
				}
			}
			r.end()
		}
		cw.Flush()
		if err := r.flush(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("csvRows wrote\n%q\nencoding/csv\n%q", got.Bytes(), want.Bytes())
		}
	})
}

// The duplicates' cells built in place are those of the records' own
// methods: the display name, and the "'" before a formula.
func TestDuplicateCells(t *testing.T) {
	vals := []string{"", " ", "Ann", " Lee ", "=1+2", "\u00a0"}
	fields := []contact.Field{contact.First, contact.Middle, contact.Last, contact.Company, contact.Email1}
	var cs contact.Contacts
	for i := range 7776 { // 6^5: every value in every field
		var c contact.Contact
		k := i
		for _, f := range fields {
			c.Values[f] = vals[k%len(vals)]
			k /= len(vals)
		}
		cs = append(cs, c)
	}
	for i := range cs {
		if got, want := string(appendDisplayName([]byte("x"), cs, i)), "x"+cs.DisplayName(i); got != want {
			t.Fatalf("appendDisplayName(%q) = %q, want %q", cs[i].Values, got, want)
		}
	}
	for _, v := range []string{"", "a", "=a", "+a", "+1 555", "-", "@x", "'=x", "\tx"} {
		if got, want := string(spreadsheetCell([]byte(v))), contact.SpreadsheetCell(v); got != want {
			t.Errorf("spreadsheetCell(%q) = %q, want %q", v, got, want)
		}
	}
}
