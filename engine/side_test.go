package engine

import (
	"encoding/json"
	"testing"

	"contactsync/engine/contact"
)

// TestSideText: a Change's side is typed, but plan.json and the journal
// hold it as the text they always held ("crm", "outlook", "-"), and read
// back only that text.
func TestSideText(t *testing.T) {
	for side, text := range map[Side]string{CRM: "crm", Outlook: "outlook", NoSide: "-"} {
		b, err := json.Marshal(Change{Link: 7, Side: side, Op: OpUpdate, Rule: RuleChangedInCRM})
		if err != nil {
			t.Fatal(err)
		}
		want := `{"link":7,"side":"` + text + `","op":"update","rule":"changed-in-crm"}`
		if string(b) != want {
			t.Errorf("JSON of a %v change = %s, want %s", side, b, want)
		}
		var c Change
		if err := json.Unmarshal(b, &c); err != nil || c.Side != side {
			t.Errorf("JSON %s reads back as side %v (err %v), want %v", b, c.Side, err, side)
		}
		for _, src := range []any{text, []byte(text)} {
			s := Side(99)
			if err := s.Scan(src); err != nil || s != side {
				t.Errorf("Scan(%#v) = %v, %v; want %v", src, s, err, side)
			}
		}
	}
	for _, bad := range []any{"", "CRM", "both", "crm ", int64(1), nil} {
		var s Side
		if err := s.Scan(bad); err == nil {
			t.Errorf("Scan(%#v) = %v, want an error", bad, s)
		}
	}
	var c Change
	if err := json.Unmarshal([]byte(`{"side":"left"}`), &c); err == nil {
		t.Errorf(`side "left" reads as %v, want an error`, c.Side)
	}
}

// TestPlanKindsText: a plan's prefer and direction and a conflict's winner
// are typed, and their JSON is the text they always were.
func TestPlanKindsText(t *testing.T) {
	for d, text := range map[Direction]string{Both: "both", ToOutlook: "to-outlook", ToCRM: "to-crm"} {
		b, err := json.Marshal(Plan{Prefer: Outlook, Direction: d})
		if err != nil {
			t.Fatal(err)
		}
		var got struct{ Prefer, Direction string }
		if err := json.Unmarshal(b, &got); err != nil || got.Prefer != "outlook" || got.Direction != text {
			t.Errorf("plan JSON %s: prefer %q, direction %q; want outlook, %s", b, got.Prefer, got.Direction, text)
		}
		var back Plan
		if err := json.Unmarshal(b, &back); err != nil || back.Direction != d || back.Prefer != Outlook {
			t.Errorf("plan JSON %s reads back as %v, %v (err %v)", b, back.Prefer, back.Direction, err)
		}
	}
	for _, bad := range []string{"", "Both", "sideways"} {
		var d Direction
		if err := d.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("direction %q reads as %v, want an error", bad, d)
		}
	}
	b, _ := json.Marshal(Conflict{Winner: WinnerOf(Outlook)})
	var got struct{ Winner string }
	if err := json.Unmarshal(b, &got); err != nil || got.Winner != "outlook" {
		t.Errorf("conflict JSON %s: winner %q, want outlook", b, got.Winner)
	}
	if WinnerOf(CRM) != WinnerCRM {
		t.Errorf("WinnerOf(CRM) = %q", WinnerOf(CRM))
	}
}

// TestDisplayNameOf: the engine's quick display name is the table's.
func TestDisplayNameOf(t *testing.T) {
	var cs []contact.Contact
	for _, v := range [][4]string{{"Ann", "", "Lee", "Acme"}, {" Ann ", "", " Lee", ""}, {" ", "", " ", "Acme"}, {"Ann", "B.", "Lee", ""}, {"", "", "Lee", ""}, {"", "", "", ""}} {
		var c contact.Contact
		c.Values[contact.First], c.Values[contact.Middle], c.Values[contact.Last], c.Values[contact.Company] = v[0], v[1], v[2], v[3]
		c.Values[contact.Email1] = "ann@example.com"
		cs = append(cs, c)
	}
	tb := contact.TableOf(DefaultMapping, cs)
	for i := range cs {
		if got, want := displayNameOf(tb, i), tb.DisplayName(i); got != want {
			t.Errorf("displayNameOf(%q) = %q, want %q", cs[i].Values[contact.First]+"|"+cs[i].Values[contact.Last], got, want)
		}
	}
}

// TestSharedPendings: a link's pendings without fields are the shared ones
// of their operations (one pointer for every link that has them, none for
// no pending work), and read back as set; others are the link's own.
func TestSharedPendings(t *testing.T) {
	for i, op := range sharedOps {
		if sharedOp(op) != i {
			t.Errorf("sharedOp(%q) = %d, want %d", op, sharedOp(op), i)
		}
	}
	ops := append(sharedOps[:], OpLink, OpLost)
	for _, a := range ops {
		for _, b := range ops {
			var l, m Link
			l.SetPending(Pending{Op: a}, Pending{Op: b})
			m.SetPending(Pending{Op: a}, Pending{Op: b})
			if got := l.Pending(); got.CRM.Op != a || got.Outlook.Op != b {
				t.Errorf("SetPending(%q, %q) reads back as %q, %q", a, b, got.CRM.Op, got.Outlook.Op)
			}
			shared := sharedOp(a) >= 0 && sharedOp(b) >= 0
			if (l.pending == m.pending) != shared || (l.pending == nil) != (a == "" && b == "") {
				t.Errorf("SetPending(%q, %q): shared %v, nil %v", a, b, l.pending == m.pending, l.pending == nil)
			}
		}
	}
	var l Link
	l.SetPending(Pending{Op: OpUpdate, Fields: []contact.Field{contact.First}, Old: []string{"Ann"}}, Pending{})
	if l.pending == sharedPending[sharedOp(OpUpdate)][0] || l.PendingCRM().Old[0] != "Ann" {
		t.Errorf("an update with fields is shared or lost its fields")
	}
}
