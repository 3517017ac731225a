package engine

import (
	"encoding/json"
	"testing"
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
