package engine

import (
	"slices"
	"strings"
	"testing"
	"time"

	"contactsync/engine/contact"
)

// linkedPair is one existing link (id 1, CRM "C1", Outlook "contactsync:1")
// whose base is Ann Lee at Acme, with one field set to different values in
// the base, the CRM and Outlook.
func linkedPair(pol Policy, f contact.Field, base, crmV, olV string, crmT, olT time.Time) (State, CRMInput, OutlookInput) {
	b := person("", "first=Ann", "last=Lee", "company=Acme", "email1=ann@example.com").Values
	b[f] = base
	l := Link{ID: 1, CRMID: "C1", OutlookKey: SyncKey(1), Base: &b}
	st := State{Cycle: 1, User: pol.User, Mapping: MappingText(pol.fields()), NextLinkID: 2, Links: []Link{l}}
	c := contact.Contact{Key: "C1", Values: b, Modified: crmT}
	c.Values[f] = crmV
	c.CRM.AccountID = "A1"
	o := contact.Contact{Key: SyncKey(1), Values: b, Modified: olT}
	o.Values[f] = olV
	crm := dump(c)
	crm.Accounts = []contact.Account{{ID: "A1", Name: "Acme"}}
	return st, crm, folder(o)
}

// after returns the value of f on each side once the plan's outputs are
// imported.
func after(p *Plan, crm CRMInput, f contact.Field) (crmV, olV string) {
	crmV = crm.Contacts[0].Values[f]
	if u := crmUpdate(p, "C1"); u != nil {
		crmV = u.Values[f]
	}
	if o := folderRecord(p, SyncKey(1)); o != nil {
		olV = o.Values[f]
	}
	return crmV, olV
}

// TestMergeField is the per-field 3-way merge of DESIGN §6 on a linked
// pair: base, the two sides, their times and --prefer decide the value
// both sides end with, the rule, and whether it was a conflict.
func TestMergeField(t *testing.T) {
	early, late := t0, t0.Add(time.Hour)
	var unknown time.Time
	tests := []struct {
		name           string
		base, crm, ol  string
		crmT, olT      time.Time
		prefer         Side
		want           string
		rule           Rule // "" when nothing changes
		conflictWinner Winner
	}{
		{name: "unchanged on both sides: nothing", base: "111", crm: "111", ol: "111", crmT: late, olT: early, want: "111"},
		{name: "changed in the CRM: copied to Outlook", base: "111", crm: "222", ol: "111", crmT: early, olT: late, want: "222", rule: RuleChangedInCRM},
		{name: "changed in Outlook: copied to the CRM", base: "111", crm: "111", ol: "333", crmT: late, olT: early, want: "333", rule: RuleChangedInOutlook},
		{name: "emptied in Outlook: the CRM is emptied too", base: "111", crm: "111", ol: "", crmT: early, olT: late, want: "", rule: RuleChangedInOutlook},
		{name: "emptied in the CRM: Outlook is emptied too", base: "111", crm: "", ol: "111", crmT: early, olT: late, want: "", rule: RuleChangedInCRM},
		{name: "filled in Outlook after being empty", base: "", crm: "", ol: "333", crmT: early, olT: late, want: "333", rule: RuleChangedInOutlook},
		{name: "changed on both sides to the same value: nothing to send", base: "111", crm: "444", ol: "444", crmT: early, olT: late, want: "444"},
		{name: "conflict: the CRM changed later and wins", base: "111", crm: "222", ol: "333", crmT: late, olT: early, want: "222", rule: RuleConflictLatest, conflictWinner: "crm"},
		{name: "conflict: Outlook changed later and wins", base: "111", crm: "222", ol: "333", crmT: early, olT: late, want: "333", rule: RuleConflictLatest, conflictWinner: "outlook"},
		{name: "conflict: Outlook later wins even when prefer is crm", base: "111", crm: "222", ol: "333", crmT: early, olT: late, prefer: CRM, want: "333", rule: RuleConflictLatest, conflictWinner: "outlook"},
		{name: "conflict: tie goes to --prefer crm (the default)", base: "111", crm: "222", ol: "333", crmT: early, olT: early, want: "222", rule: RuleConflictPrefer, conflictWinner: "crm"},
		{name: "conflict: tie goes to --prefer outlook", base: "111", crm: "222", ol: "333", crmT: early, olT: early, prefer: Outlook, want: "333", rule: RuleConflictPrefer, conflictWinner: "outlook"},
		{name: "conflict: Outlook time unknown goes to --prefer crm", base: "111", crm: "222", ol: "333", crmT: early, olT: unknown, want: "222", rule: RuleConflictPrefer, conflictWinner: "crm"},
		{name: "conflict: CRM time unknown goes to --prefer crm, not to the known time", base: "111", crm: "222", ol: "333", crmT: unknown, olT: late, want: "222", rule: RuleConflictPrefer, conflictWinner: "crm"},
		{name: "conflict: both times unknown go to --prefer outlook", base: "111", crm: "222", ol: "333", prefer: Outlook, want: "333", rule: RuleConflictPrefer, conflictWinner: "outlook"},
		{name: "conflict: one side emptied, the other changed; latest wins", base: "111", crm: "", ol: "333", crmT: late, olT: early, want: "", rule: RuleConflictLatest, conflictWinner: "crm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol := DefaultPolicy(specUser)
			pol.Prefer = tt.prefer
			st, crm, ol := linkedPair(pol, contact.PhoneBusiness, tt.base, tt.crm, tt.ol, tt.crmT, tt.olT)
			p := mustReconcile(t, st, crm, ol, pol)
			crmV, olV := after(p, crm, contact.PhoneBusiness)
			if crmV != tt.want || olV != tt.want {
				t.Errorf("after the cycle crm = %q, outlook = %q; want both %q\n%s", crmV, olV, tt.want, planText(p))
			}
			l := linkOf(p, "C1")
			if l == nil {
				t.Fatalf("link closed:\n%s", planText(p))
			}
			if got := l.Values()[contact.PhoneBusiness]; got != tt.want {
				t.Errorf("new base = %q, want %q", got, tt.want)
			}
			updates := len(p.CRM.Updates.Contacts()) + len(p.Outlook.Updates())
			switch {
			case tt.rule == "" && (len(p.Changes) > 0 || updates > 0):
				t.Errorf("want no change, plan has %d changes and %d updates:\n%s", len(p.Changes), updates, planText(p))
			case tt.rule != "" && !hasChange(p, Change{Link: 1, Side: anySide, Op: OpUpdate, Field: "phone_business", Rule: tt.rule}):
				t.Errorf("no update of phone_business by %q:\n%s", tt.rule, planText(p))
			}
			if tt.rule != "" && updates != 1 {
				t.Errorf("updates = %d CRM + %d Outlook, want exactly one side updated", len(p.CRM.Updates.Contacts()), len(p.Outlook.Updates()))
			}
			var winners []Winner
			for _, c := range p.Conflicts {
				winners = append(winners, c.Winner)
				if c.Base != tt.base || c.CRM != tt.crm || c.Outlook != tt.ol || c.Field != "phone_business" || c.Rule != tt.rule ||
					!c.CRMTime.Equal(tt.crmT) || !c.OutlookTime.Equal(tt.olT) {
					t.Errorf("conflict journaled as %+v, want base %q crm %q outlook %q, the times, rule %q", c, tt.base, tt.crm, tt.ol, tt.rule)
				}
			}
			var want []Winner
			if tt.conflictWinner != "" {
				want = []Winner{tt.conflictWinner}
			}
			if !slices.Equal(winners, want) {
				t.Errorf("conflict winners = %q, want %q", winners, want)
			}
		})
	}
}

// TestMergeInitialCycle: a pair linked by e-mail has no base yet. An empty
// value never overwrites a filled one; differing filled values are
// conflicts decided like any other.
func TestMergeInitialCycle(t *testing.T) {
	early, late := t0, t0.Add(time.Hour)
	tests := []struct {
		name           string
		crm, ol        string
		crmT, olT      time.Time
		want           string
		rule           Rule
		conflictWinner Winner
	}{
		{name: "both the same: nothing", crm: "111", ol: "111", crmT: early, olT: late, want: "111"},
		{name: "both empty: nothing", crm: "", ol: "", crmT: early, olT: late, want: ""},
		{name: "empty in the CRM never overwrites Outlook, even when newer", crm: "", ol: "333", crmT: late, olT: early, want: "333", rule: RuleInitialFill},
		{name: "empty in Outlook never overwrites the CRM, even when newer", crm: "222", ol: "", crmT: early, olT: late, want: "222", rule: RuleInitialFill},
		{name: "both filled and different: conflict, latest wins", crm: "222", ol: "333", crmT: early, olT: late, want: "333", rule: RuleConflictLatest, conflictWinner: "outlook"},
		{name: "both filled and different, same time: conflict, prefer crm", crm: "222", ol: "333", crmT: early, olT: early, want: "222", rule: RuleConflictPrefer, conflictWinner: "crm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			crm := dump(at(person("C1", "first=Ann", "last=Lee", "email1=ann@example.com", "phone_business="+tt.crm), tt.crmT))
			ol := folder(at(person("", "first=Ann", "last=Lee", "email1=ann@example.com", "phone_business="+tt.ol), tt.olT))
			p := mustReconcile(t, State{}, crm, ol, DefaultPolicy(specUser))
			l := linkOf(p, "C1")
			if l == nil {
				t.Fatalf("not linked:\n%s", planText(p))
			}
			crmV := crm.Contacts[0].Values[contact.PhoneBusiness]
			if u := crmUpdate(p, "C1"); u != nil {
				crmV = u.Values[contact.PhoneBusiness]
			}
			olV := folderRecord(p, l.OutlookKey).Values[contact.PhoneBusiness]
			if crmV != tt.want || olV != tt.want || l.Values()[contact.PhoneBusiness] != tt.want {
				t.Errorf("crm = %q, outlook = %q, base = %q; want all %q\n%s", crmV, olV, l.Values()[contact.PhoneBusiness], tt.want, planText(p))
			}
			if tt.rule == "" {
				if n := countOp(p, OpUpdate, anySide); n != 0 {
					t.Errorf("%d updates, want none:\n%s", n, planText(p))
				}
			} else if !hasChange(p, Change{Side: anySide, Op: OpUpdate, Field: "phone_business", Rule: tt.rule}) {
				t.Errorf("no phone_business update by %q:\n%s", tt.rule, planText(p))
			}
			var winners []Winner
			for _, c := range p.Conflicts {
				winners = append(winners, c.Winner)
			}
			var want []Winner
			if tt.conflictWinner != "" {
				want = []Winner{tt.conflictWinner}
			}
			if !slices.Equal(winners, want) {
				t.Errorf("conflict winners = %q, want %q", winners, want)
			}
		})
	}
}

// TestMergeCategoriesAsSets: with categories in the mapping, they merge as
// sets (DESIGN §6): kept where neither side removed them, added where
// either side added them, and never a conflict.
func TestMergeCategoriesAsSets(t *testing.T) {
	tests := []struct {
		name          string
		initial       bool
		base, crm, ol string
		want          []string
	}{
		{name: "added on both sides: union", base: "A", crm: "A;B", ol: "A;C", want: []string{"A", "B", "C"}},
		{name: "removed in Outlook, added in the CRM", base: "A;B", crm: "A;B;C", ol: "A", want: []string{"A", "C"}},
		{name: "removed in the CRM only", base: "A;B", crm: "B", ol: "A;B", want: []string{"B"}},
		{name: "removed on both sides", base: "A;B", crm: "A", ol: "A", want: []string{"A"}},
		{name: "removed on one side, another removed on the other", base: "A;B;C", crm: "A;C", ol: "A;B", want: []string{"A"}},
		{name: "all removed in Outlook", base: "A;B", crm: "A;B", ol: "", want: nil},
		{name: "blanks around members do not matter", base: "A;B", crm: "A; B", ol: "A;B;C", want: []string{"A", "B", "C"}},
		{name: "initial cycle: union of both sides", initial: true, crm: "A;B", ol: "B;C", want: []string{"A", "B", "C"}},
		{name: "initial cycle: one side empty", initial: true, crm: "", ol: "B;C", want: []string{"B", "C"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol := DefaultPolicy(specUser)
			pol.Fields = append(slices.Clone(DefaultMapping), contact.Categories)
			// Outlook changed later: a field merge would let Outlook win.
			st, crm, ol := linkedPair(pol, contact.Categories, tt.base, tt.crm, tt.ol, t0, t0.Add(time.Hour))
			if tt.initial {
				st = State{}
				crm.Contacts[0].Key = "C1"
				ol.Contacts[0].Key = ""
			}
			p := mustReconcile(t, st, crm, ol, pol)
			l := linkOf(p, "C1")
			if l == nil {
				t.Fatalf("no link:\n%s", planText(p))
			}
			crmV := crm.Contacts[0].Values[contact.Categories]
			if u := crmUpdate(p, "C1"); u != nil {
				crmV = u.Values[contact.Categories]
			}
			olV := folderRecord(p, l.OutlookKey).Values[contact.Categories]
			sorted := func(v string) []string {
				s := contact.SplitCategories(v)
				slices.Sort(s)
				return s
			}
			if got := sorted(crmV); !slices.Equal(got, tt.want) {
				t.Errorf("CRM categories = %q, want %q\n%s", crmV, strings.Join(tt.want, ";"), planText(p))
			}
			if got := sorted(olV); !slices.Equal(got, tt.want) {
				t.Errorf("Outlook categories = %q, want %q\n%s", olV, strings.Join(tt.want, ";"), planText(p))
			}
			if got := sorted(l.Values()[contact.Categories]); !slices.Equal(got, tt.want) {
				t.Errorf("base categories = %q, want %q", l.Values()[contact.Categories], strings.Join(tt.want, ";"))
			}
			if len(p.Conflicts) != 0 {
				t.Errorf("categories produced %d conflicts, want none", len(p.Conflicts))
			}
		})
	}
}

// TestUnmappedFieldsAreNotTransferred: only the fields of the mapping move
// (DESIGN §3 seed rule); notes are not in the default mapping.
func TestUnmappedFieldsAreNotTransferred(t *testing.T) {
	pol := DefaultPolicy(specUser)
	st, crm, ol := linkedPair(pol, contact.PhoneBusiness, "111", "111", "111", t0, t0)
	ol.Contacts[0].Values[contact.Notes] = "met at the fair"
	crm.Contacts[0].Values[contact.HomeCity] = "Oslo"
	p := mustReconcile(t, st, crm, ol, pol)
	if q := quiet(p); q != "" {
		t.Errorf("unmapped differences made the plan do %s:\n%s", q, planText(p))
	}
}

// TestMergeManyFieldsOneUpdatePerSide: several fields changed in one cycle
// give one update row per side, carrying every change, and one conflict
// per conflicting field.
func TestMergeManyFieldsOneUpdatePerSide(t *testing.T) {
	pol := DefaultPolicy(specUser)
	st, crm, ol := linkedPair(pol, contact.PhoneBusiness, "111", "111", "111", t0, t0.Add(time.Hour))
	crm.Contacts[0].Values[contact.JobTitle] = "CEO"
	crm.Contacts[0].Values[contact.PhoneMobile] = "999"
	ol.Contacts[0].Values[contact.BusinessCity] = "Bergen"
	ol.Contacts[0].Values[contact.PhoneMobile] = "888"
	p := mustReconcile(t, st, crm, ol, pol)
	if len(p.CRM.Updates.Contacts()) != 1 || len(p.Outlook.Updates()) != 1 {
		t.Fatalf("updates: %d CRM, %d Outlook; want one each\n%s", len(p.CRM.Updates.Contacts()), len(p.Outlook.Updates()), planText(p))
	}
	u, o := p.CRM.Updates.Contacts()[0], p.Outlook.Updates()[0]
	if u.Values[contact.BusinessCity] != "Bergen" || u.Values[contact.PhoneMobile] != "888" || u.Values[contact.JobTitle] != "CEO" {
		t.Errorf("CRM update = city %q mobile %q title %q, want Bergen 888 CEO", u.Values[contact.BusinessCity], u.Values[contact.PhoneMobile], u.Values[contact.JobTitle])
	}
	if o.Values[contact.JobTitle] != "CEO" || o.Values[contact.BusinessCity] != "Bergen" || o.Values[contact.PhoneMobile] != "888" {
		t.Errorf("Outlook update = title %q city %q mobile %q, want CEO Bergen 888", o.Values[contact.JobTitle], o.Values[contact.BusinessCity], o.Values[contact.PhoneMobile])
	}
	if len(p.Conflicts) != 1 || p.Conflicts[0].Field != "phone_mobile" || p.Conflicts[0].Winner != "outlook" {
		t.Errorf("conflicts = %+v, want one on phone_mobile won by outlook", p.Conflicts)
	}
	if u.CRM.AccountID != "A1" || trimID(u.Key) != "C1" {
		t.Errorf("CRM update lost the key or the account: key %q account %q", u.Key, u.CRM.AccountID)
	}
}
