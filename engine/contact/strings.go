package contact

import (
	"errors"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Strings is a string pool: a value is named by a Handle, its 32-bit
// position in the pool's arena, which holds it as bytes (its length, then
// the value) without a string header or an allocation per value.
//
// A value is put in the pool one of two ways. Intern stores every distinct
// value once: a million contacts hold a few million values of which many
// repeat (companies, cities, titles), and tables that share one pool store
// each of them once. Interning costs a hash and a lookup in a hash set: a
// miss of the cache or two once the set outgrows it. A value unique to a
// record (an e-mail address, a phone number, a key) gains nothing from the
// lookup, so a Table appends it instead to an arena of its own in the pool
// (see appender), in record order: no hash, no lock, and the values of one
// record side by side, read back in the order they were written. (A table
// also keeps its own index of the values it interned, see internIndex, so
// that the pool's hash set and its locks are met once per distinct value.)
//
// Handles compare accordingly: equal handles always name equal values, and
// two interned values are equal exactly when their handles are; an
// appended value has a handle of its own even when an equal value is in the
// pool already (see Table.SameValue).
//
// The values live in chunks that are only ever appended to, so a string
// returned by Get stays valid (and unchanged) for as long as it is
// referenced. Intern may be called from several goroutines at once (the
// two sides of a cycle are read at the same time): the hash set is split
// into shards by the values' hashes, each with its own lock, hash set and
// chunks. Get may run at any time for a handle the caller was given;
// Lookup, Len and Size must not run while another goroutine adds to the
// pool.
//
// The pool holds at most 4 GiB (the handles' address space); past that,
// Intern and Table.Add return ErrFull.
type Strings struct {
	shards [numShards]shard
	// base[k] is the first byte of chunk k, which holds the arena bytes
	// [k<<chunkBits, (k+1)<<chunkBits); each chunk belongs to one shard or
	// one table's appender, which alone appends to it. An entry is set
	// under baseMu, and set and read atomically, so that Get reads it
	// without a lock while another goroutine adds a chunk or grows one.
	// An array of every chunk a pool may have (32 KiB), so that Get finds
	// a chunk with one load.
	base   [maxChunks]*byte
	baseMu sync.Mutex
	next   int // chunks handed out
	limit  int // chunks the pool may hand out: maxChunks (a test lowers it)
	// appended is the bytes of the chunks of tables' appenders.
	appended atomic.Int64
	seed     maphash.Seed
}

// shard is one part of a pool's hash set: the interned values whose hash
// falls in it.
type shard struct {
	mu sync.Mutex
	// buckets are an open-addressing hash set of handles, a cache line
	// each (see bucket).
	buckets []bucket
	n       int // distinct values
	arena   appender
	_       [64]byte
}

// appender is where values are appended to a pool: the chunk it owns and
// what it has written into it. A shard has one for the values it interns,
// and a Table one for the values unique to its records; only its owner
// (under the shard's lock, or the goroutine adding to the table) uses it.
type appender struct {
	chunk int    // the chunk values are appended to; 0 before the first
	cur   []byte // that chunk
	size  int    // bytes of the chunks allocated
	n     int    // values appended
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

// empty is chunk 0 of every pool, where handle 0 reads as "": a length of
// 0 (and a byte after it, which the empty string points to).
var empty [2]byte

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

// ErrFull is the error of adding a value to a pool whose 4 GiB of handles
// are all taken: far more than a cycle of millions of contacts holds.
var ErrFull = errors.New("more than 4 GiB of values: more than one cycle can hold")

// NewStrings returns an empty pool.
func NewStrings() *Strings {
	s := &Strings{seed: poolSeed, limit: maxChunks}
	// Handle 0 is "": chunk 0 is never a value's, it holds "" alone.
	s.next = 1
	s.base[0] = &empty[0]
	return s
}

// Len returns the number of distinct non-empty values interned (the
// appended ones are not counted: see Table.Appended).
func (s *Strings) Len() int {
	n := 0
	for i := range s.shards {
		n += s.shards[i].n
	}
	return n
}

// Size returns the bytes the pool holds: the arena and the hash sets.
func (s *Strings) Size() int {
	n := int(unsafe.Sizeof(s.base)) + int(s.appended.Load())
	for i := range s.shards {
		sh := &s.shards[i]
		n += int(unsafe.Sizeof(bucket{}))*cap(sh.buckets) + sh.arena.size
	}
	return n
}

// Get returns the value of h. It does not allocate, and it is inlined.
func (s *Strings) Get(h Handle) string {
	p := unsafe.Add(atomic.LoadPointer((*unsafe.Pointer)(unsafe.Pointer(&s.base[h>>chunkBits]))), h&(chunkSize-1))
	// The length: a byte, or 0xff and 4 bytes (little-endian).
	n := uint32(*(*byte)(p))
	p = unsafe.Add(p, 1)
	if n == longLen {
		b := (*[4]byte)(p)
		n = uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
		p = unsafe.Add(p, 4)
	}
	return unsafe.String((*byte)(p), int(n))
}

// Intern returns the handle of v, adding v to the pool when it is new. The
// error is ErrFull when the pool has no room left for v.
func (s *Strings) Intern(v string) (Handle, error) {
	if v == "" {
		return 0, nil
	}
	return s.intern(v, maphash.String(s.seed, v))
}

// intern is Intern of v, whose hash is hash; v is copied when stored, so it
// may be a view of bytes that change later.
func (s *Strings) intern(v string, hash uint64) (Handle, error) {
	sh := &s.shards[hash&(numShards-1)]
	tag := uint8(hash >> 56)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if (sh.n+1)*4 > len(sh.buckets)*bucketSlots*3 {
		s.grow(sh)
	}
	mask := uint64(len(sh.buckets) - 1)
	for b := (hash >> shardBits) & mask; ; b = (b + 1) & mask {
		bk := &sh.buckets[b]
		for j, h := range bk.h {
			if h == 0 {
				h, err := s.put(&sh.arena, v)
				if err != nil {
					return 0, err
				}
				bk.h[j], bk.tags[j] = h, tag
				sh.n++
				return h, nil
			}
			if bk.tags[j] == tag && s.Get(h) == v {
				return h, nil
			}
		}
	}
}

// Lookup returns the handle of v when the pool holds it interned (an
// appended value is not looked up).
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

// appendTo stores v, a value unique to a record, in a's chunk without
// looking it up, and returns its handle. a must be a table's appender
// (not a shard's), used by one goroutine at a time.
func (s *Strings) appendTo(a *appender, v string) (Handle, error) {
	if n, c := len(v), a.cur; n < longLen && len(c)+1+n <= cap(c) {
		// The usual case: a short value, with room for it.
		if n == 0 {
			return 0, nil
		}
		o := len(c)
		a.cur = append(append(c, byte(n)), v...)
		a.n++
		return Handle(a.chunk<<chunkBits | o), nil
	}
	if v == "" {
		return 0, nil
	}
	size := a.size
	h, err := s.put(a, v)
	if a.size != size {
		s.appended.Add(int64(a.size - size))
	}
	return h, err
}

// put appends v, length first (see Get), to a's chunk and returns its handle.
func (s *Strings) put(a *appender, v string) (Handle, error) {
	need := lenSize(len(v)) + len(v)
	k, c := a.chunk, a.cur
	if k == 0 || len(c)+need > cap(c) {
		if k > 0 && len(c)+need <= growLimit {
			// A small chunk grows within its address space: it is copied
			// into one twice its size (earlier strings keep the old bytes).
			nc := make([]byte, len(c), min(growLimit, max(2*cap(c), len(c)+need)))
			copy(nc, c)
			a.size += cap(nc) - cap(c)
			c = nc
			s.setBase(k, c)
		} else {
			// A new chunk, a quarter of what the appender holds (so that
			// little of the arena stays unused and nothing is copied), at
			// most a chunk's address space; a value larger than that takes
			// the address space of as many chunks as it needs.
			span := max(1, (need+chunkSize-1)/chunkSize)
			size := firstCap
			if a.size >= growLimit {
				size = min(chunkSize, max(growLimit, a.size/4))
			}
			nc := make([]byte, 0, max(need, size))
			nk, err := s.addChunk(span, nc)
			if err != nil {
				return 0, err
			}
			a.size += cap(nc)
			k, c = nk, nc
			a.chunk = k
		}
	}
	o := len(c)
	if n := len(v); n < longLen {
		c = append(c, byte(n))
	} else {
		c = append(c, longLen, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	}
	c = append(c, v...)
	a.cur = c
	a.n++
	return Handle(k<<chunkBits | o), nil
}

// addChunk gives c the address space of span chunks and returns the
// first one's number; ErrFull when the pool has no such room left.
func (s *Strings) addChunk(span int, c []byte) (int, error) {
	s.baseMu.Lock()
	defer s.baseMu.Unlock()
	k := s.next
	if k+span > s.limit {
		return 0, ErrFull
	}
	s.next += span
	s.setSlot(k, unsafe.SliceData(c))
	return k, nil
}

// setBase makes c the bytes of chunk k (grown into a copy).
func (s *Strings) setBase(k int, c []byte) {
	s.baseMu.Lock()
	s.setSlot(k, unsafe.SliceData(c))
	s.baseMu.Unlock()
}

// setSlot sets base[k] to p, atomically: Get reads it without a lock.
func (s *Strings) setSlot(k int, p *byte) {
	atomic.StorePointer((*unsafe.Pointer)(unsafe.Pointer(&s.base[k])), unsafe.Pointer(p))
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

// longLen is the first byte of the length of a value of 255 bytes or
// more, which 4 bytes follow.
const longLen = 0xff

// lenSize is the bytes the length of a value of n bytes takes.
func lenSize(n int) int {
	if n < longLen {
		return 1
	}
	return 5
}

// LimitForTest lowers the room of the pool from 4 GiB to chunks MiB, of
// which each shard and each table adding to the pool takes at least one:
// for tests of ErrFull, which would otherwise need 4 GiB of values.
func (s *Strings) LimitForTest(chunks int) {
	s.baseMu.Lock()
	s.limit = min(s.limit, chunks)
	s.baseMu.Unlock()
}
