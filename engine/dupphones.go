package engine

import (
	"math/bits"
	"slices"

	"contactsync/engine/contact"
)

// phoneKeys returns the phone keys of the contacts: the slots (contact ×
// len(dupPhoneFields) + field, ascending) that have one, and their keys.
// The canonical form can be costly to compute (a full parse against the
// numbering plan), so only numbers that share their last seven digits
// with another contact's number are put in it: two numbers with one
// canonical form end in the same national number, which is the tail of
// their digits however written.
//
// It returns the scratch space its sort used, for the next sort, and the
// number of e-mails the contacts hold.
func phoneKeys(cs contact.Records, key func(string) string) (slots []uint32, keys []string, tmp []uint64, emails int) {
	n := cs.Len()
	// Every number's tail above its slot, sorted: a tail that two
	// contacts share is a run of two contacts or more.
	w := len(dupPhoneFields)
	t, _ := cs.(*contact.Table)
	// The fields are read once: the phones for their tails, the e-mails
	// counted for the keys' room (hash). Room for two numbers a contact
	// (a business and a mobile number) is made first.
	hs := make([]contact.Handle, len(dupCountFields))
	slotBits := uint(bits.Len(uint(n * w)))
	tails := make([]uint64, 0, 2*n)
	for i := range n {
		readHandles(cs, t, i, dupCountFields, hs)
		for k, h := range hs {
			switch {
			case h == 0:
			case k >= w:
				emails++
			default:
				if tl := phoneTail(readValue(cs, t, i, dupPhoneFields[k], h)); tl != 0 {
					tails = append(tails, uint64(tl)<<slotBits|uint64(i*w+k))
				}
			}
		}
	}
	tmp = make([]uint64, len(tails))
	sortUint64sFrom(tails, tmp, slotBits) // slots ascending
	// The slots of the runs, as bits (in slot order, which is contact
	// order: no sort).
	shared := make([]uint64, (n*w+63)/64)
	count := 0
	mask := uint64(1)<<slotBits - 1
	for lo := 0; lo < len(tails); {
		hi := lo + 1
		for hi < len(tails) && tails[hi]>>slotBits == tails[lo]>>slotBits {
			hi++
		}
		if first, last := uint32(tails[lo]&mask)/uint32(w), uint32(tails[hi-1]&mask)/uint32(w); first != last {
			for _, x := range tails[lo:hi] {
				shared[(x&mask)/64] |= 1 << (x & mask % 64)
			}
			count += hi - lo
		}
		lo = hi
	}
	tails = nil
	slots = make([]uint32, 0, count)
	keys = make([]string, 0, count)
	for wi, word := range shared {
		for word != 0 {
			s := wi*64 + bits.TrailingZeros64(word)
			word &= word - 1
			raw := cs.Get(s/w, dupPhoneFields[s%w])
			var pk string
			if key != nil {
				pk = key(raw)
			} else {
				pk = phoneDigits(raw)
			}
			if pk != "" {
				slots = append(slots, uint32(s))
				keys = append(keys, pk)
			}
		}
	}
	return slots, keys, tmp, emails
}

// dupCountFields are the fields phoneKeys counts: the phones, then the
// e-mails.
var dupCountFields = append(slices.Clone(dupPhoneFields), dupEmailFields...)

// readHandles reads fields fs of contact i into hs: of a table t (cs),
// their handles, read at once; else 1 for a value and 0 for none.
func readHandles(cs contact.Records, t *contact.Table, i int, fs []contact.Field, hs []contact.Handle) {
	if t != nil {
		t.Handles(i, fs, hs)
		return
	}
	for k, f := range fs {
		hs[k] = 0
		if cs.Get(i, f) != "" {
			hs[k] = 1
		}
	}
}

// readValue returns the value of field f of contact i, whose handle
// readHandles read as h.
func readValue(cs contact.Records, t *contact.Table, i int, f contact.Field, h contact.Handle) string {
	if t != nil {
		return t.Pool().Get(h)
	}
	if h == 0 {
		return ""
	}
	return cs.Get(i, f)
}

// phoneDigits returns the digits of a phone number before any extension
// (the first letter or '#' ends the number proper).
func phoneDigits(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			b = append(b, c)
		case c == '#' || (c|0x20 >= 'a' && c|0x20 <= 'z'):
			return string(b)
		}
	}
	return string(b)
}

// phoneTail is the last seven digits of a number, as a number with a
// leading 1 (so that no tail is 0); 0 for fewer than five digits (no
// number). Extensions are not part of it.
func phoneTail(s string) uint32 {
	// The digits as one number, whose remainder by 10^7 is the tail: it is
	// taken only when the number grows large, not a digit at a time.
	var t uint64
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if d := c - '0'; d <= 9 {
			if t >= 1<<58 {
				t %= 10000000
			}
			t = t*10 + uint64(d)
			n++
		} else if c == '#' || (c|0x20 >= 'a' && c|0x20 <= 'z') {
			break
		}
	}
	if n < 5 {
		return 0
	}
	t %= 10000000
	if n < 7 {
		// Fewer than seven digits: keep the count, so 01234 and 1234x differ.
		return uint32(t) + uint32(n)*10000000
	}
	return uint32(t) + 10000000*10
}

// sortDigit is the bits of a digit of sortUint64sFrom.
const sortDigit = 11

// sortUint64s sorts a, using tmp (at least as long; nil: one is made) as
// scratch space: sortUint64sFrom(a, tmp, 0).
func sortUint64s(a, tmp []uint64) { sortUint64sFrom(a, tmp, 0) }

// sortUint64sFrom sorts a, whose values are in ascending order of their
// bits below from (their low bits an index they were appended in order
// of, or unique), looking at the bits from from up only, using tmp (at
// least as long; nil: one is made) as scratch space. A radix sort, eleven
// bits a pass, whose passes keep the order of values with equal digits:
// the integers FindDuplicates sorts are millions, and pdqsort compares
// each some twenty times. It skips the passes of the digits every value
// shares, and of the bits below from (two passes of six for a million
// keys' numbers under their hashes).
func sortUint64sFrom(a, tmp []uint64, from uint) {
	if len(a) < 256 || len(a) >= 1<<31 {
		slices.Sort(a) // the same order, a's low bits being ascending
		return
	}
	const digit = sortDigit
	passes := int(64-from+digit-1) / digit
	var counts [(64 + digit - 1) / digit][1 << digit]int32
	for _, v := range a {
		v >>= from
		for d := range passes {
			counts[d][v>>(digit*d)&(1<<digit-1)]++
		}
	}
	if len(tmp) < len(a) {
		tmp = make([]uint64, len(a))
	}
	src, dst := a, tmp[:len(a)]
	for d := range passes {
		c := &counts[d]
		shift := from + uint(digit*d)
		if int(c[src[0]>>shift&(1<<digit-1)]) == len(a) {
			continue // every value has this digit
		}
		var sum int32
		for b := range c {
			c[b], sum = sum, sum+c[b]
		}
		for _, v := range src {
			b := v >> shift & (1<<digit - 1)
			dst[c[b]] = v
			c[b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &a[0] {
		copy(a, src)
	}
}
