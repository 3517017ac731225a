package engine

import (
	"hash/maphash"
	"strings"
	"testing"

	"contactsync/engine/contact"
)

// groupsText renders groups as "key(reason),key(reason) | ..." for comparison.
func groupsText(cs []contact.Contact, gs []DuplicateGroup) string {
	var out []string
	for i, g := range gs {
		if g.Number != i+1 {
			return "group numbers are not 1, 2, ..."
		}
		var ms []string
		for _, m := range g.Members {
			ms = append(ms, cs[m.Index].Key+"("+m.Reason()+")")
		}
		out = append(out, strings.Join(ms, ","))
	}
	return strings.Join(out, " | ")
}

func TestFindDuplicates(t *testing.T) {
	// A stand-in for the E.164 adapter: numbers are the same when their
	// digits after a leading 0 or 49 are.
	var calls int
	e164 := func(s string) string {
		calls++
		d := phoneDigits(s)
		d = strings.TrimPrefix(strings.TrimPrefix(d, "49"), "0")
		return "+49" + d
	}
	tests := []struct {
		name string
		cs   []contact.Contact
		want string
	}{
		{"e-mail in any field, any case, wrapped",
			[]contact.Contact{
				person("a", "first=Ann", "email1=Ann@Example.com"),
				person("b", "first=Bo", "email1=bo@example.com"),
				person("c", "first=Cy", "email2=mailto:ann@example.com"),
				person("d", "first=Di", "email3=Ann Lee <ANN@example.com>"),
			},
			"a(e-mail ann@example.com),c(e-mail ann@example.com),d(e-mail ann@example.com)"},
		{"phone in another notation; fax and company main numbers are shared, not evidence",
			[]contact.Contact{
				person("a", "phone_mobile=+49 171 1234567"),
				person("b", "phone_home=0171 123 45 67"),
				person("c", "phone_fax_business=+49 40 999888"),
				person("d", "phone_fax_business=+49 40 999888", "phone_company_main=+49 40 999888"),
				person("e", "phone_business=+49 171 1234568"),
			},
			"a(phone +491711234567),b(phone +491711234567)"},
		{"one number in two fields of one contact is no duplicate",
			[]contact.Contact{person("a", "phone_business=030 1234567", "phone_mobile=+49 30 1234567")},
			""},
		{"name and company folded; same name at another company is someone else",
			[]contact.Contact{
				person("a", "first=José", "last=Müller", "company=Café AG"),
				person("b", "first=JOSE", "last=MULLER", "company=cafe ag"),
				person("c", "first=José", "last=Müller", "company=Other AG"),
				person("d", "company=Café AG"),
				person("e", "company=Café AG"),
			},
			"a(name and company jose muller / cafe ag),b(name and company jose muller / cafe ag)"},
		{"a chain of evidence is one group, in input order",
			[]contact.Contact{
				person("x", "first=X", "email1=x@example.com"),
				person("a", "first=A", "email1=shared@example.com"),
				person("b", "first=B", "email1=shared@example.com", "phone_mobile=0171 7654321"),
				person("c", "first=C", "phone_business=+49 171 7654321"),
				person("y", "first=Y", "email1=y@example.com"),
				person("y2", "first=Y", "email1=y@example.com"),
			},
			"a(e-mail shared@example.com),b(e-mail shared@example.com; phone +491717654321),c(phone +491717654321) | y(e-mail y@example.com; name and company y / ),y2(e-mail y@example.com; name and company y / )"},
		{"empty values and short numbers match nothing",
			[]contact.Contact{person("a", "phone_mobile=112"), person("b", "phone_mobile=112"), person("c"), person("d")},
			""},
	}
	for _, tt := range tests {
		got := groupsText(tt.cs, FindDuplicates(contact.Contacts(tt.cs), DuplicateOptions{PhoneKey: e164}))
		// Keys are compared by hash, then by value: with every hash
		// alike, the same groups.
		dupHash = func(maphash.Seed, []byte) uint64 { return 7 }
		collided := groupsText(tt.cs, FindDuplicates(contact.Contacts(tt.cs), DuplicateOptions{PhoneKey: e164}))
		dupHash = maphash.Bytes
		if collided != got {
			t.Errorf("%s: with every key's hash alike\n got %s\nwant %s", tt.name, collided, got)
		}
		// A cycle searches the side's table: the same groups.
		table := contact.TableOf(TableFields(DefaultPolicy(specUser)), tt.cs)
		if fromTable := groupsText(tt.cs, FindDuplicates(table, DuplicateOptions{PhoneKey: e164})); fromTable != got {
			t.Errorf("%s: from a table\n got %s\nwant %s", tt.name, fromTable, got)
		}
		if got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
	// The costly canonical form is asked only for numbers whose last seven
	// digits another contact shares.
	calls = 0
	cs := []contact.Contact{person("a", "phone_mobile=+49 171 1111111"), person("b", "phone_mobile=+49 171 2222222"), person("c", "phone_mobile=0171 2222222")}
	FindDuplicates(contact.Contacts(cs), DuplicateOptions{PhoneKey: e164})
	if calls != 2 {
		t.Errorf("PhoneKey called %d times, want 2 (only b and c share a tail)", calls)
	}
}
