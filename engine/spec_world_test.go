package engine

// Helpers shared by the specification tests: a compact way to write
// contacts, and a "world" that plays both address books and the journal so
// a test can run several cycles the way a user would (sync, import the
// outputs on both sides, edit, sync again).

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"contactsync/engine/contact"
)

// t0 is the time of the first cycle in every scenario.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

const specUser = "UADMIN000001"

// person builds a contact from its key and "field=value" pairs that use the
// canonical field names of DESIGN §3: person("C1", "first=Ann", "email1=a@x").
func person(key string, fields ...string) contact.Contact {
	c := contact.Contact{Key: key}
	for _, kv := range fields {
		name, v, ok := strings.Cut(kv, "=")
		f, known := contact.ParseField(name)
		if !ok || !known {
			panic(fmt.Sprintf("person(%q): bad field %q", key, kv))
		}
		c.Values[f] = v
	}
	return c
}

// at returns c modified at t.
func at(c contact.Contact, t time.Time) contact.Contact {
	c.Modified = t
	return c
}

// field looks up a canonical field by name, failing loudly on a typo.
func field(name string) contact.Field {
	f, ok := contact.ParseField(name)
	if !ok {
		panic("unknown field " + name)
	}
	return f
}

// dump is a CRM dump whose sync group holds every contact.
func dump(cs ...contact.Contact) CRMInput {
	in := CRMInput{Contacts: cs, HasSyncGroup: true}
	for _, c := range cs {
		in.SyncGroup = append(in.SyncGroup, c.Key)
	}
	return in
}

func folder(cs ...contact.Contact) OutlookInput { return OutlookInput{Contacts: cs} }

func mustReconcile(t *testing.T, st State, crm CRMInput, ol OutlookInput, p Policy) *Plan {
	t.Helper()
	plan, err := Reconcile(st, crm, ol, p)
	if err != nil {
		t.Fatalf("Reconcile: unexpected error: %v", err)
	}
	return plan
}

// guardOf returns the guard of err, or 0 when err is not a guard.
func guardOf(err error) Guard {
	var g *GuardError
	if errors.As(err, &g) {
		return g.Guard
	}
	return 0
}

// planText renders a plan for failure messages.
func planText(p *Plan) string {
	if p == nil {
		return "<nil plan>"
	}
	var b bytes.Buffer
	if err := p.WriteText(&b); err != nil {
		return "WriteText: " + err.Error()
	}
	return b.String()
}

// anySide in hasChange's want matches a change on any side; NoSide (the
// zero Side) matches only the changes of a link as a whole.
const anySide Side = 255

// hasChange reports whether the plan holds a change that agrees with want
// on its Side (see anySide) and on every non-zero other field of want
// (Link, Op, Field, Old, New, Rule).
func hasChange(p *Plan, want Change) bool {
	for _, c := range p.Changes {
		if (want.Link == 0 || c.Link == want.Link) &&
			(want.Side == anySide || c.Side == want.Side) &&
			(want.Op == "" || c.Op == want.Op) &&
			(want.Field == "" || c.Field == want.Field) &&
			(want.Old == "" || c.Old == want.Old) &&
			(want.New == "" || c.New == want.New) &&
			(want.Rule == "" || c.Rule == want.Rule) {
			return true
		}
	}
	return false
}

func countOp(p *Plan, op Op, side Side) int {
	n := 0
	for _, c := range p.Changes {
		if c.Op == op && (side == anySide || c.Side == side) {
			n++
		}
	}
	return n
}

func noticeKinds(p *Plan) []string {
	var ks []string
	for _, n := range p.Notices {
		ks = append(ks, string(n.Kind))
	}
	return ks
}

// linkOf returns the live link of a CRM id after the plan, or nil. A
// detached link (Link.Detached) is not live: it only remembers the contact.
func linkOf(p *Plan, crmID string) *Link {
	for i := range p.Links {
		if p.Links[i].CRMID == crmID && p.Links[i].Detached == NoSide {
			return &p.Links[i].Link
		}
	}
	return nil
}

// folderRecord returns the record with key in the Outlook folder after the plan.
func folderRecord(p *Plan, key string) *contact.Contact {
	folder := p.Outlook.Folder()
	for i := range folder {
		if folder[i].Key == key {
			return &folder[i]
		}
	}
	return nil
}

// crmUpdate returns the CRM update of id, or nil.
func crmUpdate(p *Plan, id string) *contact.Contact {
	updates := p.CRM.Updates.Contacts()
	for i := range updates {
		if trimID(updates[i].Key) == id {
			return &updates[i]
		}
	}
	return nil
}

// quiet reports what a plan would still do; "" when it does nothing at all.
func quiet(p *Plan) string {
	var what []string
	if n := len(p.Changes); n > 0 {
		what = append(what, fmt.Sprintf("%d changes", n))
	}
	if n := len(p.Conflicts); n > 0 {
		what = append(what, fmt.Sprintf("%d conflicts", n))
	}
	c := p.CRM
	if n := c.New.Len() + c.Updates.Len() + len(c.NewAccounts) + len(c.GroupAdd) + len(c.GroupRemove); n > 0 {
		what = append(what, fmt.Sprintf("%d CRM outputs", n))
	}
	o := p.Outlook
	if n := o.New.Len() + o.UpdateCount() + o.DeleteCount(); n > 0 {
		what = append(what, fmt.Sprintf("%d Outlook outputs", n))
	}
	return strings.Join(what, ", ")
}

// world plays both address books and the journal across cycles. sync runs
// Reconcile, then imports the plan's outputs on both sides the way the CRM
// Import Wizard and an Outlook folder import would, and commits the links.
type world struct {
	t   *testing.T
	st  State
	crm CRMInput
	ol  OutlookInput
	pol Policy
	now time.Time
	seq int // CONTACTIDs and ACCOUNTIDs handed out by the simulated CRM import
}

func newWorld(t *testing.T, crm CRMInput, ol OutlookInput) *world {
	return &world{t: t, crm: crm, ol: ol, pol: DefaultPolicy(specUser), now: t0}
}

// plan runs Reconcile on the current state without importing anything.
func (w *world) plan() (*Plan, error) { return Reconcile(w.st, w.crm, w.ol, w.pol) }

// sync runs one cycle and imports its outputs; the clock moves on an hour.
func (w *world) sync() *Plan {
	w.t.Helper()
	p, err := w.plan()
	if err != nil {
		w.t.Fatalf("cycle %d: %v", w.st.Cycle+1, err)
	}
	w.commit(p)
	return p
}

// syncQuiet runs a cycle that must do nothing.
func (w *world) syncQuiet() *Plan {
	w.t.Helper()
	p := w.sync()
	if q := quiet(p); q != "" {
		w.t.Fatalf("cycle %d after importing the previous outputs should do nothing, does %s:\n%s", p.Cycle, q, planText(p))
	}
	return p
}

// commit imports a plan on both sides and records its links as the journal would.
func (w *world) commit(p *Plan) {
	w.now = w.now.Add(time.Hour)
	w.crm = w.importCRM(p)
	w.ol = w.importOutlook(p)
	st := State{Cycle: p.Cycle, User: p.User, Mapping: p.Mapping, NextLinkID: p.NextLinkID}
	for _, l := range p.Links {
		st.Links = append(st.Links, l.Link)
	}
	w.st = st
}

func (w *world) newID(prefix string) string {
	w.seq++
	return fmt.Sprintf("%s%08d", prefix, w.seq)
}

// importCRM applies the CRM outputs: accounts created, new contacts appended
// (and put in the sync group), updated rows replaced by CONTACTID, sync group
// members added and removed. Imported rows get the import time as MODIFYDATE.
func (w *world) importCRM(p *Plan) CRMInput {
	in := w.crm
	out := CRMInput{HasSyncGroup: in.HasSyncGroup, Visible: in.Visible}
	out.Accounts = slices.Clone(in.Accounts)
	for _, c := range in.Contacts {
		out.Contacts = append(out.Contacts, c.Clone())
	}
	for _, a := range p.CRM.NewAccounts {
		a.ID = w.newID("ANEW")
		out.Accounts = append(out.Accounts, a)
	}
	accountID := func(name string) string {
		for _, a := range out.Accounts {
			if a.Name == name {
				return a.ID
			}
		}
		return ""
	}
	for _, u := range p.CRM.Updates.Contacts() {
		i := slices.IndexFunc(out.Contacts, func(c contact.Contact) bool { return trimID(c.Key) == trimID(u.Key) })
		if i < 0 {
			w.t.Fatalf("CRM import: update of unknown contact %q", u.Key)
		}
		u = u.Clone()
		if u.CRM.AccountID == "" {
			u.CRM.AccountID = accountID(u.Values[contact.Company])
		}
		u.Modified = w.now
		out.Contacts[i] = u
	}
	group := slices.Clone(in.SyncGroup)
	for _, n := range p.CRM.New.Contacts() {
		n = n.Clone()
		if n.Key != "" {
			w.t.Fatalf("CRM import: new contact %q already has a CONTACTID %q", n.DisplayName(), n.Key)
		}
		n.Key = w.newID("CNEW")
		if n.CRM.AccountID == "" {
			// The Import Wizard links a new contact to its account by name.
			if n.CRM.AccountID = accountID(n.Values[contact.Company]); n.CRM.AccountID == "" {
				w.t.Fatalf("CRM import: new contact %q names no account (company %q)", n.DisplayName(), n.Values[contact.Company])
			}
		}
		n.Modified = w.now
		out.Contacts = append(out.Contacts, n)
		group = append(group, n.Key)
	}
	for _, id := range p.CRM.GroupAdd {
		if !slices.Contains(group, id) {
			group = append(group, id)
		}
	}
	group = slices.DeleteFunc(group, func(id string) bool {
		return slices.ContainsFunc(p.CRM.GroupRemove, func(r string) bool { return trimID(r) == trimID(id) })
	})
	out.SyncGroup = group
	return out
}

// importOutlook replaces the sync folder by the plan's snapshot; records the
// cycle created or changed carry the import time.
func (w *world) importOutlook(p *Plan) OutlookInput {
	touched := map[string]bool{}
	for _, c := range p.Outlook.New.Contacts() {
		touched[c.Key] = true
	}
	for _, c := range p.Outlook.Updates() {
		touched[c.Key] = true
	}
	var out OutlookInput
	for _, c := range p.Outlook.Folder() {
		c = c.Clone()
		if touched[c.Key] && c.Key != "" {
			c.Modified = w.now
		}
		out.Contacts = append(out.Contacts, c)
	}
	return out
}

// crmContact returns the CRM contact with id.
func (w *world) crmContact(id string) *contact.Contact {
	w.t.Helper()
	for i := range w.crm.Contacts {
		if trimID(w.crm.Contacts[i].Key) == id {
			return &w.crm.Contacts[i]
		}
	}
	w.t.Fatalf("no CRM contact %q", id)
	return nil
}

// outlookContact returns the Outlook contact whose e-mail 1 is email.
func (w *world) outlookContact(email string) *contact.Contact {
	w.t.Helper()
	for i := range w.ol.Contacts {
		if w.ol.Contacts[i].Values[contact.Email1] == email {
			return &w.ol.Contacts[i]
		}
	}
	w.t.Fatalf("no Outlook contact with e-mail %q", email)
	return nil
}

// editCRM changes a field of a CRM contact at time t.
func (w *world) editCRM(id, name, value string, t time.Time) {
	c := w.crmContact(id)
	c.Values[field(name)] = value
	c.Modified = t
}

// editOutlook changes a field of the Outlook contact with that e-mail at time t.
func (w *world) editOutlook(email, name, value string, t time.Time) {
	c := w.outlookContact(email)
	c.Values[field(name)] = value
	c.Modified = t
}

// deleteOutlook removes the Outlook contact with that e-mail from the sync folder.
func (w *world) deleteOutlook(email string) {
	w.t.Helper()
	n := len(w.ol.Contacts)
	w.ol.Contacts = slices.DeleteFunc(w.ol.Contacts, func(c contact.Contact) bool { return c.Values[contact.Email1] == email })
	if len(w.ol.Contacts) != n-1 {
		w.t.Fatalf("deleteOutlook(%q) removed %d records, want 1", email, n-len(w.ol.Contacts))
	}
}

// deleteCRM removes a contact from the CRM dump and its sync group.
func (w *world) deleteCRM(id string) {
	w.t.Helper()
	n := len(w.crm.Contacts)
	w.crm.Contacts = slices.DeleteFunc(w.crm.Contacts, func(c contact.Contact) bool { return trimID(c.Key) == id })
	if len(w.crm.Contacts) != n-1 {
		w.t.Fatalf("deleteCRM(%q) removed %d records, want 1", id, n-len(w.crm.Contacts))
	}
	w.leaveGroup(id)
}

// leaveGroup takes a CRM contact out of the sync group.
func (w *world) leaveGroup(id string) {
	w.crm.SyncGroup = slices.DeleteFunc(slices.Clone(w.crm.SyncGroup), func(g string) bool { return trimID(g) == id })
}

// ended reports whether the plan ends link id: it is closed, or detached.
func ended(p *Plan, id int64) bool {
	if slices.Contains(p.Closed, id) {
		return true
	}
	for _, l := range p.Links {
		if l.ID == id && l.Detached != NoSide {
			return true
		}
	}
	return false
}

// endedCount counts the links a plan ends (closed or detached this cycle).
func endedCount(p *Plan) int {
	n := 0
	for _, c := range p.Changes {
		if c.Op == OpUnlink {
			n++
		}
	}
	return n
}
