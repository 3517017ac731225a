package cycle

import (
	"runtime"
	"testing"
	"time"

	"contactsync/engine"
)

// BenchmarkReadSides measures the "reading" phase of a first cycle alone:
// both sides of CONTACTSYNC_BENCH_READ contacts (100,000 unless set) read
// into their tables, as a cycle reads them ("cycle": a side still reading
// once the other is done splits its work, see tableAdder) and with each
// record added as it comes ("inline").
func BenchmarkReadSides(b *testing.B) {
	n := benchSize(b, "CONTACTSYNC_BENCH_READ", 100_000)
	crmDir, olPath := writeSides(b, b.TempDir(), n, 1, 0.02)
	o := Options{CRM: crmDir, Outlook: olPath, Policy: engine.DefaultPolicy("U6UJ9A00000D"), Flags: map[string]string{}}
	o.OutlookOpts.ExportedAt = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for _, bc := range []struct {
		name  string
		tasks func() *cores
	}{{"cycle", func() *cores { return newCores(2) }}, {"inline", func() *cores { return nil }}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				runtime.GC()
				b.StartTimer()
				r, err := readWith(o, bc.tasks())
				if err != nil {
					b.Fatal(err)
				}
				if r.crmTable.Len() != n {
					b.Fatalf("%d CRM records, want %d", r.crmTable.Len(), n)
				}
			}
			b.ReportMetric(float64(2*n)/b.Elapsed().Seconds()*float64(b.N), "records/s")
		})
	}
}
