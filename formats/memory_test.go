package formats_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"contactsync/engine/contact"
	"contactsync/fixtures"
	"contactsync/fixtures/synth"
	"contactsync/formats"
	"contactsync/formats/crmcsv"
)

// memContacts is how many contacts the memory test generates per side
// (the Outlook side of synth has about nine in ten of them).
const memContacts = 10_000

// readMemory is what reading one input cost: bytes allocated per contact
// (the garbage a read makes), and bytes still live per contact once the
// read ended, with the reader (streaming) or the table (the cycle's way).
type readMemory struct {
	n                int
	alloc, live      float64 // reading and dropping each record
	tableAlloc, kept float64 // reading into a contact.Table kept afterwards
}

// liveHeap is the heap in use after the garbage is collected.
func liveHeap() (live, total uint64) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc, m.TotalAlloc
}

// measureRead reads the input at path of format kind twice through the
// registry: once dropping every record (what the reader itself allocates,
// and what it holds at the end, before Close), once into a table of every
// field (what the cycle keeps per contact).
func measureRead(t *testing.T, kind, path string, o formats.Options) readMemory {
	t.Helper()
	f, ok := formats.Lookup(kind)
	if !ok {
		t.Fatalf("no format %q", kind)
	}
	var m readMemory
	read := func(add func(*contact.Contact)) (allocPer, livePer float64, keep any) {
		live0, total0 := liveHeap()
		r, err := f.Open(path, o)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		n := 0
		for {
			c, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", kind, err)
			}
			add(c)
			n++
		}
		live1, total1 := liveHeap()
		runtime.KeepAlive(r)
		r.Close()
		if m.n != 0 && n != m.n {
			t.Fatalf("%s: %d contacts, then %d", kind, m.n, n)
		}
		m.n = n
		if n == 0 {
			t.Fatalf("%s: no contacts read", kind)
		}
		return float64(total1-total0) / float64(n), (float64(live1) - float64(live0)) / float64(n), r
	}
	m.alloc, m.live, _ = read(func(*contact.Contact) {})
	fields := make([]contact.Field, contact.NumFields)
	for i := range fields {
		fields[i] = contact.Field(i)
	}
	tab := contact.NewTable(fields)
	m.tableAlloc, m.kept, _ = read(func(c *contact.Contact) { tab.Add(c) })
	runtime.KeepAlive(tab)
	return m
}

// TestReadMemory bounds what reading costs per contact, per format, on
// 10,000 generated contacts (the real stores for PST and .msg, which
// contactsync cannot write): the garbage a read makes per contact, what a
// streaming reader holds at the end of the input (nothing that grows with
// it), and what a table of the contacts keeps. The bounds are about twice
// the figures measured when the test was written (logged with -v), so a
// regression in per-contact memory fails make test; nothing is timed.
func TestReadMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 10,000 contacts per format")
	}
	dir := t.TempDir()
	s := synth.Generate(memContacts, 1, 0.8, 0.1)
	write := func(kind, path string) string {
		f, _ := formats.Lookup(kind)
		w, err := f.Create(path, formats.Options{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := formats.WriteAll(w, s.Outlook); err != nil {
			t.Fatal(err)
		}
		return path
	}
	crmDir := filepath.Join(dir, "crm")
	if err := crmcsv.WriteDump(crmDir, &crmcsv.Dump{Contacts: s.CRM, Accounts: s.Accounts}); err != nil {
		t.Fatal(err)
	}
	// .msg: copies of the real contact item.
	root, ok := fixtures.RealWorld()
	if !ok {
		t.Fatalf("real-world samples missing at %s", root)
	}
	outlookData := filepath.Join(root, "Aspose.Email-for-.NET", "Examples", "Data", "Outlook")
	msgDir := filepath.Join(dir, "msgs")
	raw, err := os.ReadFile(filepath.Join(outlookData, "Contact.msg"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(msgDir, 0o700); err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		if err := os.WriteFile(filepath.Join(msgDir, fmt.Sprintf("c%03d.msg", i)), raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	cases := []struct {
		kind, path string
		o          formats.Options
		// Bounds, bytes per contact: allocated reading, live at the end of
		// a streaming read; allocated reading into a table, kept by it.
		alloc, live, tableAlloc, kept float64
	}{
		// Measured: 443, 56; 741, 355 (9,005 contacts; the text read ahead
		// holds 3 x 64 KiB, see formats.Text.ReadAhead).
		{"csv", write("csv", filepath.Join(dir, "outlook.csv")), formats.Options{}, 600, 64, 1500, 720},
		// Measured: 614, 0; 1,059, 336 (9,005 contacts).
		{"vcf", write("vcf", filepath.Join(dir, "outlook.vcf")), formats.Options{}, 1250, 64, 2100, 720},
		// Measured: 496, 45; 998, 421 (10,000 contacts).
		{"crm", crmDir, formats.Options{}, 1000, 128, 2000, 850},
		// Measured: 74,444, 207; 74,983, 511 (200 files; what stays
		// is each file's hashed input).
		{"msg", msgDir, formats.Options{}, 150_000, 500, 150_000, 1000},
		// Measured: 7,851, 971; 8,530, 1,348 (72 contacts: the store's
		// folder tree and page cache are most of what stays).
		{"pst", filepath.Join(outlookData, "PersonalStorageFile1.pst"), formats.Options{Folder: "myInbox"}, 16_000, 2000, 17_000, 2700},
	}
	s = nil
	for _, c := range cases {
		t.Run(c.kind, func(t *testing.T) {
			m := measureRead(t, c.kind, c.path, c.o)
			t.Logf("%s: %d contacts; reading allocates %.0f B/contact and holds %.0f B/contact at the end; into a table %.0f B/contact allocated, %.0f kept",
				c.kind, m.n, m.alloc, m.live, m.tableAlloc, m.kept)
			if m.alloc > c.alloc {
				t.Errorf("%s: reading allocates %.0f bytes per contact, more than %.0f", c.kind, m.alloc, c.alloc)
			}
			if m.live > c.live {
				t.Errorf("%s: the reader holds %.0f bytes per contact read at the end of the input, more than %.0f: a streaming reader keeps nothing that grows with the input", c.kind, m.live, c.live)
			}
			if m.tableAlloc > c.tableAlloc {
				t.Errorf("%s: reading into a table allocates %.0f bytes per contact, more than %.0f", c.kind, m.tableAlloc, c.tableAlloc)
			}
			if m.kept > c.kept {
				t.Errorf("%s: a table keeps %.0f bytes per contact, more than %.0f", c.kind, m.kept, c.kept)
			}
		})
	}
}
