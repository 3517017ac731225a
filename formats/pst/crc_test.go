package pst

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"contactsync/formats"
)

// The [MS-PST] §5.3 CRC of known bytes: the standard check value of the
// CRC-32 polynomial without the initial and final inversion.
func TestCRC(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint32
	}{{"", 0}, {"123456789", 0x2DFD2D88}} {
		if got := crc([]byte(c.in)); got != c.want {
			t.Errorf("crc(%q) = 0x%08x, want 0x%08x", c.in, got, c.want)
		}
	}
}

// A flipped byte in any block or B-tree page is found: reading either
// fails with an error that names the block or page, its offset and the
// CRC, or reads exactly what the undamaged file holds (a block no contact
// needs). Without the CRC a flip in a contact's data changed it silently.
func TestFlippedByteIsFound(t *testing.T) {
	for name, data := range damageSources(t) {
		whole, err := Read(bytes.NewReader(data), int64(len(data)), "damaged.pst", Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		f, err := openFile(bytes.NewReader(data), int64(len(data)), "damaged.pst")
		if err != nil {
			t.Fatal(err)
		}
		type target struct {
			off  int64
			what string
		}
		var targets []target
		if err := f.walk(f.bbtRoot, f.bbtBid, ptypeBBT, -1, func(e []byte) error {
			w := f.idSize()
			be := bbtEntry{bid: f.id(e), off: int64(f.id(e[w:])), cb: int(le.Uint16(e[2*w:]))}
			targets = append(targets, target{be.off + int64(be.cb)/2, fmt.Sprintf("block 0x%x", be.bid)})
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		targets = append(targets, target{f.nbtRoot + 100, fmt.Sprintf("page 0x%x", f.nbtBid)}, target{f.bbtRoot + 100, fmt.Sprintf("page 0x%x", f.bbtBid)})
		found := 0
		for _, tg := range targets {
			d := bytes.Clone(data)
			d[tg.off] ^= 0x5A
			st, err := Read(bytes.NewReader(d), int64(len(d)), "damaged.pst", Options{})
			if err == nil {
				if !reflect.DeepEqual(st.Contacts, whole.Contacts) || !reflect.DeepEqual(st.Deleted, whole.Deleted) {
					t.Errorf("%s: a byte flipped at 0x%x (%s) changed what was read, without an error", name, tg.off, tg.what)
				}
				continue
			}
			found++
			var pe *formats.ParseError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), "CRC") || pe.Offset <= 0 || pe.Offset > tg.off {
				t.Errorf("%s: flip at 0x%x (%s): %v; want a CRC error with the offset", name, tg.off, tg.what, err)
			}
		}
		if found == 0 {
			t.Errorf("%s: none of %d flipped bytes was found", name, len(targets))
		}
	}
}

// Under SkipInvalid a contact whose block is damaged is set aside with the
// CRC error, and the others are read.
func TestSkipInvalidDamagedBlock(t *testing.T) {
	data := damageSources(t)["SampleContacts.pst"]
	whole, err := Read(bytes.NewReader(data), int64(len(data)), "s.pst", Options{})
	if err != nil || len(whole.Contacts) < 2 {
		t.Fatalf("undamaged: %v, %d contacts", err, len(whole.Contacts))
	}
	bad := damageSecondItem(t, data, whole.Folder)
	if _, err := Read(bytes.NewReader(bad), int64(len(bad)), "s.pst", Options{}); err == nil || !strings.Contains(err.Error(), "CRC") {
		t.Fatalf("damaged contact: %v, want a CRC error", err)
	}
	st, err := Read(bytes.NewReader(bad), int64(len(bad)), "s.pst", Options{SkipInvalid: true})
	if err != nil {
		t.Fatalf("SkipInvalid: %v", err)
	}
	if len(st.Contacts) != len(whole.Contacts)-1 || len(st.Rejected) != 1 || !strings.Contains(st.Rejected[0].Error(), "CRC") {
		t.Fatalf("SkipInvalid: %d contacts (of %d), rejected %v", len(st.Contacts), len(whole.Contacts), st.Rejected)
	}
}

// damageSecondItem returns a copy of the store data with one bit flipped
// inside the first block of the second item of the folder at path.
func damageSecondItem(t *testing.T, data []byte, path string) []byte {
	t.Helper()
	f, err := openFile(bytes.NewReader(data), int64(len(data)), "s.pst")
	if err != nil {
		t.Fatal(err)
	}
	r := &reader{f: f}
	if _, err := r.read(Options{}, nil); err != nil {
		t.Fatal(err)
	}
	var fo *folder
	for _, x := range r.folders {
		if x.path == path {
			fo = x
		}
	}
	ids, err := r.tableRowIDs(fo.nid&^0x1F|0x0E, fo)
	if err != nil || len(ids) < 2 {
		t.Fatalf("contents: %v %v", ids, err)
	}
	n, err := f.openNode(ids[1])
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Clone(data)
	bad[n.off()+40] ^= 0x01 // one bit inside the contact's first block
	return bad
}
