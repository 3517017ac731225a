package pst

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"contactsync/formats"
)

// TestSkipInvalidItem: one contact of a real PST made unreadable (its
// heap signature damaged) stops a read, and under SkipInvalid is set aside
// with its node and offset while the other contacts are read.
func TestSkipInvalidItem(t *testing.T) {
	_, files := realPSTs(t)
	var src string
	for _, f := range files {
		if filepath.Base(f) == "SampleContacts.pst" {
			src = f
		}
	}
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	whole, err := Read(bytes.NewReader(data), int64(len(data)), "s.pst", Options{})
	if err != nil || len(whole.Contacts) < 2 {
		t.Fatalf("undamaged: %v, %d contacts", err, len(whole.Contacts))
	}
	// Find the second contact's node and the offset of its first block.
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
		if x.path == whole.Folder {
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
	off := n.off()
	bad := append([]byte(nil), data...)
	bad[off+2] ^= 0xFF // the heap's bSig (0xEC), whatever the block encoding

	if _, err := Read(bytes.NewReader(bad), int64(len(bad)), "s.pst", Options{}); err == nil {
		t.Fatal("damaged item read without error")
	}
	st, err := Read(bytes.NewReader(bad), int64(len(bad)), "s.pst", Options{SkipInvalid: true})
	if err != nil {
		t.Fatalf("SkipInvalid: %v", err)
	}
	if len(st.Contacts) != len(whole.Contacts)-1 || len(st.Rejected) != 1 {
		t.Fatalf("SkipInvalid: %d contacts (of %d), rejected %v", len(st.Contacts), len(whole.Contacts), st.Rejected)
	}
	pe := st.Rejected[0]
	var inner *formats.ParseError
	if !errors.As(error(pe), &inner) || pe.Offset <= 0 || !fieldRE.MatchString(pe.Field) ||
		!strings.Contains(pe.Error(), "folder \""+whole.Folder+"\" item 0x") {
		t.Errorf("rejected item: %v (offset %d, field %q)", pe, pe.Offset, pe.Field)
	}
	for _, c := range st.Contacts {
		if c.Key == whole.Contacts[1].Key {
			t.Errorf("the damaged item was read: %+v", c)
		}
	}
}
