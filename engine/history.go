package engine

import (
	"fmt"
	"strconv"
	"strings"

	"contactsync/engine/contact"
)

// RuleRebuilt is the rule of the links Rebuild makes from sync keys.
const RuleRebuilt Rule = "rebuilt-from-sync-key"

// syncKeyID returns the link id in a sync key, and whether key is one.
func syncKeyID(key string) (int64, bool) {
	n, ok := strings.CutPrefix(key, SyncKeyPrefix)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(n, 10, 64)
	return id, err == nil && id > 0
}

// historyGuard (GuardUnknownHistory) stops the cycle when Outlook contacts
// carry sync keys that no link of the journal holds and that the journal
// never issued (their id is at or past its next link id): keys written by
// another journal, or by this one before it was lost or replaced. Syncing
// then would take contacts the CRM deleted since for new ones and create
// them again.
func (r *reconciler) historyGuard() error {
	var held map[string]bool // the links' keys, made when first needed
	var n int
	var examples []string
	for i := range r.ot.Len() {
		k := r.ot.Key(i)
		if id, ok := syncKeyID(k); !ok || id < r.st.NextLinkID {
			continue
		}
		if held == nil {
			held = make(map[string]bool, r.st.numLinks())
			for i := range r.st.numLinks() {
				held[r.st.link(i).OutlookKey] = true
			}
		}
		if held[k] {
			continue
		}
		n++
		if len(examples) < 3 {
			examples = append(examples, fmt.Sprintf("%s (%q)", k, r.ot.DisplayName(i)))
		}
	}
	if n == 0 {
		return nil
	}
	what := fmt.Sprintf("the journal has %d cycles and never issued them", r.st.Cycle)
	if r.st.Cycle == 0 {
		what = "the journal is new or empty"
	}
	return r.guard(&GuardError{Guard: GuardUnknownHistory,
		Message: fmt.Sprintf("%d Outlook contacts carry contactsync sync keys, such as %s, but %s: "+
			"this is likely the wrong journal, or a lost one; a fresh start would create again what the CRM deleted since",
			n, strings.Join(examples, ", "), what),
		Hint: "give the journal of the earlier cycles (--journal); or start a journal from the keys present with " +
			"\"contactsync journal rebuild\"; or run with --allow unknown-history to treat these contacts as new"})
}

// Rebuild makes the plan of a journal's first cycle from the sync keys the
// Outlook export holds, for a journal that was lost: each Outlook contact
// with a sync key is linked again to its CRM contact, found as the CRM
// contacts a cycle created are found (by e-mail and name, else by name and
// company). The base of a link is each mapped value both sides agree on;
// a field on which they differ has no base, so the next cycle treats it as
// changed on both sides (a conflict the latest change wins) and the plan
// lists it. A keyed contact with no CRM contact keeps a link without one,
// so the next cycle takes it as deleted in the CRM instead of creating it
// again (the max-delete guard still applies). Contacts without a key and
// CRM contacts left over are not linked: the next cycle links them by
// e-mail or creates them. The plan creates and changes nothing on either
// side; it is committed without outputs.
func Rebuild(crm CRMInput, ol OutlookInput, p Policy) (*Plan, error) {
	if p.Prefer == NoSide {
		p.Prefer = CRM
	}
	r := &reconciler{
		crm: crm, ol: ol, p: p, fields: p.fields(),
		plan: &Plan{Cycle: 1, User: p.User, Prefer: p.Prefer, Direction: p.Direction},
	}
	r.plan.Mapping = r.p.mappingText()
	var err error
	if r.ct, r.ot, err = inputTables(&r.crm, &r.ol, r.fields); err != nil {
		return nil, err
	}
	r.crm.Contacts, r.ol.Contacts = nil, nil // read through the tables only
	ct, ot := r.ct, r.ot
	r.index()
	var maxID int64
	for i := range ot.Len() {
		if id, ok := syncKeyID(ot.Key(i)); ok {
			maxID = max(maxID, id)
		}
	}
	r.nextID = maxID + 1
	r.arena = make([]LinkState, 0, ot.Len())
	taken := map[int64]bool{}
	for i := range ot.Len() {
		key := ot.Key(i)
		id, ok := syncKeyID(key)
		if j, _ := r.olByKey.get(key); !ok || j != i {
			continue
		}
		if taken[id] {
			id = r.nextID
			r.nextID++
		}
		taken[id] = true
		l := Link{ID: id, OutlookKey: key, Base: &contact.Values{}}
		for _, f := range r.fields {
			l.Base[f] = contact.Clean(f, ot.Get(i, f))
		}
		pr := r.newPair(&l)
		pr.ol, pr.isNew, pr.changed = int32(i), true, true
		r.olClaimed[i] = true
		r.pairs = append(r.pairs, pr)
	}
	r.matchCreatedCRM()
	r.matchByPerson()
	var lonely, differing int
	for _, pr := range r.pairs {
		l := pr.link()
		olRec := rec{ot, int(pr.ol)}
		name := olRec.displayName()
		if pr.crm < 0 {
			lonely++
			r.change(Change{Link: l.ID, Side: NoSide, Op: OpLink, New: l.OutlookKey, Rule: RuleRebuilt, Name: name})
			r.notice(NoticeRebuild, l.ID, fmt.Sprintf("Outlook contact %q (%s) has no CRM contact: deleted in the CRM, or not visible to the user; the next cycle moves it to Deleted Items", name, l.OutlookKey))
			continue
		}
		crmRec := rec{ct, int(pr.crm)}
		l.CRMID = trimID(crmRec.key())
		if acc := crmRec.get(contact.Company); acc != "" && olRec.get(contact.Company) == "" && isNameAccount(acc, crmRec.get(contact.First), crmRec.get(contact.Last)) {
			l.NameAccount = acc
		}
		pr.inGroup = r.crmInScope(int(pr.crm))
		var diff []string
		for _, f := range r.fields {
			c := r.actualValue(pr, CRM, f)
			o := r.actualValue(pr, Outlook, f)
			if same(f, c, o) {
				l.Base[f] = c
				continue
			}
			l.Base[f] = ""
			diff = append(diff, f.String())
		}
		r.change(Change{Link: l.ID, Side: NoSide, Op: OpLink, Old: l.CRMID, New: l.OutlookKey, Rule: RuleRebuilt, Name: name})
		if len(diff) > 0 {
			differing++
			r.notice(NoticeRebuild, l.ID, fmt.Sprintf("%q: the sides differ in %s; no base is known for them, so the next cycle decides them as conflicts (the latest change wins)", name, strings.Join(diff, ", ")))
		}
	}
	var olLeft, crmLeft int
	for i := range ot.Len() {
		if !r.olClaimed[i] {
			olLeft++
		}
	}
	for i := range ct.Len() {
		if !r.crmClaimed[i] && r.crmInScope(i) {
			crmLeft++
		}
	}
	r.notice(NoticeRebuild, 0, fmt.Sprintf("rebuilt %d links from sync keys: %d with their CRM contact (%d of them differ in some field), %d whose CRM contact is gone; "+
		"not linked: %d Outlook contacts without a sync key and %d CRM contacts, which the next cycle links by e-mail or creates",
		len(r.pairs), len(r.pairs)-lonely, differing, lonely, olLeft, crmLeft))
	r.unordered = true // the arena is in Outlook order: finish sorts the links by id
	r.finish()
	return r.plan, nil
}

// matchByPerson links the keyed Outlook contacts matchCreatedCRM left
// alone to the one unclaimed CRM contact with the same first and last name
// and, when the Outlook contact has one, a shared e-mail: the CRM may hold
// a contact without company under an account named after the person, or a
// company spelt otherwise.
func (r *reconciler) matchByPerson() {
	person := func(v *contact.Values) string {
		last, first := r.fold(v[contact.Last]), r.fold(v[contact.First])
		if last == "" && first == "" {
			return ""
		}
		return last + "\x00" + first
	}
	byPerson := map[string][]int{}
	for i := range r.ct.Len() {
		if r.crmClaimed[i] || !r.visible(i) {
			continue
		}
		if v := r.ct.Values(i); person(&v) != "" {
			k := person(&v)
			byPerson[k] = append(byPerson[k], i)
		}
	}
	for _, pr := range r.pairs {
		if pr.crm >= 0 {
			continue
		}
		ov := r.ot.Values(int(pr.ol))
		v := &ov
		var cands []int
		for _, i := range byPerson[person(v)] {
			if r.crmClaimed[i] {
				continue
			}
			if cv := r.ct.Values(i); hasEmail(v) && !r.shareEmail(v, &cv) {
				continue
			}
			cands = append(cands, i)
		}
		if len(cands) == 1 {
			pr.crm = int32(cands[0])
			r.crmClaimed[cands[0]] = true
		}
	}
}

func hasEmail(v *contact.Values) bool {
	for _, f := range emailFields {
		if v[f] != "" {
			return true
		}
	}
	return false
}

func (r *reconciler) shareEmail(a, b *contact.Values) bool {
	for _, f := range emailFields {
		ea := r.normEmail(a[f])
		if ea == "" {
			continue
		}
		for _, g := range emailFields {
			if r.normEmail(b[g]) == ea {
				return true
			}
		}
	}
	return false
}
