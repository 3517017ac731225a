package engine

import (
	"strconv"
	"strings"

	"contactsync/engine/contact"
)

// syncKeyIn is SyncKey(link) in arena a.
func syncKeyIn(a *contact.Arena, link int64) string {
	var b [len(SyncKeyPrefix) + 20]byte
	return a.String(strconv.AppendInt(append(b[:0], SyncKeyPrefix...), link, 10))
}

// outlookKeys finds the first Outlook record with a key. A later cycle's
// keys are the sync keys contactsync wrote: those of the links the journal
// issued are found by their link id in an array, not by hashing a string
// into a map of a million (whose lookups miss the cache); any other key
// is in the map.
type outlookKeys struct {
	byID  []int32 // record + 1 by the id of its canonical sync key; 0: none
	other map[string]int
}

// newOutlookKeys returns an empty outlookKeys for the keys of t, ids below
// next in the array.
func newOutlookKeys(next int64, t *contact.Table) outlookKeys {
	next = min(max(next, 0), int64(t.Len())+1<<20) // a bound for the array, whatever the journal says
	x := outlookKeys{byID: make([]int32, next)}
	n := 0
	for i := range t.Len() {
		if k := t.Key(i); k != "" && !x.inArray(k) {
			n++
		}
	}
	x.other = make(map[string]int, n)
	return x
}

// inArray reports whether k is a sync key the array holds.
func (x *outlookKeys) inArray(k string) bool {
	id, ok := canonicalSyncID(k)
	return ok && id < int64(len(x.byID))
}

func (x *outlookKeys) get(k string) (int, bool) {
	if id, ok := canonicalSyncID(k); ok && id < int64(len(x.byID)) {
		v := x.byID[id]
		return int(v) - 1, v > 0
	}
	i, ok := x.other[k]
	return i, ok
}

func (x *outlookKeys) set(k string, i int) {
	if id, ok := canonicalSyncID(k); ok && id < int64(len(x.byID)) {
		x.byID[id] = int32(i + 1)
		return
	}
	x.other[k] = i
}

// canonicalSyncID is the link id of k when k is SyncKey of it, exactly
// (no sign, no leading zero): the keys equal to SyncKey(id) are those.
func canonicalSyncID(k string) (int64, bool) {
	n, ok := strings.CutPrefix(k, SyncKeyPrefix)
	if !ok || len(n) == 0 || len(n) > 18 || n[0] == '0' {
		return 0, false
	}
	var id int64
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		id = id*10 + int64(c-'0')
	}
	return id, true
}
