package engine

import (
	"fmt"
	"strings"

	"contactsync/engine/contact"
)

// Conflicts decided by a person.
//
// A cycle run with Policy.Decisions takes the decision a person wrote for
// each conflict instead of the latest-wins rule: the CRM's value, Outlook's,
// or a value of their own, journaled with RuleDecidedByUser. A decision
// names its conflict by link and field and repeats the base and both values
// the person saw; the cycle is refused (a *DecisionError) when any
// decision matches no conflict of this cycle, or its values differ (the
// inputs changed since the conflicts were listed), or a conflict has no
// decision. Conflicts that the direction decides (a one-way field) are not
// a person's choice and take no decision.

// RuleDecidedByUser is the rule of a conflict decided in a resolutions file.
const RuleDecidedByUser Rule = "decided-by-user"

// Choice is what a person chose for a conflict.
type Choice int

// The choices.
const (
	ChooseCRM     Choice = iota + 1 // the CRM's value
	ChooseOutlook                   // Outlook's value
	ChooseValue                     // Decision.Value
)

// DecisionKey names a conflict: its link and field.
type DecisionKey struct {
	Link  int64
	Field contact.Field
}

// Decision is one person's decision of a conflict.
type Decision struct {
	// Row says where the decision was written ("conflicts.csv:4"), for
	// errors.
	Row string
	// Base, CRM and Outlook are the values the person saw; they must be
	// the conflict's values in this cycle.
	Base, CRM, Outlook string
	Choice             Choice
	Value              string // with ChooseValue
}

// Askable reports whether a conflict is a person's choice: not one that
// the direction of its field decides.
func (c *Conflict) Askable() bool { return c.Rule != RuleConflictDirection }

// DecisionError refuses decisions that do not match the cycle's conflicts.
type DecisionError struct {
	Problems []string // one per row or conflict, in row then link order
}

func (e *DecisionError) Error() string {
	return fmt.Sprintf("the resolutions do not match this cycle's conflicts (%d problems):\n  %s",
		len(e.Problems), strings.Join(e.Problems, "\n  "))
}

// decided applies the person's decision to a conflict, if there is one
// for it. It reports false when the policy has no decisions.
func (r *reconciler) decided(pr *pair, f contact.Field, b, c, o string) (string, Side, bool) {
	if r.p.Decisions == nil {
		return "", NoSide, false
	}
	k := DecisionKey{pr.link().ID, f}
	d, ok := r.p.Decisions[k]
	if !ok {
		r.decisionProblems = append(r.decisionProblems, fmt.Sprintf("link %d %s (%s): this conflict has no row; base %q, CRM %q, Outlook %q",
			pr.link().ID, f, baseNameOr(pr), b, c, o))
		return "", NoSide, false
	}
	if r.usedDecisions == nil {
		r.usedDecisions = map[DecisionKey]bool{}
	}
	r.usedDecisions[k] = true
	if d.Base != b || d.CRM != c || d.Outlook != o {
		r.decisionProblems = append(r.decisionProblems, fmt.Sprintf("%s: link %d %s: the row has base %q, CRM %q, Outlook %q but this cycle has %q, %q, %q: the inputs changed since the conflicts were listed",
			d.Row, pr.link().ID, f, d.Base, d.CRM, d.Outlook, b, c, o))
		return "", NoSide, false
	}
	switch d.Choice {
	case ChooseCRM:
		return c, CRM, true
	case ChooseOutlook:
		return o, Outlook, true
	}
	return d.Value, NoSide, true
}

func baseNameOr(pr *pair) string {
	if n := baseName(pr.link()); n != "" {
		return n
	}
	return "no name"
}

// checkDecisions returns the problems found while deciding, plus every
// decision that matched no conflict.
func (r *reconciler) checkDecisions() error {
	if r.p.Decisions == nil {
		return nil
	}
	problems := r.decisionProblems
	var unused []string
	for k, d := range r.p.Decisions {
		if !r.usedDecisions[k] {
			unused = append(unused, fmt.Sprintf("%s: link %d %s: no such conflict in this cycle (were the exports changed, or the row added by hand?)", d.Row, k.Link, k.Field))
		}
	}
	sortRows(unused)
	problems = append(unused, problems...)
	if len(problems) == 0 {
		return nil
	}
	return &DecisionError{Problems: problems}
}

// sortRows sorts "file:N: ..." messages by file and line number.
func sortRows(s []string) {
	key := func(v string) (string, int) {
		file, rest, _ := strings.Cut(v, ":")
		n := 0
		for i := 0; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
			n = n*10 + int(rest[i]-'0')
		}
		return file, n
	}
	for i := 1; i < len(s); i++ {
		for j := i; j > 0; j-- {
			fa, na := key(s[j-1])
			fb, nb := key(s[j])
			if fa < fb || (fa == fb && na <= nb) {
				break
			}
			s[j-1], s[j] = s[j], s[j-1]
		}
	}
}
