package crmcsv

import (
	"errors"
	"testing"

	"contactsync/formats"
)

// FuzzSecRights: secrights.csv reads or fails with a positioned error.
func FuzzSecRights(f *testing.F) {
	for _, s := range []string{"ACCESSID,SECCODEID\r\nU1,F1\r\n", "SECCODEID,ACCESSID\nF1,U1\n", "ACCESSID\n", "", "ACCESSID,SECCODEID\n\"U1\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rights, errs := readSecRights("secrights.csv", b)
		for _, e := range errs {
			var pe *formats.ParseError
			if !errors.As(e, &pe) || pe.File != "secrights.csv" {
				t.Fatalf("unpositioned error %v", e)
			}
		}
		if len(errs) == 0 {
			for u, codes := range rights {
				if u == "" || len(codes) == 0 {
					t.Fatalf("empty user or rights: %q %v", u, codes)
				}
			}
		}
	})
}
