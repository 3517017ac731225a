package engine

import (
	"testing"

	"contactsync/engine/contact"
)

// directionWorld is two linked pairs (C1 Ann, C2 Bob) after a first cycle.
func directionWorld(t *testing.T) *world {
	w := newWorld(t,
		dump(person("C1", "first=Ann", "last=Lee", "email1=ann@example.com", "phone_business=111"),
			person("C2", "first=Bob", "last=Ray", "email1=bob@example.com")),
		folder(person("", "first=Ann", "last=Lee", "email1=ann@example.com", "phone_business=111"),
			person("", "first=Bob", "last=Ray", "email1=bob@example.com")))
	w.sync()
	return w
}

// TestDirectionToOutlook: CRM changes flow to Outlook; Outlook changes are
// held and journaled (DESIGN §6), and flow once the direction allows.
func TestDirectionToOutlook(t *testing.T) {
	w := directionWorld(t)
	w.pol.Direction = ToOutlook
	w.editCRM("C2", "job_title", "CFO", w.now)
	w.editOutlook("ann@example.com", "phone_business", "222", w.now)
	w.ol.Contacts = append(w.ol.Contacts, person("", "first=Cy", "last=Doe", "email1=cy@example.com"))
	w.crm.Contacts = append(w.crm.Contacts, person("C3", "first=Dee", "last=Fox", "email1=dee@example.com"))
	w.crm.SyncGroup = append(w.crm.SyncGroup, "C3")
	p := w.sync()
	if p.Direction != ToOutlook || p.Direction.String() != "to-outlook" {
		t.Errorf("plan direction = %q", p.Direction)
	}
	if len(p.CRM.Updates.Contacts())+len(p.CRM.New.Contacts())+len(p.CRM.NewAccounts)+len(p.CRM.GroupAdd)+len(p.CRM.GroupRemove) != 0 {
		t.Errorf("a to-outlook cycle asks the CRM to change: %+v\n%s", p.CRM, planText(p))
	}
	if !hasChange(p, Change{Side: CRM, Op: OpHeld, Field: "phone_business", Old: "111", New: "222", Rule: RuleDirection}) {
		t.Errorf("held Outlook edit not journaled:\n%s", planText(p))
	}
	if !hasChange(p, Change{Side: CRM, Op: OpHeld, New: "Cy Doe", Rule: RuleDirection}) {
		t.Errorf("held Outlook creation not journaled:\n%s", planText(p))
	}
	if p.Counts.Held != 2 {
		t.Errorf("counts.held = %d, want 2", p.Counts.Held)
	}
	if o := w.outlookContact("bob@example.com"); o.Values[contact.JobTitle] != "CFO" {
		t.Errorf("CRM edit did not reach Outlook: title %q", o.Values[contact.JobTitle])
	}
	if len(p.Outlook.New.Contacts()) != 1 || p.Outlook.New.Contacts()[0].Values[contact.Email1] != "dee@example.com" {
		t.Errorf("Outlook creations = %+v, want Dee Fox", p.Outlook.New.Contacts())
	}
	if o := w.outlookContact("ann@example.com"); o.Values[contact.PhoneBusiness] != "222" {
		t.Errorf("the held Outlook edit was overwritten in Outlook: %q", o.Values[contact.PhoneBusiness])
	}

	// Still one-way: the held edit is journaled again, not lost.
	p = w.sync()
	if !hasChange(p, Change{Side: CRM, Op: OpHeld, Field: "phone_business", New: "222"}) {
		t.Errorf("cycle 3 forgot the held edit:\n%s", planText(p))
	}

	// Both ways again: what was held arrives.
	w.pol.Direction = Both
	p = w.sync()
	if u := crmUpdate(p, "C1"); u == nil || u.Values[contact.PhoneBusiness] != "222" {
		t.Errorf("held edit did not flow once the direction allowed it:\n%s", planText(p))
	}
	if len(p.CRM.New.Contacts()) != 1 || p.CRM.New.Contacts()[0].Values[contact.Email1] != "cy@example.com" {
		t.Errorf("held creation did not flow: %+v", p.CRM.New.Contacts())
	}
	w.syncQuiet()
}

// TestDirectionToCRM: the mirror image.
func TestDirectionToCRM(t *testing.T) {
	w := directionWorld(t)
	w.pol.Direction = ToCRM
	w.editCRM("C1", "phone_business", "333", w.now)
	w.editOutlook("bob@example.com", "job_title", "CFO", w.now)
	w.crm.Contacts = append(w.crm.Contacts, person("C3", "first=Dee", "last=Fox", "email1=dee@example.com"))
	w.crm.SyncGroup = append(w.crm.SyncGroup, "C3")
	p := w.sync()
	if len(p.Outlook.New.Contacts())+len(p.Outlook.Updates())+len(p.Outlook.Deleted()) != 0 {
		t.Errorf("a to-crm cycle asks Outlook to change:\n%s", planText(p))
	}
	if !hasChange(p, Change{Side: Outlook, Op: OpHeld, Field: "phone_business", Old: "111", New: "333", Rule: RuleDirection}) {
		t.Errorf("held CRM edit not journaled:\n%s", planText(p))
	}
	if !hasChange(p, Change{Side: Outlook, Op: OpHeld, New: "Dee Fox", Rule: RuleDirection}) {
		t.Errorf("held CRM creation not journaled:\n%s", planText(p))
	}
	if u := crmUpdate(p, "C2"); u == nil || u.Values[contact.JobTitle] != "CFO" {
		t.Errorf("Outlook edit did not reach the CRM:\n%s", planText(p))
	}
	if w.crmContact("C1").Values[contact.PhoneBusiness] != "333" {
		t.Errorf("the held CRM edit was overwritten in the CRM")
	}
}

// TestDirectionDecidesConflicts: in a one-way cycle the sending side wins
// every conflict, whatever the times say.
func TestDirectionDecidesConflicts(t *testing.T) {
	for _, tt := range []struct {
		dir    Direction
		winner Winner
		want   string
	}{{ToOutlook, "crm", "222"}, {ToCRM, "outlook", "333"}} {
		t.Run(tt.dir.String(), func(t *testing.T) {
			pol := DefaultPolicy(specUser)
			pol.Direction = tt.dir
			// The losing side changed later: only the direction can decide.
			crmT, olT := t0, t0
			if tt.dir == ToOutlook {
				olT = t0.Add(1)
			} else {
				crmT = t0.Add(1)
			}
			st, crm, ol := linkedPair(pol, contact.PhoneBusiness, "111", "222", "333", crmT, olT)
			p := mustReconcile(t, st, crm, ol, pol)
			if len(p.Conflicts) != 1 || p.Conflicts[0].Winner != tt.winner || p.Conflicts[0].Rule != RuleConflictDirection {
				t.Fatalf("conflicts = %+v, want one won by %s by %s", p.Conflicts, tt.winner, RuleConflictDirection)
			}
			crmV, olV := after(p, crm, contact.PhoneBusiness)
			if crmV != tt.want || olV != tt.want {
				t.Errorf("after: crm %q outlook %q, want both %q", crmV, olV, tt.want)
			}
		})
	}
}

// TestDirectionHoldsDeletions: a deletion is a change sent to the other
// side, so a one-way cycle must hold it like any other change: to-crm
// never moves an Outlook contact to Deleted Items, to-outlook never takes
// a contact out of the CRM sync group.
func TestDirectionHoldsDeletions(t *testing.T) {
	t.Run("to-crm holds the Outlook deletion", func(t *testing.T) {
		w := directionWorld(t)
		w.pol.Direction = ToCRM
		w.deleteCRM("C1")
		p, err := w.plan()
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Outlook.Deleted()) != 0 {
			t.Errorf("to-crm cycle moves an Outlook contact to Deleted Items:\n%s", planText(p))
		}
		if !hasChange(p, Change{Side: Outlook, Op: OpHeld}) {
			t.Errorf("the held deletion is not journaled:\n%s", planText(p))
		}
	})
	t.Run("to-outlook holds the sync group removal", func(t *testing.T) {
		w := directionWorld(t)
		w.pol.Direction = ToOutlook
		w.deleteOutlook("ann@example.com")
		p, err := w.plan()
		if err != nil {
			t.Fatal(err)
		}
		if len(p.CRM.GroupRemove) != 0 {
			t.Errorf("to-outlook cycle changes the CRM sync group:\n%s", planText(p))
		}
		if !hasChange(p, Change{Side: CRM, Op: OpHeld}) {
			t.Errorf("the held removal is not journaled:\n%s", planText(p))
		}
	})
}

func TestParseDirectionAndSide(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Direction
		ok   bool
	}{{"", Both, true}, {"both", Both, true}, {"To-Outlook", ToOutlook, true}, {"to-crm", ToCRM, true}, {"sideways", Both, false}} {
		got, err := ParseDirection(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParseDirection(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if tt.ok && got.String() != map[Direction]string{Both: "both", ToOutlook: "to-outlook", ToCRM: "to-crm"}[tt.want] {
			t.Errorf("%v.String() = %q", got, got.String())
		}
	}
	for _, tt := range []struct {
		in   string
		want Side
		ok   bool
	}{{"crm", CRM, true}, {"Outlook", Outlook, true}, {"both", NoSide, false}} {
		got, err := ParseSide(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParseSide(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	if CRM.Other() != Outlook || Outlook.Other() != CRM {
		t.Errorf("Other() does not swap the sides")
	}
}
