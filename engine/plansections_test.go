package engine

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// bigPlan has n confirmed links, n updates, n creations and n deletions.
func bigPlan(n int) *Plan {
	p := &Plan{Cycle: 3, User: "U1", Prefer: CRM, Direction: Both}
	for i := 1; i <= n; i++ {
		id := int64(i)
		name := fmt.Sprintf("Person %d", i)
		p.Changes = append(p.Changes,
			Change{Link: id, Side: NoSide, Op: OpLink, Old: "C1", New: "contactsync:1", Rule: RuleLinkEmail, Name: name},
			Change{Link: id, Side: CRM, Op: OpUpdate, Field: "job_title", Old: "Old", New: "New", Rule: RuleChangedInOutlook, Name: name},
			Change{Link: id + 1e6, Side: CRM, Op: OpUpdate, Field: "account", New: "A1 Contoso", Rule: RuleAccountExact, Name: name},
			Change{Link: id + 1e6, Side: CRM, Op: OpCreate, New: `{"first":"Ann","last":"Lee \"the\" 2nd","notes":"a\nb"}`, Rule: RuleNewInOutlook, Name: name},
			Change{Link: id + 2e6, Side: Outlook, Op: OpDelete, Old: "k", Rule: RuleDeletedInCRM, Name: name},
		)
		p.Notices = append(p.Notices, Notice{Kind: "arrived", Link: id, Message: "the CRM created it"})
	}
	p.Conflicts = append(p.Conflicts, Conflict{Link: 1, Field: "job_title", Base: "B", CRM: "C", Outlook: "O", Winner: "outlook", Rule: RuleConflictLatest, Name: "Person 1"})
	return p
}

func TestPlanTextForPeople(t *testing.T) {
	var b bytes.Buffer
	if err := bigPlan(3).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	// Totals come first, then the sections in the reviewer's order.
	order := []string{"Totals\n", "\nConflicts (1)", "\nDeletions (3)", "\nCreations (3)", "\nUpdates (3)", "\nHeld back (0)", "\nNotices (0)"}
	at := -1
	for _, s := range order {
		i := strings.Index(text, s)
		if i <= at {
			t.Fatalf("%q missing or out of order in:\n%s", s, text)
		}
		at = i
	}
	for _, want := range []string{
		"by operation, CRM: update 6, create 3", "by rule: ", "by field: account 3, job_title 3",
		"counted, not listed: 3 links confirmed, 3 records arrived as expected",
		"      first: Ann\n      last: Lee \"the\" 2nd\n      notes: a⏎b\n      account: A1 Contoso  [account-exact-name]",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("plan.txt lacks %q:\n%s", want, text)
		}
	}
	// Bookkeeping is counted, not listed; a creation is not JSON; the
	// account of a new contact is not an update.
	for _, bad := range []string{"contactsync:1", `{"first"`, "[arrived]", "update \"Person 1\" account", "account: \"A1"} {
		if strings.Contains(text, bad) {
			t.Errorf("plan.txt holds %q:\n%s", bad, text)
		}
	}
}

func TestPlanTextBounded(t *testing.T) {
	const n = 5000
	var b bytes.Buffer
	if err := bigPlan(n).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	lines := strings.Count(text, "\n")
	if lines > 6*TextSectionLines+60 {
		t.Errorf("plan.txt of %d changes has %d lines; want at most %d", 5*n, lines, 6*TextSectionLines+60)
	}
	for _, want := range []string{"more deletions not listed here: plan.json has every one", "more creations not listed", "more updates not listed"} {
		if !strings.Contains(text, want) {
			t.Errorf("plan.txt lacks %q", want)
		}
	}
	// Every section is cut at the same number of lines (an entry is never
	// cut in half).
	sec := strings.Split(text, "\n\n")
	for _, s := range sec {
		if l := strings.Count(s, "\n"); l > TextSectionLines+2 {
			t.Errorf("section %q has %d lines", strings.SplitN(s, "\n", 2)[0], l)
		}
	}
}

func TestPlanJSONLines(t *testing.T) {
	p := bigPlan(4)
	p.Closed = []int64{7, 9}
	var b bytes.Buffer
	if err := p.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&b)
	types := map[string]int{}
	first := ""
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		typ, _ := line["type"].(string)
		if first == "" {
			first = typ
		}
		types[typ]++
		if typ == "change" {
			var c Change
			if err := json.Unmarshal(sc.Bytes(), &c); err != nil || c.Rule == "" {
				t.Errorf("change line %q does not decode as a Change: %v", sc.Text(), err)
			}
		}
	}
	want := map[string]int{"plan": 1, "change": len(p.Changes), "conflict": 1, "notice": 4, "closed": 2}
	if first != "plan" || fmt.Sprint(types) != fmt.Sprint(want) {
		t.Errorf("plan.json lines by type %v (first %q), want %v first plan", types, first, want)
	}
}

// Totals counts runs of names as a map update a change would.
func TestTotalsCountsEveryChange(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	ops := []Op{OpCreate, OpUpdate, OpDelete, OpLink}
	rules := []Rule{"r1", "r2", "r3"}
	fields := []string{"", "email1", "first"}
	p := &Plan{}
	for range 5000 {
		run := 1 + rnd.IntN(4) // changes come in runs
		side, op, rule, field := Side(rnd.IntN(4)), ops[rnd.IntN(len(ops))], rules[rnd.IntN(len(rules))], fields[rnd.IntN(len(fields))]
		for range run {
			if rnd.IntN(3) == 0 {
				field = fields[rnd.IntN(len(fields))]
			}
			p.Changes = append(p.Changes, Change{Side: side, Op: op, Rule: rule, Field: field})
		}
	}
	want := Totals{SideOp: map[string]Tally{}, Rules: Tally{}, Fields: Tally{}, Notices: Tally{}}
	for _, c := range p.Changes {
		if want.SideOp[c.Side.String()] == nil {
			want.SideOp[c.Side.String()] = Tally{}
		}
		want.SideOp[c.Side.String()][string(c.Op)]++
		want.Rules[string(c.Rule)]++
		if c.Field != "" {
			want.Fields[c.Field]++
		}
		want.Sections[SectionOf(&c)]++
	}
	if got := p.Totals(); !reflect.DeepEqual(got, want) {
		t.Errorf("Totals = %+v\nwant %+v", got, want)
	}
}
