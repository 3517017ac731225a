package engine

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"contactsync/engine/contact"
)

// The property tests: over many seeded random scenarios (deterministic, so
// a failure names its seed and replays exactly), a cycle is a pure,
// deterministic function, and once its outputs are imported on both sides
// the next cycle has nothing left to do, round after round of random edits.

const propertySeeds = 100

var (
	genFirst   = []string{"Ann", "Bob", "Cy", "Dee", "Eve", "Zoë", "Jürgen", "Øyvind", "Lee", "María"}
	genLast    = []string{"Lee", "Ray", "Doe", "Núñez", "Øster", "Hogan", "Fox", "Gray", "lee"}
	genCompany = []string{"", "Acme", "Globex", "Initech", "Fjord AS", "Umbrella", "Acme"}
	genValue   = []string{"", "1", "2", "+47 22 00 00 00", "Sales", "CEO", "Gate 1\nPostboks 7", "Oslo", "\"quoted\", comma"}
	genDomain  = []string{"acme.example", "globex.example", "mail.example"}
)

type gen struct {
	r   *rand.Rand
	seq int
}

func (g *gen) pick(vs []string) string { return vs[g.r.Intn(len(vs))] }
func (g *gen) chance(p float64) bool   { return g.r.Float64() < p }

func (g *gen) email(first string) string {
	g.seq++
	return fmt.Sprintf("%s.%d@%s", strings.ToLower(first), g.seq, g.pick(genDomain))
}

// when returns a modification time near now, or (rarely) an unknown one.
func (g *gen) when(now time.Time, unknown float64) time.Time {
	if g.chance(unknown) {
		return time.Time{}
	}
	return now.Add(time.Duration(g.r.Intn(120)-60) * time.Minute)
}

// person makes the values of a random contact.
func (g *gen) person() contact.Values {
	var v contact.Values
	v[contact.First], v[contact.Last] = g.pick(genFirst), g.pick(genLast)
	v[contact.Company] = g.pick(genCompany)
	if !g.chance(0.1) {
		v[contact.Email1] = g.email(v[contact.First])
	}
	if g.chance(0.2) {
		v[contact.Email2] = g.email(v[contact.Last])
	}
	for _, f := range []contact.Field{contact.PhoneBusiness, contact.JobTitle, contact.BusinessStreet, contact.BusinessCity} {
		if g.chance(0.5) {
			v[f] = g.pick(genValue)
		}
	}
	return v
}

// vary returns v as the other side might hold it: another case of the
// address, another phone, a missing title.
func (g *gen) vary(v contact.Values) contact.Values {
	if g.chance(0.3) {
		v[contact.Email1] = strings.ToUpper(v[contact.Email1])
	}
	if g.chance(0.3) {
		v[contact.PhoneBusiness] = g.pick(genValue)
	}
	if g.chance(0.2) {
		v[contact.JobTitle] = ""
	}
	return v
}

// scenario builds a first-cycle world: people on one side or both, some
// sharing an address, some outside the sync group, duplicates in Outlook.
func (g *gen) scenario(t *testing.T) *world {
	crm := CRMInput{HasSyncGroup: true, Accounts: []contact.Account{
		{ID: "AACME0000001", Name: "Acme"}, {ID: "AGLOBEX00001", Name: "Globex"},
		{ID: "AGLOBEX00002", Name: "Globex"}, {ID: "AFJORD000001", Name: "Fjord AS"},
	}}
	var ol OutlookInput
	var people []contact.Values
	for range 8 + g.r.Intn(16) {
		v := g.person()
		if len(people) > 0 && g.chance(0.1) {
			v[contact.Email1] = people[g.r.Intn(len(people))][contact.Email1]
		}
		people = append(people, v)
		onCRM, onOL := g.chance(0.7), g.chance(0.7)
		if !onCRM && !onOL {
			onOL = true
		}
		if onCRM {
			g.seq++
			c := contact.Contact{Key: fmt.Sprintf("C%011d", g.seq), Values: v, Modified: g.when(t0, 0)}
			crm.Contacts = append(crm.Contacts, c)
			if g.chance(0.85) {
				crm.SyncGroup = append(crm.SyncGroup, c.Key)
			}
		}
		if onOL {
			ol.Contacts = append(ol.Contacts, contact.Contact{Values: g.vary(v), Modified: g.when(t0, 0.2)})
			if g.chance(0.05) {
				ol.Contacts = append(ol.Contacts, contact.Contact{Values: g.vary(v), Modified: g.when(t0, 0.2)})
			}
		}
	}
	w := newWorld(t, crm, ol)
	w.pol.MaxDeletePercent = 100 // random deletions are not a truncated export
	return w
}

// edit makes a few random changes on both sides between cycles.
func (g *gen) edit(w *world) {
	editable := []contact.Field{contact.First, contact.Last, contact.Company, contact.JobTitle,
		contact.Email1, contact.Email2, contact.PhoneBusiness, contact.PhoneMobile, contact.BusinessCity}
	value := func(f contact.Field) string {
		switch f {
		case contact.Company:
			return g.pick(genCompany)
		case contact.First:
			return g.pick(genFirst)
		case contact.Last:
			return g.pick(genLast)
		case contact.Email1, contact.Email2:
			if g.chance(0.2) {
				return ""
			}
			return g.email("x")
		}
		return g.pick(genValue)
	}
	for range 1 + g.r.Intn(6) {
		n, m := len(w.crm.Contacts), len(w.ol.Contacts)
		switch op := g.r.Intn(10); {
		case op < 3 && n > 0:
			c := &w.crm.Contacts[g.r.Intn(n)]
			f := editable[g.r.Intn(len(editable))]
			c.Values[f], c.Modified = value(f), g.when(w.now, 0)
		case op < 6 && m > 0:
			c := &w.ol.Contacts[g.r.Intn(m)]
			f := editable[g.r.Intn(len(editable))]
			c.Values[f], c.Modified = value(f), g.when(w.now, 0.2)
		case op == 6 && len(w.st.Links) > 0:
			// The same field of a linked pair changed on both sides.
			l := w.st.Links[g.r.Intn(len(w.st.Links))]
			ci := slices.IndexFunc(w.crm.Contacts, func(c contact.Contact) bool { return trimID(c.Key) == l.CRMID })
			oi := slices.IndexFunc(w.ol.Contacts, func(c contact.Contact) bool { return c.Key == l.OutlookKey })
			if ci < 0 || oi < 0 {
				continue
			}
			f := editable[g.r.Intn(len(editable))]
			w.crm.Contacts[ci].Values[f], w.crm.Contacts[ci].Modified = value(f), g.when(w.now, 0)
			w.ol.Contacts[oi].Values[f], w.ol.Contacts[oi].Modified = value(f), g.when(w.now, 0.3)
		case op == 7 && m > 1:
			i := g.r.Intn(len(w.ol.Contacts))
			w.ol.Contacts = slices.Delete(w.ol.Contacts, i, i+1)
		case op == 8 && n > 1:
			i := g.r.Intn(n)
			id := trimID(w.crm.Contacts[i].Key)
			if g.chance(0.5) {
				w.crm.Contacts = slices.Delete(w.crm.Contacts, i, i+1)
			}
			w.leaveGroup(id)
		default:
			v := g.person()
			if g.chance(0.5) {
				g.seq++
				c := contact.Contact{Key: fmt.Sprintf("C%011d", g.seq), Values: v, Modified: g.when(w.now, 0)}
				w.crm.Contacts = append(w.crm.Contacts, c)
				w.crm.SyncGroup = append(w.crm.SyncGroup, c.Key)
			} else {
				w.ol.Contacts = append(w.ol.Contacts, contact.Contact{Values: v, Modified: g.when(w.now, 0.2)})
			}
		}
	}
}

func cloneCRM(in CRMInput) CRMInput {
	out := in
	out.Contacts = nil
	for _, c := range in.Contacts {
		out.Contacts = append(out.Contacts, c.Clone())
	}
	out.Accounts = slices.Clone(in.Accounts)
	out.SyncGroup = slices.Clone(in.SyncGroup)
	return out
}

func cloneOutlook(in OutlookInput) OutlookInput {
	var out OutlookInput
	for _, c := range in.Contacts {
		out.Contacts = append(out.Contacts, c.Clone())
	}
	for _, c := range in.Deleted {
		out.Deleted = append(out.Deleted, c.Clone())
	}
	return out
}

func cloneState(st State) State {
	out := st
	out.Links = nil
	for _, l := range st.Links {
		pd := l.Pending()
		pd.CRM.Fields, pd.CRM.Old = slices.Clone(pd.CRM.Fields), slices.Clone(pd.CRM.Old)
		pd.Outlook.Fields, pd.Outlook.Old = slices.Clone(pd.Outlook.Fields), slices.Clone(pd.Outlook.Old)
		l.SetPending(pd.CRM, pd.Outlook)
		out.Links = append(out.Links, l)
	}
	return out
}

func planJSON(t *testing.T, p *Plan) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := p.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// checkPure runs the world's next cycle twice on copies of its inputs:
// both plans must be identical (as JSON and in every output), and the
// inputs untouched.
func checkPure(t *testing.T, w *world) {
	t.Helper()
	st, crm, ol := cloneState(w.st), cloneCRM(w.crm), cloneOutlook(w.ol)
	p1, err1 := Reconcile(w.st, w.crm, w.ol, w.pol)
	p2, err2 := Reconcile(cloneState(st), cloneCRM(crm), cloneOutlook(ol), w.pol)
	if fmt.Sprint(err1) != fmt.Sprint(err2) {
		t.Fatalf("same inputs, different errors: %v / %v", err1, err2)
	}
	if err1 != nil {
		return
	}
	if j1, j2 := planJSON(t, p1), planJSON(t, p2); !bytes.Equal(j1, j2) {
		t.Fatalf("same inputs, different plan.json:\n%s\n----\n%s", j1, j2)
	}
	if !reflect.DeepEqual(p1, p2) {
		t.Fatalf("same inputs, different plans (outputs or links differ)")
	}
	// CRM ids and e-mails are found by hash, then by value: with every
	// id's and e-mail's hash alike, the same plan.
	idHash = func(maphash.Seed, string) uint64 { return 7 }
	emailHash = func(maphash.Seed, string) uint64 { return 7 }
	p3, err3 := Reconcile(cloneState(st), cloneCRM(crm), cloneOutlook(ol), w.pol)
	idHash, emailHash = maphash.String, maphash.String
	if err3 != nil {
		t.Fatalf("with every CRM id's and e-mail's hash alike: %v", err3)
	}
	if !reflect.DeepEqual(p1, p3) {
		t.Fatalf("with every CRM id's and e-mail's hash alike, a different plan:\n%s\n----\n%s", planJSON(t, p1), planJSON(t, p3))
	}
	if !reflect.DeepEqual(st, w.st) || !reflect.DeepEqual(crm, w.crm) || !reflect.DeepEqual(ol, w.ol) {
		t.Fatalf("Reconcile modified its arguments")
	}
	checkLight(t, w, p1)
	checkArena(t, w, p1)
}

// checkArena runs the cycle again on a light state (see checkLight) given
// as State.Arena, the way the journal hands a sync its links, with room
// for none, some or all of the new links: the plan must be the one made
// from the full state.
func checkArena(t *testing.T, w *world, full *Plan) {
	t.Helper()
	st := cloneState(w.st)
	bases := &mapBases{m: map[int64]contact.Values{}}
	room := []int{0, 1, 1 << 10}[len(st.Links)%3]
	st.Arena = make([]LinkState, len(st.Links), len(st.Links)+room)
	for i := range st.Links {
		l := st.Links[i]
		bases.m[l.ID] = *l.Values()
		l.BaseSum = SumValues(l.Values())
		l.DropBase()
		st.Arena[i] = LinkState{Link: l, Changed: i%2 == 0}
	}
	st.Links, st.Bases = nil, bases
	p, err := Reconcile(st, cloneCRM(w.crm), cloneOutlook(w.ol), w.pol)
	if err != nil {
		t.Fatalf("state as an arena: %v (the full state gave a plan)", err)
	}
	if j1, j2 := planJSON(t, full), planJSON(t, p); !bytes.Equal(j1, j2) {
		t.Fatalf("state as an arena, different plan.json:\n%s\n----\n%s", j1, j2)
	}
	// A base may be packed or a record in one plan and not in the other.
	for _, q := range []*Plan{full, p} {
		for i := range q.Links {
			l := &q.Links[i].Link
			if l.unread() {
				v := bases.m[l.ID]
				l.Base = &v
				continue
			}
			v := l.Values()
			l.DropBase()
			l.Base = v
		}
	}
	if !reflect.DeepEqual(full, p) {
		t.Fatalf("state as an arena: the plan's outputs or links differ from the full state's")
	}
}

// mapBases serves bases from a map, as the journal does from its rows,
// and counts what it was asked for.
type mapBases struct {
	m     map[int64]contact.Values
	asked int
}

func (b *mapBases) Bases(ids []int64) ([]*contact.Values, error) {
	out := make([]*contact.Values, len(ids))
	for i, id := range ids {
		if i > 0 && ids[i-1] >= id {
			return nil, fmt.Errorf("ids not ascending: %v", ids)
		}
		v, ok := b.m[id]
		if !ok {
			return nil, fmt.Errorf("no link %d", id)
		}
		out[i] = &v
		b.asked++
	}
	return out, nil
}

// lightStats counts, over a test run, the links given without their base
// and those whose base the engine read.
var lightStats struct{ links, asked int }

// checkLight runs the cycle again on a state that carries only each
// link's BaseSum, as the journal loads it: the plan must be the one made
// from the full state (full, p1), reading through Bases only what it needs.
func checkLight(t *testing.T, w *world, full *Plan) {
	t.Helper()
	st := cloneState(w.st)
	bases := &mapBases{m: map[int64]contact.Values{}}
	for i := range st.Links {
		l := &st.Links[i]
		bases.m[l.ID] = *l.Values()
		l.BaseSum = SumValues(l.Values())
		l.DropBase()
	}
	st.Bases = bases
	p, err := Reconcile(st, cloneCRM(w.crm), cloneOutlook(w.ol), w.pol)
	if err != nil {
		t.Fatalf("light state: %v (the full state gave a plan)", err)
	}
	lightStats.links += len(st.Links)
	lightStats.asked += bases.asked
	if j1, j2 := planJSON(t, full), planJSON(t, p); !bytes.Equal(j1, j2) {
		t.Fatalf("light state, different plan.json:\n%s\n----\n%s", j1, j2)
	}
	for i := range p.Links {
		l := &p.Links[i].Link
		if l.unread() {
			if p.Links[i].Changed && full.Links[i].Values() != nil && *full.Links[i].Values() != bases.m[l.ID] {
				t.Fatalf("link %d: base left unread but the full state's plan changed it", l.ID)
			}
			v := bases.m[l.ID]
			l.Base = &v
		}
	}
	// A base may be packed or a record in one plan and not in the other.
	for _, q := range []*Plan{full, p} {
		for i := range q.Links {
			l := &q.Links[i].Link
			v := l.Values()
			l.DropBase()
			l.Base = v
		}
	}
	if !reflect.DeepEqual(full, p) {
		t.Fatalf("light state: the plan's outputs or links differ from the full state's")
	}
}

// checkAgreed: after a quiet cycle every open link has both records, and
// they agree with the base on every mapped field (a name account reads as
// no company); sync keys and CRM ids are not shared.
func checkAgreed(t *testing.T, w *world) {
	t.Helper()
	keys, ids := map[string]bool{}, map[string]bool{}
	for _, l := range w.st.Links {
		if l.Detached != NoSide {
			continue // remembers a contact that left the sync; no records to agree
		}
		if keys[l.OutlookKey] || ids[l.CRMID] {
			t.Fatalf("link %d shares its Outlook key %q or CRM id %q with another link", l.ID, l.OutlookKey, l.CRMID)
		}
		keys[l.OutlookKey], ids[l.CRMID] = true, true
		ci := slices.IndexFunc(w.crm.Contacts, func(c contact.Contact) bool { return trimID(c.Key) == l.CRMID })
		oi := slices.IndexFunc(w.ol.Contacts, func(c contact.Contact) bool { return c.Key == l.OutlookKey })
		if ci < 0 || oi < 0 || l.CRMID == "" {
			t.Fatalf("link %d (CRM %q, Outlook %q) lacks a record after a quiet cycle", l.ID, l.CRMID, l.OutlookKey)
		}
		for _, f := range w.pol.fields() {
			cv, ov := w.crm.Contacts[ci].Values[f], w.ol.Contacts[oi].Values[f]
			if f == contact.Company && l.NameAccount != "" && cv == l.NameAccount {
				cv = ""
			}
			// E-mails that differ in letter case alone agree (the CRM's
			// value is kept, and Outlook's is left as it is).
			if cv != l.Values()[f] || !same(f, ov, l.Values()[f]) {
				t.Fatalf("link %d %s: crm %q, outlook %q, base %q after a quiet cycle", l.ID, f, cv, ov, l.Values()[f])
			}
		}
	}
}

// TestPropertyConvergence: for random scenarios, cycle; import; the next
// cycle is quiet and both sides agree; edit at random; repeat. Every cycle
// is also made from a state without bases (checkLight), and over the run
// most links are decided without reading theirs.
func TestPropertyConvergence(t *testing.T) {
	lightStats.links, lightStats.asked = 0, 0
	defer func() {
		if t.Failed() {
			return
		}
		if lightStats.links == 0 || lightStats.asked*2 > lightStats.links {
			t.Fatalf("light states held %d links and %d bases were read: want fewer than half read", lightStats.links, lightStats.asked)
		}
		t.Logf("light states held %d links; %d bases were read", lightStats.links, lightStats.asked)
	}()
	for seed := range int64(propertySeeds) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			g := &gen{r: rand.New(rand.NewSource(seed))}
			w := g.scenario(t)
			for round := range 4 {
				checkPure(t, w)
				w.sync()
				checkPure(t, w)
				w.syncQuiet()
				checkAgreed(t, w)
				if round < 3 {
					g.edit(w)
				}
			}
		})
	}
}

// TestDeterministicPlan: the same inputs and journal give the same plan,
// byte for byte, however often Reconcile runs (maps must not leak their
// random order into the plan).
func TestDeterministicPlan(t *testing.T) {
	g := &gen{r: rand.New(rand.NewSource(7))}
	w := g.scenario(t)                    // a first cycle: linking, creations, accounts, conflicts
	w.ol.Contacts = append(w.ol.Contacts, // and notices
		person("", "first=Dup", "last=One", "email1=dup@globex.example", "company=Globex"),
		person("", "first=Dup", "last=Two", "email1=DUP@globex.example"))
	first, err := w.plan()
	if err != nil {
		t.Fatal(err)
	}
	want := planJSON(t, first)
	var wantText bytes.Buffer
	if err := first.WriteText(&wantText); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		p, err := w.plan()
		if err != nil {
			t.Fatal(err)
		}
		if got := planJSON(t, p); !bytes.Equal(got, want) {
			t.Fatalf("run %d: plan.json differs from the first run", i+2)
		}
		var text bytes.Buffer
		if err := p.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		if text.String() != wantText.String() {
			t.Fatalf("run %d: plan.txt differs from the first run", i+2)
		}
		if !reflect.DeepEqual(p, first) {
			t.Fatalf("run %d: outputs or links differ from the first run", i+2)
		}
	}
	if len(first.Changes) == 0 || len(first.Conflicts) == 0 || len(first.Notices) == 0 {
		t.Fatalf("the scenario has %d changes, %d conflicts, %d notices; determinism is not exercised",
			len(first.Changes), len(first.Conflicts), len(first.Notices))
	}
}

// TestPropertyEditsRightAfterImport: eight cycles in a row, each followed
// by the imports and at once by random edits, deletions and creations on
// both sides (so records a cycle created are edited or deleted before the
// next cycle sees them), converge without overriding any guard: a created
// record deleted after an import that happened is a deletion, not a reason
// to stop.
func TestPropertyEditsRightAfterImport(t *testing.T) {
	afterImport := 0 // deletions of created records the cycles saw
	defer func() {
		if afterImport == 0 && !t.Failed() {
			t.Errorf("no scenario deleted a created record after its import; the property is not exercised")
		}
		t.Logf("%d created records deleted after their import", afterImport)
	}()
	for seed := range int64(propertySeeds) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			g := &gen{r: rand.New(rand.NewSource(seed))}
			w := g.scenario(t)
			for range 8 {
				checkPure(t, w)
				p := w.sync()
				afterImport += countRule(p, RuleDeletedAfterImport)
				crmWitness, olWitness := witnesses(w, p)
				g.edit(w)
				g.deleteCreated(w)
				// The rule's premise: some of what the cycle sent a side
				// shows in its next export. One record per side that the
				// cycle created or updated is left as imported.
				keepCRM(w, crmWitness)
				keepOutlook(w, olWitness)
			}
			w.sync()
			w.syncQuiet()
			checkAgreed(t, w)
		})
	}
}

// deleteCreated deletes, now and then, a record the last cycle created on
// either side, right after its import.
func (g *gen) deleteCreated(w *world) {
	for _, l := range w.st.Links {
		switch {
		case l.PendingOutlook().Op == OpCreate && g.chance(0.3):
			w.ol.Contacts = slices.DeleteFunc(w.ol.Contacts, func(c contact.Contact) bool { return c.Key == l.OutlookKey })
		case l.PendingCRM().Op == OpCreate && g.chance(0.3):
			// The created contact is the newest one with the link's e-mail or name.
			for i := len(w.crm.Contacts) - 1; i >= 0; i-- {
				c := w.crm.Contacts[i]
				if strings.HasPrefix(c.Key, "CNEW") && c.Values[contact.Last] == l.Values()[contact.Last] && c.Values[contact.First] == l.Values()[contact.First] && c.Values[contact.Email1] == l.Values()[contact.Email1] {
					id := trimID(c.Key)
					w.crm.Contacts = slices.Delete(w.crm.Contacts, i, i+1)
					w.leaveGroup(id)
					break
				}
			}
		}
	}
}

// witnesses picks, per side, one record as it was imported from the plan
// p: the last one the cycle created or updated there (nil for none).
func witnesses(w *world, p *Plan) (crm, ol *contact.Contact) {
	if n := len(p.CRM.New.Contacts()) + len(p.CRM.Updates.Contacts()); n > 0 {
		// New contacts are appended by the import; updates keep their id.
		var id string
		if len(p.CRM.Updates.Contacts()) > 0 {
			id = trimID(p.CRM.Updates.Contacts()[len(p.CRM.Updates.Contacts())-1].Key)
		} else {
			id = trimID(w.crm.Contacts[len(w.crm.Contacts)-1].Key)
		}
		for i := range w.crm.Contacts {
			if trimID(w.crm.Contacts[i].Key) == id {
				c := w.crm.Contacts[i].Clone()
				crm = &c
			}
		}
	}
	if n := len(p.Outlook.New.Contacts()) + len(p.Outlook.Updates()); n > 0 {
		var key string
		if len(p.Outlook.Updates()) > 0 {
			key = p.Outlook.Updates()[len(p.Outlook.Updates())-1].Key
		} else {
			key = p.Outlook.New.Contacts()[len(p.Outlook.New.Contacts())-1].Key
		}
		for i := range w.ol.Contacts {
			if w.ol.Contacts[i].Key == key {
				c := w.ol.Contacts[i].Clone()
				ol = &c
			}
		}
	}
	return crm, ol
}

// keepCRM puts the witness back as it was imported (in the sync group).
func keepCRM(w *world, c *contact.Contact) {
	if c == nil {
		return
	}
	id := trimID(c.Key)
	if i := slices.IndexFunc(w.crm.Contacts, func(x contact.Contact) bool { return trimID(x.Key) == id }); i >= 0 {
		w.crm.Contacts[i] = c.Clone()
	} else {
		w.crm.Contacts = append(w.crm.Contacts, c.Clone())
	}
	if !slices.ContainsFunc(w.crm.SyncGroup, func(g string) bool { return trimID(g) == id }) {
		w.crm.SyncGroup = append(w.crm.SyncGroup, c.Key)
	}
}

// keepOutlook puts the witness back in the folder as it was imported.
func keepOutlook(w *world, c *contact.Contact) {
	if c == nil {
		return
	}
	if i := slices.IndexFunc(w.ol.Contacts, func(x contact.Contact) bool { return x.Key == c.Key }); i >= 0 {
		w.ol.Contacts[i] = c.Clone()
	} else {
		w.ol.Contacts = append(w.ol.Contacts, c.Clone())
	}
}

func countRule(p *Plan, rule Rule) int {
	n := 0
	for _, c := range p.Changes {
		if c.Rule == rule && c.Op == OpUnlink {
			n++
		}
	}
	return n
}
