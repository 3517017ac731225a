package engine

import (
	"slices"
	"strings"

	"contactsync/engine/contact"
)

// Merge: the per-field three-way merge of a link whose records are both
// present.

// sideValue is the value of f on side s as the merge sees it: a CRM company
// that is the account named after the contact reads as empty, and a field
// the side was asked to change last cycle but still shows its old value
// reads as the base (the change was not imported and is sent again).
// prev is what the last cycle asked each side to import (CRM, Outlook);
// nil for none.
func (r *reconciler) sideValue(pr *pair, s Side, f contact.Field, base *contact.Values, prevs *[2]Pending) string {
	return sideValueOf(s, f, r.actualValue(pr, s, f), contact.Clean(f, base[f]), prevs)
}

// sideValueOf is sideValue of the side's actual value v, b the clean base.
func sideValueOf(s Side, f contact.Field, v, b string, prevs *[2]Pending) string {
	var prev Pending
	if prevs != nil {
		prev = prevs[0]
		if s == Outlook {
			prev = prevs[1]
		}
	}
	if prev.Op == OpUpdate {
		if i := slices.Index(prev.Fields, f); i >= 0 && i < len(prev.Old) && v == contact.Clean(f, prev.Old[i]) {
			return b
		}
	}
	if same(f, v, b) {
		// A difference of letter case alone in an e-mail is no change.
		return b
	}
	return v
}

// same reports whether two clean values of f are the same: equal, or for
// an e-mail, equal but for letter case.
func same(f contact.Field, a, b string) bool {
	return a == b || f.IsEmail() && strings.EqualFold(a, b)
}

// actualValue is the value of f in the side's record, clean (contact.Clean).
func (r *reconciler) actualValue(pr *pair, s Side, f contact.Field) string {
	v := contact.Clean(f, r.record(s, pr).get(f))
	if s == CRM && f == contact.Company && pr.link().NameAccount != "" && v == pr.link().NameAccount {
		return ""
	}
	return v
}

// merge does the per-field 3-way merge of a link whose records are both
// present. olName is the Outlook record's display name when the caller
// has it already ("": merge reads it).
func (r *reconciler) merge(pr *pair, prev *[2]Pending, olName string) {
	if !pr.isNew && pr.link().unread() && pr.link().OutlookKey != "" && r.ot.Key(int(pr.ol)) == pr.link().OutlookKey {
		// A quiet link (both records hash to its base) whose Outlook
		// record carries its key: nothing to merge, nothing to send.
		return
	}
	crmRec, olRec := r.record(CRM, pr), r.record(Outlook, pr)
	// What each side is sent: the same decision applies to both, the
	// CRM first, then Outlook.
	type sideUpdate struct {
		side   Side
		set    []Setting
		fields []contact.Field
		old    []string // the side's values before the update, for Pending
	}
	upd := [2]sideUpdate{{side: CRM}, {side: Outlook}}
	crmU, olU := &upd[0], &upd[1]
	// A link whose base was left unread (quiet: both records hash to its
	// base) has no field to merge.
	// A new link starts from no base.
	fields := r.fields
	// base and newBase are the reconciler's, not zeroed each time (a
	// Values is 656 bytes, and a first cycle merges a million new links):
	// a new link's base is empty, and its merge writes every mapped field
	// of newBase and no other, so both stay empty but for those until a
	// link with a base is merged (mergeDirty).
	base, newBase := &r.mergeBufs[0], &r.mergeBufs[1]
	// crmIs is whether newBase is the base that the CRM record is (see
	// baseRecords.is), known as the fields are merged: a new link's base
	// starts empty, and the CRM's values are read clean.
	crmIs := false
	switch {
	case pr.isNew && pr.link().unread():
		crmIs = crmRec.ok() && pr.link().NameAccount == ""
		if r.mergeDirty {
			*base, *newBase = contact.Values{}, contact.Values{}
			r.mergeDirty = false
		}
	case pr.link().unread():
		fields = nil
	default:
		r.baseTo(pr, base)
		*newBase = *base
		r.mergeDirty = true
	}
	var name string // the contact's, for the changes; none for a quiet link
	if fields != nil {
		if name = olName; name == "" {
			name = r.name(olRec)
		}
		if name == "" {
			name = r.name(crmRec)
		}
	}
	// A value both records hold (one handle of the shared pool, or equal
	// bytes: see contact.Table.SameValue) is read once, unless the CRM's
	// company may be the name account (which reads as empty there).
	// Both records' handles of the fields, each record's page found once.
	var hs, gs []contact.Handle
	if n := len(fields); n > 0 {
		if len(r.mergeHandles) < 2*n {
			r.mergeHandles = make([]contact.Handle, 2*n)
		}
		hs, gs = r.mergeHandles[:n], r.mergeHandles[n:2*n]
		crmRec.t.Handles(crmRec.i, fields, hs)
		olRec.t.Handles(olRec.i, fields, gs)
	}
	if crmIs && prev == nil && len(fields) > 0 && r.fieldsSorted && r.sameRecordBase(pr.link(), crmRec, hs, olRec.t, gs, fields) {
		// A new link whose records agree on every field (most of a first
		// cycle's): its base is the CRM record, and neither side changes.
		// The merge below would find that a field at a time.
		pr.changed = true
		fields = nil
	}
	for k, f := range fields {
		b := base[f]
		if b != "" {
			b = contact.Clean(f, b)
		}
		var actual [2]string
		// actualValue of the CRM record, its value read once for the
		// comparison too.
		h := hs[k]
		raw := crmRec.t.Pool().Get(h)
		if actual[0] = contact.Clean(f, raw); f == contact.Company && pr.link().NameAccount != "" && actual[0] == pr.link().NameAccount {
			actual[0] = ""
		}
		if sameHandle(crmRec.t, h, raw, f, olRec.t, gs[k]) && !(f == contact.Company && pr.link().NameAccount != "") {
			actual[1] = actual[0]
		} else {
			actual[1] = r.actualValue(pr, Outlook, f)
		}
		if pr.isNew && prev == nil && actual[0] == actual[1] {
			// A new link whose records agree: the value is the base,
			// and neither side changes.
			newBase[f] = actual[0]
			continue
		}
		c, o := sideValueOf(CRM, f, actual[0], b, prev), sideValueOf(Outlook, f, actual[1], b, prev)
		res, _, rule := r.decide(pr, f, b, c, o, crmRec, olRec, name)
		newBase[f] = res
		effective := [2]string{c, o}
		for k := range upd {
			u := &upd[k]
			actual := actual[k]
			if same(f, res, actual) {
				continue
			}
			rule := rule
			if rule == "" || effective[k] != actual {
				rule = RuleNotImported
			}
			if !r.p.dir(f).allows(u.side) {
				newBase[f] = effective[k]
				r.change(Change{Link: pr.link().ID, Side: u.side, Op: OpHeld, Field: f.String(), Old: actual, New: res, Rule: RuleDirection, Name: name})
				continue
			}
			u.set = append(u.set, Setting{f, res})
			u.fields = append(u.fields, f)
			u.old = append(u.old, actual)
			r.change(Change{Link: pr.link().ID, Side: u.side, Op: OpUpdate, Field: f.String(), Old: actual, New: res, Rule: rule, Name: name})
		}
		crmIs = crmIs && newBase[f] == actual[0]
	}
	if fields != nil && (pr.isNew || *newBase != *base) {
		// The new base is kept packed (a million new links of a first
		// cycle would hold a million 41-field bases otherwise); a quiet
		// link allocates nothing here.
		if crmIs {
			r.fromRecord(pr.link(), newBase, crmRec)
		} else {
			r.packFrom(pr.link(), newBase, crmRec, olRec)
		}
		pr.changed = true
	}
	if len(crmU.fields) > 0 {
		// The update row carries every mapped field: all of them clean.
		u := crmRec.t.Contact(crmRec.i)
		for _, f := range r.fields {
			u.Values[f] = contact.Clean(f, u.Values[f])
		}
		for _, fv := range crmU.set {
			u.Values[fv.Field] = fv.Value
		}
		if slices.Contains(crmU.fields, contact.Company) {
			pr.link().NameAccount = ""
			if acc := r.assignAccount(&u, pr.link().ID, name); u.Values[contact.Company] == "" {
				u.Values[contact.Company] = acc
				pr.link().NameAccount = acc
			}
		}
		if r.plan.CRM.Updates == nil {
			r.plan.CRM.Updates = r.ct.Sibling()
		}
		r.add(r.plan.CRM.Updates, &u)
		pr.link().SetPendingCRM(Pending{Op: OpUpdate, Fields: crmU.fields, Old: crmU.old})
		pr.changed = true
	}
	newKey := pr.isNew
	if pr.link().OutlookKey == "" {
		pr.link().OutlookKey = syncKeyIn(&r.keys, pr.link().ID)
		pr.changed, newKey = true, true
	}
	keyed := r.ot.Key(int(pr.ol)) == pr.link().OutlookKey
	if newKey && len(olU.fields) == 0 && !keyed {
		// The record is to carry its new sync key: once it does, the
		// next cycle knows the import happened.
		pr.link().SetPendingOutlook(Pending{Op: OpKey})
	}
	if !keyed || len(olU.set) > 0 {
		pt := Patch{Record: int(pr.ol), Set: olU.set}
		if !keyed {
			pt.Key = pr.link().OutlookKey
		}
		r.patches = append(r.patches, pt)
	}
	if len(olU.fields) > 0 {
		pr.link().SetPendingOutlook(Pending{Op: OpUpdate, Fields: olU.fields, Old: olU.old})
		pr.changed = true
	}
}

// decide merges one field. It returns the resulting value, the side whose
// value won (NoSide with an empty rule when nothing changes), and the rule.
func (r *reconciler) decide(pr *pair, f contact.Field, b, c, o string, crmRec, olRec rec, name string) (string, Side, Rule) {
	if same(f, c, o) {
		// Equal, or e-mails that differ in letter case alone: the CRM's
		// value is kept.
		return c, NoSide, ""
	}
	if f == contact.Categories {
		return r.mergeCategories(pr, b, c, o)
	}
	if pr.isNew {
		switch {
		case c == "":
			return o, Outlook, RuleInitialFill
		case o == "":
			return c, CRM, RuleInitialFill
		}
		return r.conflict(pr, f, b, c, o, crmRec, olRec, name)
	}
	switch {
	case c == b:
		return o, Outlook, RuleChangedInOutlook
	case o == b:
		return c, CRM, RuleChangedInCRM
	}
	return r.conflict(pr, f, b, c, o, crmRec, olRec, name)
}

func (r *reconciler) conflict(pr *pair, f contact.Field, b, c, o string, crmRec, olRec rec, name string) (string, Side, Rule) {
	ct, ot := crmRec.modified(), olRec.modified()
	var winner Side
	var rule Rule
	switch {
	case r.p.dir(f) == ToOutlook:
		winner, rule = CRM, RuleConflictDirection
	case r.p.dir(f) == ToCRM:
		winner, rule = Outlook, RuleConflictDirection
	case !ct.IsZero() && !ot.IsZero() && ct.After(ot):
		winner, rule = CRM, RuleConflictLatest
	case !ct.IsZero() && !ot.IsZero() && ot.After(ct):
		winner, rule = Outlook, RuleConflictLatest
	default:
		winner, rule = r.p.Prefer, RuleConflictPrefer
	}
	res := c
	if winner == Outlook {
		res = o
	}
	if rule != RuleConflictDirection {
		if v, side, ok := r.decided(pr, f, b, c, o); ok {
			res, winner, rule = v, side, RuleDecidedByUser
		}
	}
	r.plan.Conflicts = append(r.plan.Conflicts, Conflict{
		Link: pr.link().ID, Field: f.String(), Base: b, CRM: c, Outlook: o,
		CRMTime: ct, OutlookTime: ot, Winner: winnerName(winner, rule), Rule: rule, Name: name,
	})
	return res, winner, rule
}

// winnerName is the side that won a conflict, or WinnerUser for a value
// a person wrote.
func winnerName(s Side, rule Rule) Winner {
	if s == NoSide && rule == RuleDecidedByUser {
		return WinnerUser
	}
	return WinnerOf(s)
}

// mergeCategories merges categories as sets: kept where both kept them,
// added where either added them.
func (r *reconciler) mergeCategories(pr *pair, b, c, o string) (string, Side, Rule) {
	bs, cs, os := contact.SplitCategories(b), contact.SplitCategories(c), contact.SplitCategories(o)
	var out []string
	add := func(v string) {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	for _, v := range cs {
		if pr.isNew || !slices.Contains(bs, v) || slices.Contains(os, v) {
			add(v)
		}
	}
	for _, v := range os {
		if pr.isNew || !slices.Contains(bs, v) || slices.Contains(cs, v) {
			add(v)
		}
	}
	res := contact.JoinCategories(out)
	return res, NoSide, RuleCategoriesMerge
}
