package pst

import (
	"testing"

	"contactsync/engine/contact"
)

func TestNameFromDisplay(t *testing.T) {
	cases := []struct {
		display, company, first, last string
		given                         [2]string
	}{
		{display: "Sebastian Wright", first: "Sebastian", last: "Wright"},
		{display: "Christoffer van de Meeberg", first: "Christoffer van de", last: "Meeberg"},
		{display: "Lee, Ann", first: "Ann", last: "Lee"},
		{display: "Cher", last: "Cher"},
		{display: "sebastian@example.com"},                                       // an address is no name
		{display: "Acme Ltd", company: "Acme Ltd"},                               // nor is the company
		{display: "Sebastian Wright", given: [2]string{"Seb", ""}, first: "Seb"}, // a name is never replaced
	}
	for _, tc := range cases {
		var c contact.Contact
		c.Values[contact.First], c.Values[contact.Last] = tc.given[0], tc.given[1]
		c.Values[contact.Company] = tc.company
		c.Extra = []contact.Extra{{Name: "PidTagDisplayName", Value: tc.display, Format: contact.FormatPST}}
		nameFromDisplay(&c)
		if c.Values[contact.First] != tc.first || c.Values[contact.Last] != tc.last {
			t.Errorf("display %q: first %q last %q, want %q %q", tc.display, c.Values[contact.First], c.Values[contact.Last], tc.first, tc.last)
		}
		if v, _ := c.ExtraValue("PidTagDisplayName"); v != tc.display {
			t.Errorf("display %q: the display name left Extra", tc.display)
		}
	}
}
