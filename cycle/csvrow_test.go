package cycle

import (
	"bytes"
	"encoding/csv"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"contactsync/engine"
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

// duplicates.csv is what encoding/csv writes of the rows, cell by cell
// from the records (as the file was written before its rows were read in
// runs in the records' order), for runs of any length: one row, a group,
// several groups, all of them.
func TestDuplicatesCSVIsEncodingCSV(t *testing.T) {
	var cs contact.Contacts
	vals := []string{"", "Ann", " Lee", "=cmd", "a,b", "q\"uote", "Zoë", "x\ny"}
	for i := range 400 {
		var c contact.Contact
		c.Key = vals[i%len(vals)] + strconv.Itoa(i)
		c.Line = i % 37
		c.Values[contact.First], c.Values[contact.Last] = vals[i%len(vals)], vals[(i/3)%len(vals)]
		c.Values[contact.Company], c.Values[contact.Email2] = vals[(i/5)%len(vals)], "<Mail"+strconv.Itoa(i%9)+"@x.example>"
		cs = append(cs, c)
	}
	rnd := rand.New(rand.NewPCG(5, 6))
	var groups []engine.DuplicateGroup
	for g, at := 1, 0; at < len(cs); g++ {
		n := 1 + rnd.IntN(7)
		var members []engine.DuplicateMember
		for k := range n {
			idx := rnd.IntN(len(cs)) // anywhere in the records
			if g%3 == 0 {
				idx = rnd.IntN(3) // a record shown by several rows of a run
			}
			members = append(members, engine.DuplicateMember{Index: idx, Matches: []engine.DuplicateMatch{{Value: "v" + strconv.Itoa(k), Reason: engine.DupEmail}}})
		}
		groups = append(groups, engine.DuplicateGroup{Number: g, Members: members})
		at += n
	}
	var want bytes.Buffer
	cw := csv.NewWriter(&want)
	cw.Write([]string{"side", "group", "reason", "key", "name", "email", "line"})
	for _, g := range groups {
		for _, m := range g.Members {
			line := ""
			if l := cs.Line(m.Index); l > 0 {
				line = strconv.Itoa(l)
			}
			cw.Write([]string{"crm", strconv.Itoa(g.Number), contact.SpreadsheetCell(m.Reason()), contact.SpreadsheetCell(cs.Key(m.Index)),
				contact.SpreadsheetCell(cs.DisplayName(m.Index)), contact.SpreadsheetCell(firstEmail(cs, m.Index)), line})
		}
	}
	cw.Flush()
	defer func(n int) { dupRunRows = n }(dupRunRows)
	for _, n := range []int{1, 5, 50, 1 << 18} {
		dupRunRows = n
		var got bytes.Buffer
		if err := writeDuplicatesCSV(&got, "crm", cs, engine.NewDuplicates(groups)); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("runs of %d rows: duplicates.csv is\n%q\nencoding/csv wrote\n%q", n, got.Bytes(), want.Bytes())
		}
	}
}

// TestSpreadsheetCellBytes holds spreadsheetCell, which asks FormulaLike
// only of cells whose first byte may start a formula, to
// contact.SpreadsheetCell on every first byte.
func TestSpreadsheetCellBytes(t *testing.T) {
	for c := range 256 {
		for _, rest := range []string{"", "1", "1-1", "A1", " x", "49 (170) 1234567", "é"} {
			v := string([]byte{byte(c)}) + rest
			if got, want := string(spreadsheetCell([]byte(v))), contact.SpreadsheetCell(v); got != want {
				t.Fatalf("spreadsheetCell(%q) = %q, want %q", v, got, want)
			}
		}
	}
	if got := spreadsheetCell(nil); len(got) != 0 {
		t.Fatalf("spreadsheetCell of nothing = %q", got)
	}
}
