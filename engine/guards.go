package engine

import (
	"fmt"
	"math"
	"strings"

	"contactsync/engine/contact"
)

// Guard is one of the safety guards that stop a cycle. Guards are compared
// as values; their names (String) are what their messages print and what
// --allow takes (ParseGuard).
type Guard uint8

// The guards. The zero Guard is none.
const (
	GuardMaxDelete Guard = iota + 1
	GuardEmptyInput
	GuardNotImported
	GuardMappingChanged
	GuardUserChanged
	// GuardUnknownHistory stops a cycle whose Outlook export holds sync
	// keys the journal never issued (see historyGuard).
	GuardUnknownHistory
)

var guardNames = [...]string{
	GuardMaxDelete:      "max-delete",
	GuardEmptyInput:     "empty-input",
	GuardNotImported:    "not-imported",
	GuardMappingChanged: "mapping-changed",
	GuardUserChanged:    "user-changed",
	GuardUnknownHistory: "unknown-history",
}

// Guards lists the guards a policy can override (Policy.Allow), in the
// order --help names them.
var Guards = []Guard{GuardMaxDelete, GuardEmptyInput, GuardNotImported, GuardMappingChanged, GuardUserChanged, GuardUnknownHistory}

// String is the guard's name, e.g. "max-delete"; "-" for no guard.
func (g Guard) String() string {
	if int(g) < len(guardNames) && guardNames[g] != "" {
		return guardNames[g]
	}
	return "-"
}

// ParseGuard returns the guard named name (letter case ignored).
func ParseGuard(name string) (Guard, error) {
	for _, g := range Guards {
		if strings.EqualFold(name, g.String()) {
			return g, nil
		}
	}
	return 0, fmt.Errorf("no such guard %q (the guards are %s)", name, GuardNames())
}

// GuardNames is the names of Guards, comma-separated.
func GuardNames() string {
	names := make([]string, len(Guards))
	for i, g := range Guards {
		names[i] = g.String()
	}
	return strings.Join(names, ", ")
}

// GuardError is a safety guard that stopped the cycle.
type GuardError struct {
	Guard   Guard
	Message string
	Hint    string // what to do next
}

func (e *GuardError) Error() string { return e.Guard.String() + ": " + e.Message }

// Guards: the checks that stop a cycle when its inputs look wrong.

func (r *reconciler) preGuards() error {
	if r.st.Cycle == 0 {
		return nil
	}
	var errs []*GuardError
	if r.st.Mapping != "" && r.st.Mapping != r.plan.Mapping {
		errs = append(errs, &GuardError{Guard: GuardMappingChanged,
			Message: fmt.Sprintf("the field mapping changed since cycle %d (was %q)", r.st.Cycle, r.st.Mapping),
			Hint:    "a new mapping changes what \"unchanged\" means; run with --accept-mapping (or --allow mapping-changed) to acknowledge it"})
	}
	if r.st.User != "" && r.st.User != r.p.User {
		errs = append(errs, &GuardError{Guard: GuardUserChanged,
			Message: fmt.Sprintf("the syncing user changed since cycle %d: was %q, now %q", r.st.Cycle, r.st.User, r.p.User),
			Hint:    "use the same --user as before, or run with --allow user-changed to sync as the new user"})
	}
	for _, err := range errs {
		if err := r.guard(err); err != nil {
			return err
		}
	}
	return nil
}

// guard returns err when the policy does not override it; an overridden
// guard becomes a notice that names the flag that overrode it.
func (r *reconciler) guard(err *GuardError) error {
	by, ok := r.p.Overridden(err.Guard)
	if !ok {
		return err
	}
	r.notice(NoticeGuardOverridden, 0, err.Guard.String()+" overridden by "+by+": "+err.Message)
	return nil
}

// postGuards stops the cycle when the inputs look wrong: an empty side, the
// last cycle's outputs not imported, or mass deletion.
func (r *reconciler) postGuards() error {
	if len(r.pairs) > 0 {
		for _, s := range []struct {
			side Side
			n    int
		}{{CRM, r.ct.Len()}, {Outlook, r.ot.Len()}} {
			if s.n == 0 {
				err := &GuardError{Guard: GuardEmptyInput,
					Message: fmt.Sprintf("the %s export is empty but the journal links %d contacts to it", s.side, len(r.pairs)),
					Hint:    "check that the right file was exported; run with --allow empty-input only if the address book really is empty"}
				if err := r.guard(err); err != nil {
					return err
				}
			}
		}
	}
	if err := r.notImportedGuard(); err != nil {
		return err
	}

	var olDel, crmDel int
	for _, pr := range r.pairs {
		if pr.closed {
			continue
		}
		switch {
		case pr.crm >= 0 && pr.inGroup && pr.ol < 0 && r.p.Direction.allows(CRM) && !r.ol.Incomplete:
			crmDel++
		case (pr.crm < 0 && !r.crm.Incomplete || pr.crm >= 0 && !pr.inGroup) && pr.ol >= 0 && r.p.Direction.allows(Outlook):
			olDel++
		}
	}
	n := len(r.pairs)
	for _, d := range []struct {
		side Side
		n    int
		what string
	}{{Outlook, olDel, "moved to Deleted Items in Outlook"}, {CRM, crmDel, "removed from the CRM sync group"}} {
		limit := math.Max(float64(n)*r.p.MaxDeletePercent/100, 0)
		if d.n >= max(r.p.MaxDeleteMin, 1) && float64(d.n) > limit {
			err := &GuardError{Guard: GuardMaxDelete,
				Message: fmt.Sprintf("%d of %d linked contacts would be %s (more than --max-delete %g%%)", d.n, n, d.what, r.p.MaxDeletePercent),
				Hint:    "this is the usual sign of a truncated or wrong export; check the inputs, or raise --max-delete or run with --allow max-delete"}
			if err := r.guard(err); err != nil {
				return err
			}
		}
	}
	return nil
}

// notImportedGuard stops the cycle when a side shows nothing of what the
// last cycle sent it: none of the records created for it and none of its
// updates are in its new export. If some of it shows, the import happened,
// and a created record that is missing was deleted after it: a deletion
// (RuleDeletedAfterImport), not a reason to stop.
func (r *reconciler) notImportedGuard() error {
	type sent struct {
		created, createdSeen, updated, updatedSeen int
		otherSeen                                  int // sync keys, group removals
		missing                                    []*pair
	}
	var by [3]sent // by Side
	for _, pr := range r.pairs {
		l := pr.link()
		for _, s := range []Side{CRM, Outlook} {
			pd, incomplete := l.PendingCRM(), r.crm.Incomplete
			if s == Outlook {
				pd, incomplete = l.PendingOutlook(), r.ol.Incomplete
			}
			rec := r.record(s, pr)
			b := &by[s]
			switch {
			case pd.Op == OpCreate && rec.ok():
				b.created++
				b.createdSeen++
			case pd.Op == OpCreate && !incomplete:
				// A side with records set aside may be missing exactly
				// those: its creations are waited for.
				b.created++
				b.missing = append(b.missing, pr)
			case pd.Op == OpUpdate && rec.ok():
				b.updated++
				if !pendingUnapplied(pd, r.base(pr), rec) {
					b.updatedSeen++
				}
			case pd.Op == OpKey && pr.olByKey:
				// Evidence only: a sync key is written by the snapshot,
				// not by every kind of output, so its absence says nothing.
				b.otherSeen++
			}
		}
	}
	for _, pr := range r.tombs {
		// A removal from the sync group that shows is evidence too.
		if pr.link().PendingCRM().Op == OpGroupRemove && r.crm.HasSyncGroup && (pr.crm < 0 || !r.crmInScope(int(pr.crm))) {
			by[CRM].otherSeen++
		}
	}
	var stopped []string
	for _, s := range []Side{CRM, Outlook} {
		b := &by[s]
		if b.created+b.updated == 0 {
			continue
		}
		if b.createdSeen+b.updatedSeen+b.otherSeen > 0 {
			// The import happened: what is missing was deleted since.
			for _, pr := range b.missing {
				if s == CRM {
					pr.crmGone = goneDeletedAfterImport
				} else {
					pr.olGone = goneDeletedAfterImport
				}
			}
			b.missing = nil
			continue
		}
		var what []string
		if b.created > 0 {
			what = append(what, fmt.Sprintf("none of the %d records it created", b.created))
		}
		if b.updated > 0 {
			what = append(what, fmt.Sprintf("none of its %d updates", b.updated))
		}
		msg := fmt.Sprintf("%s: %s show in the new export", s, strings.Join(what, " and "))
		if len(b.missing) > 0 {
			var names []string
			for i, pr := range b.missing {
				if i == 5 {
					names = append(names, fmt.Sprintf("and %d more", len(b.missing)-i))
					break
				}
				names = append(names, fmt.Sprintf("%q (link %d)", baseName(pr.link()), pr.link().ID))
			}
			msg += " (missing: " + strings.Join(names, ", ") + ")"
		}
		stopped = append(stopped, msg)
	}
	if len(stopped) == 0 {
		return nil
	}
	err := &GuardError{Guard: GuardNotImported,
		Message: fmt.Sprintf("the outputs of cycle %d were not imported: %s", r.st.Cycle, strings.Join(stopped, "; ")),
		Hint:    "import the files of the last cycle's output folder and export again; run with --allow not-imported if they were deliberately discarded"}
	if err := r.guard(err); err != nil {
		return err
	}
	// Overridden: forget the creations that never arrived, so that they
	// are not read as deletions.
	for _, s := range []Side{CRM, Outlook} {
		for _, pr := range by[s].missing {
			if !pr.closed {
				pr.closed = true
				r.change(Change{Link: pr.link().ID, Side: NoSide, Op: OpUnlink, Rule: RuleNotImportedForced, Name: baseName(pr.link())})
			}
		}
	}
	return nil
}

func pendingUnapplied(pd Pending, base *contact.Values, rec rec) bool {
	for i, f := range pd.Fields {
		if i >= len(pd.Old) {
			return false
		}
		if old := contact.Clean(f, pd.Old[i]); contact.Clean(f, rec.get(f)) != old || same(f, old, contact.Clean(f, base[f])) {
			return false
		}
	}
	return len(pd.Fields) > 0
}
