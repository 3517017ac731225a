package engine

import (
	"strings"
	"testing"
	"time"

	"contactsync/engine/contact"
)

func owned(c contact.Contact, owner string) contact.Contact {
	c.CRM.Owner = owner
	return c
}

// TestVisibility: CRM contacts whose owner the syncing user may not see are
// neither sent to Outlook, nor linked by e-mail, nor changed; the plan
// counts them. A linked contact that becomes invisible leaves Outlook like
// one that left the sync group.
func TestVisibility(t *testing.T) {
	crm := dump(
		owned(person("C1", "first=Ann", "last=Lee", "email1=ann@example.com"), contact.Everyone),
		owned(person("C2", "first=Bob", "last=Ray", "email1=bob@example.com"), "F00000000001"),
		owned(person("C3", "first=Cy", "last=Doe", "email1=cy@example.com"), "F00000000002"),
	)
	crm.Visible = map[string]bool{"F00000000001": true}
	w := newWorld(t, crm, folder(person("", "first=Cy", "last=Doe", "email1=cy@example.com", "job_title=Boss")))
	p := w.sync()
	if p.Counts.NotVisible != 1 {
		t.Errorf("NotVisible = %d, want 1", p.Counts.NotVisible)
	}
	if linkOf(p, "C3") != nil {
		t.Errorf("the invisible C3 was linked:\n%s", planText(p))
	}
	if crmUpdate(p, "C3") != nil {
		t.Errorf("the invisible C3 was changed")
	}
	for _, c := range p.Outlook.New {
		if c.Values[contact.Email1] == "cy@example.com" {
			t.Errorf("the invisible C3 was sent to Outlook")
		}
	}
	if linkOf(p, "C1") == nil || linkOf(p, "C2") == nil {
		t.Fatalf("visible contacts not synced:\n%s", planText(p))
	}
	w.syncQuiet()

	// Bob's owner is taken away from the user: Bob leaves Outlook.
	w.crm.Visible = map[string]bool{}
	p = w.sync()
	if !hasChange(p, Change{Side: "outlook", Op: OpDelete, Rule: RuleNotVisible}) {
		t.Errorf("Bob did not leave Outlook by %s:\n%s", RuleNotVisible, planText(p))
	}
}

// TestFieldDirections: a mapping can make single fields one-way; such a
// field's other-way change is held and journaled, and its conflicts go to
// the side it flows from.
func TestFieldDirections(t *testing.T) {
	w := newWorld(t,
		dump(person("C1", "first=Ann", "last=Lee", "email1=ann@example.com", "job_title=Buyer", "phone_business=1")),
		folder(person("", "first=Ann", "last=Lee", "email1=ann@example.com", "job_title=Buyer", "phone_business=1")))
	w.pol.FieldDirections = map[contact.Field]Direction{contact.JobTitle: ToOutlook}
	w.sync()
	w.syncQuiet()
	later := w.now.Add(time.Hour)
	w.editOutlook("ann@example.com", "job_title", "Chief Buyer", later)
	w.editOutlook("ann@example.com", "phone_business", "2", later)
	p := w.sync()
	if !hasChange(p, Change{Side: "crm", Op: OpHeld, Field: "job_title", Rule: RuleDirection}) {
		t.Errorf("the Outlook job title was not held:\n%s", planText(p))
	}
	if !hasChange(p, Change{Side: "crm", Op: OpUpdate, Field: "phone_business", New: "2", Rule: RuleChangedInOutlook}) {
		t.Errorf("the two-way phone was not sent to the CRM:\n%s", planText(p))
	}
	if p.Mapping == MappingText(DefaultMapping) || !strings.Contains(p.Mapping, "job_title:to-outlook") {
		t.Errorf("mapping %q does not record the field's direction", p.Mapping)
	}
}
