package cycle

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"contactsync/engine"
	"contactsync/formats/crmcsv"
)

// Rebuild reads both sides into tables; its plan is the one the engine
// makes of the sides read whole, byte for byte as plan.json. The Outlook
// export is first given sync keys by a cycle (its snapshot), so that the
// rebuild has links to find.
func TestRebuildFromTables(t *testing.T) {
	o := fixtureOptions(t)
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	keyed := filepath.Join(o.Out, "outlook", "contacts.csv")
	ro := o
	ro.Journal, ro.Outlook = filepath.Join(t.TempDir(), "lost.db"), keyed
	got, err := Rebuild(context.Background(), ro)
	if err != nil {
		t.Fatal(err)
	}
	dump, err := crmcsv.ReadDir(o.CRM)
	if err != nil {
		t.Fatal(err)
	}
	ol, err := ReadOutlook(keyed, o.OutlookOpts)
	if err != nil {
		t.Fatal(err)
	}
	dropControls(o.CRM, dump.Contacts)
	p := o.Policy
	p.Fields, _ = fieldsInDump(fieldsOf(p), dump.ContactHeader)
	want, err := engine.Rebuild(
		engine.CRMInput{Contacts: dump.Contacts, Accounts: dump.Accounts, SyncGroup: dump.SyncGroup, HasSyncGroup: dump.HasSyncGroup, Visible: dump.VisibleTo(p.User)},
		engine.OutlookInput{Contacts: ol.Contacts, Deleted: ol.Deleted}, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Links) == 0 {
		t.Fatal("the rebuild found no links: the test checks nothing")
	}
	var a, b bytes.Buffer
	if err := got.WriteJSON(&a); err != nil {
		t.Fatal(err)
	}
	if err := want.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) || len(got.Links) != len(want.Links) {
		t.Errorf("rebuild from tables: %d links, plan.json\n%s\nfrom the sides read whole: %d links\n%s", len(got.Links), a.Bytes(), len(want.Links), b.Bytes())
	}
}
