package pst

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkReadFile reads the largest PST of the realworld set, and the one
// with the most contacts, end to end (open, folder tree, every contact).
func BenchmarkReadFile(b *testing.B) {
	_, files := realPSTs(b)
	var largest string
	var size int64
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && st.Size() > size {
			largest, size = f, st.Size()
		}
	}
	cases := []struct {
		name, path string
		opt        Options
	}{{"largest", largest, Options{}}}
	for _, f := range files {
		if filepath.Base(f) == "PersonalStorageFile1.pst" {
			cases = append(cases, struct {
				name, path string
				opt        Options
			}{"most-contacts", f, Options{Folder: "myInbox"}})
		}
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			st, err := os.Stat(c.path)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(st.Size())
			n := 0
			for b.Loop() {
				s, err := ReadFile(c.path, c.opt)
				if err != nil {
					b.Fatal(err)
				}
				n += len(s.Contacts) + len(s.Deleted)
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "contacts/s")
		})
	}
}
