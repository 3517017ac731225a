package contact

import "unsafe"

// Arena hands out strings and byte slices whose bytes sit side by side in
// chunks it only ever appends to: the small strings a cycle holds a
// million of (a plan's packed bases, the text of created records, sync
// keys; the journal's loaded keys and the link rows it writes) cost their
// bytes and no allocation, size-class rounding or header each. A chunk's
// bytes never change once handed out, so the strings are as immutable as
// any; a chunk lives as long as one of its strings does, so strings of
// different lifetimes belong in arenas of their own. The zero Arena is
// ready to use.
type Arena struct{ cur []byte }

// arenaChunk is the size of a chunk; a value longer than arenaLarge gets
// an allocation of its own.
const (
	arenaChunk = 256 << 10
	arenaLarge = 4 << 10
)

// Bytes returns a copy of b in the arena, a slice that cannot grow into
// what the arena hands out next.
func (a *Arena) Bytes(b []byte) []byte {
	if len(b) > arenaLarge {
		c := make([]byte, len(b))
		copy(c, b)
		return c
	}
	if cap(a.cur)-len(a.cur) < len(b) {
		a.cur = make([]byte, 0, arenaChunk)
	}
	start := len(a.cur)
	a.cur = append(a.cur, b...)
	return a.cur[start:len(a.cur):len(a.cur)]
}

// String returns b as a string in the arena.
func (a *Arena) String(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	c := a.Bytes(b)
	return unsafe.String(&c[0], len(c))
}
