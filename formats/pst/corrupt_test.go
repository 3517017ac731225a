package pst

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"contactsync/formats"
)

// fieldRE is what every positioned error must name: the header, or a
// page, node or block id.
var fieldRE = regexp.MustCompile(`^(header|page 0x[0-9a-f]+|node 0x[0-9a-f]+|block 0x[0-9a-f]+)`)

// checkDamaged reads damaged PST bytes with Read and validate. Each must
// either succeed or fail with a *formats.ParseError naming an offset and a
// page, node or block — never panic, never hang.
func checkDamaged(t *testing.T, what string, data []byte) {
	t.Helper()
	done := make(chan struct{})
	var readErr error
	var verrs formats.ErrorList
	go func() {
		defer close(done)
		_, readErr = Read(bytes.NewReader(data), int64(len(data)), "damaged.pst", Options{})
		verrs = validate(bytes.NewReader(data), int64(len(data)), "damaged.pst")
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: reading did not finish within 10s (endless loop?)", what)
	}
	if readErr != nil {
		checkPositioned(t, what, readErr)
	}
	for _, e := range verrs {
		checkPositioned(t, what+" (validate)", e)
	}
}

func checkPositioned(t *testing.T, what string, err error) {
	t.Helper()
	var pe *formats.ParseError
	if !errors.As(err, &pe) {
		t.Errorf("%s: error is not a *formats.ParseError: %v", what, err)
		return
	}
	if !fieldRE.MatchString(pe.Field) {
		t.Errorf("%s: error field %q names no page, node or block: %v", what, pe.Field, err)
	}
	if pe.Offset <= 0 && pe.Field != "header" {
		t.Errorf("%s: error has no offset: %v", what, err)
	}
	if pe.File != "damaged.pst" {
		t.Errorf("%s: error names file %q: %v", what, pe.File, err)
	}
}

// damageSources are a Unicode and an ANSI PST with contacts or folders.
func damageSources(t *testing.T) map[string][]byte {
	dir, files := realPSTs(t)
	out := map[string][]byte{}
	for _, want := range []string{"SampleContacts.pst", "Outlook98Backup.pst", "dist-list.pst"} {
		for _, f := range files {
			if filepath.Base(f) == want {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				out[want] = b
			}
		}
		if out[want] == nil {
			t.Fatalf("%s not found under %s", want, dir)
		}
	}
	return out
}

func TestTruncated(t *testing.T) {
	for name, data := range damageSources(t) {
		failures := 0
		offs := []int{0, 3, 24, 200, 511, 513, 600}
		for off := 1024; off < len(data); off += len(data) / 97 {
			offs = append(offs, off)
		}
		for _, off := range offs {
			cut := data[:off]
			_, err := Read(bytes.NewReader(cut), int64(len(cut)), "damaged.pst", Options{})
			if err != nil {
				failures++
			}
			checkDamaged(t, name+" truncated at "+itoa(off), cut)
		}
		// Most cuts remove a B-tree page or a block the reader needs.
		if failures < len(offs)/2 {
			t.Errorf("%s: only %d of %d truncations were detected", name, failures, len(offs))
		}
	}
}

func TestTruncatedErrorNamesOffset(t *testing.T) {
	data := damageSources(t)["SampleContacts.pst"]
	cut := data[:len(data)/2]
	_, err := Read(bytes.NewReader(cut), int64(len(cut)), "damaged.pst", Options{})
	var pe *formats.ParseError
	if !errors.As(err, &pe) || pe.Field != "header" || pe.Offset != int64(len(cut)) {
		t.Fatalf("Read(half file) = %v, want a header error at offset 0x%x", err, len(cut))
	}
}

// TestLostBlockNamed wipes the block holding a contact's properties (as a
// bad sector would) and expects the error to name that block and offset.
func TestLostBlockNamed(t *testing.T) {
	data := damageSources(t)["SampleContacts.pst"]
	st, err := Read(bytes.NewReader(data), int64(len(data)), "damaged.pst", Options{})
	if err != nil || len(st.Contacts) == 0 {
		t.Fatalf("Read: %v (%d contacts)", err, len(st.Contacts))
	}
	key, _ := hex.DecodeString(st.Contacts[0].Key)
	nid := le.Uint32(key[len(key)-4:])
	f, err := openFile(bytes.NewReader(data), int64(len(data)), "damaged.pst")
	if err != nil {
		t.Fatal(err)
	}
	ne, err := f.lookupNode(nid)
	if err != nil {
		t.Fatal(err)
	}
	be, err := f.lookupBlock(ne.bidData)
	if err != nil {
		t.Fatal(err)
	}
	d := bytes.Clone(data)
	clear(d[be.off : be.off+int64((be.cb+16+63)&^63)])
	_, err = Read(bytes.NewReader(d), int64(len(d)), "damaged.pst", Options{})
	var pe *formats.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("Read with block 0x%x wiped = %v, want a ParseError", ne.bidData, err)
	}
	if pe.Offset != be.off || !strings.Contains(pe.Field, blockField(ne.bidData)) || !strings.Contains(pe.Field, nodeField(nid)) {
		t.Errorf("error %q: want offset 0x%x, node 0x%x and block 0x%x named", err, be.off, nid, ne.bidData)
	}
}

func TestFlippedBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for name, data := range damageSources(t) {
		for i := range 150 {
			d := bytes.Clone(data)
			n := 1 + rng.IntN(8)
			for range n {
				d[rng.IntN(len(d))] ^= byte(1 + rng.IntN(255))
			}
			checkDamaged(t, name+" flip #"+itoa(i), d)
		}
	}
}

// TestFlippedStructures hits the bytes readers depend on most: B-tree
// pages and the first bytes of every block.
func TestFlippedStructures(t *testing.T) {
	data := damageSources(t)["SampleContacts.pst"]
	f, err := openFile(bytes.NewReader(data), int64(len(data)), "x")
	if err != nil {
		t.Fatal(err)
	}
	var targets []int
	for _, root := range []struct {
		off int64
		bid uint64
		typ byte
	}{{f.nbtRoot, f.nbtBid, ptypeNBT}, {f.bbtRoot, f.bbtBid, ptypeBBT}} {
		targets = append(targets, int(root.off)+0, int(root.off)+8, int(root.off)+16, int(root.off)+491)
		err := f.walk(root.off, root.bid, root.typ, -1, func(e []byte) error {
			if root.typ == ptypeBBT {
				off := int(le.Uint64(e[8:]))
				targets = append(targets, off, off+1, off+2, off+4, off+8, off+12)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for i, off := range targets {
		if off >= len(data) || i%3 != 0 && len(targets) > 600 {
			continue
		}
		d := bytes.Clone(data)
		d[off] ^= byte(1 + rng.IntN(255))
		checkDamaged(t, "structure flip at "+itoa(off), d)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
