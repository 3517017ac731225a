package engine

import (
	"slices"
	"testing"

	"contactsync/engine/contact"
)

// TestCreateInOutlook: a sync-group member linked to nothing is created in
// Outlook with the mapped fields only, under a sync key, and is in the
// folder snapshot.
func TestCreateInOutlook(t *testing.T) {
	c := person("C1", "first=Zoë", "last=Núñez", "company=Acme", "email1=zoe@acme.example",
		"phone_business=+47 22 00 00 00", "address_business.street=Gate 1\nPostboks 7", "notes=internal only")
	outside := person("C2", "first=Bob", "last=Ray", "email1=bob@acme.example")
	crm := CRMInput{Contacts: []contact.Contact{c, outside}, HasSyncGroup: true, SyncGroup: []string{"C1  "}}
	p := mustReconcile(t, State{}, crm, folder(), DefaultPolicy(specUser))
	if len(p.Outlook.New.Contacts()) != 1 {
		t.Fatalf("Outlook creations = %d, want 1 (C2 is outside the sync group)\n%s", len(p.Outlook.New.Contacts()), planText(p))
	}
	n := p.Outlook.New.Contacts()[0]
	l := linkOf(p, "C1")
	if l == nil || n.Key != l.OutlookKey || n.Key != SyncKey(l.ID) {
		t.Fatalf("new Outlook contact key %q, link %+v; want the link's sync key", n.Key, l)
	}
	for _, f := range DefaultMapping {
		if n.Values[f] != c.Values[f] {
			t.Errorf("created %s = %q, want %q", f, n.Values[f], c.Values[f])
		}
	}
	if n.Values[contact.Notes] != "" {
		t.Errorf("unmapped notes were copied to Outlook: %q", n.Values[contact.Notes])
	}
	if folderRecord(p, n.Key) == nil {
		t.Errorf("the created contact is not in the folder snapshot")
	}
	if l.PendingOutlook().Op != OpCreate {
		t.Errorf("pending Outlook op = %q, want create", l.PendingOutlook().Op)
	}
	if !hasChange(p, Change{Side: Outlook, Op: OpCreate, Rule: RuleNewInCRM}) {
		t.Errorf("creation not journaled:\n%s", planText(p))
	}
}

// TestCreateInCRM: an Outlook contact that links to nothing is created in
// the CRM with the mapped fields; the Outlook record keeps its place in the
// folder and gets the sync key.
func TestCreateInCRM(t *testing.T) {
	o := person("", "first=Øyvind", "last=Øster", "company=Fjord AS", "email1=oyvind@fjord.example",
		"phone_mobile=+47 900 00 000", "notes=likes \"quotes\", and commas")
	crm := dump()
	crm.Accounts = []contact.Account{{ID: "AFJORD000001", Name: "Fjord AS", Owner: "SECFJORD0001"}}
	p := mustReconcile(t, State{}, crm, folder(o), DefaultPolicy(specUser))
	if len(p.CRM.New.Contacts()) != 1 {
		t.Fatalf("CRM creations = %d, want 1\n%s", len(p.CRM.New.Contacts()), planText(p))
	}
	n := p.CRM.New.Contacts()[0]
	for _, f := range DefaultMapping {
		if n.Values[f] != o.Values[f] {
			t.Errorf("created %s = %q, want %q", f, n.Values[f], o.Values[f])
		}
	}
	if n.Key != "" {
		t.Errorf("new CRM contact has CONTACTID %q; the CRM assigns it", n.Key)
	}
	if n.CRM.AccountID != "AFJORD000001" {
		t.Errorf("account id = %q, want AFJORD000001", n.CRM.AccountID)
	}
	if len(p.Outlook.Folder()) != 1 || p.Outlook.Folder()[0].Key == "" || p.Outlook.Folder()[0].Values != o.Values {
		t.Fatalf("folder snapshot = %+v, want the Outlook contact unchanged with a sync key", p.Outlook.Folder())
	}
	if len(p.Links) != 1 || p.Links[0].OutlookKey != p.Outlook.Folder()[0].Key || p.Links[0].PendingCRM().Op != OpCreate || p.Links[0].CRMID != "" {
		t.Errorf("links = %+v, want one link waiting for the CRM to create it", p.Links)
	}
}

// TestCreatedRecordsLinkBack: after the created records are imported, the
// next cycle finds them (the CRM assigned new CONTACTIDs) and does nothing.
func TestCreatedRecordsLinkBack(t *testing.T) {
	tests := []struct {
		name string
		ol   contact.Contact
	}{
		{"with e-mail and company", person("", "first=Ann", "last=Lee", "company=Acme", "email1=ann@acme.example")},
		{"with e-mail, without company", person("", "first=Cy", "last=Doe", "email1=cy@example.com")},
		{"without e-mail, with company", person("", "first=Dee", "last=Fox", "company=Acme", "phone_business=555")},
		{"without e-mail and company", person("", "first=Eve", "last=Gray", "phone_mobile=777")},
		{"company only, like a reception desk", person("", "company=Initech", "phone_business=800 123")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			crm := dump(person("C1", "first=Hal", "last=Ito", "company=Acme", "email1=hal@acme.example"))
			crm.Accounts = []contact.Account{{ID: "A1", Name: "Acme"}}
			w := newWorld(t, crm, folder(tt.ol))
			p := w.sync()
			if len(p.CRM.New.Contacts()) != 1 || len(p.Outlook.New.Contacts()) != 1 {
				t.Fatalf("cycle 1 created %d in the CRM and %d in Outlook, want 1 and 1", len(p.CRM.New.Contacts()), len(p.Outlook.New.Contacts()))
			}
			p2, err := w.plan()
			if err != nil {
				t.Fatalf("cycle 2 after importing cycle 1: %v", err)
			}
			if q := quiet(p2); q != "" {
				t.Fatalf("cycle 2 does %s, want nothing:\n%s", q, planText(p2))
			}
			for _, l := range p2.Links {
				if l.CRMID == "" {
					t.Errorf("link %d still waits for its CRM contact", l.ID)
				}
			}
		})
	}
}

// TestDeletedInCRM: a linked CRM contact that is gone from the dump, or left
// the sync group, sends its Outlook contact to Deleted Items and ends the
// link; the CRM is not touched.
func TestDeletedInCRM(t *testing.T) {
	tests := []struct {
		name string
		gone func(w *world)
		rule Rule
	}{
		{"deleted from the CRM", func(w *world) { w.deleteCRM("C1") }, RuleDeletedInCRM},
		{"removed from the sync group", func(w *world) { w.leaveGroup("C1") }, RuleLeftSyncGroup},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t,
				dump(person("C1", "first=Ann", "last=Lee", "email1=ann@example.com", "phone_business=111"),
					person("C2", "first=Bob", "last=Ray", "email1=bob@example.com")),
				folder(person("", "first=Ann", "last=Lee", "email1=ann@example.com", "phone_business=111")))
			w.sync()
			key := w.outlookContact("ann@example.com").Key
			tt.gone(w)
			p := w.sync()
			if len(p.Outlook.Deleted()) != 1 || p.Outlook.Deleted()[0].Key != key {
				t.Fatalf("Outlook deletions = %+v, want the contact %q\n%s", p.Outlook.Deleted(), key, planText(p))
			}
			if folderRecord(p, key) != nil {
				t.Errorf("the deleted contact is still in the folder snapshot")
			}
			if linkOf(p, "C1") != nil || !ended(p, 1) {
				t.Errorf("link 1 still open (closed: %v)", p.Closed)
			}
			if !hasChange(p, Change{Link: 1, Side: Outlook, Op: OpDelete, Rule: tt.rule}) {
				t.Errorf("no deletion by %q:\n%s", tt.rule, planText(p))
			}
			if len(p.CRM.Updates.Contacts())+len(p.CRM.New.Contacts())+len(p.CRM.GroupAdd)+len(p.CRM.GroupRemove) != 0 {
				t.Errorf("the CRM is asked to change: %+v", p.CRM)
			}
			if p.Counts.OutlookDeleted != 1 {
				t.Errorf("counts.outlook_deleted = %d, want 1", p.Counts.OutlookDeleted)
			}
			w.syncQuiet()
		})
	}
}

// TestDeletedInCRMJournalsLostOutlookEdits: an Outlook edit made since the
// last cycle is discarded by the deletion; the journal says what was lost.
func TestDeletedInCRMJournalsLostOutlookEdits(t *testing.T) {
	w := newWorld(t,
		dump(person("C1", "first=Ann", "last=Lee", "email1=ann@example.com", "phone_business=111"),
			person("C2", "first=Bob", "last=Ray", "email1=bob@example.com")),
		folder(person("", "first=Ann", "last=Lee", "email1=ann@example.com", "phone_business=111")))
	w.sync()
	w.editOutlook("ann@example.com", "phone_business", "222", w.now)
	w.deleteCRM("C1")
	p, err := w.plan()
	if err != nil {
		t.Fatal(err)
	}
	if !hasChange(p, Change{Link: 1, Side: Outlook, Op: OpLost, Field: "phone_business", Old: "111", New: "222", Rule: RuleDeletedInCRM}) {
		t.Errorf("lost edit not journaled:\n%s", planText(p))
	}
	if n := countOp(p, OpLost, anySide); n != 1 {
		t.Errorf("%d lost edits journaled, want 1", n)
	}
}

// TestDeletedInOutlook: a linked Outlook contact gone from the sync folder
// takes its CRM contact out of the sync group. The CRM contact is never
// deleted, and it is not created again in Outlook.
func TestDeletedInOutlook(t *testing.T) {
	w := newWorld(t,
		dump(person("C1", "first=Ann", "last=Lee", "email1=ann@example.com"),
			person("C2", "first=Bob", "last=Ray", "email1=bob@example.com")),
		folder(person("", "first=Ann", "last=Lee", "email1=ann@example.com"),
			person("", "first=Bob", "last=Ray", "email1=bob@example.com")))
	w.sync()
	w.deleteOutlook("ann@example.com")
	p := w.sync()
	if !slices.Equal(p.CRM.GroupRemove, []string{"C1"}) {
		t.Errorf("sync group removals = %q, want [C1]\n%s", p.CRM.GroupRemove, planText(p))
	}
	if !hasChange(p, Change{Side: CRM, Op: OpGroupRemove, Old: "C1", Rule: RuleDeletedInOutlook}) {
		t.Errorf("group removal not journaled:\n%s", planText(p))
	}
	if len(p.CRM.Updates.Contacts())+len(p.CRM.New.Contacts()) != 0 || len(p.Outlook.New.Contacts())+len(p.Outlook.Deleted()) != 0 {
		t.Errorf("plan does more than leave the group: %s\n%s", quiet(p), planText(p))
	}
	if linkOf(p, "C1") != nil {
		t.Errorf("link of C1 is still open")
	}
	if !slices.ContainsFunc(w.crm.Contacts, func(c contact.Contact) bool { return c.Key == "C1" }) {
		t.Errorf("C1 disappeared from the CRM")
	}
	w.syncQuiet()
}

// TestDeletedInOutlookWithoutSyncGroupStaysDeleted: with no syncgroup.csv
// every CRM contact is in scope, so "remove from the group" cannot take
// the contact out of scope; the deletion must still hold in later cycles
// instead of the contact reappearing in Outlook.
func TestDeletedInOutlookWithoutSyncGroupStaysDeleted(t *testing.T) {
	crm := CRMInput{Contacts: []contact.Contact{
		person("C1", "first=Ann", "last=Lee", "email1=ann@example.com"),
		person("C2", "first=Bob", "last=Ray", "email1=bob@example.com"),
	}}
	w := newWorld(t, crm, folder(
		person("", "first=Ann", "last=Lee", "email1=ann@example.com"),
		person("", "first=Bob", "last=Ray", "email1=bob@example.com")))
	w.sync()
	w.deleteOutlook("ann@example.com")
	w.sync()
	p := w.sync()
	if len(p.Outlook.New.Contacts()) != 0 {
		t.Errorf("the contact deleted in Outlook two cycles ago is created again:\n%s", planText(p))
	}
}

// TestCreatedCRMContactArrivesOutsideSyncGroup: DESIGN §6 says a contact
// created in the CRM for a new Outlook contact is added to the sync group.
// When it arrives outside the group (the import did not add it), the
// engine must add it, not read it as "removed from the sync group" and
// send the user's Outlook contact to Deleted Items.
func TestCreatedCRMContactArrivesOutsideSyncGroup(t *testing.T) {
	w := newWorld(t, dump(), folder(person("", "first=Ann", "last=Lee", "email1=ann@example.com", "company=Acme")))
	w.crm.Accounts = []contact.Account{{ID: "A1", Name: "Acme"}}
	w.sync()
	id := trimID(w.crm.Contacts[0].Key)
	w.leaveGroup(id) // the import created the contact but did not add it to the group
	p, err := w.plan()
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Outlook.Deleted()) != 0 {
		t.Errorf("the Outlook contact is sent to Deleted Items because its new CRM contact is not in the sync group yet:\n%s", planText(p))
	}
	if !slices.Contains(p.CRM.GroupAdd, id) {
		t.Errorf("sync group additions = %q, want the new contact %q", p.CRM.GroupAdd, id)
	}
}

// TestGoneOnBothSides: the link ends and nothing else happens.
func TestGoneOnBothSides(t *testing.T) {
	w := newWorld(t,
		dump(person("C1", "first=Ann", "last=Lee", "email1=ann@example.com"),
			person("C2", "first=Bob", "last=Ray", "email1=bob@example.com")),
		folder(person("", "first=Ann", "last=Lee", "email1=ann@example.com"),
			person("", "first=Bob", "last=Ray", "email1=bob@example.com")))
	w.sync()
	w.deleteOutlook("ann@example.com")
	w.deleteCRM("C1")
	p := w.sync()
	if !hasChange(p, Change{Link: 1, Side: NoSide, Op: OpUnlink, Rule: RuleGoneBoth}) || linkOf(p, "C1") != nil {
		t.Errorf("link 1 not ended as gone on both sides:\n%s", planText(p))
	}
	if len(p.Outlook.Deleted())+len(p.CRM.GroupRemove)+len(p.Outlook.New.Contacts())+len(p.CRM.New.Contacts()) != 0 {
		t.Errorf("plan does more than end the link:\n%s", planText(p))
	}
}

// TestIncompleteSideHoldsPresence: when a side's export had records set
// aside (--skip-invalid), a record missing from it may be one of them, so
// its link is held, not ended; the next complete export decides.
func TestIncompleteSideHoldsPresence(t *testing.T) {
	w := newWorld(t,
		dump(person("C1", "first=Ann", "last=Lee", "email1=ann@example.com"),
			person("C2", "first=Bob", "last=Ray", "email1=bob@example.com")),
		folder(person("", "first=Ann", "last=Lee", "email1=ann@example.com"),
			person("", "first=Bob", "last=Ray", "email1=bob@example.com")))
	w.sync()
	w.syncQuiet()

	// Ann's Outlook row was unreadable and set aside.
	saved := OutlookInput{Contacts: slices.Clone(w.ol.Contacts)}
	w.deleteOutlook("ann@example.com")
	w.ol.Incomplete = true
	p, err := w.plan()
	if err != nil {
		t.Fatal(err)
	}
	if len(p.CRM.GroupRemove) != 0 || linkOf(p, "C1") == nil || !hasChange(p, Change{Side: NoSide, Op: OpHeld, Rule: RuleIncomplete}) {
		t.Fatalf("an incomplete Outlook export ended Ann's link:\n%s", planText(p))
	}

	// Bob's CRM row was set aside the same way.
	w.ol = saved
	w.crm.Incomplete = true
	w.deleteCRM("C2")
	p, err = w.plan()
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Outlook.Deleted()) != 0 || linkOf(p, "C2") == nil {
		t.Fatalf("an incomplete CRM dump sent Bob to Deleted Items:\n%s", planText(p))
	}

	// Nothing is created into an incomplete side: it may hold the record
	// already, among those set aside.
	w.crm.Contacts = append(w.crm.Contacts, person("C3", "first=Cy", "last=Doe", "email1=cy@example.com"))
	w.crm.SyncGroup = append(w.crm.SyncGroup, "C3")
	w.crm.Incomplete = false
	w.ol.Contacts = append(w.ol.Contacts, person("", "first=Dee", "last=Fox", "email1=dee@example.com"))
	w.ol.Incomplete = true
	p, err = w.plan()
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Outlook.New.Contacts()) != 0 || !hasChange(p, Change{Side: Outlook, Op: OpHeld, Rule: RuleIncomplete}) {
		t.Errorf("a CRM contact was created in an incomplete Outlook:\n%s", planText(p))
	}
	if len(p.CRM.New.Contacts()) != 1 {
		t.Errorf("Dee was not created in the complete CRM:\n%s", planText(p))
	}
}

// TestCreatedTwinsLinkBackInOrder: Outlook contacts that read alike (the
// same name and company, no e-mail) are created in the CRM one after another;
// when they arrive, links waiting with the same candidates take them in
// link order, the order contacts-new.csv listed them, and a link waiting
// with other candidates takes its own.
func TestCreatedTwinsLinkBackInOrder(t *testing.T) {
	crm := dump(person("C1", "first=Hal", "last=Ito", "company=Acme", "email1=hal@acme.example"))
	crm.Accounts = []contact.Account{{ID: "A1", Name: "Acme"}}
	ann := person("", "first=Ann", "last=Lee", "company=Acme", "phone_mobile=1")
	bo := person("", "first=Bo", "last=Lin", "email1=bo@example.com")
	ann2 := person("", "first=Ann", "last=Lee", "company=Acme", "phone_mobile=2")
	w := newWorld(t, crm, folder(ann, bo, ann2))
	p := w.sync()
	if n := len(p.CRM.New.Contacts()); n != 3 {
		t.Fatalf("cycle 1 created %d CRM contacts, want 3:\n%s", n, planText(p))
	}
	p2, err := w.plan()
	if err != nil {
		t.Fatalf("cycle 2 after importing cycle 1: %v", err)
	}
	if q := quiet(p2); q != "" {
		t.Fatalf("cycle 2 does %s, want nothing:\n%s", q, planText(p2))
	}
	// The CRM made its contacts in the order contacts-new.csv gave them,
	// the links' order: each link has the one made from its row.
	var made []string
	for _, c := range w.crm.Contacts {
		if c.Key != "C1" {
			made = append(made, trimID(c.Key))
		}
	}
	var got []string
	for _, l := range p2.Links {
		if l.CRMID != "C1" {
			got = append(got, l.CRMID)
		}
	}
	if !slices.Equal(got, made) {
		t.Errorf("the links (in id order) found CRM contacts %q, want %q, the order they were made in", got, made)
	}
}
