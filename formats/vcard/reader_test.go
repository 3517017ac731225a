package vcard

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// readStream reads every record of path through the Reader.
func readStream(t *testing.T, path string, lenient bool) ([]contact.Contact, *formats.Summary, error) {
	t.Helper()
	r, err := Open(path, lenient)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []contact.Contact
	for {
		c, err := r.Next()
		if err == io.EOF {
			return out, r.Summary(), nil
		}
		if err != nil {
			return out, r.Summary(), err
		}
		out = append(out, c.Clone())
	}
}

// TestReaderMatchesReadFile: on every real-world vCard, strict and
// lenient, the streaming Reader gives the records ReadFile gives (nested
// cards after their parent), with the same warnings, set-aside cards and
// input hash; where ReadFile fails, the Reader fails with the same error.
func TestReaderMatchesReadFile(t *testing.T) {
	root, files := realWorldVCards(t)
	for _, rel := range files {
		p := filepath.Join(root, rel)
		f, err := ReadFile(p)
		got, sum, gerr := readStream(t, p, false)
		if err != nil {
			if gerr == nil || gerr.Error() != err.Error() {
				t.Errorf("%s: Reader error %v, ReadFile's %v", rel, gerr, err)
			}
			continue
		}
		if gerr != nil {
			t.Errorf("%s: Reader: %v", rel, gerr)
			continue
		}
		if !sameContacts(got, f.Contacts) || !reflect.DeepEqual(sum.Warnings, f.Warnings) || !reflect.DeepEqual(sum.Inputs, f.Inputs) {
			t.Errorf("%s: Reader gives %d records, %d warnings, inputs %v; ReadFile %d, %d, %v", rel, len(got), len(sum.Warnings), sum.Inputs, len(f.Contacts), len(f.Warnings), f.Inputs)
		}
		lf, rej, err := ReadFileLenient(p)
		got, sum, gerr = readStream(t, p, true)
		if err != nil || gerr != nil {
			if (err == nil) != (gerr == nil) {
				t.Errorf("%s: lenient: Reader error %v, ReadFileLenient's %v", rel, gerr, err)
			}
			continue
		}
		if !sameContacts(got, lf.Contacts) || !reflect.DeepEqual(sum.Rejected, rej) {
			t.Errorf("%s: lenient: Reader gives %d records, rejected %v; ReadFileLenient %d, %v", rel, len(got), sum.Rejected, len(lf.Contacts), rej)
		}
	}
}

func sameContacts(a, b []contact.Contact) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i].Extra) == 0 && len(b[i].Extra) == 0 {
			a[i].Extra, b[i].Extra = nil, nil
		}
		if !reflect.DeepEqual(a[i], b[i]) {
			return false
		}
	}
	return true
}

// TestReaderNestedAndVdir: a nested card follows its parent; a vdir's
// files are read in name order, each hashed; a bad card in lenient mode
// is set aside and the next file still read.
func TestReaderNestedAndVdir(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.ReplaceAll(s, "\n", "\r\n")), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("b.vcf", "BEGIN:VCARD\nVERSION:2.1\nN:Parent;Pat\nAGENT:\nBEGIN:VCARD\nVERSION:2.1\nN:Agent;Al\nEND:VCARD\nEND:VCARD\n")
	write("a.vcf", "BEGIN:VCARD\nVERSION:3.0\nFN:Ann\nN:Lee;Ann;;;\nEND:VCARD\nBEGIN:VCARD\nVERSION:3.0\nFN:Bad\nTEL;TYPE=\"unclosed:1\nEND:VCARD\n")
	got, sum, err := readStream(t, dir, true)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range got {
		names = append(names, c.Values[contact.Last])
	}
	if strings.Join(names, " ") != "Lee Parent Agent" {
		t.Errorf("records %q, want Lee Parent Agent", names)
	}
	if len(sum.Inputs) != 2 || filepath.Base(sum.Inputs[0].Path) != "a.vcf" || len(sum.Rejected) != 1 {
		t.Errorf("inputs %v, rejected %v", sum.Inputs, sum.Rejected)
	}
	_, _, err = readStream(t, dir, false)
	var pe *formats.ParseError
	if !errors.As(err, &pe) || filepath.Base(pe.File) != "a.vcf" || pe.Line != 9 {
		t.Errorf("strict: error %v, want one at a.vcf:9", err)
	}
}
