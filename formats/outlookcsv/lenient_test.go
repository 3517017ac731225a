package outlookcsv

import (
	"os"
	"path/filepath"
	"testing"
)

// TestReadFileLenient: a record with broken quoting is set aside with its
// place; the records around it are read.
func TestReadFileLenient(t *testing.T) {
	p := filepath.Join(t.TempDir(), "broken.csv")
	text := "First Name,Last Name,E-mail Address\r\n" +
		"Ann,Lee,ann@example.com\r\n" +
		"Bob,Ray\"s,bob@example.com\r\n" +
		"Cy,Doe,cy@example.com\r\n"
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(p, Options{}); err == nil {
		t.Fatal("ReadFile accepted the broken record")
	}
	f, rejected, err := ReadFileLenient(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range f.Contacts {
		names = append(names, c.DisplayName())
	}
	if len(names) != 2 || names[0] != "Ann Lee" || names[1] != "Cy Doe" {
		t.Errorf("contacts = %q, want Ann Lee and Cy Doe", names)
	}
	if len(rejected) != 1 || rejected[0].Line != 3 {
		t.Errorf("rejected = %v, want one problem on line 3", rejected)
	}
	if _, _, err := ReadFileLenient(filepath.Join(t.TempDir(), "missing.csv"), Options{}); err == nil {
		t.Error("a missing file was read")
	}
}
