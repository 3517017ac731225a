package cycle

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"contactsync/engine"
	"contactsync/fixtures/synth"
	"contactsync/formats/crmcsv"
	"contactsync/formats/outlookcsv"
)

// BenchmarkOutputs measures the "writing the outputs" phase of a first
// cycle alone: the plan is made once, then every output file is written
// (CONTACTSYNC_BENCH_OUTPUTS contacts a side, 100,000 unless set). It
// reports the megabytes written per second and the heap the phase
// allocates (-benchmem).
func BenchmarkOutputs(b *testing.B) {
	n := benchSize(b, "CONTACTSYNC_BENCH_OUTPUTS", 100_000)
	dir := b.TempDir()
	r, plan := firstPlan(b, dir, n, 1, 0.1)
	o := *r.o
	runtime.GC()
	b.ResetTimer()
	var bytes int64
	for i := 0; i < b.N; i++ {
		o := o
		o.Out = filepath.Join(dir, fmt.Sprintf("out%d", i))
		dups := r.dups // the outputs let go of its records
		w, err := writeOutputs(o, outputSet{plan: plan, dump: r.dump, ol: r.ol, mode: r.mode, rejected: r.rejected(), dups: &dups, res: r.res})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		for _, h := range w.hashes {
			bytes += h.Size
		}
		os.RemoveAll(o.Out)
		b.StartTimer()
	}
	b.ReportMetric(float64(bytes)/1e6/b.Elapsed().Seconds(), "MB/s")
}

// firstPlan makes the plan of a first cycle of synthetic sides (see
// writeSides), its journal and outputs in dir, as Run does up to its
// outputs: the run (its Options, its sides) and the plan. The staging
// folder the plan made is dropped: each write of the outputs makes its
// own. The journal is closed when tb ends.
func firstPlan(tb testing.TB, dir string, n int, seed int64, diff float64) (*run, *engine.Plan) {
	tb.Helper()
	crmDir, olPath := writeSides(tb, dir, n, seed, diff)
	t1 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	o := Options{Journal: filepath.Join(dir, "j.db"), CRM: crmDir, Outlook: olPath, Out: filepath.Join(dir, "out"),
		Policy: engine.DefaultPolicy("U6UJ9A00000D"), Flags: map[string]string{}, Now: func() time.Time { return t1 }}
	o.Policy.MaxDeletePercent, o.Policy.MaxDeleteMin = 10, 5
	o.OutlookOpts.ExportedAt = t1
	o.chainOK, o.chain = true, "no earlier cycles"
	r := &run{o: &o, started: t1, pg: progressOf(nil)}
	if _, err := r.openJournal(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { r.j.Close() })
	if err := r.prepare(); err != nil {
		tb.Fatal(err)
	}
	plan, err := r.plan()
	if err != nil {
		tb.Fatal(err)
	}
	r.stage.drop()
	return r, plan
}

// writeSides writes the synthetic sides of n contacts (synth.Generate
// with seed, 80% on both sides, diff of those differing) into dir: a CRM
// dump and an Outlook CSV export, whose paths it returns.
func writeSides(tb testing.TB, dir string, n int, seed int64, diff float64) (crmDir, olPath string) {
	tb.Helper()
	crmDir, olPath = filepath.Join(dir, "crm"), filepath.Join(dir, "outlook.csv")
	s := synth.Generate(n, seed, 0.8, diff)
	if err := crmcsv.WriteDump(crmDir, &crmcsv.Dump{Contacts: s.CRM, Accounts: s.Accounts}); err != nil {
		tb.Fatal(err)
	}
	if _, err := outlookcsv.WriteFile(olPath, s.Outlook, nil, outlookcsv.Options{}); err != nil {
		tb.Fatal(err)
	}
	return crmDir, olPath
}

// benchSize is the number of contacts a side a benchmark of this package
// makes: the environment variable env's, else def.
func benchSize(b *testing.B, env string, def int) int {
	s := os.Getenv(env)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		b.Fatalf("%s: %v", env, err)
	}
	return n
}
