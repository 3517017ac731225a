package engine

import (
	"encoding/json"
	"testing"
	"time"
)

// A conflict's line of plan.json is what encoding/json writes of it,
// byte for byte, whatever its text and times; a time json cannot write is
// an error as it was.
func TestConflictJSONIsEncodingJSON(t *testing.T) {
	zone := time.FixedZone("x", -(3*3600 + 30*60))
	for _, k := range []Conflict{
		{},
		{Link: 7, Field: "email1", Base: "a@b", CRM: "<c&d>", Outlook: "é\u2028\"\\\n\x01\xff", CRMTime: time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC),
			OutlookTime: time.Date(1999, 12, 31, 23, 59, 59, 0, zone), Winner: WinnerOutlook, Rule: "latest-wins", Name: "Zoë <x>"},
		{Link: -1, Winner: WinnerUser, Rule: "decided", OutlookTime: time.Date(2026, 11, 20, 9, 0, 0, 123456789, time.Local)},
	} {
		want, err := json.Marshal(struct {
			Type string `json:"type"`
			*Conflict
		}{"conflict", &k})
		if err != nil {
			t.Fatal(err)
		}
		p := &Plan{Conflicts: []Conflict{k}}
		var got jsonLines
		if err := p.WriteJSON(&got); err != nil {
			t.Fatal(err)
		}
		if len(got.lines) != 2 || got.lines[1] != string(want) {
			t.Errorf("conflict line %q, want %q", got.lines, want)
		}
	}
	bad := &Plan{Conflicts: []Conflict{{CRMTime: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}}
	if err := bad.WriteJSON(&jsonLines{}); err == nil {
		t.Error("a conflict dated in the year 10000 written, want json's error")
	}
}

type jsonLines struct {
	lines []string
	cur   []byte
}

func (j *jsonLines) Write(p []byte) (int, error) {
	for _, c := range p {
		if c == '\n' {
			j.lines = append(j.lines, string(j.cur))
			j.cur = j.cur[:0]
			continue
		}
		j.cur = append(j.cur, c)
	}
	return len(p), nil
}
