package contact

// internIndex is a table's own index of the values it interned: an
// open-addressing hash set of handles that only the goroutine adding to
// the table reads and writes. Most values a table interns repeat (see
// appended), so most are found here, without the lock of the pool's shard
// (which the other side's reader takes too) and in a set of the table's
// values alone. A value not found is interned in the pool, once per table.
//
// An entry is the handle in the low 32 bits and the high 32 bits of the
// value's hash, its tag, above them; 0 is empty (no value has handle 0).
// The tag places the entry (its low bits) and spares comparing the values
// of all but the entry sought (the rest). Eight entries fill a line of the
// cache.
type internIndex struct {
	e []uint64
	n int
}

// find returns the handle of v, whose hash is hash, when the index holds
// it, else 0.
func (x *internIndex) find(p *Strings, v string, hash uint64) Handle {
	if len(x.e) == 0 {
		return 0
	}
	mask := uint64(len(x.e) - 1)
	tag := hash >> 32
	for i := tag & mask; ; i = (i + 1) & mask {
		e := x.e[i]
		if e == 0 {
			return 0
		}
		if e>>32 == tag && p.Get(Handle(e)) == v {
			return Handle(e)
		}
	}
}

// add puts h, the handle of a value whose hash is hash and which the index
// does not hold, in the index.
func (x *internIndex) add(h Handle, hash uint64) {
	if (x.n+1)*4 > len(x.e)*3 {
		x.grow()
	}
	x.put(hash>>32<<32 | uint64(h))
	x.n++
}

// put stores entry e in the first free slot from its tag's.
func (x *internIndex) put(e uint64) {
	mask := uint64(len(x.e) - 1)
	i := e >> 32 & mask
	for x.e[i] != 0 {
		i = (i + 1) & mask
	}
	x.e[i] = e
}

// grow doubles the index (at least 64 entries) and re-inserts every entry.
func (x *internIndex) grow() {
	old := x.e
	x.e = make([]uint64, max(64, 2*len(old)))
	for _, e := range old {
		if e != 0 {
			x.put(e)
		}
	}
}
