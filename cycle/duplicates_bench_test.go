//go:build unix

package cycle

import (
	"io"
	"runtime"
	"syscall"
	"testing"
	"time"

	"contactsync/engine"
	"contactsync/engine/contact"
	"contactsync/fixtures/synth"
	"contactsync/formats/phone"
)

// BenchmarkSideDuplicates measures what a cycle spends on likely
// duplicates, the two halves apart: the search of both sides (as the
// cycle runs it, phone numbers in E.164) and writing duplicates.csv.
// CONTACTSYNC_BENCH_DUPS contacts a side (200,000 unless set), the
// benchmark's synthetic sides (2% differing); it reports the rows written.
func BenchmarkSideDuplicates(b *testing.B) {
	n := benchSize(b, "CONTACTSYNC_BENCH_DUPS", 200_000)
	s := synth.Generate(n, 1, 0.8, 0.02)
	pool := contact.NewStrings()
	fields := engine.TableFields(engine.DefaultPolicy("U6UJ9A00000D"))
	crm, ol := contact.NewTableIn(pool, fields), contact.NewTableIn(pool, fields)
	for _, x := range []struct {
		t  *contact.Table
		cs []contact.Contact
	}{{crm, s.CRM}, {ol, s.Outlook}} {
		for i := range x.cs {
			x.cs[i].Line = i + 2
			if err := x.t.Add(&x.cs[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
	s = nil
	runtime.GC()
	norm := &phone.Normalizer{}
	d := findSideDuplicates(crm, ol, norm, false)
	if d.empty() {
		b.Fatal("no duplicates")
	}
	b.Run("search", func(b *testing.B) {
		cpu := cpuTime(b)
		for range b.N {
			d = findSideDuplicates(crm, ol, norm, false)
		}
		b.ReportMetric((cpuTime(b)-cpu)/float64(b.N), "cpu-s/op")
	})
	b.Run("csv", func(b *testing.B) {
		cpu := cpuTime(b)
		for range b.N {
			if err := d.writeCSV(io.Discard); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric((cpuTime(b)-cpu)/float64(b.N), "cpu-s/op")
		b.ReportMetric(float64(d.CRM.Members()+d.Outlook.Members()), "rows")
	})
}

// cpuTime is the CPU time the process has used, in seconds (user and
// system, every thread: the search's two goroutines and the collector's):
// on a shared machine a steadier measure than the time that passed.
func cpuTime(b *testing.B) float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
