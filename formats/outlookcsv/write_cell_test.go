package outlookcsv

import "testing"

// A cell is quoted, its quotes doubled and its line breaks CRLF (a CR
// already before a line feed is that break's).
func TestCellQuoting(t *testing.T) {
	for v, want := range map[string]string{
		"":               ``,
		"plain":          `"plain"`,
		`a"b`:            `"a""b"`,
		`""`:             `""""""`,
		"a\nb":           "\"a\r\nb\"",
		"a\r\nb":         "\"a\r\nb\"",
		"\n":             "\"\r\n\"",
		"\"\n":           "\"\"\"\r\n\"",
		"\r\n\r\n":       "\"\r\n\r\n\"",
		"x\r":            "\"x\r\"",
		"\n\"\r\n\"\nÿé": "\"\r\n\"\"\r\n\"\"\r\nÿé\"",
	} {
		var w cellWriter
		w.delim = ','
		w.cell(v)
		if got := string(w.buf); got != want {
			t.Errorf("cell(%q) = %q, want %q", v, got, want)
		}
	}
}

// row writes a record's cells as cell does one by one.
func TestCellRow(t *testing.T) {
	rows := [][]string{{}, {""}, {"", ""}, {"a"}, {"", "a\"b", "", "x\ny", ""}, {"p", "", ""}}
	for _, quoteEmpty := range []bool{false, true} {
		for _, r := range rows {
			for _, before := range [][]string{nil, {"first"}, {""}} {
				one := cellWriter{delim: ';', quoteEmpty: quoteEmpty}
				all := cellWriter{delim: ';', quoteEmpty: quoteEmpty}
				for _, v := range append(append([]string(nil), before...), r...) {
					one.cell(v)
				}
				for _, v := range before {
					all.cell(v)
				}
				all.row(r)
				if string(all.buf) != string(one.buf) || all.n != one.n || all.wrote != one.wrote {
					t.Errorf("row(%q) after %q = %q (%d cells, wrote %v), cell by cell %q (%d, %v)", r, before, all.buf, all.n, all.wrote, one.buf, one.n, one.wrote)
				}
			}
		}
	}
}
