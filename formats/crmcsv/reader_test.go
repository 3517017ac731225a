package crmcsv

import (
	"io"
	"path/filepath"
	"reflect"
	"testing"

	"contactsync/fixtures"
)

// TestReaderMatchesReadDir: the Reader gives the contacts ReadDir keeps,
// in order, then the dump (without them) and its inputs; closed early it
// ends the read.
func TestReaderMatchesReadDir(t *testing.T) {
	dir := filepath.Join(fixtures.Dir(), "crm")
	d, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if r.Dump() != nil {
		t.Error("the dump is given before the contacts are read")
	}
	n := 0
	for {
		c, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(*c, d.Contacts[n]) {
			t.Fatalf("contact %d differs from ReadDir's", n+1)
		}
		n++
	}
	if n != len(d.Contacts) || r.Dump() == nil || len(r.Dump().Accounts) != len(d.Accounts) || !reflect.DeepEqual(r.Summary().Inputs, d.Inputs) {
		t.Errorf("%d contacts of %d; dump %v; inputs %v", n, len(d.Contacts), r.Dump() != nil, r.Summary().Inputs)
	}
	r.Close()

	r, _ = Open(dir, false)
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}
