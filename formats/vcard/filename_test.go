package vcard

import (
	"strings"
	"testing"

	"contactsync/engine/contact"
)

// vdir file names are safe on Windows: no character it forbids, and never
// a name it reserves for a device, whatever the letter case or extension.
func TestFileNameAvoidsWindowsNames(t *testing.T) {
	reserved := []string{"CON", "con", "Prn", "AUX", "NUL", "nul.x", "COM1", "com9", "LPT1", "lpt0.tar", "COM0"}
	for _, key := range append(reserved, `a<b>c:"d/e\f|g?h*i`, "x\x00y", "Con.", "NUL ") {
		name := FileName(&contact.Contact{Key: key})
		stem, _, _ := strings.Cut(name, ".")
		if windowsReserved(name) || strings.ContainsAny(name, `<>:"/\|?*`) || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 }) {
			t.Errorf("FileName(%q) = %q: not a name Windows allows", key, name)
		}
		switch strings.ToUpper(stem) {
		case "CON", "PRN", "AUX", "NUL", "COM1", "COM9", "LPT1", "LPT0", "COM0":
			t.Errorf("FileName(%q) = %q: a reserved device name", key, name)
		}
	}
	// Names that only look alike are kept as they are.
	for _, key := range []string{"CONTACT", "com10", "nulls", "lpt"} {
		if got := FileName(&contact.Contact{Key: key}); got != key+".vcf" {
			t.Errorf("FileName(%q) = %q, want it kept", key, got)
		}
	}
	// Different keys never share a name.
	if FileName(&contact.Contact{Key: "CON"}) == FileName(&contact.Contact{Key: "_CON"}) {
		t.Error("CON and _CON share a file name")
	}
}
