package contact

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
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
// referenced. Intern may be called from several goroutines at once (the
// two sides of a cycle are read at the same time): the pool is split into
// shards by the values' hashes, each with its own lock, hash set and
// chunks, so two readers rarely wait for each other. Get and Lookup must
// not run while another goroutine interns into the same pool.
type Strings struct {
	shards [numShards]shard
	// base[k] is the first byte of chunk k, which holds the arena bytes
	// [k<<chunkBits, (k+1)<<chunkBits); each chunk belongs to one shard,
	// which alone appends to it. The list is replaced by a longer copy as
	// chunks are added (under baseMu, as every change of it), so that
	// Get reads it without a lock (loadBase). A typed pointer, not an
	// atomic.Pointer, so that reflect.DeepEqual compares two pools by
	// their contents.
	base   *[]*byte
	baseMu sync.Mutex
	next   int // chunks handed out
	seed   maphash.Seed
}

// shard is one part of a pool: the values whose hash falls in it.
type shard struct {
	mu sync.Mutex
	// buckets are an open-addressing hash set of handles, a cache line
	// each (see bucket).
	buckets []bucket
	n       int    // distinct values
	chunk   int    // the chunk values are appended to; 0 before the first
	cur     []byte // that chunk
	arena   int    // bytes of the chunks allocated
	_       [64]byte
}

// bucket holds up to bucketSlots handles (0: empty; the used ones first)
// and 8 bits of the hash of each one's value, which spare most comparisons
// of values: 64 bytes, one cache line, so that looking a value up costs
// one miss of the cache before its own bytes are compared.
type bucket struct {
	tags [bucketSlots]uint8
	_    [4]byte
	h    [bucketSlots]Handle
}

const bucketSlots = 12

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
	firstCap  = 1 << 10
	growLimit = 64 << 10 // a chunk grows by copying up to this size
	shardBits = 3
	numShards = 1 << shardBits
)

// NewStrings returns an empty pool.
func NewStrings() *Strings {
	s := &Strings{seed: poolSeed}
	// Handle 0 is "": chunk 0 is never a value's.
	s.next = 1
	base := make([]*byte, numShards+1)
	s.base = &base
	return s
}

// Len returns the number of distinct non-empty values.
func (s *Strings) Len() int {
	n := 0
	for i := range s.shards {
		n += s.shards[i].n
	}
	return n
}

// Size returns the bytes the pool holds: the arena and the hash sets.
func (s *Strings) Size() int {
	n := 8 * cap(*s.loadBase())
	for i := range s.shards {
		sh := &s.shards[i]
		n += int(unsafe.Sizeof(bucket{}))*cap(sh.buckets) + sh.arena
	}
	return n
}

// Get returns the value of h. It does not allocate.
func (s *Strings) Get(h Handle) string {
	if h == 0 {
		return ""
	}
	p := unsafe.Add(unsafe.Pointer((*s.loadBase())[h>>chunkBits]), h&(chunkSize-1))
	// The length, a varint: one byte below 128.
	n := uint(*(*byte)(p))
	p = unsafe.Add(p, 1)
	if n >= 0x80 {
		n &= 0x7f
		for shift := 7; ; shift += 7 {
			b := *(*byte)(p)
			p = unsafe.Add(p, 1)
			n |= uint(b&0x7f) << shift
			if b < 0x80 {
				break
			}
		}
	}
	return unsafe.String((*byte)(p), int(n))
}

// Intern returns the handle of v, adding v to the pool when it is new.
// It panics when the pool exceeds its 4 GiB address space, far beyond what
// a cycle holds.
func (s *Strings) Intern(v string) Handle {
	if v == "" {
		return 0
	}
	return s.intern(v, maphash.String(s.seed, v))
}

// intern is Intern of v, whose hash is hash; v is copied when stored, so it
// may be a view of bytes that change later.
func (s *Strings) intern(v string, hash uint64) Handle {
	sh := &s.shards[hash&(numShards-1)]
	tag := uint8(hash >> 56)
	sh.mu.Lock()
	if (sh.n+1)*4 > len(sh.buckets)*bucketSlots*3 {
		s.grow(sh)
	}
	mask := uint64(len(sh.buckets) - 1)
	for b := (hash >> shardBits) & mask; ; b = (b + 1) & mask {
		bk := &sh.buckets[b]
		for j, h := range bk.h {
			if h == 0 {
				h = s.store(sh, v)
				bk.h[j], bk.tags[j] = h, tag
				sh.n++
				sh.mu.Unlock()
				return h
			}
			if bk.tags[j] == tag && s.Get(h) == v {
				sh.mu.Unlock()
				return h
			}
		}
	}
}

// Lookup returns the handle of v when the pool holds it.
func (s *Strings) Lookup(v string) (Handle, bool) {
	if v == "" {
		return 0, true
	}
	hash := maphash.String(s.seed, v)
	sh := &s.shards[hash&(numShards-1)]
	if len(sh.buckets) == 0 {
		return 0, false
	}
	tag := uint8(hash >> 56)
	mask := uint64(len(sh.buckets) - 1)
	for b := (hash >> shardBits) & mask; ; b = (b + 1) & mask {
		bk := &sh.buckets[b]
		for j, h := range bk.h {
			if h == 0 {
				return 0, false
			}
			if bk.tags[j] == tag && s.Get(h) == v {
				return h, true
			}
		}
	}
}

// store appends v, length first, to the shard's chunk and returns its
// handle.
func (s *Strings) store(sh *shard, v string) Handle {
	need := uvarintLen(uint64(len(v))) + len(v)
	k, c := sh.chunk, sh.cur
	if k == 0 || len(c)+need > cap(c) {
		if k > 0 && len(c)+need <= growLimit {
			// A small chunk grows within its address space: it is copied
			// into one twice its size (earlier strings keep the old bytes).
			nc := make([]byte, len(c), min(growLimit, max(2*cap(c), len(c)+need)))
			copy(nc, c)
			sh.arena += cap(nc) - cap(c)
			c = nc
			s.setBase(k, c)
		} else {
			// A new chunk, a quarter of what the shard holds (so that
			// little of the arena stays unused and nothing is copied), at
			// most a chunk's address space; a value larger than that takes
			// the address space of as many chunks as it needs.
			span := max(1, (need+chunkSize-1)/chunkSize)
			size := firstCap
			if sh.arena >= growLimit {
				size = min(chunkSize, max(growLimit, sh.arena/4))
			}
			c = make([]byte, 0, max(need, size))
			sh.arena += cap(c)
			k = s.addChunk(span, c)
			sh.chunk = k
		}
	}
	o := len(c)
	for x := uint64(len(v)); ; x >>= 7 {
		if x < 0x80 {
			c = append(c, byte(x))
			break
		}
		c = append(c, byte(x)|0x80)
	}
	c = append(c, v...)
	sh.cur = c
	return Handle(k<<chunkBits | o)
}

// loadBase returns the list of chunks.
func (s *Strings) loadBase() *[]*byte {
	return (*[]*byte)(atomic.LoadPointer((*unsafe.Pointer)(unsafe.Pointer(&s.base))))
}

// addChunk gives c the address space of span chunks and returns the
// first one's number.
func (s *Strings) addChunk(span int, c []byte) int {
	s.baseMu.Lock()
	defer s.baseMu.Unlock()
	k := s.next
	if k+span > maxChunks {
		panic("contact.Strings: more than 4 GiB of distinct values")
	}
	s.next += span
	base := *s.base
	if s.next > len(base) {
		nb := make([]*byte, min(maxChunks, max(2*len(base), s.next)))
		copy(nb, base)
		atomic.StorePointer((*unsafe.Pointer)(unsafe.Pointer(&s.base)), unsafe.Pointer(&nb))
		base = nb
	}
	base[k] = unsafe.SliceData(c)
	return k
}

// setBase makes c the bytes of chunk k (grown into a copy).
func (s *Strings) setBase(k int, c []byte) {
	s.baseMu.Lock()
	(*s.base)[k] = unsafe.SliceData(c)
	s.baseMu.Unlock()
}

// grow doubles the shard's hash set (at least 4 buckets) and re-inserts
// every handle.
func (s *Strings) grow(sh *shard) {
	old := sh.buckets
	sh.buckets = make([]bucket, max(4, 2*len(old)))
	mask := uint64(len(sh.buckets) - 1)
	for i := range old {
		ob := &old[i]
		for j, h := range ob.h {
			if h == 0 {
				break
			}
			b := (maphash.String(s.seed, s.Get(h)) >> shardBits) & mask
			for {
				bk := &sh.buckets[b]
				if k := bk.free(); k >= 0 {
					bk.h[k], bk.tags[k] = h, ob.tags[j]
					break
				}
				b = (b + 1) & mask
			}
		}
	}
}

// free returns the first empty slot of b, -1 when it is full.
func (b *bucket) free() int {
	for j, h := range b.h {
		if h == 0 {
			return j
		}
	}
	return -1
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
