package vcard

import (
	"testing"
	"time"
)

// TestParseRevBasic: the fast path for "YYYYMMDDTHHMMSSZ" gives what
// time.Parse gives under the first REV layout, for every form of that
// shape, valid or not (out-of-range days, months, hours; leap years).
func TestParseRevBasic(t *testing.T) {
	cases := []string{
		"20260101T000000Z", "20261231T235959Z", "20240229T120000Z", "20230229T120000Z",
		"20260431T000000Z", "20261301T000000Z", "20260001T000000Z", "20260100T000000Z",
		"20260101T240000Z", "20260101T236000Z", "20260101T235960Z", "00010101T000000Z",
		"99991231T235959Z", "2026010AT000000Z", "20260101X000000Z", "20260101T000000z",
	}
	for _, s := range cases {
		want, err := time.Parse(revLayouts[0], s)
		got, ok := parseRevBasic(s)
		if s[15] != 'Z' || s[8] != 'T' {
			if ok {
				t.Errorf("%s: read, though not of the basic form", s)
			}
			continue
		}
		if ok != (err == nil) || ok && !got.Equal(want.UTC()) {
			t.Errorf("%s: %v %v, time.Parse %v %v", s, got, ok, want, err)
		}
		if r, rok := parseRev(s); rok != (err == nil) || rok && !r.Equal(want.UTC()) {
			t.Errorf("parseRev(%s) = %v %v, time.Parse %v %v", s, r, rok, want, err)
		}
	}
}
