package msg

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"contactsync/engine/contact"
	"contactsync/fixtures"
	"contactsync/formats"
	"contactsync/formats/pst"
)

func realMSG(t testing.TB) string {
	root, ok := fixtures.RealWorld()
	if !ok {
		t.Fatalf("real-world samples missing at %s", root)
	}
	return filepath.Join(root, "Aspose.Email-for-.NET", "Examples", "Data", "Outlook", "Contact.msg")
}

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

// TestRealMSG: Aspose's Outlook contact item reads as one contact with its
// name, e-mail and modification time. The values are checked against the
// file's own bytes (each is stored there in UTF-16), independently of the
// compound-file library.
func TestRealMSG(t *testing.T) {
	path := realMSG(t)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Contacts) != 1 {
		t.Fatalf("%d contacts", len(f.Contacts))
	}
	c := f.Contacts[0]
	want := map[contact.Field]string{contact.First: "FirstName", contact.Last: "LastName", contact.Email1: "user@domain.com"}
	for fl, w := range want {
		if c.Values[fl] != w {
			t.Errorf("%s = %q, want %q", fl, c.Values[fl], w)
		}
		if !bytes.Contains(raw, utf16le(w)) {
			t.Errorf("%q is not in the file as UTF-16: the expectation is wrong", w)
		}
	}
	if c.Modified.IsZero() || c.ModifiedFrom != "PidTagLastModificationTime" {
		t.Errorf("modified %v from %q", c.Modified, c.ModifiedFrom)
	}
	if v, _ := c.ExtraValue("PidLidFileUnder"); v != "LastName, FirstName" || !bytes.Contains(raw, utf16le(v)) {
		t.Errorf("PidLidFileUnder (a named property, through __nameid_version1.0) = %q", v)
	}
	for _, e := range c.Extra {
		if e.Format != contact.FormatPST {
			t.Errorf("extra %q has format %q: the PST mapping's names and format are shared", e.Name, e.Format)
		}
	}
	// A folder of .msg files reads every contact in it.
	dir := t.TempDir()
	for _, n := range []string{"a.msg", "b.MSG"} {
		os.WriteFile(filepath.Join(dir, n), raw, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
	fd, err := ReadFile(dir)
	if err != nil || len(fd.Contacts) != 2 {
		t.Fatalf("folder: %v, %d contacts", err, len(fd.Contacts))
	}
}

// TestSameMappingAsPST: the .msg reader has no mapping of its own; a
// Message filled by hand with a contact's properties maps exactly as the
// reader maps the file.
func TestSameMappingAsPST(t *testing.T) {
	m := pst.NewMessage()
	m.Add(0x001A, 0x001F, utf16le("IPM.Contact"))
	m.Add(0x3A06, 0x001F, utf16le("Ann"))
	m.Add(0x3A11, 0x001F, utf16le("Lee"))
	m.Add(0x3A1C, 0x001F, utf16le("+1 555"))
	c, err := m.Contact()
	if err != nil || !m.IsContact() || c.Values[contact.First] != "Ann" || c.Values[contact.PhoneMobile] != "+1 555" {
		t.Errorf("%v %+v", err, c.Values)
	}
}

// TestDamagedMSG: every truncation and a run of byte flips of the real
// file is read without panic, either whole or with a positioned problem
// naming the file.
func TestDamagedMSG(t *testing.T) {
	raw, err := os.ReadFile(realMSG(t))
	if err != nil {
		t.Fatal(err)
	}
	check := func(b []byte, what string) {
		_, _, err := Read(bytes.NewReader(b), int64(len(b)), "d.msg")
		if err == nil {
			return
		}
		pe, ok := err.(*formats.ParseError)
		if !ok || pe.File != "d.msg" || pe.Field == "" {
			t.Errorf("%s: %v is not a positioned problem", what, err)
		}
	}
	for n := 0; n < len(raw); n += 509 {
		check(raw[:n], "truncated")
	}
	for i := 0; i < len(raw); i += 97 {
		b := append([]byte(nil), raw...)
		b[i] ^= 0xFF
		check(b, "flipped")
	}
	if _, _, err := Read(strings.NewReader("BEGIN:VCARD"), 11, "d.msg"); err == nil {
		t.Error("a vCard read as an .msg")
	}
}

// TestLenientFolder: under --skip-invalid an .msg that cannot be read is
// set aside with its name, the others are read; without it the read stops.
func TestLenientFolder(t *testing.T) {
	raw, err := os.ReadFile(realMSG(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.msg"), raw, 0o644)
	os.WriteFile(filepath.Join(dir, "b.msg"), raw[:1000], 0o644)
	if _, err := ReadFile(dir); err == nil || !strings.Contains(err.Error(), "b.msg") {
		t.Errorf("ReadFile: %v, want b.msg's problem", err)
	}
	f, rejected, err := ReadFileLenient(dir)
	if err != nil || len(f.Contacts) != 1 || len(rejected) != 1 || !strings.HasSuffix(rejected[0].File, "b.msg") {
		t.Errorf("lenient: %v, %d contacts, rejected %v", err, len(f.Contacts), rejected)
	}
	if len(f.Inputs) != 2 {
		t.Errorf("inputs %v: both files were read", f.Inputs)
	}
	if v := Validate(dir); len(v) != 1 {
		t.Errorf("Validate = %v", v)
	}
}

// TestNotContactWarning: an .msg that is no contact (its message class
// made IPM.Note.XY in the real file's bytes) is skipped with a warning of
// its kind, naming the file; the contact next to it is read.
func TestNotContactWarning(t *testing.T) {
	raw, err := os.ReadFile(realMSG(t))
	if err != nil {
		t.Fatal(err)
	}
	class := utf16le("IPM.Contact")
	if bytes.Count(raw, class) != 1 {
		t.Fatalf("the sample holds its message class %d times, want once", bytes.Count(raw, class))
	}
	note := bytes.Replace(raw, class, utf16le("IPM.Note.XY"), 1)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.msg"), raw, 0o600)
	os.WriteFile(filepath.Join(dir, "b.msg"), note, 0o600)
	f, err := ReadFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Contacts) != 1 || f.Others != 1 || len(f.Warnings) != 1 ||
		f.Warnings[0].Kind != formats.WarnNotContact || !strings.Contains(f.Warnings[0].Text, "b.msg") {
		t.Errorf("%d contacts, %d others, warnings %+v: want a's contact and b's not-contact warning", len(f.Contacts), f.Others, f.Warnings)
	}
	r, err := Open(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := formats.ReadAll(r); err != nil || !formats.HasWarning(r.Summary().Warnings, formats.WarnNotContact) {
		t.Errorf("Reader: %v, warnings %+v", err, r.Summary().Warnings)
	}
}
