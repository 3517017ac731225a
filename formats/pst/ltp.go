package pst

import (
	"fmt"
	"slices"
	"strings"
)

// This file is the LTP (lists, tables, properties) layer of [MS-PST] §2.3:
// the heap-on-node, the B-tree-on-heap, property contexts and table contexts.

const (
	sigHN = 0xEC
	sigTC = 0x7C
	sigBT = 0xB5
	sigPC = 0xBC
)

// node is an NDB node opened for reading: its data blocks and subnodes.
type node struct {
	f      *file
	nid    uint32
	blocks []block
	sub    map[uint32]subnode
	depth  int // nesting of subnodes, bounded by maxDepth
}

// openNode opens a top-level node by NID.
func (f *file) openNode(nid uint32) (*node, error) {
	e, err := f.lookupNode(nid)
	if err != nil {
		return nil, err
	}
	return f.openNodeAt(nid, e.bidData, e.bidSub, 0)
}

func (f *file) openNodeAt(nid uint32, bidData, bidSub uint64, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, f.perr(0, nodeField(nid), "subnodes nested deeper than %d", maxDepth)
	}
	blocks, err := f.nodeData(bidData)
	if err != nil {
		return nil, wrapNode(err, nid)
	}
	sub, err := f.subnodes(bidSub)
	if err != nil {
		return nil, wrapNode(err, nid)
	}
	return &node{f: f, nid: nid, blocks: blocks, sub: sub, depth: depth}, nil
}

// openSub opens a subnode of n.
func (n *node) openSub(nid uint32) (*node, error) {
	s, ok := n.sub[nid]
	if !ok {
		return nil, n.f.perr(n.off(), nodeField(n.nid), "subnode 0x%x is missing", nid)
	}
	return n.f.openNodeAt(nid, s.bidData, s.bidSub, n.depth+1)
}

// bytes returns all data of the node, concatenated.
func (n *node) bytes() []byte {
	if len(n.blocks) == 1 {
		return n.blocks[0].b
	}
	size := 0
	for _, b := range n.blocks {
		size += len(b.b)
	}
	out := make([]byte, 0, size)
	for _, b := range n.blocks {
		out = append(out, b.b...)
	}
	return out
}

func (n *node) off() int64 {
	if len(n.blocks) > 0 {
		return n.blocks[0].off
	}
	return 0
}

// wrapNode prefixes a block-level error with the node it belongs to, so the
// message names both ("node 0x2224 block 0x84").
func wrapNode(err error, nid uint32) error {
	if pe := asParseError(err); pe != nil && !strings.HasPrefix(pe.Field, "node ") {
		pe.Field = nodeField(nid) + " " + pe.Field
	}
	return err
}

// heap is a heap-on-node ([MS-PST] §2.3.1): allocations addressed by HID.
type heap struct {
	n         *node
	clientSig byte
	userRoot  uint32
}

func (n *node) heap() (*heap, error) {
	if len(n.blocks) == 0 || len(n.blocks[0].b) < 12 {
		return nil, n.f.perr(n.off(), nodeField(n.nid), "node is too short for a heap-on-node header")
	}
	b := n.blocks[0].b
	if b[2] != sigHN {
		return nil, n.f.perr(n.blocks[0].off, nodeField(n.nid)+" "+blockField(n.blocks[0].bid), "heap signature 0x%02x, want 0xEC", b[2])
	}
	return &heap{n: n, clientSig: b[3], userRoot: le.Uint32(b[4:])}, nil
}

func (h *heap) errf(blk int, format string, args ...any) error {
	n := h.n
	field := nodeField(n.nid)
	off := n.off()
	if blk >= 0 && blk < len(n.blocks) {
		field += " " + blockField(n.blocks[blk].bid)
		off = n.blocks[blk].off
	}
	return n.f.perr(off, field, format, args...)
}

// get returns the allocation a HID names; HID 0 is empty.
func (h *heap) get(hid uint32) ([]byte, error) {
	if hid == 0 {
		return nil, nil
	}
	if hid&0x1F != 0 {
		return nil, h.errf(-1, "0x%x is not a heap id", hid)
	}
	idx := int(hid>>5) & 0x7FF
	bi := int(hid >> 16)
	if bi >= len(h.n.blocks) {
		return nil, h.errf(-1, "heap id 0x%x names block %d of %d", hid, bi, len(h.n.blocks))
	}
	return heapAlloc(h.n.blocks[bi].b, idx, func(format string, args ...any) error {
		return h.errf(bi, "heap id 0x%x: "+format, append([]any{hid}, args...)...)
	})
}

// heapAlloc finds allocation idx (1-based) through the page map of one heap
// block ([MS-PST] §2.3.1.5 HNPAGEMAP).
func heapAlloc(b []byte, idx int, errf func(string, ...any) error) ([]byte, error) {
	if len(b) < 2 {
		return nil, errf("heap block too short")
	}
	pm := int(le.Uint16(b))
	if pm+4 > len(b) {
		return nil, errf("page map offset %d outside the block (%d bytes)", pm, len(b))
	}
	cAlloc := int(le.Uint16(b[pm:]))
	if idx < 1 || idx > cAlloc {
		return nil, errf("allocation %d of %d", idx, cAlloc)
	}
	if pm+4+2*(cAlloc+1) > len(b) {
		return nil, errf("page map with %d allocations overruns the block", cAlloc)
	}
	start := int(le.Uint16(b[pm+4+2*(idx-1):]))
	end := int(le.Uint16(b[pm+4+2*idx:]))
	if start > end || end > pm {
		return nil, errf("allocation %d spans %d..%d, outside the heap data (%d bytes)", idx, start, end, pm)
	}
	return b[start:end:end], nil
}

// hnid returns the value an HNID names: a heap allocation or a subnode's data.
func (h *heap) hnid(v uint32) ([]byte, error) {
	if v == 0 {
		return nil, nil
	}
	if v&0x1F == 0 {
		return h.get(v)
	}
	sn, err := h.n.openSub(v)
	if err != nil {
		return nil, err
	}
	return sn.bytes(), nil
}

// bth reads a B-tree-on-heap ([MS-PST] §2.3.2) and returns its leaf records
// as key and data slices.
func (h *heap) bth(hid uint32, cbKey, cbEnt int) (keys, vals [][]byte, err error) {
	err = h.bthEach(hid, cbKey, cbEnt, func(n int) {
		keys, vals = slices.Grow(keys, n), slices.Grow(vals, n)
	}, func(k, v []byte) error {
		keys, vals = append(keys, k), append(vals, v)
		return nil
	})
	return keys, vals, err
}

// bthEach walks the B-tree-on-heap at hid as bth does, handing each
// record's key and value (slices of the heap) to each in key order
// instead of gathering them; grow, when set, is told how many records a
// leaf block holds before they come.
func (h *heap) bthEach(hid uint32, cbKey, cbEnt int, grow func(n int), each func(k, v []byte) error) error {
	hdr, err := h.get(hid)
	if err != nil {
		return err
	}
	if len(hdr) < 8 || hdr[0] != sigBT {
		return h.errf(-1, "B-tree-on-heap header at 0x%x is invalid", hid)
	}
	if int(hdr[1]) != cbKey || cbEnt > 0 && int(hdr[2]) != cbEnt {
		return h.errf(-1, "B-tree-on-heap has key/entry size %d/%d, want %d/%d", hdr[1], hdr[2], cbKey, cbEnt)
	}
	cbEnt = int(hdr[2])
	levels := int(hdr[3])
	if levels > maxDepth {
		return h.errf(-1, "B-tree-on-heap has %d levels", levels)
	}
	seen := map[uint32]bool{}
	var walk func(hid uint32, level int) error
	walk = func(hid uint32, level int) error {
		if hid == 0 {
			return nil
		}
		if seen[hid] {
			return h.errf(-1, "B-tree-on-heap visits heap id 0x%x twice (cycle)", hid)
		}
		seen[hid] = true
		b, err := h.get(hid)
		if err != nil {
			return err
		}
		rs := cbKey + cbEnt
		if level > 0 {
			rs = cbKey + 4
		}
		if len(b)%rs != 0 {
			return h.errf(-1, "B-tree-on-heap record block of %d bytes is not a multiple of %d", len(b), rs)
		}
		if level == 0 && grow != nil {
			grow(len(b) / rs)
		}
		for i := 0; i+rs <= len(b); i += rs {
			if level > 0 {
				if err := walk(le.Uint32(b[i+cbKey:]), level-1); err != nil {
					return err
				}
				continue
			}
			if err := each(b[i:i+cbKey], b[i+cbKey:i+rs]); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(le.Uint32(hdr[4:]), levels)
}

// prop is one property of a property context: its type and its raw value
// (inline for fixed types of at most 4 bytes, else resolved from the heap).
type prop struct {
	typ uint16
	val []byte
}

// pc is a property context ([MS-PST] §2.3.3) read into memory: messages
// and folders are small, and every property is needed anyway.
type pc struct {
	n     *node
	props map[uint16]prop
	order []uint16 // property ids in B-tree (id) order
	cp    int      // code page of 8-bit strings, found lazily
}

func (n *node) pc() (*pc, error) {
	h, err := n.heap()
	if err != nil {
		return nil, err
	}
	if h.clientSig != sigPC {
		return nil, h.errf(0, "heap client signature 0x%02x, want 0xBC (property context)", h.clientSig)
	}
	// The records are read straight into the property map, not gathered
	// first (bth): one map and one order a message.
	p := &pc{n: n}
	err = h.bthEach(h.userRoot, 2, 6, func(count int) {
		if p.props == nil {
			p.props = make(map[uint16]prop, count)
		}
		p.order = slices.Grow(p.order, count)
	}, func(k, val []byte) error {
		id := le.Uint16(k)
		typ := le.Uint16(val)
		raw := val[2:6]
		var v []byte
		if fixed := fixedSize(typ); fixed > 0 && fixed <= 4 {
			v = raw[:fixed]
		} else {
			var err error
			v, err = h.hnid(le.Uint32(raw))
			if err != nil {
				return fmt.Errorf("property 0x%04x: %w", id, err)
			}
			if fixed > 0 && len(v) < fixed {
				return h.errf(-1, "property 0x%04x of type 0x%04x holds %d bytes, want %d", id, typ, len(v), fixed)
			}
		}
		if _, dup := p.props[id]; !dup {
			p.order = append(p.order, id)
		}
		p.props[id] = prop{typ: typ, val: v}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if p.props == nil {
		p.props = map[uint16]prop{}
	}
	return p, nil
}

// fixedSize is the size of a fixed-size property type, 0 for variable ones.
func fixedSize(typ uint16) int {
	switch typ {
	case 0x0002:
		return 2
	case 0x0003, 0x0004, 0x000A:
		return 4
	case 0x000B:
		return 1
	case 0x0005, 0x0006, 0x0007, 0x0014, 0x0040:
		return 8
	}
	return 0
}

// table is a table context ([MS-PST] §2.3.4): rows of cells described by
// column descriptors, located through the row index.
type table struct {
	h       *heap
	cols    map[uint32]tcCol // by property tag
	rowSize int
	ceb     int // offset of the cell-existence bitmap in a row
	rows    []block
	rowIDs  []uint32
	rowIdx  []int
}

type tcCol struct {
	tag    uint32
	ib, cb int
	bit    int
}

func (n *node) table() (*table, error) {
	h, err := n.heap()
	if err != nil {
		return nil, err
	}
	if h.clientSig != sigTC {
		return nil, h.errf(0, "heap client signature 0x%02x, want 0x7C (table context)", h.clientSig)
	}
	info, err := h.get(h.userRoot)
	if err != nil {
		return nil, err
	}
	if len(info) < 22 || info[0] != sigTC {
		return nil, h.errf(0, "table header is invalid")
	}
	nCols := int(info[1])
	if 22+8*nCols > len(info) {
		return nil, h.errf(0, "table header lists %d columns but holds %d bytes", nCols, len(info))
	}
	t := &table{h: h, cols: map[uint32]tcCol{}, rowSize: int(le.Uint16(info[8:])), ceb: int(le.Uint16(info[6:]))}
	if t.ceb > t.rowSize {
		return nil, h.errf(0, "table cell bitmap at %d lies beyond the row size %d", t.ceb, t.rowSize)
	}
	for i := range nCols {
		c := info[22+8*i:]
		col := tcCol{tag: le.Uint32(c), ib: int(le.Uint16(c[4:])), cb: int(c[6]), bit: int(c[7])}
		if col.ib+col.cb > t.rowSize || t.ceb+col.bit/8 >= t.rowSize {
			return nil, h.errf(0, "column 0x%08x lies outside the %d-byte row", col.tag, t.rowSize)
		}
		t.cols[col.tag] = col
	}
	// Row index: row id → row number.
	keys, vals, err := h.bth(le.Uint32(info[10:]), 4, 0)
	if err != nil {
		return nil, err
	}
	for i, k := range keys {
		var idx int
		switch len(vals[i]) {
		case 2:
			idx = int(le.Uint16(vals[i]))
		case 4:
			idx = int(le.Uint32(vals[i]))
		default:
			return nil, h.errf(0, "row index entries of %d bytes", len(vals[i]))
		}
		t.rowIDs = append(t.rowIDs, le.Uint32(k))
		t.rowIdx = append(t.rowIdx, idx)
	}
	// Row matrix: in the heap, or in a subnode whose blocks each hold a
	// whole number of rows.
	hnidRows := le.Uint32(info[14:])
	switch {
	case hnidRows == 0:
	case hnidRows&0x1F == 0:
		b, err := h.get(hnidRows)
		if err != nil {
			return nil, err
		}
		t.rows = []block{{b: b, off: n.off()}}
	default:
		sn, err := n.openSub(hnidRows)
		if err != nil {
			return nil, err
		}
		t.rows = sn.blocks
	}
	return t, nil
}

// row returns the bytes of row number i. Every block of the row matrix but
// the last holds the same whole number of rows, so the block is i/per.
func (t *table) row(i int) ([]byte, error) {
	if t.rowSize <= 0 || len(t.rows) == 0 {
		return nil, t.h.errf(0, "table has no row matrix for row %d", i)
	}
	per := len(t.rows[0].b) / t.rowSize
	if per == 0 || i < 0 {
		return nil, t.h.errf(0, "row %d: row matrix block smaller than a row", i)
	}
	bi, ri := i/per, i%per
	if bi >= len(t.rows) || (ri+1)*t.rowSize > len(t.rows[bi].b) {
		return nil, t.h.errf(0, "row %d lies beyond the row matrix", i)
	}
	return t.rows[bi].b[ri*t.rowSize : (ri+1)*t.rowSize], nil
}

// cell returns the value of a column in a row: nil when absent. Variable
// size values are resolved through their HNID.
func (t *table) cell(row []byte, tag uint32) ([]byte, error) {
	c, ok := t.cols[tag]
	if !ok {
		return nil, nil
	}
	if row[t.ceb+c.bit/8]&(1<<(7-c.bit%8)) == 0 {
		return nil, nil
	}
	v := row[c.ib : c.ib+c.cb]
	typ := uint16(tag)
	if f := fixedSize(typ); f > 0 && f <= 8 || c.cb != 4 {
		return v, nil
	}
	return t.h.hnid(le.Uint32(v))
}
