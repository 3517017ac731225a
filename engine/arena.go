package engine

import (
	"strconv"
	"strings"
	"unsafe"

	"contactsync/engine/contact"
)

// textArena hands out strings whose bytes sit side by side in chunks it
// only ever appends to: the small strings a plan holds a million of
// (packed bases, the text of created records, sync keys) cost their bytes
// and no allocation, size-class rounding or header each. A chunk's bytes
// never change once handed out, so the strings are as immutable as any;
// a chunk lives as long as one of its strings does, so each kind of string
// (with its own lifetime in the plan) has an arena of its own.
type textArena struct{ cur []byte }

// arenaChunk is the size of a chunk; a string longer than arenaLarge gets
// an allocation of its own.
const (
	arenaChunk = 256 << 10
	arenaLarge = 4 << 10
)

// string returns b as a string in the arena.
func (a *textArena) string(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > arenaLarge {
		return string(b)
	}
	if cap(a.cur)-len(a.cur) < len(b) {
		a.cur = make([]byte, 0, arenaChunk)
	}
	start := len(a.cur)
	a.cur = append(a.cur, b...)
	return unsafe.String(&a.cur[start], len(b))
}

// syncKey is SyncKey(link) in the arena.
func (a *textArena) syncKey(link int64) string {
	var b [len(SyncKeyPrefix) + 20]byte
	return a.string(strconv.AppendInt(append(b[:0], SyncKeyPrefix...), link, 10))
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
