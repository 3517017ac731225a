package vcard

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"contactsync/formats"
)

// A million nested BEGIN:VCARD lines are refused at the nesting cap, with
// a position, instead of holding a million open cards (3.2 GB) and warning
// two million times.
func TestDeepNestingIsRefused(t *testing.T) {
	const n = 1_000_000
	in := strings.Repeat("BEGIN:VCARD\r\n", n) + strings.Repeat("END:VCARD\r\n", n)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f, err := Read(strings.NewReader(in), "deep.vcf")
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	var pe *formats.ParseError
	if f != nil || !errors.As(err, &pe) || pe.Line != maxNesting+1 || !strings.Contains(err.Error(), "nested") {
		t.Fatalf("Read(%d nested cards) = %v, %v; want a nesting error on line %d", n, f, err, maxNesting+1)
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 64<<20 {
		t.Errorf("refusing %d nested cards allocated %d MB", n, grown>>20)
	}
	if errs := Validate(writeTemp(t, in)); len(errs) != 1 {
		t.Errorf("Validate: %d problems, want the one nesting error: %v", len(errs), errs)
	}
}

// Nesting within the cap still reads every card; repeated warnings are
// listed up to a bound and then counted in one.
func TestRepeatedWarningsAreCounted(t *testing.T) {
	const n = 5000
	var b strings.Builder
	b.WriteString("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Outer\r\n")
	for range n {
		b.WriteString("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Inner\r\nEND:VCARD\r\n")
	}
	b.WriteString("END:VCARD\r\n")
	f, err := Read(strings.NewReader(b.String()), "many.vcf")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Contacts) != n+1 {
		t.Errorf("read %d contacts, want %d", len(f.Contacts), n+1)
	}
	if len(f.Warnings) != maxSameWarnings+1 {
		t.Fatalf("%d warnings, want %d listed and one count: %q", len(f.Warnings), maxSameWarnings, f.Warnings)
	}
	last := f.Warnings[len(f.Warnings)-1].Text
	if k := f.Warnings[len(f.Warnings)-1].Kind; k != formats.WarnMore || f.Warnings[0].Kind == formats.WarnMore {
		t.Errorf("kinds %v, %v: want the count last, of its own kind", f.Warnings[0].Kind, k)
	}
	if !strings.Contains(last, "4990 more warnings like") || !strings.Contains(last, "(5000 in all)") {
		t.Errorf("last warning %q does not count the rest", last)
	}
}

func writeTemp(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "in.vcf")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
