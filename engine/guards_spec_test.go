package engine

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"contactsync/engine/contact"
)

// linkedWorld is n linked pairs after a first cycle; pair i has CRM id
// C%03d and e-mail p%03d@example.com.
func linkedWorld(t *testing.T, n int) *world {
	var crm, ol []contact.Contact
	for i := range n {
		email := fmt.Sprintf("p%03d@example.com", i)
		crm = append(crm, person(fmt.Sprintf("C%03d", i), "first=P", fmt.Sprintf("last=N%03d", i), "email1="+email))
		ol = append(ol, person("", "first=P", fmt.Sprintf("last=N%03d", i), "email1="+email))
	}
	w := newWorld(t, dump(crm...), folder(ol...))
	w.sync()
	return w
}

// checkGuard asserts that the cycle stops with the named guard, with a
// message and a hint, and that Force turns it into a notice.
func checkGuard(t *testing.T, w *world, guard Guard) {
	t.Helper()
	p, err := w.plan()
	if got := guardOf(err); got != guard {
		t.Fatalf("guard = %q (err %v), want %q\n%s", got, err, guard, planText(p))
	}
	if p != nil {
		t.Errorf("a stopped cycle returned a plan")
	}
	g := err.(*GuardError)
	if g.Message == "" || g.Hint == "" || !strings.HasPrefix(err.Error(), guard.String()+": ") {
		t.Errorf("guard error %q with hint %q: want a message and a hint", err, g.Hint)
	}
	// Allowing every other guard does not override this one.
	for _, g := range Guards {
		if g != guard {
			w.pol.Allow = append(w.pol.Allow, g)
		}
	}
	_, err = w.plan()
	if got := guardOf(err); got != guard {
		t.Errorf("allowing the other guards: guard = %q (err %v), want %q", got, err, guard)
	}
	for _, how := range []struct {
		by    string
		allow []Guard
		force bool
	}{{"--force", nil, true}, {"--allow " + guard.String(), []Guard{guard}, false}} {
		w.pol.Force, w.pol.Allow = how.force, how.allow
		p, err = w.plan()
		w.pol.Force, w.pol.Allow = false, nil
		if err != nil {
			t.Fatalf("with %s: %v", how.by, err)
		}
		want := guard.String() + " overridden by " + how.by + ": "
		found := false
		for _, n := range p.Notices {
			found = found || n.Kind == "guard-overridden" && strings.HasPrefix(n.Message, want)
		}
		if !found {
			t.Errorf("with %s the %s guard leaves no notice %q: %v", how.by, guard, want, p.Notices)
		}
	}
}

func TestGuardEmptyInput(t *testing.T) {
	t.Run("empty CRM dump while links exist", func(t *testing.T) {
		w := linkedWorld(t, 3)
		w.crm = CRMInput{HasSyncGroup: true}
		checkGuard(t, w, GuardEmptyInput)
	})
	t.Run("empty Outlook folder while links exist", func(t *testing.T) {
		w := linkedWorld(t, 3)
		w.ol = OutlookInput{}
		checkGuard(t, w, GuardEmptyInput)
	})
	t.Run("both empty on the first cycle is fine", func(t *testing.T) {
		p := mustReconcile(t, State{}, CRMInput{}, OutlookInput{}, DefaultPolicy(specUser))
		if q := quiet(p); q != "" {
			t.Errorf("empty first cycle does %s", q)
		}
	})
	t.Run("an empty side on the first cycle is fine", func(t *testing.T) {
		mustReconcile(t, State{}, dump(person("C1", "first=Ann", "email1=a@x.example")), OutlookInput{}, DefaultPolicy(specUser))
	})
}

// TestGuardNames: the names guards print and --allow takes are part of the
// interface (README, scripts); each parses back to its guard, in any
// letter case, and nothing else parses.
func TestGuardNames(t *testing.T) {
	want := map[Guard]string{
		GuardMaxDelete: "max-delete", GuardEmptyInput: "empty-input", GuardNotImported: "not-imported",
		GuardMappingChanged: "mapping-changed", GuardUserChanged: "user-changed", GuardUnknownHistory: "unknown-history",
	}
	if len(Guards) != len(want) {
		t.Errorf("Guards = %v, want the %d guards", Guards, len(want))
	}
	for _, g := range Guards {
		if g.String() != want[g] {
			t.Errorf("guard %d is named %q, want %q", g, g, want[g])
		}
		for _, name := range []string{want[g], strings.ToUpper(want[g])} {
			if got, err := ParseGuard(name); err != nil || got != g {
				t.Errorf("ParseGuard(%q) = %v, %v; want %v", name, got, err, g)
			}
		}
	}
	for _, bad := range []string{"", "-", "max_delete", "force"} {
		if g, err := ParseGuard(bad); err == nil {
			t.Errorf("ParseGuard(%q) = %v, want an error", bad, g)
		}
	}
	if got := Guard(0).String(); got != "-" {
		t.Errorf("the zero guard is named %q, want \"-\"", got)
	}
}

// TestGuardMaxDelete: more than --max-delete percent of the links, and at
// least the minimum number of records, deleted on a side stops the cycle.
func TestGuardMaxDelete(t *testing.T) {
	tests := []struct {
		name    string
		links   int
		deleted int
		side    Side // where the records disappear
		percent float64
		stop    bool
	}{
		{name: "5 of 20 deleted in the CRM: over 10% and at least 5", links: 20, deleted: 5, side: CRM, percent: 10, stop: true},
		{name: "4 of 20 deleted in the CRM: over 10% but fewer than 5", links: 20, deleted: 4, side: CRM, percent: 10},
		{name: "5 of 50 deleted in the CRM: exactly 10% is not more", links: 50, deleted: 5, side: CRM, percent: 10},
		{name: "6 of 50 deleted in the CRM: over 10%", links: 50, deleted: 6, side: CRM, percent: 10, stop: true},
		{name: "5 of 20 deleted in Outlook: over 10% and at least 5", links: 20, deleted: 5, side: Outlook, percent: 10, stop: true},
		{name: "4 of 20 deleted in Outlook: fewer than 5", links: 20, deleted: 4, side: Outlook, percent: 10},
		{name: "6 of 50 deleted in Outlook", links: 50, deleted: 6, side: Outlook, percent: 10, stop: true},
		{name: "5 of 50 deleted in Outlook: exactly 10%", links: 50, deleted: 5, side: Outlook, percent: 10},
		{name: "6 of 20 with --max-delete 50%", links: 20, deleted: 6, side: CRM, percent: 50},
		{name: "11 of 20 with --max-delete 50%", links: 20, deleted: 11, side: Outlook, percent: 50, stop: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := linkedWorld(t, tt.links)
			w.pol.MaxDeletePercent = tt.percent
			for i := range tt.deleted {
				if tt.side == CRM {
					w.deleteCRM(fmt.Sprintf("C%03d", i))
				} else {
					w.deleteOutlook(fmt.Sprintf("p%03d@example.com", i))
				}
			}
			if tt.stop {
				checkGuard(t, w, GuardMaxDelete)
				return
			}
			p, err := w.plan()
			if err != nil {
				t.Fatalf("unexpected stop: %v", err)
			}
			if got := endedCount(p); got != tt.deleted {
				t.Errorf("links ended = %d, want %d", got, tt.deleted)
			}
		})
	}
}

// TestGuardOutputsNotImported: what the last cycle created or changed on a
// side must show in that side's new export; otherwise the cycle stops
// instead of reading the missing work as a deletion or a change back.
func TestGuardOutputsNotImported(t *testing.T) {
	// setup runs a cycle that creates (OpCreate) or changes (OpUpdate) one
	// record on side, and imports its outputs on the other side only
	// unless imported is true.
	setup := func(t *testing.T, side Side, op Op, imported bool) *world {
		w := linkedWorld(t, 3)
		switch {
		case op == OpCreate && side == Outlook:
			w.crm.Contacts = append(w.crm.Contacts, person("C100", "first=New", "last=InCRM", "email1=new@crm.example"))
			w.crm.SyncGroup = append(w.crm.SyncGroup, "C100")
		case op == OpCreate && side == CRM:
			w.ol.Contacts = append(w.ol.Contacts, person("", "first=New", "last=InOutlook", "email1=new@ol.example", "company=Acme"))
		case op == OpUpdate && side == Outlook:
			w.editCRM("C001", "phone_business", "999", w.now)
		case op == OpUpdate && side == CRM:
			w.editOutlook("p001@example.com", "phone_business", "999", w.now)
		}
		crmBefore, olBefore := w.crm, w.ol
		p := w.sync()
		if p.Counts.CRMCreated+p.Counts.OutlookCreated+p.Counts.CRMUpdated+p.Counts.OutlookUpdated != 1 {
			t.Fatalf("setup cycle did not make exactly one output:\n%s", planText(p))
		}
		if !imported {
			if side == CRM {
				w.crm = crmBefore
			} else {
				w.ol = olBefore
			}
		}
		return w
	}
	for _, side := range []Side{CRM, Outlook} {
		for _, op := range []Op{OpCreate, OpUpdate} {
			t.Run(fmt.Sprintf("%s %s not imported", side, op), func(t *testing.T) {
				checkGuard(t, setup(t, side, op, false), GuardNotImported)
			})
			t.Run(fmt.Sprintf("%s %s imported", side, op), func(t *testing.T) {
				setup(t, side, op, true).syncQuiet()
			})
		}
	}
}

// TestGuardMappingOrUserChanged: a new mapping changes what "unchanged"
// means and a new user changes what is visible; both need Force. Forced,
// the plan must say a guard was overridden, like every other guard does.
func TestGuardMappingOrUserChanged(t *testing.T) {
	t.Run("mapping changed", func(t *testing.T) {
		w := linkedWorld(t, 2)
		w.pol.Fields = append(slices.Clone(DefaultMapping), contact.Notes)
		checkGuard(t, w, GuardMappingChanged)
	})
	t.Run("user changed", func(t *testing.T) {
		w := linkedWorld(t, 2)
		w.pol.User = "UOTHER000001"
		checkGuard(t, w, GuardUserChanged)
	})
	t.Run("same mapping and user", func(t *testing.T) {
		w := linkedWorld(t, 2)
		w.syncQuiet()
	})
}

// TestPartlyImportedUpdateIsNotSentBack: when only some of the last cycle's
// updates arrived, the missing one must not be read as the user changing
// the field back: it is either a stop (not-imported) or no change at all,
// never an update that reverts the other side.
func TestPartlyImportedUpdateIsNotSentBack(t *testing.T) {
	w := linkedWorld(t, 3)
	w.editCRM("C000", "phone_business", "900", w.now)
	w.editCRM("C001", "phone_business", "901", w.now)
	olBefore := w.ol
	p := w.sync()
	if len(p.Outlook.Updates()) != 2 {
		t.Fatalf("setup: %d Outlook updates, want 2", len(p.Outlook.Updates()))
	}
	// Outlook imported the first update only.
	w.ol.Contacts[1] = olBefore.Contacts[1]
	p, err := w.plan()
	if guardOf(err) == GuardNotImported {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if u := crmUpdate(p, "C001"); u != nil && u.Values[contact.PhoneBusiness] != "901" {
		t.Errorf("the update Outlook did not import is sent back to the CRM as %q:\n%s", u.Values[contact.PhoneBusiness], planText(p))
	}
}

// TestCreatedThenDeleted: the not-imported guard fires only when a side
// shows nothing of the last cycle. When some of what was created there
// shows, the import happened, and a created record that is missing was
// deleted afterwards: a deletion journaled as such.
func TestCreatedThenDeleted(t *testing.T) {
	t.Run("in Outlook", func(t *testing.T) {
		w := newWorld(t, dump(
			person("C1", "first=Ann", "last=Lee", "email1=ann@example.com"),
			person("C2", "first=Bob", "last=Ray", "email1=bob@example.com")), folder())
		w.sync() // both created in Outlook, and imported
		w.deleteOutlook("bob@example.com")
		p := w.sync()
		if !hasChange(p, Change{Side: CRM, Op: OpGroupRemove, Old: "C2", Rule: RuleDeletedAfterImport}) {
			t.Errorf("Bob, deleted in Outlook after the import, does not leave the sync group by %s:\n%s", RuleDeletedAfterImport, planText(p))
		}
		w.syncQuiet()
	})
	t.Run("in the CRM", func(t *testing.T) {
		w := newWorld(t, dump(), folder(
			person("", "first=Ann", "last=Lee", "email1=ann@example.com"),
			person("", "first=Bob", "last=Ray", "email1=bob@example.com")))
		w.sync() // both created in the CRM, and imported
		for _, c := range w.crm.Contacts {
			if c.Values[contact.First] == "Bob" {
				w.deleteCRM(trimID(c.Key))
			}
		}
		p := w.sync()
		if !hasChange(p, Change{Side: Outlook, Op: OpDelete, Rule: RuleDeletedAfterImport}) || len(p.Outlook.Deleted()) != 1 {
			t.Errorf("Bob, deleted in the CRM after the import, does not go to Deleted Items by %s:\n%s", RuleDeletedAfterImport, planText(p))
		}
		w.syncQuiet()
	})
	t.Run("a side showing nothing still stops the cycle", func(t *testing.T) {
		w := newWorld(t, dump(
			person("C1", "first=Ann", "last=Lee", "email1=ann@example.com"),
			person("C2", "first=Bob", "last=Ray", "email1=bob@example.com")), folder())
		p, err := w.plan()
		if err != nil {
			t.Fatal(err)
		}
		w.commit(p)
		w.ol = folder(person("", "first=Zed", "last=Zo", "email1=zed@example.com")) // the Outlook import did not happen
		checkGuard(t, w, GuardNotImported)
	})
}
