package engine

import (
	"testing"

	"contactsync/engine/contact"
)

func TestCanonicalSyncID(t *testing.T) {
	for _, id := range []int64{1, 9, 10, 12345, 999999999999999999} {
		if got, ok := canonicalSyncID(SyncKey(id)); !ok || got != id {
			t.Errorf("canonicalSyncID(%q) = %d, %v", SyncKey(id), got, ok)
		}
	}
	for _, k := range []string{"", "contactsync:", "contactsync:0", "contactsync:012", "contactsync:+1", "contactsync:-1", "contactsync:1 ", "contactsync:1x", "Contactsync:1", "contactsync:1234567890123456789", "12"} {
		if id, ok := canonicalSyncID(k); ok {
			t.Errorf("canonicalSyncID(%q) = %d, want no id", k, id)
		}
	}
}

// TestOutlookKeys checks that keys are found as a map of strings finds
// them, sync keys inside and outside the array alike.
func TestOutlookKeys(t *testing.T) {
	keys := []string{SyncKey(3), "00000000ABCD", SyncKey(1), "contactsync:03", SyncKey(500), SyncKey(3), "", "uid-1"}
	cs := make([]contact.Contact, len(keys))
	for i, k := range keys {
		cs[i].Key = k
	}
	tb := contact.TableOf(nil, cs)
	x := newOutlookKeys(10, tb)
	want := map[string]int{}
	for i, k := range keys {
		if k == "" {
			continue
		}
		if _, dup := x.get(k); !dup {
			x.set(k, i)
		}
		if _, dup := want[k]; !dup {
			want[k] = i
		}
	}
	for _, k := range append(keys, SyncKey(2), SyncKey(11), "contactsync:3 ", "nope") {
		i, ok := x.get(k)
		j, wok := want[k]
		if ok != wok || ok && i != j {
			t.Errorf("get(%q) = %d, %v; want %d, %v", k, i, ok, j, wok)
		}
	}
	// The sync keys of ids below 10 are in the array, the others in the map.
	if len(x.other) != 4 {
		t.Errorf("the map holds %v, want 00000000ABCD, contactsync:03, contactsync:500 and uid-1", x.other)
	}
}
