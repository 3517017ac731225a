package engine

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"contactsync/engine/contact"
	"contactsync/fixtures/synth"
)

// BenchmarkReconcile measures the reconciling phase as a cycle runs it: both
// sides as tables that share one string pool (as the readers give them),
// the Outlook export keyless with its export time (a CSV), and for the
// second cycle a state that carries each link's BaseSum only (as the
// journal loads it), the first cycle's outputs imported and 1% of the
// Outlook contacts edited. It reports the live heap the plan holds
// (plan-MB) and per link (plan-B/link). CONTACTSYNC_BENCH_SIZES sets the
// sizes (default 100,000 and 1,000,000 a side).
func BenchmarkReconcile(b *testing.B) {
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
	exported := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for _, n := range sizes {
		s := synth.Generate(n, 1, 0.8, 0.1)
		p := DefaultPolicy("U1")
		for i := range s.Outlook {
			s.Outlook[i].Modified = exported
		}
		crm := CRMInput{Accounts: s.Accounts}
		ol := OutlookInput{}
		crm.Table, ol.Table = benchTables(p, s.CRM, s.Outlook)
		var first *Plan
		b.Run(fmt.Sprintf("first/%d", n), func(b *testing.B) {
			b.StopTimer()
			for i := 0; i < b.N; i++ {
				first = nil
				before := heapInUse()
				b.StartTimer()
				var err error
				if first, err = Reconcile(State{}, crm, ol, p); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				reportPlanHeap(b, before, first)
			}
			b.ReportMetric(float64(2*n*b.N)/b.Elapsed().Seconds(), "contacts/s")
		})
		if first == nil { // the first cycle's benchmark was not asked for
			var err error
			if first, err = Reconcile(State{}, crm, ol, p); err != nil {
				b.Fatal(err)
			}
		}
		// The second cycle: the first one's outputs imported, then 1% of
		// the Outlook contacts edited.
		folder := first.Outlook.FolderOf(s.Outlook)
		for i := 0; i < len(folder); i += 100 {
			folder[i].Values[contact.JobTitle] += " (edited)"
			folder[i].Modified = exported.Add(24 * time.Hour)
		}
		crm2 := benchImportCRM(s.CRM, first)
		st, _ := benchState(1, first, nil)
		first = nil
		crmIn := CRMInput{Accounts: s.Accounts}
		olIn := OutlookInput{}
		crmIn.Table, olIn.Table = benchTables(p, crm2, folder)
		s, folder, crm2 = nil, nil, nil
		b.Run(fmt.Sprintf("second-1pct/%d", n), func(b *testing.B) {
			b.StopTimer()
			for i := 0; i < b.N; i++ {
				before := heapInUse()
				b.StartTimer()
				plan, err := Reconcile(st, crmIn, olIn, p)
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if plan.Counts.OutlookUpdated+plan.Counts.CRMUpdated == 0 {
					b.Fatalf("the second cycle changed nothing: %+v", plan.Counts)
				}
				reportPlanHeap(b, before, plan)
			}
			b.ReportMetric(float64(2*n*b.N)/b.Elapsed().Seconds(), "contacts/s")
		})
	}
}

// benchTables returns the tables of both sides, sharing a pool, as the
// readers make them.
func benchTables(p Policy, crm, ol []contact.Contact) (ct, ot *contact.Table) {
	pool := contact.NewStrings()
	fields := TableFields(p)
	ct, ot = contact.NewTableIn(pool, fields), contact.NewTableIn(pool, fields)
	for _, x := range []struct {
		t  *contact.Table
		cs []contact.Contact
	}{{ct, crm}, {ot, ol}} {
		x.t.Grow(len(x.cs))
		for i := range x.cs {
			x.t.Add(&x.cs[i])
		}
		x.t.Clip()
	}
	return ct, ot
}

// benchImportCRM is the CRM dump after the plan's CRM files are imported:
// the updates applied, the new contacts appended with ids of their own.
func benchImportCRM(cs []contact.Contact, plan *Plan) []contact.Contact {
	out := append([]contact.Contact(nil), cs...)
	at := make(map[string]int, len(out))
	for i := range out {
		at[out[i].Key] = i
	}
	for _, u := range plan.CRM.Updates.Contacts() {
		if i, ok := at[u.Key]; ok {
			for _, f := range DefaultMapping {
				out[i].Values[f] = u.Values[f]
			}
		}
	}
	for k, c := range plan.CRM.New.Contacts() {
		c.Key = fmt.Sprintf("N%011d", k)
		if c.CRM.AccountID == "" {
			c.CRM.AccountID = "NEWACCOUNT"
		}
		out = append(out, c)
	}
	return out
}

// benchState is the state the journal gives after committing plan p,
// cycle n: its links without their bases, which the bases it returns
// give by id, as the journal does (a link p did not rewrite keeps its base
// of earlier, the bases of the cycle before).
func benchState(n int, p *Plan, earlier benchBases) (State, benchBases) {
	bases := benchBases{}
	st := State{Cycle: n, User: "U1", Mapping: p.Mapping, NextLinkID: p.NextLinkID, Bases: bases}
	for _, l := range p.Links {
		bases[l.ID] = earlier[l.ID]
		if l.HasBase() {
			bases[l.ID] = string(l.AppendPacked(nil))
		}
		l := l.Link
		l.DropBase()
		st.Links = append(st.Links, l)
	}
	return st, bases
}

// benchBases gives the bases of a sums-only state, as the journal does.
type benchBases map[int64]string

func (bs benchBases) Bases(ids []int64) ([]*contact.Values, error) {
	out := make([]*contact.Values, len(ids))
	for i, id := range ids {
		v, err := UnpackValues(bs[id])
		if err != nil {
			return nil, fmt.Errorf("link %d: %w", id, err)
		}
		out[i] = v
	}
	return out, nil
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// reportPlanHeap reports the live heap the plan holds: what is in use with
// it alive, less what was before it was made (the inputs).
func reportPlanHeap(b *testing.B, before uint64, plan *Plan) {
	now := heapInUse()
	if path := os.Getenv("CONTACTSYNC_HEAP_PROFILE"); path != "" {
		f, err := os.Create(path + "-" + strings.ReplaceAll(b.Name(), "/", "-"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		if err := pprof.WriteHeapProfile(f); err != nil {
			b.Fatal(err)
		}
	}
	runtime.KeepAlive(plan)
	mb := (float64(now) - float64(before)) / 1e6
	b.ReportMetric(mb, "plan-MB")
	if n := len(plan.Links); n > 0 {
		b.ReportMetric(mb*1e6/float64(n), "plan-B/link")
	}
}

// BenchmarkFindDuplicates measures the likely-duplicates search of one
// side of 100,000 contacts (a table, as a cycle gives it), digits only.
func BenchmarkFindDuplicates(b *testing.B) {
	s := synth.Generate(100_000, 1, 0.8, 0.1)
	ct, _ := benchTables(DefaultPolicy("U1"), s.CRM, nil)
	s = nil
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		groups := FindDuplicates(ct, DuplicateOptions{})
		if len(groups) == 0 {
			b.Fatal("no groups")
		}
	}
	b.ReportMetric(float64(ct.Len()*b.N)/b.Elapsed().Seconds(), "contacts/s")
}
