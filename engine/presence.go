package engine

import (
	"fmt"

	"contactsync/engine/contact"
)

// Presence: which records take part, and what a link becomes when one of
// its records is gone; the records created on either side.

// crmInScope reports whether CRM contact i takes part in the sync: visible
// to the syncing user and in the sync group.
func (r *reconciler) crmInScope(i int) bool { return r.scope[i] }

// visible reports whether the syncing user may see CRM contact i.
func (r *reconciler) visible(i int) bool {
	if r.crm.Visible == nil {
		return true
	}
	if r.seen != nil {
		return r.seen[i]
	}
	return r.ownerVisible(r.ct.Owner(i))
}

// ownerVisible reports whether the syncing user may see the records of an
// owner code (SECCODEID).
func (r *reconciler) ownerVisible(owner string) bool { return r.crm.OwnerVisible(owner) }

// OwnerVisible reports whether the syncing user may see the records of an
// owner code (SECCODEID): Everyone's, those without an owner, and those
// Visible names; all when Visible is nil.
func (in *CRMInput) OwnerVisible(owner string) bool {
	if in.Visible == nil {
		return true
	}
	o := trimID(owner)
	return o == "" || o == contact.Everyone || in.Visible[o]
}

// applyLinks decides presence and fields for every existing link.
func (r *reconciler) applyLinks() {
	for _, pr := range r.pairs {
		if pr.closed {
			r.plan.Closed = append(r.plan.Closed, pr.link().ID)
			continue
		}
		if pr.link().PendingCRM().Op != "" || pr.link().PendingOutlook().Op != "" {
			pr.changed = true
		}
		// What the last cycle asked each side to import; the link's own
		// pendings become this cycle's.
		prev := [2]Pending{pr.link().PendingCRM(), pr.link().PendingOutlook()}
		pr.link().SetPending(Pending{}, Pending{})
		crmHere := pr.crm >= 0 && pr.inGroup
		olHere := pr.ol >= 0
		var name string
		if !(crmHere && olHere) {
			name = r.pairName(pr) // the merge names the contact by its records
		}
		// A record missing from a side whose export had records set aside
		// may be one of them: the link waits for the next cycle.
		if held := (pr.ol < 0 && r.ol.Incomplete) || (pr.crm < 0 && r.crm.Incomplete); held && !(crmHere && olHere) {
			if prev[0].Op != "" || prev[1].Op != "" {
				pr.link().SetPending(prev[0], prev[1])
			}
			r.change(Change{Link: pr.link().ID, Side: NoSide, Op: OpHeld, New: "presence", Rule: RuleIncomplete, Name: name})
			continue
		}
		switch {
		case crmHere && olHere:
			r.merge(pr, &prev, "")
		case crmHere && !olHere:
			// Gone from the Outlook sync folder: leave the CRM contact (and
			// its edits) alone, take it out of the sync group.
			if !r.p.Direction.allows(CRM) {
				r.change(Change{Link: pr.link().ID, Side: CRM, Op: OpHeld, New: "group-remove", Rule: RuleDirection, Name: name})
				continue
			}
			rule := RuleDeletedInOutlook
			if pr.olGone != goneNone {
				rule = pr.olGone.rule()
			}
			id := r.ct.Key(int(pr.crm))
			if r.crm.HasSyncGroup {
				r.plan.CRM.GroupRemove = append(r.plan.CRM.GroupRemove, id)
				r.change(Change{Link: pr.link().ID, Side: CRM, Op: OpGroupRemove, Old: trimID(id), Rule: rule, Name: name})
				pr.link().SetPendingCRM(Pending{Op: OpGroupRemove})
			}
			r.detach(pr, Outlook, rule, name)
		case !crmHere && olHere:
			if !r.p.Direction.allows(Outlook) {
				r.change(Change{Link: pr.link().ID, Side: Outlook, Op: OpHeld, New: "delete", Rule: RuleDirection, Name: name})
				continue
			}
			r.patches = append(r.patches, Patch{Record: int(pr.ol), Delete: true})
			rule := pr.crmGone.rule()
			r.change(Change{Link: pr.link().ID, Side: Outlook, Op: OpDelete, Old: r.ot.Key(int(pr.ol)), Rule: rule, Name: name})
			r.lostEdits(pr, Outlook, rule, &prev)
			if pr.crm >= 0 {
				r.detach(pr, CRM, rule, name)
			} else {
				r.close(pr, rule, name)
			}
		default:
			r.close(pr, RuleGoneBoth, name)
		}
	}
}

// lostEdits journals the edits made on side since the base that a deletion
// on the other side discards.
func (r *reconciler) lostEdits(pr *pair, s Side, rule Rule, prev *[2]Pending) {
	if !r.record(s, pr).ok() {
		return
	}
	base := r.base(pr)
	for _, f := range r.fields {
		if v := r.sideValue(pr, s, f, base, prev); v != base[f] {
			r.change(Change{Link: pr.link().ID, Side: s, Op: OpLost, Field: f.String(), Old: base[f], New: v, Rule: rule, Name: r.pairName(pr)})
		}
	}
}

func (r *reconciler) close(pr *pair, rule Rule, name string) {
	pr.closed = true
	r.plan.Closed = append(r.plan.Closed, pr.link().ID)
	r.change(Change{Link: pr.link().ID, Side: NoSide, Op: OpUnlink, Rule: rule, Name: name})
}

// detach ends a link whose record left side gone, keeping it as a detached
// link that holds the CRM contact (see Link.Detached).
func (r *reconciler) detach(pr *pair, gone Side, rule Rule, name string) {
	pr.link().Detached = gone
	pr.changed = true
	r.change(Change{Link: pr.link().ID, Side: NoSide, Op: OpUnlink, Rule: rule, Name: name})
}

// createInCRM asks the CRM to create the Outlook record at index oi.
func (r *reconciler) createInCRM(oi int) {
	rec := rec{r.ot, oi}
	name := r.name(rec)
	if rec.get(contact.First) == "" && rec.get(contact.Last) == "" && rec.get(contact.Company) == "" &&
		rec.get(contact.Email1) == "" && rec.get(contact.Email2) == "" && rec.get(contact.Email3) == "" {
		r.notice(NoticeNotCreated, 0, fmt.Sprintf("Outlook record %d has no name, company or e-mail; it is not created in the CRM", oi+1))
		return
	}
	// An incomplete dump may hold the contact among the records set
	// aside: creating it could make a duplicate. It waits for a complete one.
	if r.heldBack(CRM, r.crm.Incomplete, name) {
		return
	}
	r.olClaimed[oi] = true
	l := r.newLink()
	l.OutlookKey = rec.key()
	if l.OutlookKey == "" {
		l.OutlookKey = syncKeyIn(&r.keys, l.ID)
	}
	var c contact.Contact
	c.Modified = rec.modified()
	sumInput := r.copyMapped(rec, &c, &l)
	if acc := r.assignAccount(&c, l.ID, name); c.Values[contact.Company] == "" {
		// The account is named after the contact; in the CRM its company
		// reads as that name, which means "no company" to Outlook.
		c.Values[contact.Company] = acc
		l.NameAccount = acc
	}
	l.SetPendingCRM(Pending{Op: OpCreate})
	if rec.key() == "" {
		l.SetPendingOutlook(Pending{Op: OpKey})
		r.patches = append(r.patches, Patch{Record: oi, Key: l.OutlookKey})
	}
	if r.plan.CRM.New == nil {
		r.plan.CRM.New = r.ct.Sibling()
	}
	r.add(r.plan.CRM.New, &c)
	made, text := r.created(r.plan.CRM.New, &c)
	r.change(Change{Link: l.ID, Side: CRM, Op: OpCreate, made: made, New: text, Rule: RuleNewInOutlook, Name: name})
	pr := r.newPair(&l)
	r.recSums.later(&pr.link().BaseSum, sumInput) // the base copyMapped gave it
	pr.isNew, pr.ol, pr.changed = true, int32(oi), true
	r.pairs = append(r.pairs, pr)
}

// newCRMRecords creates in Outlook every sync group member no link claimed.
func (r *reconciler) newCRMRecords() {
	if len(r.arena) == 0 && len(r.spill) == 0 {
		r.reserveLinks(r.newCRMCount(), 0)
	}
	for i := range r.ct.Len() {
		if r.crmClaimed[i] || !r.crmInScope(i) || r.tombCRM[i] != nil {
			continue
		}
		rec := rec{r.ct, i}
		name := r.name(rec)
		// It may be one of the Outlook records that were set aside.
		if r.heldBack(Outlook, r.ol.Incomplete, name) {
			continue
		}
		r.crmClaimed[i] = true
		l := r.newLink()
		l.CRMID = trimID(rec.key())
		l.OutlookKey = syncKeyIn(&r.keys, l.ID)
		var c contact.Contact
		c.Key = l.OutlookKey
		sumInput := r.copyMapped(rec, &c, &l)
		l.SetPendingOutlook(Pending{Op: OpCreate})
		if r.plan.Outlook.New == nil {
			r.plan.Outlook.New = r.ot.Sibling()
		}
		r.add(r.plan.Outlook.New, &c)
		made, text := r.created(r.plan.Outlook.New, &c)
		r.change(Change{Link: l.ID, Side: Outlook, Op: OpCreate, made: made, New: text, Rule: RuleNewInCRM, Name: name})
		pr := r.newPair(&l)
		r.recSums.later(&pr.link().BaseSum, sumInput) // the base copyMapped gave it
		pr.isNew, pr.crm, pr.changed = true, int32(i), true
		r.pairs = append(r.pairs, pr)
	}
}

// valuesText renders the mapped, non-empty values of a created record as
// one JSON object in field order, as encoding/json writes it: a creation is
// one journal row that still says every value it set.
func (r *reconciler) valuesText(v *contact.Values) string {
	r.textBuf = appendValuesJSON(r.textBuf[:0], r.fields, v)
	return r.texts.String(r.textBuf)
}

// created is how the change that creates c, just added to t (a new
// records table of the plan), gives its values: as the record's index + 1
// in t (Change.made), or as text when t does not keep every mapped field.
func (r *reconciler) created(t *contact.Table, c *contact.Contact) (made int32, text string) {
	for _, f := range r.fields {
		if !t.Has(f) {
			return 0, r.valuesText(&c.Values)
		}
	}
	return int32(t.Len()), ""
}

// heldBack reports whether a record to be created on side s is held back,
// and journals why: the direction does not send to s, or s's input is
// incomplete (the record may be one of those set aside there).
func (r *reconciler) heldBack(s Side, incomplete bool, name string) bool {
	rule := RuleDirection
	if r.p.Direction.allows(s) {
		if !incomplete {
			return false
		}
		rule = RuleIncomplete
	}
	r.change(Change{Side: s, Op: OpHeld, New: name, Rule: rule, Name: name})
	return true
}

// copyMapped gives the new record c, which holds no value yet, the mapped
// values of x, cleaned, and makes them the base of its new link l: a
// reference to x, which that base is (baseRecords.is) by its making, so
// nothing compares them. What its sum hashes (fromRecord's) is returned,
// for the caller to pass to recSums.later once the link is in the arena
// (newPair): it is hashed beside the reconciling (see recordSums).
func (r *reconciler) copyMapped(x rec, c *contact.Contact, l *Link) (sumInput []byte) {
	// The record's handles read at once (its page found once); a field
	// whose handle is 0 is "" (and only "" is 0), nothing to read.
	if len(r.copyHandles) < len(r.fields) {
		r.copyHandles = make([]contact.Handle, len(r.fields))
	}
	hs := r.copyHandles[:len(r.fields)]
	x.t.Handles(x.i, r.fields, hs)
	pool := x.t.Pool()
	for k, f := range r.fields {
		if hs[k] != 0 {
			c.Values[f] = contact.Clean(f, pool.Get(hs[k]))
		}
	}
	l.from, l.row, l.Base = r.baseRecordsOf(x.t), int32(x.i), nil
	return appendValuesSum(r.recSums.input(), &c.Values) // c holds the mapped values alone
}
