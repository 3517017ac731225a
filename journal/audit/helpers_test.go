package audit

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"contactsync/engine"
	"contactsync/engine/contact"
	"contactsync/journal"
)

// The journals the tests render, built through journal's API as a cycle
// builds them (copies of journal's own test helpers).

var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.FixedZone("CET", 3600))

// clock returns an injected clock that advances one minute per call.
func clock() func() time.Time {
	n := 0
	return func() time.Time {
		n++
		return t0.Add(time.Duration(n) * time.Minute)
	}
}

func openTest(t testing.TB, path string) *journal.Journal {
	t.Helper()
	j, err := journal.Open(path, journal.Options{Now: clock()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

func info(cycle int) journal.CycleInfo {
	return journal.CycleInfo{
		Started:     t0.Add(time.Duration(cycle) * time.Hour),
		User:        "alice",
		ToolVersion: "contactsync 0.1.0-test",
		Options:     map[string]string{"prefer": "crm", "max-delete": "10%"},
		Inputs:      []journal.FileHash{{Role: "input", Path: "crm/contacts.csv", SHA256: strings.Repeat("ab", 32), Size: 1234}},
		Outputs:     []journal.FileHash{{Role: "output", Path: "out/crm/contacts-new.csv", SHA256: strings.Repeat("cd", 32), Size: 99}},
		OutDir:      fmt.Sprintf("/data/out/%d", cycle),
	}
}

// fullLink is a link with every part of a row set, including values that
// need escaping and a byte that is not UTF-8.
func fullLink(id int64) engine.Link {
	l := engine.Link{ID: id, CRMID: "CDEMOA00000" + strconv.FormatInt(id, 10), OutlookKey: engine.SyncKey(id), Base: &contact.Values{}}
	for _, f := range contact.AllFields() {
		l.Base[f] = fmt.Sprintf("%s of %d", f, id)
	}
	l.Base[contact.First] = "Zoë"
	l.Base[contact.Last] = "Núñez-Øster"
	l.Base[contact.Email1] = fmt.Sprintf("zoe%d@example.com", id)
	l.Base[contact.Notes] = "line 1, \"quoted\"\nline 2\\ with\ttab and \x01 control, \u2028 and bad \xff byte"
	l.Base[contact.Categories] = "Customers;VIP"
	l.NameAccount = "Zoë Núñez-Øster"
	l.SetPendingCRM(engine.Pending{Op: engine.OpUpdate, Fields: []contact.Field{contact.PhoneBusiness, contact.Notes}, Old: []string{"111", "old\nnote"}})
	l.SetPendingOutlook(engine.Pending{Op: engine.OpCreate})
	return l
}

func smallLink(id int64, first, email string) engine.Link {
	l := engine.Link{ID: id, CRMID: "C" + strconv.FormatInt(id, 10), OutlookKey: "OL" + strconv.FormatInt(id, 10), Base: &contact.Values{}}
	l.Base[contact.First] = first
	l.Base[contact.Last] = "Lee"
	l.Base[contact.Email1] = email
	return l
}

func plan(cycle int, next int64, links ...engine.LinkState) *engine.Plan {
	p := &engine.Plan{Cycle: cycle, User: "U1", Mapping: engine.MappingText(engine.DefaultMapping),
		Prefer: engine.CRM, Direction: engine.Both, NextLinkID: next, Links: links}
	for _, l := range links {
		if l.Changed {
			p.Counts.Links++
		}
	}
	return p
}

func changed(l engine.Link) engine.LinkState { return engine.LinkState{Link: l, Changed: true} }

// twoCycles builds a journal with two committed cycles and some of every row.
func twoCycles(t *testing.T) *journal.Journal {
	t.Helper()
	j := openTest(t, filepath.Join(t.TempDir(), "sync.db"))
	p1 := plan(1, 4, changed(smallLink(1, "Ann", "ann@example.com")), changed(smallLink(2, "Bob", "bob@example.com")),
		changed(fullLink(3)))
	p1.Changes = []engine.Change{
		{Link: 1, Side: engine.NoSide, Op: engine.OpLink, Old: "C1", New: "OL1", Rule: engine.RuleLinkEmail, Name: "Ann Lee"},
		{Link: 2, Side: engine.Outlook, Op: engine.OpCreate, New: "Bob Lee", Rule: engine.RuleNewInCRM, Name: "Bob Lee"},
		{Link: 2, Side: engine.Outlook, Op: engine.OpCreate, Field: "email1", New: "bob@example.com", Rule: engine.RuleNewInCRM, Name: "Bob Lee"},
	}
	p1.Notices = []engine.Notice{{Kind: "ambiguous", Message: "two accounts named Acme; used the first"}}
	if err := j.Commit(p1, info(1)); err != nil {
		t.Fatal(err)
	}
	a2 := smallLink(1, "Ann", "ann.lee@example.org")
	p2 := plan(2, 4, changed(a2), engine.LinkState{Link: fullLink(3)})
	p2.Closed = []int64{2}
	p2.Changes = []engine.Change{
		{Link: 1, Side: engine.CRM, Op: engine.OpUpdate, Field: "email1", Old: "ann@example.com", New: "ann.lee@example.org", Rule: engine.RuleChangedInOutlook, Name: "Ann Lee"},
		{Link: 1, Side: engine.Outlook, Op: engine.OpUpdate, Field: "notes", Old: "", New: "met at\nthe fair", Rule: engine.RuleConflictLatest, Name: "Ann Lee"},
		{Link: 2, Side: engine.CRM, Op: engine.OpGroupRemove, Old: "C2", Rule: engine.RuleDeletedInOutlook, Name: "Bob Lee"},
		{Link: 2, Side: engine.NoSide, Op: engine.OpUnlink, Rule: engine.RuleDeletedInOutlook, Name: "Bob Lee"},
	}
	p2.Conflicts = []engine.Conflict{{Link: 1, Field: "notes", Base: "", CRM: "call back", Outlook: "met at\nthe fair",
		CRMTime: t0, OutlookTime: t0.Add(90 * time.Minute), Winner: "outlook", Rule: engine.RuleConflictLatest, Name: "Ann Lee"}}
	p2.Counts.Conflicts, p2.Counts.CRMUpdated, p2.Counts.GroupRemoved, p2.Counts.Unlinked = 1, 1, 1, 1
	if err := j.Commit(p2, info(2)); err != nil {
		t.Fatal(err)
	}
	return j
}

func mk(key, first, last, email, company, phone string, mod time.Time) contact.Contact {
	var c contact.Contact
	c.Key, c.Modified = key, mod
	c.Values[contact.First], c.Values[contact.Last] = first, last
	c.Values[contact.Email1], c.Values[contact.Company] = email, company
	c.Values[contact.PhoneBusiness] = phone
	return c
}

// imported plays both imports of a plan, so that cycles can be chained.
func imported(t *testing.T, crm engine.CRMInput, p *engine.Plan, now time.Time) (engine.CRMInput, engine.OutlookInput) {
	t.Helper()
	byID := map[string]int{}
	for i, c := range crm.Contacts {
		byID[c.Key] = i
	}
	out := crm
	out.Contacts = append([]contact.Contact(nil), crm.Contacts...)
	for _, u := range p.CRM.Updates.Contacts() {
		i, ok := byID[u.Key]
		if !ok {
			t.Fatalf("update of unknown CRM contact %q", u.Key)
		}
		u.Modified = now
		out.Contacts[i] = u
	}
	for i, n := range p.CRM.New.Contacts() {
		n.Key = "CNEW" + string(rune('A'+i))
		n.Modified = now
		out.Contacts = append(out.Contacts, n)
	}
	return out, engine.OutlookInput{Contacts: p.Outlook.Folder()}
}

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
		l.SetPendingOutlook(engine.Pending{Op: engine.OpCreate})
		p.Changes = append(p.Changes, engine.Change{Link: id, Side: engine.Outlook, Op: engine.OpCreate,
			New: v[contact.First] + " " + v[contact.Last], Rule: engine.RuleNewInCRM, Name: v[contact.First] + " " + v[contact.Last]})
	}
	p.Counts.Links, p.Counts.OutlookCreated = n, n
	return p
}

// execSQL edits j's file with plain SQL, as a forger would, through a
// connection of its own (the driver is journal's).
func execSQL(j *journal.Journal, query string) error {
	db, err := sql.Open("sqlite3", j.Path())
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(query)
	return err
}

// replaceInSets replaces old by new, which has its length, in the sets of
// cycle n's rows (schema 6): an edit made after the fact.
func replaceInSets(j *journal.Journal, n int, old, new string) error {
	if len(old) != len(new) {
		return fmt.Errorf("%q and %q differ in length", old, new)
	}
	db, err := sql.Open("sqlite3", j.Path())
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := db.Exec(`UPDATE sets SET data = CAST(replace(CAST(data AS TEXT), ?, ?) AS BLOB) WHERE cycle = ? AND instr(data, CAST(? AS BLOB)) > 0`, old, new, n, old)
	if err != nil {
		return err
	}
	if k, err := res.RowsAffected(); err != nil || k == 0 {
		return fmt.Errorf("no set of cycle %d holds %q (%v)", n, old, err)
	}
	return nil
}
