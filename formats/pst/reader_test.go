package pst

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"contactsync/formats"
)

// TestReaderPerItem: the Reader reads an item when Next reaches it, not the
// folder when it is opened. A store whose second contact is damaged opens
// (its folder named, so nothing counts the items), gives the first contact,
// then the second's positioned problem; the undamaged store gives every
// contact of ReadFile, in its order, with the same summary.
func TestReaderPerItem(t *testing.T) {
	data := damageSources(t)["SampleContacts.pst"]
	dir := t.TempDir()
	good := filepath.Join(dir, "good.pst")
	if err := os.WriteFile(good, data, 0o600); err != nil {
		t.Fatal(err)
	}
	whole, err := ReadFile(good, Options{})
	if err != nil || len(whole.Contacts) < 2 {
		t.Fatalf("ReadFile: %v, %d contacts", err, len(whole.Contacts))
	}
	r, err := Open(good, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := formats.ReadAll(r)
	if err != nil || len(got) != len(whole.Contacts) {
		t.Fatalf("Reader: %v, %d contacts, ReadFile %d", err, len(got), len(whole.Contacts))
	}
	for i := range got {
		if got[i].Key != whole.Contacts[i].Key || got[i].Line != i+1 || got[i].Values != whole.Contacts[i].Values {
			t.Errorf("contact %d: %q line %d, ReadFile %q", i, got[i].Key, got[i].Line, whole.Contacts[i].Key)
		}
	}
	sum := r.Summary()
	if len(sum.Inputs) != 1 || sum.Inputs[0] != whole.Input || whole.Input.SHA256 == "" || len(sum.Notes) == 0 || !strings.Contains(sum.Notes[0], whole.Folder) {
		t.Errorf("summary inputs %v (ReadFile %v), notes %q", sum.Inputs, whole.Input, sum.Notes)
	}

	// Damage the second item of the folder.
	bad := damageSecondItem(t, data, whole.Folder)
	damaged := filepath.Join(dir, "bad.pst")
	if err := os.WriteFile(damaged, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err = Open(damaged, Options{Folder: whole.Folder})
	if err != nil {
		t.Fatalf("Open of a store with a damaged item: %v; the item is read by Next", err)
	}
	defer r.Close()
	first, err := r.Next()
	if err != nil || first.Key != whole.Contacts[0].Key {
		t.Fatalf("first Next: %v, want the first contact", err)
	}
	_, err = r.Next()
	var pe *formats.ParseError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "CRC") || pe.Offset == 0 {
		t.Fatalf("second Next: %v, want the damaged item's positioned CRC problem", err)
	}
	if _, again := r.Next(); again != err {
		t.Errorf("Next after the problem: %v, want it again", again)
	}
	if _, err := r.Next(); errors.Is(err, io.EOF) {
		t.Error("the read ended normally after a damaged item")
	}
}

// TestCountByTable: choosing the folder counts a folder's contact items
// by its contents table's class column; on every real store that count is
// the one the messages' own classes give, and the column is there to use.
func TestCountByTable(t *testing.T) {
	_, files := realPSTs(t)
	fromTable := 0
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f, err := openFile(bytes.NewReader(b), int64(len(b)), p)
		if err != nil {
			continue // refused stores are tested elsewhere
		}
		r := &reader{f: f}
		if _, err := r.read(Options{}, nil); err != nil {
			continue
		}
		for _, fo := range r.folders {
			c, d, err := r.countItems(fo)
			if err != nil {
				t.Fatalf("%s %q: %v", p, fo.path, err)
			}
			ids, classes, err := r.tableRows(fo.nid&^0x1F|0x0E, fo, true)
			if err != nil {
				t.Fatal(err)
			}
			wc, wd := 0, 0
			for i, id := range ids {
				_, kind, err := r.readMessage(id)
				if err != nil {
					t.Fatalf("%s %q item 0x%x: %v", p, fo.path, id, err)
				}
				wc += btoi(kind == kindContact)
				wd += btoi(kind == kindDistList)
				fromTable += btoi(classes[i] != "")
			}
			if c != wc || d != wd {
				t.Errorf("%s %q: table counts %d contacts, %d lists; the messages %d, %d", filepath.Base(p), fo.path, c, d, wc, wd)
			}
		}
	}
	if fromTable == 0 {
		t.Error("no contents table row held its message class: the count never used the table")
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestValidateUnchosen: validating a sound store that does not say which
// folder holds the contacts lists that as its one problem, naming the
// flag to give; naming a folder of it clears it.
func TestValidateUnchosen(t *testing.T) {
	_, files := realPSTs(t)
	var p string
	for _, f := range files {
		if filepath.Base(f) == "PersonalStorage.pst" {
			p = f
		}
	}
	if p == "" {
		t.Fatal("PersonalStorage.pst not among the real stores")
	}
	f, _ := formats.Lookup(Kind)
	errs, _ := f.Validate(p, formats.Options{})
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "no contact items") || !strings.Contains(errs[0].Error(), "--outlook-folder") {
		t.Errorf("validate: %v, want the folder that cannot be chosen", errs)
	}
	if errs, _ := f.Validate(p, formats.Options{Folder: "Inbox"}); len(errs) != 0 {
		t.Errorf("validate with the folder named: %v", errs)
	}
}
