package cycle

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// smallPool is a pool of 11 chunks (11 MiB of handles): room for chunk 0,
// every shard and the two sides' own arenas, so that any small input fits,
// and for no value of 10 MiB.
func smallPool() *contact.Strings {
	p := contact.NewStrings()
	p.LimitForTest(11)
	return p
}

// bigValue is more than a small pool takes.
var bigValue = strings.Repeat("x", 10<<20)

// A value that does not fit in the cycle's string pool (4 GiB; here a
// pool of less room) is a positioned error of the reader, file:line:
// field: what is wrong, for an Outlook CSV and a vCard file alike.
func TestReadOutlookPoolFull(t *testing.T) {
	dir := t.TempDir()
	csvPath, vcf := filepath.Join(dir, "contacts.csv"), filepath.Join(dir, "contacts.vcf")
	writeText(t, csvPath, "First Name,Last Name,E-mail Address,Notes\nAnn,Lee,ann@example.com,met at the fair\nBob,Ray,bob@example.com,"+bigValue+"\n")
	writeText(t, vcf, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nN:Lee;Ann;;;\r\nEND:VCARD\r\n"+
		"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bob Ray\r\nN:Ray;Bob;;;\r\nNOTE:"+bigValue+"\r\nEND:VCARD\r\n")
	o := OutlookOptions{ExportedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	for path, line := range map[string]int{csvPath: 3, vcf: 6} {
		// Each record added as it comes, and added by a goroutine of
		// their own (a core idle: see tableAdder).
		for _, tasks := range []*cores{nil, newCores(0)} {
			tab := contact.NewTableIn(smallPool(), contact.AllFields())
			_, err := readOutlookTableOn(path, o, tab, tasks)
			want := path + ":" + strconv.Itoa(line) + ": notes: " + contact.ErrFull.Error()
			if err == nil || err.Error() != want || !errors.Is(err, contact.ErrFull) || !formats.IsParseError(err) {
				t.Errorf("%s (split %v): %v, want the error %q", filepath.Base(path), tasks != nil, err, want)
			}
		}
	}
}

// A cycle whose CRM dump does not fit in the pool fails with the row and
// field that did not, before anything is written.
func TestRunPoolFull(t *testing.T) {
	o := fixtureOptions(t)
	crm := filepath.Join(t.TempDir(), "crm")
	if err := os.CopyFS(crm, os.DirFS(o.CRM)); err != nil {
		t.Fatal(err)
	}
	contacts := filepath.Join(crm, "contacts.csv")
	b, err := os.ReadFile(contacts)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	row := strings.Replace(strings.Replace(lines[1], "C6UJ9A001001", "C6UJ9A001999", 1), "1200 Harbor Avenue", bigValue, 1)
	writeText(t, contacts, string(b)+row)
	o.CRM = crm
	defer func(p func() *contact.Strings) { newPool = p }(newPool)
	newPool = smallPool
	_, err = Run(context.Background(), o)
	want := "read CRM dump: " + contacts + ":" + strconv.Itoa(len(lines)) + ": address_business.street: " + contact.ErrFull.Error()
	if err == nil || err.Error() != want || !errors.Is(err, contact.ErrFull) {
		t.Fatalf("Run: %v, want the error %q", err, want)
	}
	if _, err := os.Stat(o.Out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the failed cycle wrote its output folder: %v", err)
	}
}

func writeText(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}
