package crmcsv

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"contactsync/engine/contact"
)

// benchDump writes a dump of n contacts in the fixture's layout.
func benchDump(b *testing.B, n int) (dir string, size int64) {
	b.Helper()
	dir = b.TempDir()
	buf := startFile(defaultContactHeader)
	for i := range n {
		buf = appendRecord(buf, []string{
			fmt.Sprintf("CBNCH%07d", i), fmt.Sprintf("ABNCH%07d", i%1000), fmt.Sprintf("Company %d", i%1000),
			fmt.Sprintf("Last%d", i), "Zoë", "", "", "", "Buyer", "Purchasing",
			fmt.Sprintf("person%d@example.com", i), "", "(206) 555-0100", "(206) 555-0101", "", "",
			"1200 Harbor Avenue", "Suite 400", "", "Seattle", "WA", "98101", "USA",
			contact.Everyone, "U6UJ9A00000D", "2023-01-01 08:00:00", "2025-04-22 11:39:27",
		})
	}
	if err := os.WriteFile(filepath.Join(dir, ContactsFile), buf, 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, AccountsFile), []byte(okAccounts), 0o644); err != nil {
		b.Fatal(err)
	}
	return dir, int64(len(buf))
}

func BenchmarkReadDir(b *testing.B) {
	const n = 20000
	dir, size := benchDump(b, n)
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		if _, err := ReadDir(dir); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "contacts/s")
}

func BenchmarkApplyWriteDump(b *testing.B) {
	const n = 20000
	dir, size := benchDump(b, n)
	d, err := ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	// 1% updated: what a second cycle's simulate does.
	ch := &Changes{Fields: []contact.Field{contact.JobTitle, contact.PhoneMobile}}
	for i := 0; i < n; i += 100 {
		u := d.Contacts[i].Clone()
		u.Values[contact.JobTitle] = "Senior Buyer"
		ch.Updates = append(ch.Updates, u)
	}
	out := b.TempDir()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		next, err := Apply(d, ch, now)
		if err != nil {
			b.Fatal(err)
		}
		if err := WriteDump(out, next); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "contacts/s")
}
