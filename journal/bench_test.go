package journal

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"contactsync/engine"
	"contactsync/engine/contact"
)

const benchLinks = 100_000

// benchPlan is a first cycle that creates n links with realistic bases:
// a dozen filled fields, a multi-line street, and pending work on one side.
func benchPlan(n int) *engine.Plan {
	p := &engine.Plan{Cycle: 1, User: "U1", Mapping: engine.MappingText(engine.DefaultMapping),
		Prefer: engine.CRM, Direction: engine.Both, NextLinkID: int64(n) + 1}
	p.Links = make([]engine.LinkState, n)
	for i := range p.Links {
		id := int64(i + 1)
		l := &p.Links[i].Link
		p.Links[i].Changed = true
		l.ID = id
		l.CRMID = fmt.Sprintf("C6UJ9A%06d", i)
		l.OutlookKey = engine.SyncKey(id)
		l.Base = &contact.Values{}
		v := l.Base
		v[contact.First] = fmt.Sprintf("First%d", i)
		v[contact.Last] = fmt.Sprintf("Lastname%d", i%5000)
		v[contact.Company] = fmt.Sprintf("Company %d GmbH", i%20000)
		v[contact.JobTitle] = "Head of Purchasing"
		v[contact.Department] = "Procurement"
		v[contact.Email1] = fmt.Sprintf("first%d.last@company%d.example", i, i%20000)
		v[contact.PhoneBusiness] = fmt.Sprintf("+49 89 %07d", i)
		v[contact.PhoneMobile] = fmt.Sprintf("+49 170 %07d", i)
		v[contact.BusinessStreet] = fmt.Sprintf("Hauptstraße %d\nGebäude B", i%300)
		v[contact.BusinessCity] = "München"
		v[contact.BusinessPostalCode] = fmt.Sprintf("80%03d", i%1000)
		v[contact.BusinessCountry] = "Germany"
		// As the engine gives a base it made: packed, with its sum.
		l.SetPacked(v)
		l.SetPendingOutlook(engine.Pending{Op: engine.OpCreate})
		p.Changes = append(p.Changes, engine.Change{Link: id, Side: engine.Outlook, Op: engine.OpCreate,
			New: v[contact.First] + " " + v[contact.Last], Rule: engine.RuleNewInCRM, Name: v[contact.First] + " " + v[contact.Last]})
	}
	p.Counts.Links, p.Counts.OutlookCreated = n, n
	return p
}

// BenchmarkCommit commits a first cycle of 100,000 new links (one change
// each) into a new journal, and reports the staging and the commit apart
// (the cycle stages beside its outputs and commits after them) and the
// journal's size per link.
func BenchmarkCommit(b *testing.B) {
	p := benchPlan(benchLinks)
	dir := b.TempDir()
	var stage, commit, stageCPU, commitCPU time.Duration
	var size int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		path := filepath.Join(dir, fmt.Sprintf("j%d.db", i))
		j, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0, c0 := time.Now(), cpuTime()
		s, err := j.Stage(context.Background(), p, info(1))
		if err != nil {
			b.Fatal(err)
		}
		t1, c1 := time.Now(), cpuTime()
		if err := s.Commit(nil); err != nil {
			b.Fatal(err)
		}
		stage, commit = stage+t1.Sub(t0), commit+time.Since(t1)
		stageCPU, commitCPU = stageCPU+c1-c0, commitCPU+cpuTime()-c1
		b.StopTimer()
		j.Close()
		size = fileSize(b, path)
		b.StartTimer()
	}
	b.ReportMetric(float64(benchLinks*b.N)/b.Elapsed().Seconds(), "links/s")
	b.ReportMetric(stage.Seconds()/float64(b.N), "stage-s")
	b.ReportMetric(commit.Seconds()/float64(b.N), "commit-s")
	b.ReportMetric(stageCPU.Seconds()/float64(b.N), "stage-cpu-s")
	b.ReportMetric(commitCPU.Seconds()/float64(b.N), "commit-cpu-s")
	b.ReportMetric(float64(size)/benchLinks, "B/link")
}

// fileSize is the size of the journal at path with its WAL, if any.
func fileSize(b *testing.B, path string) int64 {
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		st, err := os.Stat(p)
		if err == nil {
			n += st.Size()
		}
	}
	return n
}

// BenchmarkLoad loads 100,000 open links.
func BenchmarkLoad(b *testing.B) {
	j, err := Open(filepath.Join(b.TempDir(), "j.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	if err := j.Commit(benchPlan(benchLinks), info(1)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var held uint64
	for i := 0; i < b.N; i++ {
		var before, after runtime.MemStats
		b.StopTimer()
		j.loaded = nil
		runtime.GC()
		runtime.ReadMemStats(&before)
		b.StartTimer()
		st, err := j.Load()
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		held = after.HeapAlloc - before.HeapAlloc
		b.StartTimer()
		if len(st.Links) != benchLinks {
			b.Fatalf("loaded %d links, want %d", len(st.Links), benchLinks)
		}
		runtime.KeepAlive(st)
	}
	b.ReportMetric(float64(benchLinks*b.N)/b.Elapsed().Seconds(), "links/s")
	// What the state and the journal's note of it hold per link.
	b.ReportMetric(float64(held)/benchLinks, "held-B/link")
}

// BenchmarkVerify verifies a journal of 100,000 links.
func BenchmarkVerify(b *testing.B) {
	j, err := Open(filepath.Join(b.TempDir(), "j.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	if err := j.Commit(benchPlan(benchLinks), info(1)); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := j.Verify(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchLinks*b.N)/b.Elapsed().Seconds(), "links/s")
}

// BenchmarkCommitSecond commits a second cycle over 100,000 links in which
// 1% of the bases changed and every pending import of the first arrived:
// the rows of the changed links are rewritten (their old versions kept),
// the others left alone.
func BenchmarkCommitSecond(b *testing.B) {
	p1 := benchPlan(benchLinks)
	dir := b.TempDir()
	first := filepath.Join(dir, "first.db")
	j, err := Open(first, Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := j.Commit(p1, info(1)); err != nil {
		b.Fatal(err)
	}
	j.Close()
	var cpu time.Duration
	p2 := &engine.Plan{Cycle: 2, User: p1.User, Mapping: p1.Mapping, Prefer: p1.Prefer, Direction: p1.Direction, NextLinkID: p1.NextLinkID}
	p2.Links = make([]engine.LinkState, len(p1.Links))
	for i := range p1.Links {
		l := p1.Links[i].Link
		l.SetPending(engine.Pending{}, engine.Pending{})
		l.DropBase()
		p2.Links[i] = engine.LinkState{Link: l, Changed: true}
		if i%100 == 0 {
			old := p1.Links[i].Values()
			v := *old
			v[contact.JobTitle] += " (edited)"
			p2.Links[i].SetPacked(&v)
			p2.Changes = append(p2.Changes, engine.Change{Link: l.ID, Side: engine.CRM, Op: engine.OpUpdate, Field: "job_title",
				Old: old[contact.JobTitle], New: v[contact.JobTitle], Rule: engine.RuleChangedInOutlook, Name: v[contact.First]})
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		path := filepath.Join(dir, fmt.Sprintf("j%d.db", i))
		if err := copyFile(path, first); err != nil {
			b.Fatal(err)
		}
		j, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := j.Load(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		c0 := cpuTime()
		if err := j.Commit(p2, info(2)); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - c0
		b.StopTimer()
		j.Close()
		b.StartTimer()
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "commit-cpu-s")
}

func copyFile(dst, src string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o600)
}
