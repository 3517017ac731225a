package crmcsv

import (
	"strings"
	"testing"
)

// TestReadDirLenient: rows that cannot be read are set aside with their
// problem; problems of a whole file still fail.
func TestReadDirLenient(t *testing.T) {
	accounts := "ACCOUNTID,ACCOUNT\r\nA1,Acme\r\n"
	dir := writeDumpFiles(t, map[string]string{
		ContactsFile: "CONTACTID,LASTNAME,MODIFYDATE\r\n" +
			"C1,Lee,2026-01-01 10:00:00\r\n" +
			"C2,Ray,yesterday\r\n" + // bad date
			",Doe,\r\n" + // blank id
			"C1,Lee again,\r\n" + // repeated id
			"C3,Fox\r\n" + // too few cells
			"C4,Gray,\r\n",
		AccountsFile: accounts,
	})
	d, errs := ReadDirLenient(dir)
	if d == nil {
		t.Fatalf("ReadDirLenient failed: %v", errs)
	}
	var ids []string
	for _, c := range d.Contacts {
		ids = append(ids, c.Key)
	}
	if strings.Join(ids, ",") != "C1,C4" {
		t.Errorf("contacts read = %v, want C1,C4", ids)
	}
	if len(errs) != 4 {
		t.Fatalf("%d problems, want 4 (one per bad row): %v", len(errs), errs)
	}
	for i, line := range []int{3, 4, 5, 6} {
		if errs[i].Line != line {
			t.Errorf("problem %d on line %d, want %d: %v", i, errs[i].Line, line, errs[i])
		}
	}
	if _, err := ReadDir(dir); err == nil {
		t.Error("ReadDir accepted the bad rows")
	}

	for name, files := range map[string]map[string]string{
		"no CONTACTID column": {ContactsFile: "LASTNAME\r\nLee\r\n", AccountsFile: accounts},
		"no contacts.csv":     {AccountsFile: accounts},
		"broken quoting":      {ContactsFile: "CONTACTID,LASTNAME\r\nC1,\"Lee\r\nC2,Ray\r\n", AccountsFile: accounts},
		"bad accounts.csv":    {ContactsFile: "CONTACTID,LASTNAME\r\nC1,Lee\r\n", AccountsFile: "ACCOUNTID,ACCOUNT\r\n,Acme\r\n"},
	} {
		if d, errs := ReadDirLenient(writeDumpFiles(t, files)); d != nil || len(errs) == 0 {
			t.Errorf("%s: ReadDirLenient = %v, %v; want a failure", name, d != nil, errs)
		}
	}
}
