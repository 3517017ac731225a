package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"contactsync/cycle"
	"contactsync/engine/contact"
	"contactsync/fixtures/synth"
	"contactsync/formats/crmcsv"
	"contactsync/formats/outlookcsv"
)

// BenchmarkCycle measures whole cycles as the CLI runs them (read both
// exports, reconcile, write every output, commit the journal) against the
// targets of DESIGN §11 and issue 10: a first cycle of a million contacts
// a side within 15 s and 1.5 GiB, a second cycle with 1% changed within 8 s
// and 1 GiB, 100,000 a side within 200 MiB. It reports contacts/s and the
// peak resident memory of the cycle (VmHWM, reset before each run), with
// the collector set as the command sets it (setCollector).
// CONTACTSYNC_BENCH_SIZES sets the sizes, CONTACTSYNC_BENCH_MIX the sides'
// overlap and the share of linked contacts that differ.
func BenchmarkCycle(b *testing.B) {
	defer setCollector()() // as the command runs
	if p := os.Getenv("CONTACTSYNC_HEAP_PROFILE"); p != "" {
		afterPlan = func() {
			f, err := os.Create(p)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			runtime.GC()
			if err := pprof.WriteHeapProfile(f); err != nil {
				b.Fatal(err)
			}
		}
	}
	sizes := []int{100_000, 1_000_000}
	if s := os.Getenv("CONTACTSYNC_BENCH_SIZES"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(f)
			if err != nil {
				b.Fatalf("CONTACTSYNC_BENCH_SIZES: %v", err)
			}
			sizes = append(sizes, n)
		}
	}
	// The mix of the sides: the share of contacts on both sides (linked by
	// e-mail), and the share of those that differ in a field.
	overlap, diff := 0.8, 0.1
	if s := os.Getenv("CONTACTSYNC_BENCH_MIX"); s != "" {
		if _, err := fmt.Sscanf(s, "%g,%g", &overlap, &diff); err != nil || overlap < 0 || overlap > 1 || diff < 0 || diff > 1 {
			b.Fatalf("CONTACTSYNC_BENCH_MIX %q: want overlap,diff, two shares from 0 to 1 (default 0.8,0.1)", s)
		}
	}
	for _, n := range sizes {
		dir := b.TempDir()
		crmDir, olPath := filepath.Join(dir, "crm"), filepath.Join(dir, "outlook.csv")
		s := synth.Generate(n, 1, overlap, diff)
		if err := crmcsv.WriteDump(crmDir, &crmcsv.Dump{Contacts: s.CRM, Accounts: s.Accounts}); err != nil {
			b.Fatal(err)
		}
		if _, err := outlookcsv.WriteFile(olPath, s.Outlook, nil, outlookcsv.Options{}); err != nil {
			b.Fatal(err)
		}
		s = nil
		t1 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
		opts := func(journal, crm, ol, out string) cycle.Options {
			o, err := benchOptions(journal, crm, ol, out, t1)
			if err != nil {
				b.Fatal(err)
			}
			return o
		}
		var firstJournal, firstOut string
		b.Run(fmt.Sprintf("first/%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				firstJournal = filepath.Join(dir, fmt.Sprintf("j%d.db", i))
				firstOut = filepath.Join(dir, fmt.Sprintf("out%d", i))
				var res *cycle.Result
				o := opts(firstJournal, crmDir, olPath, firstOut)
				measure(b, 2*n, func() {
					var err error
					if res, err = cycle.Run(context.Background(), o); err != nil {
						b.Fatal(err)
					}
				})
				o.Progress.(*benchPhases).report(b)
				reportOutputSizes(b, firstOut)
				reportJournalSize(b, firstJournal, 0, len(res.Plan.Links))
			}
		})
		if firstJournal == "" {
			continue
		}
		// Import the first cycle's outputs, then change 1% of the contacts
		// in Outlook.
		crm2, ol2 := filepath.Join(dir, "crm2"), filepath.Join(dir, "outlook2.csv")
		if _, err := cycle.SimulateCRM(crmDir, firstOut, crm2, t1.Add(time.Hour)); err != nil {
			b.Fatal(err)
		}
		snap, err := outlookcsv.ReadFile(filepath.Join(firstOut, "outlook", "contacts.csv"), outlookcsv.Options{})
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < len(snap.Contacts); i += 100 {
			snap.Contacts[i].Values[contact.JobTitle] += " (edited)"
		}
		if _, err := outlookcsv.WriteFile(ol2, snap.Contacts, snap, outlookcsv.Options{}); err != nil {
			b.Fatal(err)
		}
		snap = nil
		b.Run(fmt.Sprintf("second-1pct/%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				j := filepath.Join(dir, fmt.Sprintf("j2-%d.db", i))
				if err := copyFile(j, firstJournal); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				before := fileSize(j)
				var res *cycle.Result
				o := opts(j, crm2, ol2, filepath.Join(dir, fmt.Sprintf("out2-%d", i)))
				o.OutlookOpts.ExportedAt = t1.Add(24 * time.Hour)
				measure(b, 2*n, func() {
					var err error
					if res, err = cycle.Run(context.Background(), o); err != nil {
						b.Fatal(err)
					}
				})
				o.Progress.(*benchPhases).report(b)
				reportJournalSize(b, j, before, len(res.Plan.Links))
				reportOutputSizes(b, filepath.Join(dir, fmt.Sprintf("out2-%d", i)))
			}
		})
	}
}

// afterPlan, when the heap profile is asked for, writes it once the plan
// is made.
var afterPlan func()

func benchOptions(journal, crm, ol, out string, exported time.Time) (cycle.Options, error) {
	o := cycle.Options{Journal: journal, CRM: crm, Outlook: ol, Out: out, Flags: map[string]string{}, AfterPlan: afterPlan, Progress: &benchPhases{}}
	o.Policy.User = "U6UJ9A00000D"
	o.Policy.MaxDeletePercent, o.Policy.MaxDeleteMin = 10, 5
	o.OutlookOpts.ExportedAt = exported
	return o, nil
}

// measure runs f, then reports contacts/s, the peak resident memory and
// that peak per contact (contacts counts both sides): memory is to grow
// linearly, so bytes per contact stay flat from 100,000 to a million. The
// benchmark's timer runs during f alone.
//
// The files the benchmark just wrote (the exports it generated, and before
// a second cycle the first cycle's outputs and the exports made from
// them: gigabytes at a million) are flushed to the disk before the clock
// starts: a real cycle reads exports written long before it, and the
// kernel writing the benchmark's own files back while the cycle runs
// took a core from it (about a second of a first cycle at a million).
func measure(b *testing.B, contacts int, f func()) {
	b.StopTimer() // the benchmark's time (ns/op) is the cycle's alone
	runtime.GC()
	debug.FreeOSMemory()
	flushFiles()
	resetPeakRSS()
	b.StartTimer()
	start := time.Now()
	f()
	el := time.Since(start)
	b.StopTimer()
	defer b.StartTimer()
	b.ReportMetric(float64(contacts)/el.Seconds(), "contacts/s")
	if hwm := peakRSS(); hwm > 0 {
		b.ReportMetric(float64(hwm)/(1<<20), "peak-MiB")
		b.ReportMetric(float64(hwm)/float64(contacts), "B/contact")
	}
}

// reportOutputSizes reports the size of the files people read: they must
// stay readable at any size (report.html under 10 MB at a million).
func reportOutputSizes(b *testing.B, out string) {
	for _, f := range []struct{ name, unit string }{{"report.html", "report-KB"}, {"plan.txt", "plantxt-KB"}, {"plan.json", "planjson-KB"}} {
		if st, err := os.Stat(filepath.Join(out, f.name)); err == nil {
			b.ReportMetric(float64(st.Size())/1000, f.unit)
		}
	}
}

// reportJournalSize reports the journal's bytes per open link after a
// cycle (DESIGN §11: at most 500 after the first), and the megabytes the
// cycle added (before: the size it started from; 0 for the first cycle).
func reportJournalSize(b *testing.B, path string, before int64, links int) {
	size := fileSize(path)
	if size <= 0 || links == 0 {
		return
	}
	b.ReportMetric(float64(size)/float64(links), "journal-B/link")
	if before > 0 {
		b.ReportMetric(float64(size-before)/1e6, "journal-added-MB")
	}
}

// fileSize is the size of a file with its SQLite -wal, 0 when missing.
func fileSize(path string) int64 {
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		if st, err := os.Stat(p); err == nil {
			n += st.Size()
		}
	}
	return n
}

// benchPhases times a cycle's phases (reading, reconciling, writing,
// committing), so that the benchmark says where a cycle's time went.
type benchPhases struct {
	what  string
	start time.Time
	took  []phaseTime
}

type phaseTime struct {
	what string // the phase's first word
	took time.Duration
}

func (p *benchPhases) Phase(what string, _ int, _ string) { p.begin(what) }
func (p *benchPhases) PhaseBytes(what string, _ int64)    { p.begin(what) }
func (p *benchPhases) End()                               { p.begin("") }
func (p *benchPhases) Cancel()                            { p.what = "" }

func (p *benchPhases) begin(what string) {
	now := time.Now()
	if p.what != "" {
		p.took = append(p.took, phaseTime{p.what, now.Sub(p.start)})
	}
	p.what, p.start = "", now
	if w, _, _ := strings.Cut(what, " "); w != "" {
		p.what = w
	}
}

// report reports each phase's seconds ("reading-s", ...).
func (p *benchPhases) report(b *testing.B) {
	for _, t := range p.took {
		b.ReportMetric(t.took.Seconds(), t.what+"-s")
	}
}

// flushFiles writes the system's dirty file pages to the disk (sync(1);
// where there is none, nothing is flushed).
func flushFiles() { _ = exec.Command("sync").Run() }

// resetPeakRSS resets VmHWM (Linux: writing 5 to /proc/self/clear_refs).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS returns VmHWM in bytes, 0 where /proc is missing.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// copyFile copies a file without holding it in memory (the first cycle's
// journal is close to a gigabyte at a million contacts).
func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
