package crmcsv

import (
	"os"
	"path/filepath"
	"testing"

	"contactsync/fixtures"
	"contactsync/formats/conformance"
)

// TestConformance runs the suite every format runs (formats/conformance)
// on the bundled dump and broken dumps (the CRM side is written as change
// files, not as a dump: no round trip through the registry).
func TestConformance(t *testing.T) {
	dir := t.TempDir()
	dump := func(name, contacts string) string {
		d := filepath.Join(dir, name)
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		for n, s := range map[string]string{ContactsFile: contacts, AccountsFile: "ACCOUNTID,ACCOUNT\nA1,Acme\n"} {
			if err := os.WriteFile(filepath.Join(d, n), []byte(s), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	dup := dump("dup", "CONTACTID,LASTNAME\nC1,Lee\nC1,Ray\n")
	quote := dump("quote", "CONTACTID,LASTNAME\nC1,Lee\nC2,\"Ray\n")
	conformance.Run(t, conformance.Suite{Kind: Kind, Good: []string{filepath.Join(fixtures.Dir(), "crm")}, MinRecords: 3,
		Broken: []conformance.Broken{
			{Path: dup, Want: string(filepath.Separator) + ContactsFile + ":3:1: CONTACTID: duplicate CONTACTID"},
			{Path: quote, Want: string(filepath.Separator) + ContactsFile + ":3:4: this quoted field is never closed"},
		}})
}

// FuzzReader: the conformance suite's fuzz target through the registry,
// on a dump whose contacts.csv is the fuzzed input.
func FuzzReader(f *testing.F) {
	f.Add([]byte("CONTACTID,ACCOUNTID,LASTNAME,FIRSTNAME,EMAIL,MODIFYDATE\nC1,A1,Lee,Ann,ann@example.com,2026-01-02 03:04:05\n"))
	f.Add([]byte("CONTACTID,LASTNAME\nC1,\"Lee\nC2,Ray\n"))
	f.Add([]byte("CONTACTID,LASTNAME\nC1,Lee\nC1,Ray\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		conformance.FuzzDir(t, Kind, map[string][]byte{ContactsFile: b, AccountsFile: []byte("ACCOUNTID,ACCOUNT\nA1,Acme\n")}, true)
	})
}
