package crmcsv

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"contactsync/engine/contact"
)

// A dump with 100,000 columns is read and written back in time linear in
// its size. Looking each extra column up among all extras per cell took
// 4.5 s at 5,000 columns and did not end in 5 minutes at 100,000; linear,
// it takes well under a second, so the bound below has room for a slow
// machine and still catches the quadratic way.
func TestManyColumnsAreLinear(t *testing.T) {
	const cols, rows = 100_000, 3
	var b strings.Builder
	b.WriteString("CONTACTID,LASTNAME,MODIFYDATE")
	for i := range cols {
		fmt.Fprintf(&b, ",X%d", i%(cols/2)) // every name twice: the nth rule is exercised
	}
	b.WriteString("\r\n")
	for r := range rows {
		fmt.Fprintf(&b, "C%011d,Doe %d,2025-01-02 03:04:05", r, r)
		for i := range cols {
			fmt.Fprintf(&b, ",v%d", i)
		}
		b.WriteString("\r\n")
	}
	dir := dumpDir(t, map[string]string{"contacts.csv": b.String(), "accounts.csv": okAccounts})
	start := time.Now()
	d, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Contacts) != rows || len(d.Contacts[0].Extra) != cols {
		t.Fatalf("read %d contacts with %d extras, want %d with %d", len(d.Contacts), len(d.Contacts[0].Extra), rows, cols)
	}
	d.Contacts[1].Values[0] = "changed" // one row must be made again from its values
	out := t.TempDir()
	if err := WriteDump(out, d); err != nil {
		t.Fatal(err)
	}
	back, err := ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("reading and writing %d columns took %v: not linear", cols, took)
	}
	for r, c := range back.Contacts {
		for _, i := range []int{0, cols/2 - 1, cols / 2, cols - 1} {
			if got, want := c.Extra[i].Value, fmt.Sprintf("v%d", i); got != want {
				t.Errorf("row %d extra %d (%s) = %q, want %q", r, i, c.Extra[i].Name, got, want)
			}
		}
	}
}

// Extras not in column order (made in code, or some foreign) are still
// found by name and occurrence, also when there are many.
func TestExtraFinderOutOfOrder(t *testing.T) {
	l := newLayout(strings.Split("CONTACTID,A,B,A", ","), contactKind, func(int, int) {})
	for _, n := range []int{3, 40} {
		var extra []contact.Extra
		for i := range n {
			extra = append(extra, contact.Extra{Name: fmt.Sprintf("Z%d", i), Value: "z"})
		}
		extra = append(extra, contact.Extra{Name: "A", Value: "a0"}, contact.Extra{Name: "B", Value: "b"}, contact.Extra{Name: "A", Value: "a1"})
		x := l.finder(extra)
		var got []string
		for _, col := range l.cols[1:] {
			got = append(got, x.value(col))
		}
		if strings.Join(got, ",") != "a0,b,a1" {
			t.Errorf("%d leading extras: values %q, want a0,b,a1", n, got)
		}
	}
}
