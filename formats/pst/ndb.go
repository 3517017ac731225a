package pst

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"contactsync/formats"
)

// This file is the NDB (node database) layer of [MS-PST] §2.2: the header,
// the node and block B-trees (NBT, BBT), blocks with their trailers and
// encodings, data trees (XBLOCK/XXBLOCK) and subnode trees (SLBLOCK/SIBLOCK).

const (
	cryptNone    = 0x00
	cryptPermute = 0x01
	cryptCyclic  = 0x02

	ptypeBBT = 0x80
	ptypeNBT = 0x81

	pageSize = 512
	// maxBlock is the largest block on disk (data plus trailer, 64-aligned).
	maxBlock = 8192
	// maxDepth bounds every tree walk: real PSTs use 2–4 B-tree levels, data
	// trees at most 2, subnode trees 2 (plus nested subnodes). A corrupt
	// level byte can therefore never make a walk run away.
	maxDepth = 16
	// maxNodeBytes bounds the data of one node we are willing to assemble
	// (bodies, photos). Larger claims are treated as corruption.
	maxNodeBytes = 64 << 20
)

var le = binary.LittleEndian

// errNotFound marks a node or block id that the B-tree does not hold.
var errNotFound = errors.New("not found")

// file reads the NDB structures of one PST through an io.ReaderAt; only the
// pages and blocks needed are read, and a bounded page cache keeps repeated
// B-tree descents cheap without holding the file in memory.
type file struct {
	ra      io.ReaderAt
	path    string
	size    int64
	unicode bool // wVer 23 (64-bit ids); false for ANSI wVer 14/15
	ver     uint16
	crypt   byte

	nbtRoot, bbtRoot int64 // file offsets of the B-tree root pages
	nbtBid, bbtBid   uint64

	pages map[int64]cachedPage // pages read, checked and parsed, by offset; cleared when full
}

const pageCacheMax = 4096 // 2 MiB of 512-byte pages

// perr builds the positioned error every layer returns: the offset of the
// structure and the node or block it belongs to.
func (f *file) perr(off int64, field string, format string, args ...any) error {
	return &formats.ParseError{File: f.path, Field: field, Err: fmt.Errorf(format, args...), Offset: off}
}

func blockField(bid uint64) string { return fmt.Sprintf("block 0x%x", bid) }
func nodeField(nid uint32) string  { return fmt.Sprintf("node 0x%x", nid) }

// readAt reads exactly len(b) bytes at off or reports where the file ends.
func (f *file) readAt(b []byte, off int64, field string) error {
	if off < 0 || off+int64(len(b)) > f.size {
		return f.perr(off, field, "%d bytes at offset 0x%x run past the end of the file (%d bytes): file truncated or corrupt", len(b), off, f.size)
	}
	n, err := f.ra.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	return f.perr(off, field, "read: %v", err)
}

// openFile parses the header ([MS-PST] §2.2.2.6).
func openFile(ra io.ReaderAt, size int64, path string) (*file, error) {
	f := &file{ra: ra, path: path, size: size, pages: map[int64]cachedPage{}}
	hdr := make([]byte, 564)
	n, _ := ra.ReadAt(hdr, 0)
	if err := f.parseHeader(hdr[:n]); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *file) parseHeader(h []byte) error {
	const field = "header"
	if len(h) < 24 {
		return f.perr(0, field, "file too short for a PST header (%d bytes)", len(h))
	}
	if string(h[0:4]) != "!BDN" {
		return f.perr(0, field, "not a PST file (magic %q, want \"!BDN\")", h[0:4])
	}
	if c := string(h[8:10]); c != "SM" && c != "SO" && c != "AB" {
		return f.perr(8, field, "unknown client signature %q (want \"SM\")", c)
	}
	f.ver = le.Uint16(h[10:])
	switch f.ver {
	case 14, 15:
		f.unicode = false
	case 21, 23:
		f.unicode = true
	case 36:
		return f.perr(10, field, "4k-page PST/OST format (wVer 36, Outlook 2013 OST) is not supported: its blocks may be compressed and [MS-PST] does not describe them; export the contacts to a Unicode .pst from Outlook")
	default:
		return f.perr(10, field, "unsupported PST version wVer %d (want 14/15 ANSI or 23 Unicode)", f.ver)
	}
	need := 512
	if f.unicode {
		need = 514
	}
	if len(h) < need {
		return f.perr(int64(len(h)), field, "header truncated at %d bytes (need %d)", len(h), need)
	}
	if f.unicode {
		f.nbtBid, f.nbtRoot = le.Uint64(h[216:]), int64(le.Uint64(h[224:]))
		f.bbtBid, f.bbtRoot = le.Uint64(h[232:]), int64(le.Uint64(h[240:]))
		f.crypt = h[513]
	} else {
		f.nbtBid, f.nbtRoot = uint64(le.Uint32(h[184:])), int64(le.Uint32(h[188:]))
		f.bbtBid, f.bbtRoot = uint64(le.Uint32(h[192:])), int64(le.Uint32(h[196:]))
		f.crypt = h[461]
	}
	// ibFileEof: the size the file had when Outlook closed it. A shorter
	// file lost its end (an interrupted copy); say so before any B-tree
	// lookup fails somewhere in the missing part.
	var eof int64
	if f.unicode {
		eof = int64(le.Uint64(h[184:]))
	} else {
		eof = int64(le.Uint32(h[168:]))
	}
	if eof > f.size {
		return f.perr(f.size, field, "file truncated: the header says it is %d bytes long but it has %d", eof, f.size)
	}
	switch f.crypt {
	case cryptNone, cryptPermute, cryptCyclic:
	default:
		off := int64(461)
		if f.unicode {
			off = 513
		}
		return f.perr(off, field, "unknown encryption method bCryptMethod 0x%02x", f.crypt)
	}
	for _, r := range []struct {
		name string
		off  int64
	}{{"node B-tree root", f.nbtRoot}, {"block B-tree root", f.bbtRoot}} {
		if r.off <= 0 || r.off+pageSize > f.size {
			return f.perr(r.off, field, "%s at offset 0x%x lies outside the file (%d bytes): file truncated", r.name, r.off, f.size)
		}
	}
	return nil
}

// page is one B-tree page ([MS-PST] §2.2.2.7.7).
type page struct {
	off     int64
	level   int
	entries [][]byte
}

// readPage reads and checks the B-tree page at off. bid is the id the parent
// used to reach it (named in errors).
func (f *file) readPage(off int64, bid uint64, ptype byte) (*page, error) {
	if c, ok := f.pages[off]; ok && c.ptype == ptype {
		return c.p, nil // checked when it was read; a page read as the other tree's is read again, and refused
	}
	field := fmt.Sprintf("page 0x%x", bid)
	if off <= 0 || off%64 != 0 {
		// Pages are 512-aligned in practice; demand at least 64-byte
		// alignment so a random offset is caught early.
		return nil, f.perr(off, field, "page offset 0x%x is not aligned", off)
	}
	b := make([]byte, pageSize)
	if err := f.readAt(b, off, field); err != nil {
		return nil, err
	}
	p, err := f.parsePage(b, off, bid, ptype)
	if err != nil {
		return nil, err
	}
	if len(f.pages) >= pageCacheMax {
		clear(f.pages)
	}
	f.pages[off] = cachedPage{ptype: ptype, p: p}
	return p, nil
}

// cachedPage is a page checked and parsed as a page of B-tree ptype.
type cachedPage struct {
	ptype byte
	p     *page
}

// parsePage decodes a 512-byte page buffer; it is separate from readPage so
// that the fuzz target can feed it arbitrary bytes.
func (f *file) parsePage(b []byte, off int64, bid uint64, ptype byte) (*page, error) {
	field := fmt.Sprintf("page 0x%x", bid)
	if len(b) != pageSize {
		return nil, f.perr(off, field, "page is %d bytes, want %d", len(b), pageSize)
	}
	var cEnt, cbEnt, level, tOff int
	var entBytes int
	if f.unicode {
		cEnt, cbEnt, level, tOff, entBytes = int(b[488]), int(b[490]), int(b[491]), 496, 488
	} else {
		cEnt, cbEnt, level, tOff, entBytes = int(b[496]), int(b[498]), int(b[499]), 500, 496
	}
	if b[tOff] != ptype || b[tOff+1] != ptype {
		return nil, f.perr(off, field, "page type 0x%02x/0x%02x, want 0x%02x (%s)", b[tOff], b[tOff+1], ptype, ptypeName(ptype))
	}
	// PAGETRAILER dwCRC ([MS-PST] §2.2.2.7.1) covers the page before the
	// trailer: a flipped byte in a B-tree page is found here instead of
	// sending the descent astray.
	crcOff := tOff + 4
	if !f.unicode {
		crcOff = tOff + 8
	}
	if got, want := crc(b[:tOff]), le.Uint32(b[crcOff:]); got != want {
		return nil, f.perr(off, field, "page CRC 0x%08x does not match its trailer's 0x%08x: the file is damaged between offsets 0x%x and 0x%x", got, want, off, off+int64(tOff))
	}
	var want int
	switch {
	case level > 0:
		want = 24
		if !f.unicode {
			want = 12
		}
	case ptype == ptypeNBT:
		want = 32
		if !f.unicode {
			want = 16
		}
	default:
		want = 24
		if !f.unicode {
			want = 12
		}
	}
	if cbEnt < want {
		return nil, f.perr(off, field, "entry size %d too small (want %d)", cbEnt, want)
	}
	if cEnt*cbEnt > entBytes {
		return nil, f.perr(off, field, "%d entries of %d bytes overflow the page", cEnt, cbEnt)
	}
	if level >= maxDepth {
		return nil, f.perr(off, field, "B-tree level %d is implausible", level)
	}
	p := &page{off: off, level: level, entries: make([][]byte, cEnt)}
	for i := range p.entries {
		p.entries[i] = b[i*cbEnt : i*cbEnt+cbEnt]
	}
	return p, nil
}

func ptypeName(t byte) string {
	if t == ptypeNBT {
		return "node B-tree"
	}
	return "block B-tree"
}

// id reads a node/block id or offset of the file's width.
func (f *file) id(b []byte) uint64 {
	if f.unicode {
		return le.Uint64(b)
	}
	return uint64(le.Uint32(b))
}

func (f *file) idSize() int {
	if f.unicode {
		return 8
	}
	return 4
}

// search descends a B-tree to the leaf entry whose key equals key. Every
// child page must sit exactly one level below its parent, so the descent
// ends after at most maxDepth pages whatever the file says.
func (f *file) search(root int64, rootBid uint64, ptype byte, key uint64, mask uint64) ([]byte, error) {
	off, bid := root, rootBid
	wantLevel := -1
	w := f.idSize()
	for range maxDepth + 1 {
		p, err := f.readPage(off, bid, ptype)
		if err != nil {
			return nil, err
		}
		if wantLevel >= 0 && p.level != wantLevel {
			return nil, f.perr(off, fmt.Sprintf("page 0x%x", bid), "B-tree page has level %d, want %d (cycle or corruption)", p.level, wantLevel)
		}
		if p.level == 0 {
			// Leaf entries are sorted; a binary search would do, but pages
			// hold at most 41 entries.
			for _, e := range p.entries {
				if f.id(e)&^mask == key {
					return e, nil
				}
			}
			return nil, errNotFound
		}
		var next []byte
		for _, e := range p.entries {
			if f.id(e)&^mask <= key {
				next = e
			} else {
				break
			}
		}
		if next == nil {
			return nil, errNotFound
		}
		bid = f.id(next[w:])
		off = int64(f.id(next[2*w:]))
		wantLevel = p.level - 1
	}
	return nil, f.perr(off, "page", "B-tree deeper than %d levels", maxDepth)
}

// walk calls fn for every leaf entry of a B-tree, in key order.
func (f *file) walk(off int64, bid uint64, ptype byte, wantLevel int, fn func([]byte) error) error {
	p, err := f.readPage(off, bid, ptype)
	if err != nil {
		return err
	}
	if wantLevel >= 0 && p.level != wantLevel {
		return f.perr(off, fmt.Sprintf("page 0x%x", bid), "B-tree page has level %d, want %d (cycle or corruption)", p.level, wantLevel)
	}
	if p.level == 0 {
		for _, e := range p.entries {
			if err := fn(e); err != nil {
				return err
			}
		}
		return nil
	}
	w := f.idSize()
	// Copy the child references: the page buffer may be evicted from the
	// cache while the children are read.
	type ref struct {
		bid uint64
		off int64
	}
	refs := make([]ref, len(p.entries))
	for i, e := range p.entries {
		refs[i] = ref{f.id(e[w:]), int64(f.id(e[2*w:]))}
	}
	for _, r := range refs {
		if err := f.walk(r.off, r.bid, ptype, p.level-1, fn); err != nil {
			return err
		}
	}
	return nil
}

// nbtEntry is a node: its data block and its subnode tree ([MS-PST] §2.2.2.7.7.4).
type nbtEntry struct {
	nid             uint32
	bidData, bidSub uint64
	parent          uint32
}

func (f *file) parseNBTEntry(e []byte) nbtEntry {
	w := f.idSize()
	return nbtEntry{
		nid:     uint32(f.id(e)),
		bidData: f.id(e[w:]),
		bidSub:  f.id(e[2*w:]),
		parent:  le.Uint32(e[3*w:]),
	}
}

// lookupNode finds a node in the NBT.
func (f *file) lookupNode(nid uint32) (nbtEntry, error) {
	e, err := f.search(f.nbtRoot, f.nbtBid, ptypeNBT, uint64(nid), 0)
	if err != nil {
		if errors.Is(err, errNotFound) {
			return nbtEntry{}, f.perr(f.nbtRoot, nodeField(nid), "node %w in the node B-tree", errNotFound)
		}
		return nbtEntry{}, err
	}
	return f.parseNBTEntry(e), nil
}

// bbtEntry locates a block on disk.
type bbtEntry struct {
	bid uint64
	off int64
	cb  int
}

func (f *file) lookupBlock(bid uint64) (bbtEntry, error) {
	// Bit 0 of a BID is reserved and must be ignored when searching.
	e, err := f.search(f.bbtRoot, f.bbtBid, ptypeBBT, bid&^1, 1)
	if err != nil {
		if errors.Is(err, errNotFound) {
			return bbtEntry{}, f.perr(f.bbtRoot, blockField(bid), "block %w in the block B-tree", errNotFound)
		}
		return bbtEntry{}, err
	}
	w := f.idSize()
	return bbtEntry{bid: f.id(e), off: int64(f.id(e[w:])), cb: int(le.Uint16(e[2*w:]))}, nil
}

// block is one block's data, decoded, with where it came from.
type block struct {
	bid uint64
	off int64
	b   []byte
}

func (f *file) trailerSize() int {
	if f.unicode {
		return 16
	}
	return 12
}

// readBlock reads a block and removes the file's encoding when it is a data
// (external) block; internal blocks (XBLOCK, SLBLOCK, ...) are never encoded.
func (f *file) readBlock(bid uint64) (block, error) {
	be, err := f.lookupBlock(bid)
	if err != nil {
		return block{}, err
	}
	field := blockField(bid)
	ts := f.trailerSize()
	if be.cb > maxBlock-ts {
		return block{}, f.perr(be.off, field, "block size %d exceeds the maximum %d", be.cb, maxBlock-ts)
	}
	total := (be.cb + ts + 63) &^ 63
	raw := make([]byte, total)
	if err := f.readAt(raw, be.off, field); err != nil {
		return block{}, err
	}
	b, err := f.parseBlock(raw, be, bid)
	if err != nil {
		return block{}, err
	}
	return block{bid: bid, off: be.off, b: b}, nil
}

// parseBlock checks a raw block (data, padding, trailer) and decodes it.
func (f *file) parseBlock(raw []byte, be bbtEntry, bid uint64) ([]byte, error) {
	field := blockField(bid)
	ts := f.trailerSize()
	if be.cb+ts > len(raw) {
		return nil, f.perr(be.off, field, "block of %d bytes does not fit in %d", be.cb, len(raw))
	}
	t := raw[len(raw)-ts:]
	cb := int(le.Uint16(t))
	var tbid uint64
	if f.unicode {
		tbid = le.Uint64(t[8:])
	} else {
		tbid = uint64(le.Uint32(t[4:]))
	}
	if cb != be.cb || tbid&^1 != bid&^1 {
		return nil, f.perr(be.off, field, "block trailer says size %d id 0x%x, want size %d id 0x%x", cb, tbid, be.cb, bid)
	}
	b := raw[:cb:cb]
	// BLOCKTRAILER dwCRC ([MS-PST] §2.2.2.8.1) covers the block's data as
	// stored (before decoding): a flipped byte is an error here, not a
	// contact silently read short or left out.
	want := le.Uint32(t[4:])
	if !f.unicode {
		want = le.Uint32(t[8:])
	}
	if got := crc(b); got != want {
		return nil, f.perr(be.off, field, "block CRC 0x%08x does not match its trailer's 0x%08x: the file is damaged between offsets 0x%x and 0x%x", got, want, be.off, be.off+int64(cb))
	}
	if bid&2 == 0 {
		decode(b, f.crypt, uint32(be.bid))
	}
	return b, nil
}

// decode undoes the permute or cyclic encoding of [MS-PST] §5.1/§5.2 in place.
func decode(b []byte, method byte, key uint32) {
	switch method {
	case cryptPermute:
		tI := mpbbCrypt[512:768]
		for i, c := range b {
			b[i] = tI[c]
		}
	case cryptCyclic:
		tR, tS, tI := mpbbCrypt[0:256], mpbbCrypt[256:512], mpbbCrypt[512:768]
		w := uint16(key ^ key>>16)
		for i, c := range b {
			c += byte(w)
			c = tR[c]
			c += byte(w >> 8)
			c = tS[c]
			c -= byte(w >> 8)
			c = tI[c]
			c -= byte(w)
			b[i] = c
			w++
		}
	}
}

// nodeData returns the data blocks of a node's data tree, in order
// ([MS-PST] §2.2.2.8.3.2: XBLOCK lists data blocks, XXBLOCK lists XBLOCKs).
func (f *file) nodeData(bid uint64) ([]block, error) {
	if bid == 0 {
		return nil, nil
	}
	var out []block
	total := 0
	err := f.dataTree(bid, -1, &out, &total)
	return out, err
}

func (f *file) dataTree(bid uint64, wantLevel int, out *[]block, total *int) error {
	blk, err := f.readBlock(bid)
	if err != nil {
		return err
	}
	if bid&2 == 0 { // external: plain data
		if wantLevel > 0 {
			return f.perr(blk.off, blockField(bid), "data tree expects an XBLOCK here but found a data block")
		}
		*total += len(blk.b)
		if *total > maxNodeBytes {
			return f.perr(blk.off, blockField(bid), "node data larger than %d bytes", maxNodeBytes)
		}
		*out = append(*out, blk)
		return nil
	}
	btype, level, ids, err := f.parseIndexBlock(blk, 0x01)
	if err != nil {
		return err
	}
	if level != 1 && level != 2 || wantLevel >= 0 && level != wantLevel {
		return f.perr(blk.off, blockField(bid), "XBLOCK level %d unexpected (btype 0x%02x)", level, btype)
	}
	for _, child := range ids {
		if err := f.dataTree(child, level-1, out, total); err != nil {
			return err
		}
	}
	return nil
}

// parseIndexBlock reads the header of an XBLOCK/XXBLOCK (btype 1) and
// returns its level and child BIDs.
func (f *file) parseIndexBlock(blk block, btype byte) (byte, int, []uint64, error) {
	b := blk.b
	field := blockField(blk.bid)
	if len(b) < 8 {
		return 0, 0, nil, f.perr(blk.off, field, "internal block of %d bytes is too short", len(b))
	}
	if b[0] != btype {
		return b[0], 0, nil, f.perr(blk.off, field, "internal block type 0x%02x, want 0x%02x", b[0], btype)
	}
	level := int(b[1])
	n := int(le.Uint16(b[2:]))
	w := f.idSize()
	if 8+n*w > len(b) {
		return b[0], 0, nil, f.perr(blk.off, field, "XBLOCK lists %d ids but holds room for %d", n, (len(b)-8)/w)
	}
	ids := make([]uint64, n)
	for i := range ids {
		ids[i] = f.id(b[8+i*w:])
	}
	return b[0], level, ids, nil
}

// subnode is one entry of a subnode tree: the data and nested subnodes of
// a node that lives inside another node (large property values, tables).
type subnode struct {
	bidData, bidSub uint64
}

// subnodes reads the SLBLOCK/SIBLOCK tree rooted at bid into a map.
func (f *file) subnodes(bid uint64) (map[uint32]subnode, error) {
	m := map[uint32]subnode{}
	if bid == 0 {
		return m, nil
	}
	return m, f.subTree(bid, -1, m)
}

func (f *file) subTree(bid uint64, wantLevel int, m map[uint32]subnode) error {
	blk, err := f.readBlock(bid)
	if err != nil {
		return err
	}
	b := blk.b
	field := blockField(bid)
	if len(b) < 4 || b[0] != 0x02 {
		return f.perr(blk.off, field, "not a subnode block (SLBLOCK/SIBLOCK)")
	}
	level := int(b[1])
	if level > 1 || wantLevel >= 0 && level != wantLevel {
		return f.perr(blk.off, field, "subnode block level %d unexpected", level)
	}
	n := int(le.Uint16(b[2:]))
	w := f.idSize()
	hdr := 4
	if f.unicode {
		hdr = 8
	}
	es := 3 * w // SLENTRY: nid, bidData, bidSub
	if level == 1 {
		es = 2 * w // SIENTRY: nid, bid
	}
	if hdr+n*es > len(b) {
		return f.perr(blk.off, field, "subnode block lists %d entries but holds room for %d", n, (len(b)-hdr)/es)
	}
	for i := range n {
		e := b[hdr+i*es:]
		if level == 1 {
			if err := f.subTree(f.id(e[w:]), 0, m); err != nil {
				return err
			}
			continue
		}
		m[uint32(f.id(e))] = subnode{bidData: f.id(e[w:]), bidSub: f.id(e[2*w:])}
	}
	return nil
}
