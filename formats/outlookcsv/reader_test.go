package outlookcsv

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
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
