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
