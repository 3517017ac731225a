package contact

import (
	"encoding/binary"
	"hash/maphash"
	"sync"
	"unsafe"
)

// Strings is an interned string pool: every distinct value is stored once,
// and a value is named by a Handle, its 32-bit position in the pool. A
// million contacts hold a few million values of which most repeat
// (companies, cities, titles, and the same contact on both sides): tables
// that share one pool store each of them once, as bytes, without a string
// header or an allocation per value.
//
// The values live in an arena of chunks that is only ever appended to, so a
// string returned by Get stays valid (and unchanged) for as long as it is
// referenced. Intern may be called from several goroutines at once; Get and
// Lookup must not run while another goroutine interns into the same pool.
type Strings struct {
	mu     sync.Mutex
	chunks [][]byte // chunk k holds the arena bytes [k<<chunkBits, (k+1)<<chunkBits)
	slots  []uint32 // open-addressing hash set of handles; 0 is empty
	n      int      // distinct values (without "")
	bytes  int      // arena bytes in use
	seed   maphash.Seed
}

// poolSeed seeds the hash sets of every pool: random per process, so that
// no input can be crafted to collide, and the same for every pool, so that
// two pools given the same values in the same order are equal.
var poolSeed = maphash.MakeSeed()

// Handle names one value of a Strings pool. The zero Handle is "".
type Handle uint32

const (
	chunkBits = 20 // 1 MiB of arena address space per chunk
	chunkSize = 1 << chunkBits
	maxChunks = 1 << (32 - chunkBits)
	firstCap  = 4 << 10
)

// NewStrings returns an empty pool.
func NewStrings() *Strings {
	// Handle 0 is "": the first byte of the arena is never a value.
	return &Strings{chunks: [][]byte{make([]byte, 1, firstCap)}, bytes: 1, seed: poolSeed}
}

// Len returns the number of distinct non-empty values.
func (s *Strings) Len() int { return s.n }

// Size returns the bytes the pool holds: the arena and the hash set.
func (s *Strings) Size() int {
	n := 4 * cap(s.slots)
	for _, c := range s.chunks {
		n += cap(c)
	}
	return n
}

// Get returns the value of h. It does not allocate.
func (s *Strings) Get(h Handle) string {
	if h == 0 {
		return ""
	}
	c := s.chunks[h>>chunkBits]
	o := int(h & (chunkSize - 1))
	n, w := binary.Uvarint(c[o:])
	return unsafe.String(&c[o+w], int(n))
}

// Intern returns the handle of v, adding v to the pool when it is new.
// It panics when the pool exceeds its 4 GiB address space, far beyond what
// a cycle holds.
func (s *Strings) Intern(v string) Handle {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.intern(v)
}

// intern is Intern with s.mu held.
func (s *Strings) intern(v string) Handle {
	if v == "" {
		return 0
	}
	if (s.n+1)*4 > len(s.slots)*3 {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	i := maphash.String(s.seed, v) & mask
	for {
		h := Handle(s.slots[i])
		if h == 0 {
			break
		}
		if s.Get(h) == v {
			return h
		}
		i = (i + 1) & mask
	}
	h := s.store(v)
	s.slots[i] = uint32(h)
	s.n++
	return h
}

// Lookup returns the handle of v when the pool holds it.
func (s *Strings) Lookup(v string) (Handle, bool) {
	if v == "" {
		return 0, true
	}
	if len(s.slots) == 0 {
		return 0, false
	}
	mask := uint64(len(s.slots) - 1)
	for i := maphash.String(s.seed, v) & mask; ; i = (i + 1) & mask {
		h := Handle(s.slots[i])
		if h == 0 {
			return 0, false
		}
		if s.Get(h) == v {
			return h, true
		}
	}
}

// store appends v, length first, to the arena and returns its handle.
func (s *Strings) store(v string) Handle {
	need := uvarintLen(uint64(len(v))) + len(v)
	k := len(s.chunks) - 1
	c := s.chunks[k]
	if len(c)+need > cap(c) {
		if len(c)+need <= chunkSize && cap(c) < chunkSize {
			// The chunk may grow within its address space: copy it once
			// into a larger one (earlier strings keep the old bytes).
			nc := make([]byte, len(c), min(chunkSize, max(2*cap(c), len(c)+need)))
			copy(nc, c)
			c = nc
		} else {
			// A new chunk; a value larger than a chunk takes the address
			// space of as many chunks as it needs (the rest stay nil).
			span := max(1, (need+chunkSize-1)/chunkSize)
			if len(s.chunks)+span > maxChunks {
				panic("contact.Strings: more than 4 GiB of distinct values")
			}
			k = len(s.chunks)
			c = make([]byte, 0, max(need, min(chunkSize, 2*cap(c))))
			s.chunks = append(s.chunks, c)
			for j := 1; j < span; j++ {
				s.chunks = append(s.chunks, nil)
			}
		}
	}
	o := len(c)
	c = binary.AppendUvarint(c, uint64(len(v)))
	c = append(c, v...)
	s.chunks[k] = c
	s.bytes += need
	return Handle(k<<chunkBits | o)
}

// grow doubles the hash set (at least 1,024 slots) and re-inserts every handle.
func (s *Strings) grow() {
	old := s.slots
	s.slots = make([]uint32, max(1024, 2*len(old)))
	mask := uint64(len(s.slots) - 1)
	for _, h := range old {
		if h == 0 {
			continue
		}
		i := maphash.String(s.seed, s.Get(Handle(h))) & mask
		for s.slots[i] != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = h
	}
}

// uvarintLen is the length of the varint encoding of x.
func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}
