package crmcsv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeDumpFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestSecRights(t *testing.T) {
	base := map[string]string{
		ContactsFile: "CONTACTID,LASTNAME,SECCODEID\r\nC1,Lee,SYST00000001\r\nC2,Ray,F00000000001\r\n",
		AccountsFile: "ACCOUNTID,ACCOUNT\r\n",
	}
	d, err := ReadDir(writeDumpFiles(t, base))
	if err != nil {
		t.Fatal(err)
	}
	if v := d.VisibleTo("U1"); v != nil {
		t.Errorf("without secrights.csv VisibleTo = %v, want nil (everything visible)", v)
	}

	base[SecRightsFile] = "SECCODEID,accessid,PROFILEID\r\nF00000000001,U1,P1\r\nF00000000002,U2,P1\r\n,U3,\r\n"
	dir := writeDumpFiles(t, base)
	d, err = ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if v := d.VisibleTo("U1"); len(v) != 1 || !v["F00000000001"] {
		t.Errorf("VisibleTo(U1) = %v, want F00000000001 only", v)
	}
	if v := d.VisibleTo("U9"); v == nil || len(v) != 0 {
		t.Errorf("VisibleTo(unknown user) = %v, want an empty set (only Everyone)", v)
	}
	out := t.TempDir()
	if err := WriteDump(out, d); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(out, SecRightsFile))
	if err != nil || string(got) != base[SecRightsFile] {
		t.Errorf("secrights.csv written back as %q, %v; want it unchanged", got, err)
	}

	for _, tc := range []struct{ body, want string }{
		{"ACCESSID\r\nU1\r\n", "secrights.csv:1:1: SECCODEID: missing column"},
		{"", "secrights.csv:1:1: empty file"},
		{"ACCESSID,SECCODEID\r\n\"U1,F1\r\n", "secrights.csv:2:"},
	} {
		base[SecRightsFile] = tc.body
		_, err := ReadDir(writeDumpFiles(t, base))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("secrights.csv %q: error %v, want %q", tc.body, err, tc.want)
		}
	}
}
