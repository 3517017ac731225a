package pst

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"contactsync/formats"
)

// seedPST returns the first bytes of a real Unicode and ANSI PST for seeds.
func seedPSTs(f *testing.F) [][]byte {
	_, files := realPSTs(f)
	var out [][]byte
	for _, want := range []string{"SampleContacts.pst", "Outlook98Backup.pst"} {
		for _, p := range files {
			if filepath.Base(p) == want {
				b, err := os.ReadFile(p)
				if err != nil {
					f.Fatal(err)
				}
				out = append(out, b)
			}
		}
	}
	return out
}

func mustParseError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var pe *formats.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error is not a *formats.ParseError: %v", err)
	}
}

// FuzzHeader feeds arbitrary headers (and whole small files) to the reader.
func FuzzHeader(f *testing.F) {
	for _, b := range seedPSTs(f) {
		f.Add(b[:564])
		if len(b) <= 64<<10 {
			f.Add(b)
		}
	}
	f.Add([]byte("!BDN"))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := Read(bytes.NewReader(b), int64(len(b)), "fuzz.pst", Options{})
		mustParseError(t, err)
		// --skip-invalid: never an error where Read succeeds; each item
		// set aside is positioned; a store Read takes whole loses nothing.
		lst, lerr := Read(bytes.NewReader(b), int64(len(b)), "fuzz.pst", Options{SkipInvalid: true})
		mustParseError(t, lerr)
		if err == nil && (lerr != nil || len(lst.Rejected) != 0 || len(lst.Contacts) != len(st.Contacts)) {
			t.Fatalf("SkipInvalid read %v (%d rejected) where Read took the store whole", lerr, len(lst.Rejected))
		}
		if lerr == nil {
			for _, r := range lst.Rejected {
				if r.Offset <= 0 && r.Field == "" {
					t.Fatalf("item set aside without position: %v", r)
				}
			}
		}
	})
}

// FuzzPage feeds arbitrary 512-byte B-tree pages to the page parser.
func FuzzPage(f *testing.F) {
	for _, b := range seedPSTs(f) {
		ff, err := openFile(bytes.NewReader(b), int64(len(b)), "seed")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(ff.unicode, b[ff.nbtRoot:ff.nbtRoot+pageSize], true)
		f.Add(ff.unicode, b[ff.bbtRoot:ff.bbtRoot+pageSize], false)
	}
	f.Fuzz(func(t *testing.T, unicode bool, b []byte, nbt bool) {
		ff := &file{unicode: unicode, path: "fuzz.pst", size: 1 << 30}
		typ := byte(ptypeBBT)
		if nbt {
			typ = ptypeNBT
		}
		// As given (mostly a CRC error), then with the trailer's CRC
		// made right, so that the parser behind the check is fuzzed too.
		for _, b := range [][]byte{b, withPageCRC(b, unicode)} {
			p, err := ff.parsePage(b, 512, 1, typ)
			mustParseError(t, err)
			if err == nil {
				for _, e := range p.entries {
					if nbt && p.level == 0 {
						ff.parseNBTEntry(e)
					} else {
						ff.id(e)
						ff.id(e[ff.idSize():])
					}
				}
			}
		}
	})
}

// withPageCRC returns a copy of page b whose trailer CRC matches.
func withPageCRC(b []byte, unicode bool) []byte {
	if len(b) != pageSize {
		return b
	}
	b = bytes.Clone(b)
	if unicode {
		le.PutUint32(b[500:], crc(b[:496]))
	} else {
		le.PutUint32(b[508:], crc(b[:500]))
	}
	return b
}

// withBlockCRC returns a copy of raw block b whose trailer CRC covers its
// first cb bytes.
func withBlockCRC(b []byte, cb int, unicode bool) []byte {
	ts := 16
	if !unicode {
		ts = 12
	}
	if len(b) < ts || cb+ts > len(b) {
		return b
	}
	b = bytes.Clone(b)
	t := b[len(b)-ts:]
	if unicode {
		le.PutUint32(t[4:], crc(b[:cb]))
	} else {
		le.PutUint32(t[8:], crc(b[:cb]))
	}
	return b
}

// FuzzBlock feeds arbitrary raw blocks to the block parser, the decoders and
// the internal-block (XBLOCK/SLBLOCK) parsers.
func FuzzBlock(f *testing.F) {
	f.Add(true, []byte{1, 1, 2, 0, 16, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0}, uint64(6), byte(1))
	f.Add(false, make([]byte, 64), uint64(4), byte(2))
	f.Fuzz(func(t *testing.T, unicode bool, raw []byte, bid uint64, crypt byte) {
		ff := &file{unicode: unicode, path: "fuzz.pst", size: 1 << 30, crypt: crypt % 3}
		be := bbtEntry{bid: bid, off: 64, cb: len(raw)}
		if len(raw) >= ff.trailerSize() {
			be.cb = int(le.Uint16(raw[len(raw)-ff.trailerSize():]))
		}
		_, err := ff.parseBlock(raw, be, bid)
		mustParseError(t, err)
		// With the trailer's CRC made right, the checks behind it run.
		b, err := ff.parseBlock(withBlockCRC(raw, be.cb, unicode), be, bid)
		mustParseError(t, err)
		if err != nil {
			b = raw
		}
		_, _, _, err = ff.parseIndexBlock(block{bid: bid, off: 64, b: b}, 0x01)
		mustParseError(t, err)
		_, err = decompressRTF(b)
		_ = err
		_ = rtfText(b)
	})
}

// FuzzHeap feeds an arbitrary heap-on-node block to the heap, B-tree-on-
// heap, property context and table context readers.
func FuzzHeap(f *testing.F) {
	for _, b := range seedPSTs(f) {
		ff, err := openFile(bytes.NewReader(b), int64(len(b)), "seed")
		if err != nil {
			f.Fatal(err)
		}
		for _, nid := range []uint32{nidMessageStore, nidNameToIDMap, nidRootFolder, nidRootFolder&^0x1F | 0x0D} {
			n, err := ff.openNode(nid)
			if err == nil && len(n.blocks) > 0 {
				f.Add(n.blocks[0].b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ff := &file{unicode: true, path: "fuzz.pst", size: 1 << 30}
		n := &node{f: ff, nid: 0x21, blocks: []block{{bid: 4, off: 64, b: b}}, sub: map[uint32]subnode{}}
		if p, err := n.pc(); err == nil {
			for _, id := range p.order {
				p.text(id)
				p.multiStrings(id)
			}
		} else {
			mustParseError(t, err)
		}
		if tc, err := n.table(); err == nil {
			for i := range tc.rowIdx {
				row, err := tc.row(tc.rowIdx[i])
				mustParseError(t, err)
				if err == nil {
					for tag := range tc.cols {
						_, err := tc.cell(row, tag)
						mustParseError(t, err)
					}
				}
			}
		} else {
			mustParseError(t, err)
		}
	})
}
