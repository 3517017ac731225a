package crmcsv

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"contactsync/engine/contact"
)

var applyNow = time.Date(2026, 2, 3, 4, 5, 6, 789, time.FixedZone("CET", 3600))

func TestApply(t *testing.T) {
	d := fixtureDump(t)
	before := d.clone()
	ch := changesFixture(d)
	got, err := Apply(d, ch, applyNow)
	if err != nil {
		t.Fatal(err)
	}
	now := applyNow.UTC().Truncate(time.Second)

	// d itself is untouched.
	sameDump(t, d, before)

	// New account appended with a fresh id.
	if n := len(got.Accounts); n != len(d.Accounts)+1 {
		t.Fatalf("%d accounts, want %d", n, len(d.Accounts)+1)
	}
	blue := got.Accounts[len(got.Accounts)-1]
	if blue.ID != "ASIM00000001" || blue.Name != "Blue Yonder Airlines" || blue.Type != "Prospect" || blue.Owner != contact.Everyone {
		t.Errorf("new account = %+v", blue)
	}
	if v := extraValue(blue.Extra, "CREATEDATE", 0); v != "2026-02-03 03:05:06" {
		t.Errorf("new account extras = %+v, want CREATEDATE now", blue.Extra)
	}

	// New contacts appended with fresh ids, linked to accounts, in the group.
	if n := len(got.Contacts); n != len(d.Contacts)+2 {
		t.Fatalf("%d contacts, want %d", n, len(d.Contacts)+2)
	}
	hannah, diego := got.Contacts[len(d.Contacts)], got.Contacts[len(d.Contacts)+1]
	if hannah.Key != "CSIM00000001" || diego.Key != "CSIM00000002" {
		t.Errorf("new ids = %q, %q", hannah.Key, diego.Key)
	}
	if hannah.CRM.AccountID != "A6UJ9A000013" || diego.CRM.AccountID != blue.ID {
		t.Errorf("new contacts' accounts = %q, %q; want the given id and the new account's", hannah.CRM.AccountID, diego.CRM.AccountID)
	}
	if !hannah.Modified.Equal(now) || hannah.ModifiedFrom != "MODIFYDATE" {
		t.Errorf("new contact modified = %v %q, want %v", hannah.Modified, hannah.ModifiedFrom, now)
	}
	if hannah.Values[contact.Notes] != "" {
		t.Errorf("an unmapped field was imported: notes = %q", hannah.Values[contact.Notes])
	}
	if v, _ := hannah.ExtraValue("CREATEDATE"); v != "2026-02-03 03:05:06" {
		t.Errorf("new contact CREATEDATE = %q", v)
	}

	// The update replaced the mapped fields, and only them.
	megan := got.Contacts[0]
	want := d.Contacts[0].Clone()
	for _, f := range ch.Fields {
		want.Values[f] = ch.Updates[0].Values[f]
	}
	want.Modified = now
	if !reflect.DeepEqual(megan, want) {
		t.Errorf("updated contact = %+v\nwant %+v", megan, want)
	}
	for i := 1; i < len(d.Contacts); i++ {
		if !reflect.DeepEqual(got.Contacts[i], d.Contacts[i]) {
			t.Errorf("contact %d changed without an update", i)
		}
	}

	// Sync group: removed, added, and the new contacts joined it.
	for _, id := range ch.GroupRemove {
		if slices.Contains(got.SyncGroup, id) {
			t.Errorf("%s still in the sync group", id)
		}
	}
	for _, id := range append(ch.GroupAdd, hannah.Key, diego.Key) {
		if !slices.Contains(got.SyncGroup, id) {
			t.Errorf("%s not in the sync group", id)
		}
	}
	if n := len(got.SyncGroup); n != len(d.SyncGroup)-2+1+2 {
		t.Errorf("sync group has %d members", n)
	}

	// What Apply returns is what WriteDump then ReadDir gives.
	out := t.TempDir()
	if err := WriteDump(out, got); err != nil {
		t.Fatal(err)
	}
	back, err := ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	sameDump(t, back, got)

	// Applying again to the result continues the id sequence.
	again, err := Apply(back, &Changes{Fields: ch.Fields, New: ch.New[:1]}, applyNow)
	if err != nil {
		t.Fatal(err)
	}
	if k := again.Contacts[len(again.Contacts)-1].Key; k != "CSIM00000003" {
		t.Errorf("next id after CSIM00000002 = %q", k)
	}
}

func TestApplyThroughFiles(t *testing.T) {
	// simulate: write the changes, read them back, apply — same dump as
	// applying the in-memory changes.
	d := fixtureDump(t)
	ch := changesFixture(d)
	dir := filepath.Join(t.TempDir(), "crm")
	if _, err := WriteChanges(dir, ch, d); err != nil {
		t.Fatal(err)
	}
	read, err := ReadChanges(dir)
	if err != nil {
		t.Fatal(err)
	}
	viaFiles, err := Apply(d, read, applyNow)
	if err != nil {
		t.Fatal(err)
	}
	direct, err := Apply(d, ch, applyNow)
	if err != nil {
		t.Fatal(err)
	}
	sameDump(t, viaFiles, direct)
}

func TestApplyErrorsAndEdges(t *testing.T) {
	d := fixtureDump(t)
	unknown := contact.Contact{Key: "CNOTHERE0000"}
	if _, err := Apply(d, &Changes{Updates: []contact.Contact{unknown}}, applyNow); err == nil || !strings.Contains(err.Error(), "CNOTHERE0000") {
		t.Errorf("update of an unknown CONTACTID = %v, want an error naming it", err)
	}
	orphan := newContact("Grace", "Liu", "Grace Liu", "", "grace.liu@example.org")
	if _, err := Apply(d, &Changes{New: []contact.Contact{orphan}}, applyNow); err == nil || !strings.Contains(err.Error(), `"Grace Liu"`) {
		t.Errorf("new contact without account = %v, want an error", err)
	}

	// Several accounts with the name: the first in dump order.
	hannah := newContact("Hannah", "Okafor", "Northwind Traders", "", "h@example.net")
	got, err := Apply(d, &Changes{New: []contact.Contact{hannah}}, applyNow)
	if err != nil {
		t.Fatal(err)
	}
	if id := got.Contacts[len(got.Contacts)-1].CRM.AccountID; id != "A6UJ9A000013" {
		t.Errorf("Northwind Traders resolved to %q, want the first, A6UJ9A000013", id)
	}

	// Without syncgroup.csv none is created.
	d.HasSyncGroup, d.SyncGroup = false, nil
	got, err = Apply(d, &Changes{New: []contact.Contact{hannah}, GroupAdd: []string{"C6UJ9A001001"}}, applyNow)
	if err != nil {
		t.Fatal(err)
	}
	if got.HasSyncGroup || got.SyncGroup != nil {
		t.Errorf("sync group created: %v", got.SyncGroup)
	}

	// Fresh ids skip taken ones and continue after the highest.
	next := newIDGen("CSIM", []string{"CSIM00000007", "CSIM00000008", "C6UJ9A001001", "CSIMxxxxxxxx"})
	if a, b := next(), next(); a != "CSIM00000009" || b != "CSIM00000010" {
		t.Errorf("ids = %q, %q", a, b)
	}
}
