package outlookcsv

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// writeBoth writes cs in layout (nil: fresh) through Create, into a file
// (rows straight into it while they can be, else a spool), and through
// NewWriter (rows held in memory until Close), and fails unless both
// wrote the same bytes and result, and Sum is the file's hash.
func writeBoth(t *testing.T, cs []contact.Contact, layout *File) []byte {
	t.Helper()
	var mem bytes.Buffer
	mw, err := NewWriter(&mem, layout, Options{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "contacts.csv")
	fw, err := Create(path, layout, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fw.Hash()
	for i := range cs {
		if err := mw.Write(&cs[i]); err != nil {
			t.Fatal(err)
		}
		if err := fw.Write(&cs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(file, mem.Bytes()) {
		t.Fatalf("the file differs from the rows written in memory:\nfile %q\nmem  %q", file, mem.Bytes())
	}
	if a, b := fw.Describe(), mw.Describe(); a != b {
		t.Fatalf("the file's result %q differs from %q", a, b)
	}
	sum, n, ok := fw.Sum()
	h := sha256.Sum256(file)
	if !ok || sum != hex.EncodeToString(h[:]) || n != int64(len(file)) {
		t.Fatalf("Sum = %s, %d, %v; want the file's %x, %d", sum, n, ok, h, len(file))
	}
	ents, _ := os.ReadDir(filepath.Dir(path))
	if len(ents) != 1 {
		t.Fatalf("%d files left beside the output, want none", len(ents)-1)
	}
	return file
}

func named(first, last string) contact.Contact {
	var c contact.Contact
	c.Values[contact.First], c.Values[contact.Last] = first, last
	return c
}

// A file is written straight as long as it can be, and otherwise the same
// as the rows held in memory write it: Windows-1252 throughout, a
// character Windows-1252 lacks late, Windows-1252 bytes that read as
// UTF-8 (UTF-8 after all, found at Close), a column learnt late, a
// layout of one column with empty records, no record.
func TestWriterFileMatchesMemory(t *testing.T) {
	one, err := Read(strings.NewReader("Notes\r\n\"x\"\r\n"), "one.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	lateCol := named("B", "C")
	lateCol.Extra = []contact.Extra{{Name: "Not A Column", Value: "v", Format: contact.FormatOutlookCSV}}
	quoted := named("a\"b", "line\nbreak\r\nand \"more\"")
	for _, tc := range []struct {
		name   string
		cs     []contact.Contact
		layout *File
		enc    string
	}{
		{"ascii", []contact.Contact{named("A", "B"), quoted}, nil, formats.Windows1252},
		{"1252", []contact.Contact{named("Zoë", "Øster"), named("A", "B")}, nil, formats.Windows1252},
		{"misfit late", []contact.Contact{named("Zoë", "B"), quoted, named("李", "B"), named("José", "C")}, nil, formats.UTF8BOM},
		{"reads as utf-8", []contact.Contact{named("A", "B"), named("Ã©", "B")}, nil, formats.UTF8BOM},
		{"reads as utf-8, then not", []contact.Contact{named("Ã©", "B"), named("é", "B")}, nil, formats.Windows1252},
		{"column late", []contact.Contact{named("A", "B"), quoted, named("É", ""), lateCol, named("D", "E")}, nil, formats.Windows1252},
		{"column and misfit late", []contact.Contact{named("É", "B"), lateCol, named("李", "E")}, nil, formats.UTF8BOM},
		{"one column", []contact.Contact{{}, named("A", ""), {}}, one, formats.Windows1252},
		{"one column, column late", []contact.Contact{{}, lateCol, {}}, one, formats.Windows1252},
		{"none", nil, nil, formats.Windows1252},
		{"none, one column", nil, one, formats.Windows1252},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for i := range tc.cs {
				if tc.layout == one && tc.cs[i].Values[contact.First] != "" {
					tc.cs[i].Values[contact.Notes], tc.cs[i].Values[contact.First] = tc.cs[i].Values[contact.First], ""
				}
			}
			b := writeBoth(t, tc.cs, tc.layout)
			enc := formats.Windows1252
			if bytes.HasPrefix(b, []byte("\uFEFF")) {
				enc = formats.UTF8BOM
			}
			if enc != tc.enc {
				t.Errorf("written in %s, want %s", enc, tc.enc)
			}
		})
	}
}

// FuzzWriterFile: whatever the records, Create writes the file NewWriter
// writes in memory (see writeBoth), in their own layout and in a fresh
// one (where their extras are columns learnt as they come).
func FuzzWriterFile(f *testing.F) {
	f.Add([]byte(sample("en", 2, "")))
	f.Add([]byte(sample("de", 2, "ł")))
	f.Add([]byte("First Name,Notes,Other\r\nA,\"x\r\ny\"\"\",\r\nLi,李,\r\nB,é,z\r\n"))
	f.Add([]byte("First Name\r\n\"\"\r\nB\r\n"))
	f.Add([]byte("Notes\r\nÃ©\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Read(bytes.NewReader(b), "fuzz.csv", Options{})
		if err != nil {
			return
		}
		writeBoth(t, file.Contacts, file)
		writeBoth(t, file.Contacts, nil)
	})
}
