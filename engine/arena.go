package engine

import (
	"strconv"
	"unsafe"
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
