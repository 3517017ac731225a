package engine

import (
	"hash/maphash"
	"math/bits"
)

// emailIndex numbers the e-mails of the Outlook records to decide and
// lists, for each, the CRM contacts that have it (EMAIL or SECONDARYEMAIL)
// in dump order: a chain through next, by slot (2 per CRM contact).
//
// The e-mails are found through a hash table of their own (open
// addressing, a slot of 8 bytes: the hash's high 32 bits and the entry),
// not a Go map: a first cycle of a million contacts a side numbers and
// looks up a million e-mails each, and each lookup missed the cache. The
// e-mails are taken in batches (emailBatch) whose slots are read before
// any is used, so that their misses overlap instead of coming one after
// the other.
type emailIndex struct {
	slots   []uint64 // hash >> 32 << 32 | entry + 1; 0: empty
	mask    uint64
	seed    maphash.Seed
	entries []emailEntry
	next    []int32 // the next slot of a chain; -1 ends it
	sink    uint64  // what the batches' early reads add up to (kept, so they are not dropped)
}

type emailEntry struct {
	email      string
	head, tail int32 // the first and last slot of its chain; -1: none
	// linked: the e-mail is a live link's, or a decided record's.
	linked bool
}

// emailHash hashes an e-mail of an emailIndex; a test makes every e-mail
// collide.
var emailHash = maphash.String

// newEmailIndex returns an index for up to n e-mails (at most half its
// slots taken: a slot stays empty, where a search ends).
func newEmailIndex(n int) *emailIndex {
	size := 1 << bits.Len(uint(2*n+1)) // at most half full
	return &emailIndex{slots: make([]uint64, size), mask: uint64(size - 1), seed: maphash.MakeSeed(),
		entries: make([]emailEntry, 0, n)}
}

// find returns the entry of e, whose hash is h (-1: none), and the slot
// that holds it or would.
func (ix *emailIndex) find(e string, h uint64) (int32, uint64) {
	for i := h & ix.mask; ; i = (i + 1) & ix.mask {
		s := ix.slots[i]
		if s == 0 {
			return -1, i
		}
		if s>>32 == h>>32 && ix.entries[uint32(s)-1].email == e {
			return int32(uint32(s) - 1), i
		}
	}
}

// add numbers e, whose hash is h, and returns its entry.
func (ix *emailIndex) add(e string, h uint64) int32 {
	k, i := ix.find(e, h)
	if k < 0 && 2*(len(ix.entries)+1) > len(ix.slots) {
		ix.grow() // more e-mails than it was made for
		k, i = ix.find(e, h)
	}
	if k < 0 {
		k = int32(len(ix.entries))
		ix.slots[i] = h>>32<<32 | uint64(k+1)
		ix.entries = append(ix.entries, emailEntry{email: e, head: -1, tail: -1})
	}
	return k
}

// grow doubles the slots and puts the entries in them again.
func (ix *emailIndex) grow() {
	ix.slots = make([]uint64, 2*len(ix.slots))
	ix.mask = uint64(len(ix.slots) - 1)
	for k := range ix.entries {
		h := emailHash(ix.seed, ix.entries[k].email)
		i := h & ix.mask
		for ix.slots[i] != 0 {
			i = (i + 1) & ix.mask
		}
		ix.slots[i] = h>>32<<32 | uint64(k+1)
	}
}

// lookup returns the entry of e.
func (ix *emailIndex) lookup(e string) (int32, bool) {
	k, _ := ix.find(e, emailHash(ix.seed, e))
	return k, k >= 0
}

// addCRM adds CRM slot (contact × 2 + field) whose e-mail is e (hash h) to
// the chain of e, when e is numbered and the contact is not its last
// contact already.
func (ix *emailIndex) addCRM(e string, h uint64, slot int32) {
	x, _ := ix.find(e, h)
	if x < 0 {
		return
	}
	en := &ix.entries[x]
	ix.next[slot] = -1
	switch {
	case en.head < 0:
		en.head, en.tail = slot, slot
	case en.tail/2 == slot/2:
		// the contact's other e-mail, the same address
	default:
		ix.next[en.tail] = slot
		en.tail = slot
	}
}

// emailBatch holds e-mails ("" for none) with a number each, to be added
// to an emailIndex together.
type emailBatch struct {
	es  []string
	aux []int32
	hs  []uint64
}

const emailBatchSize = 64

func (b *emailBatch) put(e string, aux int32) bool {
	b.es, b.aux = append(b.es, e), append(b.aux, aux)
	return len(b.es) == emailBatchSize
}

// prepare hashes the batch's e-mails and reads the first slot of each
// (and the entry it names, when its hash may be the e-mail's), all before
// any is used: the reads' misses of the cache overlap.
func (ix *emailIndex) prepare(b *emailBatch) {
	b.hs = b.hs[:0]
	for _, e := range b.es {
		var h uint64
		if e != "" {
			h = emailHash(ix.seed, e)
		}
		b.hs = append(b.hs, h)
	}
	var sink uint64
	for k, h := range b.hs {
		if b.es[k] != "" {
			sink += ix.slots[h&ix.mask]
		}
	}
	for k, h := range b.hs {
		if s := ix.slots[h&ix.mask]; s != 0 && s>>32 == h>>32 && b.es[k] != "" {
			if e := ix.entries[uint32(s)-1].email; e != "" {
				sink += uint64(e[0])
			}
		}
	}
	ix.sink += sink
}

// addAll numbers the batch's e-mails in order and appends the entry of
// each (-1 for none) to own; the batch is emptied.
func (ix *emailIndex) addAll(b *emailBatch, own []int32) []int32 {
	ix.prepare(b)
	for k, e := range b.es {
		x := int32(-1)
		if e != "" {
			x = ix.add(e, b.hs[k])
		}
		own = append(own, x)
	}
	b.es, b.aux = b.es[:0], b.aux[:0]
	return own
}

// addAllCRM adds the batch's CRM slots (aux) in order to the chains of
// their e-mails; the batch is emptied.
func (ix *emailIndex) addAllCRM(b *emailBatch) {
	ix.prepare(b)
	for k, e := range b.es {
		if e != "" {
			ix.addCRM(e, b.hs[k], b.aux[k])
		}
	}
	b.es, b.aux = b.es[:0], b.aux[:0]
}
