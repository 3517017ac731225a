package outlookcsv

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"contactsync/engine/contact"
)

// Each gives the records ReadFile keeps, with the same layout, warnings
// and input, also when the dates are read in an order found late.
func TestEachIsReadFile(t *testing.T) {
	dir := t.TempDir()
	late := "First Name,Last Name,Birthday,E-mail Address\r\nAnn,Lee,1/2/1990,ann@x.example\r\nBob,Ray,20/01/1991,bob@x.example\r\n"
	paths := []string{filepath.Join("..", "..", "fixtures", "outlook", "contacts.csv"), filepath.Join(dir, "late.csv")}
	if err := os.WriteFile(paths[1], []byte(late), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range paths {
		want, err := ReadFile(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var got []contact.Contact
		resets := 0
		f, _, err := Each(path, Options{}, false, func() { got = nil; resets++ }, func(c *contact.Contact) error {
			got = append(got, c.Clone())
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 || !reflect.DeepEqual(got, want.Contacts) {
			t.Errorf("%s: Each gave %d records, ReadFile %d, or they differ", path, len(got), len(want.Contacts))
		}
		if f.Contacts != nil || !reflect.DeepEqual(f.Warnings, want.Warnings) || f.Input != want.Input || f.DateFormat != want.DateFormat || f.DateInferred != want.DateInferred {
			t.Errorf("%s: File %+v\nwant %+v", path, f, want)
		}
		if path == paths[1] && (resets != 1 || !f.DateInferred) {
			t.Errorf("the late date order: %d resets, inferred %v; want 1, true", resets, f.DateInferred)
		}
	}
}
