package audit

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"contactsync/journal"
)

// countingWriter counts the bytes an export writes.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countingWriter)(nil)

// BenchmarkExport exports a cycle of 100,000 changes in each format, and
// as the HTML report.
func BenchmarkExport(b *testing.B) {
	j, err := journal.Open(filepath.Join(b.TempDir(), "j.db"), journal.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	if err := j.Commit(benchPlan(benchLinks), info(1)); err != nil {
		b.Fatal(err)
	}
	for _, format := range []string{"csv", "json", "html"} {
		b.Run(format, func(b *testing.B) {
			var w countingWriter
			for i := 0; i < b.N; i++ {
				var err error
				if format == "html" {
					err = WriteReport(&w, j, 0)
				} else {
					err = Export(&w, j, format, 0)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(w.n / int64(b.N))
			b.ReportMetric(float64(benchLinks*b.N)/b.Elapsed().Seconds(), "changes/s")
		})
	}
}

// BenchmarkWordDiff diffs a 3 KB note with a word changed in every line.
func BenchmarkWordDiff(b *testing.B) {
	var old, new strings.Builder
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&old, "Line %d: called about the order of week %d, will call back.\n", i, i)
		fmt.Fprintf(&new, "Line %d: called about the invoice of week %d, will call back.\n", i, i)
	}
	d := newWordDiffer()
	b.SetBytes(int64(old.Len() + new.Len()))
	for i := 0; i < b.N; i++ {
		if spans := d.diff(old.String(), new.String()); len(spans) < 60 {
			b.Fatalf("diff has %d spans", len(spans))
		}
	}
}
