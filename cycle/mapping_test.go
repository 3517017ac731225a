package cycle

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"contactsync/formats"
)

// FuzzReadMapping: a mapping file either reads, with every field known and
// named once, or fails with a positioned error; it never panics.
func FuzzReadMapping(f *testing.F) {
	for _, s := range []string{"first\nlast\n", "# c\n\njob_title to-outlook\n", "nickname\n", "first\nfirst\n", "email3\n", "first both extra\n", "", "\xff\n"} {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, text string) {
		p := filepath.Join(dir, "m.map")
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		fields, dirs, err := ReadMapping(p)
		if err != nil {
			var pe *formats.ParseError
			if errors.As(err, &pe) && pe.Line < 1 {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, f := range fields {
			if seen[f.String()] {
				t.Fatalf("field %s mapped twice", f)
			}
			seen[f.String()] = true
		}
		for f := range dirs {
			if !seen[f.String()] {
				t.Fatalf("direction for unmapped field %s", f)
			}
		}
	})
}
