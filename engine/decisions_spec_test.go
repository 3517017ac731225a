package engine

import (
	"errors"
	"strings"
	"testing"
	"time"

	"contactsync/engine/contact"
)

// TestDecisions: a conflict a person decided takes their choice on both
// sides, journaled as decided-by-user; decisions that do not match the
// cycle's conflicts refuse the cycle, naming each row.
func TestDecisions(t *testing.T) {
	early, late := t0, t0.Add(time.Hour)
	key := DecisionKey{1, contact.PhoneBusiness}
	seen := Decision{Row: "conflicts.csv:2", Base: "111", CRM: "222", Outlook: "333"}
	with := func(d Decision) map[DecisionKey]Decision { return map[DecisionKey]Decision{key: d} }
	choose := func(c Choice, v string) Decision { d := seen; d.Choice, d.Value = c, v; return d }
	tests := []struct {
		name      string
		decisions map[DecisionKey]Decision
		want      string // the value both sides end with
		winner    Winner
	}{
		// Outlook changed later, so latest-wins alone would pick 333.
		{"the CRM's value, though Outlook's is later", with(choose(ChooseCRM, "")), "222", "crm"},
		{"Outlook's value", with(choose(ChooseOutlook, "")), "333", "outlook"},
		{"a value of the person's own goes to both sides", with(choose(ChooseValue, "+1 555 0100")), "+1 555 0100", "user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol := DefaultPolicy(specUser)
			pol.Decisions = tt.decisions
			st, crm, ol := linkedPair(pol, contact.PhoneBusiness, "111", "222", "333", early, late)
			p := mustReconcile(t, st, crm, ol, pol)
			if c, o := after(p, crm, contact.PhoneBusiness); c != tt.want || o != tt.want {
				t.Errorf("after import: CRM %q, Outlook %q; want %q on both", c, o, tt.want)
			}
			if len(p.Conflicts) != 1 || p.Conflicts[0].Rule != RuleDecidedByUser || p.Conflicts[0].Winner != tt.winner {
				t.Fatalf("conflicts = %+v, want one decided-by-user won by %s", p.Conflicts, tt.winner)
			}
			for _, c := range p.Changes {
				if c.Op == OpUpdate && c.Rule != RuleDecidedByUser {
					t.Errorf("change %+v: rule %s, want %s", c, c.Rule, RuleDecidedByUser)
				}
			}
			if got := p.Links[0].Values()[contact.PhoneBusiness]; got != tt.want {
				t.Errorf("new base %q, want %q", got, tt.want)
			}
		})
	}

	refused := []struct {
		name      string
		decisions map[DecisionKey]Decision
		crmValue  string
		want      []string
	}{
		{"the inputs changed since the conflicts were listed", with(choose(ChooseCRM, "")), "224",
			[]string{`conflicts.csv:2: link 1 phone_business: the row has base "111", CRM "222", Outlook "333" but this cycle has "111", "224", "333"`}},
		{"a row for a conflict this cycle does not have",
			map[DecisionKey]Decision{key: choose(ChooseCRM, ""), {1, contact.JobTitle}: {Row: "conflicts.csv:3", Choice: ChooseCRM}}, "222",
			[]string{"conflicts.csv:3: link 1 job_title: no such conflict in this cycle"}},
		{"a conflict without a row", map[DecisionKey]Decision{}, "222",
			[]string{`link 1 phone_business (Ann Lee): this conflict has no row`}},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			pol := DefaultPolicy(specUser)
			pol.Decisions = tt.decisions
			st, crm, ol := linkedPair(pol, contact.PhoneBusiness, "111", tt.crmValue, "333", early, late)
			_, err := Reconcile(st, crm, ol, pol)
			var de *DecisionError
			if !errors.As(err, &de) {
				t.Fatalf("Reconcile error = %v, want a *DecisionError", err)
			}
			if len(de.Problems) != len(tt.want) {
				t.Fatalf("problems = %q, want %d", de.Problems, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(de.Problems[i], w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, de.Problems[i], w)
				}
			}
		})
	}
}
