package engine

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"contactsync/engine/contact"
)

// Reconcile decides one cycle. It does not modify its arguments.
func Reconcile(st State, crm CRMInput, ol OutlookInput, p Policy) (*Plan, error) {
	if p.Prefer == NoSide {
		p.Prefer = CRM
	}
	r := &reconciler{
		st: st, crm: crm, ol: ol, p: p, fields: p.fields(),
		plan: &Plan{
			Changes:   make([]Change, 0, len(crm.Contacts)/8+16),
			Cycle:     st.Cycle + 1,
			User:      p.User,
			Prefer:    p.Prefer.String(),
			Direction: p.Direction.String(),
		},
	}
	r.plan.Mapping = r.p.mappingText()
	for _, f := range r.fields {
		r.mapped[f] = true
	}
	if err := r.preGuards(); err != nil {
		return nil, err
	}
	r.index()
	if err := r.historyGuard(); err != nil {
		return nil, err
	}
	r.resolveLinks()
	if err := r.postGuards(); err != nil {
		return nil, err
	}
	r.applyLinks()
	r.newOutlookRecords()
	r.newCRMRecords()
	if err := r.checkDecisions(); err != nil {
		return nil, err
	}
	r.finish()
	return r.plan, nil
}

// pair is one link being decided. Its link lives in the reconciler's arena,
// which becomes Plan.Links: a million links are stored once, not twice.
type pair struct {
	ls      *LinkState
	link    *Link // &ls.Link
	isNew   bool  // made this cycle (no base yet)
	crm     int   // index into crm.Contacts, -1 when absent
	ol      int   // index into ol.Contacts, -1 when absent
	inGroup bool
	crmRule Rule // why the CRM record is absent (deleted, left group)
	olRule  Rule // why the Outlook record is absent, when not RuleDeletedInOutlook
	olByKey bool // the Outlook record was found by the link's key
	changed bool
	closed  bool
	// prevCRM and prevOutlook are what the last cycle asked each side to
	// import; the link's own pendings are replaced by this cycle's.
	prevCRM, prevOutlook Pending
}

type reconciler struct {
	st     State
	crm    CRMInput
	ol     OutlookInput
	p      Policy
	fields []contact.Field
	mapped [contact.NumFields]bool
	plan   *Plan

	crmByID    map[string]int
	inGroup    map[string]bool
	olByKey    map[string]int
	crmClaimed []bool
	olClaimed  []bool
	pairs      []*pair
	// arena holds every link of the cycle in id order (the state's, then
	// the new ones); it becomes Plan.Links.
	arena    []LinkState
	overflow bool
	tombs    []*pair // detached links (Link.Detached != NoSide)
	// tombCRM marks CRM records held by a detached link, with its side.
	tombCRM map[int]*pair
	nextID  int64
	// linkedCRM and linkedKey index the open links by CRM id and Outlook key.
	linkedCRM map[string]bool
	linkedKey map[string]bool

	accountsByName map[string][]int
	newAccounts    map[string]int // name → index into plan.CRM.NewAccounts

	// olOut holds the Outlook folder after the cycle, index-aligned with
	// ol.Contacts; olDeleted marks the records removed from it. Its
	// capacity also holds the records created in Outlook (Plan.Outlook.New),
	// so the folder is assembled in place.
	olOut     []contact.Contact
	olDeleted []bool

	textBuf []byte // valuesText's buffer

	// usedDecisions and decisionProblems check Policy.Decisions.
	usedDecisions    map[DecisionKey]bool
	decisionProblems []string

	// slab is where pairs are allocated, a chunk at a time: a million
	// links are a few hundred allocations instead of a million.
	slab []pair
}

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
	r.notice("guard-overridden", 0, err.Guard+" overridden by "+by+": "+err.Message)
	return nil
}

func trimID(s string) string { return strings.TrimRight(s, " ") }

func (r *reconciler) index() {
	r.crmByID = make(map[string]int, len(r.crm.Contacts))
	for i := range r.crm.Contacts {
		id := trimID(r.crm.Contacts[i].Key)
		if _, dup := r.crmByID[id]; !dup && id != "" {
			r.crmByID[id] = i
		}
	}
	if r.crm.HasSyncGroup {
		r.inGroup = make(map[string]bool, len(r.crm.SyncGroup))
		for _, id := range r.crm.SyncGroup {
			r.inGroup[trimID(id)] = true
		}
	}
	r.olByKey = make(map[string]int, len(r.ol.Contacts))
	for i := range r.ol.Contacts {
		k := r.ol.Contacts[i].Key
		if k == "" {
			continue
		}
		if _, dup := r.olByKey[k]; dup {
			r.notice("duplicate-key", 0, fmt.Sprintf("Outlook contact %q (record %d) repeats the key %q of an earlier record; it is treated as a new contact",
				r.ol.Contacts[i].DisplayName(), i+1, k))
			continue
		}
		r.olByKey[k] = i
	}
	r.crmClaimed = make([]bool, len(r.crm.Contacts))
	r.olClaimed = make([]bool, len(r.ol.Contacts))
	// An account the syncing user may not see does not exist for them
	// (DESIGN §6): it is never chosen, counted or named.
	r.accountsByName = make(map[string][]int)
	for i, a := range r.crm.Accounts {
		if r.ownerVisible(a.Owner) {
			name := strings.TrimSpace(a.Name)
			r.accountsByName[name] = append(r.accountsByName[name], i)
		}
	}
	r.newAccounts = make(map[string]int)
	r.nextID = max(r.st.NextLinkID, 1)
}

// newPair stores l in the arena and returns a pair that points to it.
func (r *reconciler) newPair(l *Link) *pair {
	var ls *LinkState
	if len(r.arena) < cap(r.arena) {
		r.arena = r.arena[:len(r.arena)+1]
		ls = &r.arena[len(r.arena)-1]
		ls.Link = *l
	} else {
		// Never expected (the arena is sized for every possible link); a
		// separate allocation keeps the pointers valid all the same.
		r.overflow = true
		ls = &LinkState{Link: *l}
	}
	if len(r.slab) == cap(r.slab) {
		r.slab = make([]pair, 0, 4096)
	}
	r.slab = append(r.slab, pair{ls: ls, link: &ls.Link, crm: -1, ol: -1})
	return &r.slab[len(r.slab)-1]
}

// unclaimed counts the records no link holds: the in-scope CRM contacts
// (at most one new Outlook contact each) and the Outlook records (at most
// one new CRM contact each). Sizing the outputs by them keeps them from
// growing, which at a million records means copying gigabytes.
func (r *reconciler) unclaimed() (crm, ol int) {
	for i := range r.crm.Contacts {
		if !r.crmClaimed[i] && r.tombCRM[i] == nil && r.crmInScope(i) {
			crm++
		}
	}
	for i := range r.ol.Contacts {
		if !r.olClaimed[i] {
			ol++
		}
	}
	return crm, ol
}

// crmInScope reports whether CRM contact i takes part in the sync: visible
// to the syncing user and in the sync group.
func (r *reconciler) crmInScope(i int) bool {
	if !r.visible(i) {
		return false
	}
	if !r.crm.HasSyncGroup {
		return true
	}
	return r.inGroup[trimID(r.crm.Contacts[i].Key)]
}

// visible reports whether the syncing user may see CRM contact i.
func (r *reconciler) visible(i int) bool {
	if r.crm.Visible == nil {
		return true
	}
	return r.ownerVisible(r.crm.Contacts[i].CRM.Owner)
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

// resolveLinks finds the records of every open link: by CRM id and Outlook
// key first, then keyless Outlook records by the link's last agreed e-mail
// and name, then the CRM contacts the CRM created from our last outputs.
func (r *reconciler) resolveLinks() {
	r.linkedCRM = make(map[string]bool, len(r.st.Links))
	r.linkedKey = make(map[string]bool, len(r.st.Links))
	r.tombCRM = map[int]*pair{}
	for _, l := range r.st.Links {
		if l.CRMID != "" {
			r.linkedCRM[trimID(l.CRMID)] = true
		}
		if l.OutlookKey != "" && l.Detached == NoSide {
			r.linkedKey[l.OutlookKey] = true
		}
	}
	// Claim the records of the links by id and key first, so that the
	// arena can be sized for the links the cycle can make at most: every
	// record left unclaimed, and the CRM contacts of detached links, which
	// may rejoin.
	claims := make([][2]int32, len(r.st.Links))
	tombs := 0
	for k := range r.st.Links {
		l := &r.st.Links[k]
		claims[k] = [2]int32{-1, -1}
		if l.CRMID != "" {
			if i, ok := r.crmByID[trimID(l.CRMID)]; ok && !r.crmClaimed[i] {
				claims[k][0] = int32(i)
				r.crmClaimed[i] = true
			}
		}
		if l.Detached != NoSide {
			tombs++
			continue
		}
		if l.OutlookKey != "" {
			if i, ok := r.olByKey[l.OutlookKey]; ok && !r.olClaimed[i] {
				claims[k][1] = int32(i)
				r.olClaimed[i] = true
			}
		}
	}
	bound := tombs
	for _, c := range r.crmClaimed {
		if !c {
			bound++
		}
	}
	for _, c := range r.olClaimed {
		if !c {
			bound++
		}
	}
	r.arena = make([]LinkState, 0, len(r.st.Links)+bound)
	r.pairs = make([]*pair, 0, len(r.st.Links)-tombs+bound)
	for k := range r.st.Links {
		l := &r.st.Links[k]
		pr := r.newPair(l)
		pr.prevCRM, pr.prevOutlook = l.PendingCRM, l.PendingOutlook
		pr.crm, pr.ol = int(claims[k][0]), int(claims[k][1])
		pr.olByKey = pr.ol >= 0
		if l.Detached != NoSide {
			r.tombs = append(r.tombs, pr)
			continue
		}
		r.pairs = append(r.pairs, pr)
	}
	claims = nil
	r.matchOutlookByBase()
	r.matchCreatedCRM()

	for _, pr := range r.pairs {
		if pr.crm < 0 {
			pr.crmRule = RuleDeletedInCRM
			continue
		}
		pr.inGroup = r.crmInScope(pr.crm)
		if pr.link.CRMID == "" {
			rec := &r.crm.Contacts[pr.crm]
			pr.link.CRMID = trimID(rec.Key)
			r.linkedCRM[pr.link.CRMID] = true
			pr.changed = true
			r.notice("arrived", pr.link.ID, fmt.Sprintf("the CRM created %q as %s", rec.DisplayName(), pr.link.CRMID))
			if !pr.inGroup {
				// The import did not put it in the sync group: do it now
				// rather than read it as having left the group.
				r.plan.CRM.GroupAdd = append(r.plan.CRM.GroupAdd, rec.Key)
				r.change(Change{Link: pr.link.ID, Side: "crm", Op: OpGroupAdd, New: pr.link.CRMID, Rule: RuleJoinGroup, Name: rec.DisplayName()})
				pr.inGroup = true
			}
		}
		if !pr.inGroup {
			pr.crmRule = RuleLeftSyncGroup
			if !r.visible(pr.crm) {
				pr.crmRule = RuleNotVisible
			}
		}
	}
	r.resolveTombs()
}

// resolveTombs decides what becomes of the detached links.
func (r *reconciler) resolveTombs() {
	for _, pr := range r.tombs {
		if pr.crm < 0 {
			// The CRM contact is gone: nothing left to remember.
			pr.closed = true
			r.plan.Closed = append(r.plan.Closed, pr.link.ID)
			continue
		}
		in := r.crmInScope(pr.crm)
		switch {
		case pr.link.Detached == Outlook && r.crm.HasSyncGroup && in && pr.link.PendingCRM.Op == OpGroupRemove:
			// Our removal from the sync group is not imported yet: keep
			// the contact out of Outlook.
			r.notice("not-imported", pr.link.ID, fmt.Sprintf("%q is still in the sync group; import crm/syncgroup-remove.csv of cycle %d", r.crm.Contacts[pr.crm].DisplayName(), r.st.Cycle))
			r.tombCRM[pr.crm] = pr
		case in && (r.crm.HasSyncGroup || pr.link.Detached == CRM):
			// Back in the sync group: the user wants it synced again.
			pr.closed = true
			r.plan.Closed = append(r.plan.Closed, pr.link.ID)
			r.crmClaimed[pr.crm] = false
			delete(r.linkedCRM, trimID(pr.link.CRMID))
			r.notice("rejoined", pr.link.ID, fmt.Sprintf("%q is in the sync group again and is synced anew", r.crm.Contacts[pr.crm].DisplayName()))
		default:
			if pr.link.PendingCRM.Op != "" {
				pr.link.PendingCRM = Pending{}
				pr.changed = true
			}
			r.tombCRM[pr.crm] = pr
		}
	}
}

// matchOutlookByBase finds Outlook records that carry no key we know by the
// last agreed state of links whose Outlook record is missing: e-mail first,
// then name and company.
func (r *reconciler) matchOutlookByBase() {
	byEmail := map[string][]*pair{}
	byName := map[string][]*pair{}
	want := func(pr *pair) bool { return pr.ol < 0 }
	for _, pr := range r.pairs {
		if !want(pr) {
			continue
		}
		for _, f := range emailFields {
			if e := r.normEmail(pr.link.Base[f]); e != "" {
				byEmail[e] = append(byEmail[e], pr)
			}
		}
		if k := r.nameKey(&pr.link.Base); k != "" {
			byName[k] = append(byName[k], pr)
		}
	}
	if len(byEmail) == 0 && len(byName) == 0 {
		return
	}
	take := func(cands []*pair, i int) bool {
		for _, pr := range cands {
			if !want(pr) {
				continue
			}
			pr.ol = i
			if k := r.ol.Contacts[i].Key; k != "" && k != pr.link.OutlookKey {
				pr.link.OutlookKey = k
				pr.changed = true
			}
			r.olClaimed[i] = true
			return true
		}
		return false
	}
	for i := range r.ol.Contacts {
		rec := &r.ol.Contacts[i]
		if r.olClaimed[i] || (rec.Key != "" && r.keyOwned(rec.Key)) {
			continue
		}
		done := false
		for _, f := range emailFields {
			if e := r.normEmail(rec.Values[f]); e != "" && take(byEmail[e], i) {
				done = true
				break
			}
		}
		if !done {
			if k := r.nameKey(&rec.Values); k != "" {
				take(byName[k], i)
			}
		}
	}
}

// matchCreatedCRM finds the CRM contacts that the CRM created from the last
// cycle's contacts-new.csv. They have ids no link knows; a candidate must
// have every identifier the link's base has (one of its e-mails, and its
// name and company as the CRM shows them), and among several the one in the
// sync group and last in the dump (imports append) wins.
func (r *reconciler) matchCreatedCRM() {
	var waiting []*pair
	for _, pr := range r.pairs {
		if pr.crm < 0 && pr.link.CRMID == "" {
			waiting = append(waiting, pr)
		}
	}
	if len(waiting) == 0 {
		return
	}
	byEmail := map[string][]int{}
	byName := map[string][]int{}
	for i := range r.crm.Contacts {
		// A contact the user may not see is not theirs to claim: taking it
		// would name it and add it to the sync group.
		if r.crmClaimed[i] || r.crmIDLinked(trimID(r.crm.Contacts[i].Key)) || !r.visible(i) {
			continue
		}
		v := &r.crm.Contacts[i].Values
		for _, f := range emailFields {
			if e := r.normEmail(v[f]); e != "" {
				byEmail[e] = append(byEmail[e], i)
			}
		}
		if k := r.nameKey(v); k != "" {
			byName[k] = append(byName[k], i)
		}
	}
	groups := map[string][]waitingCands{}
	var order []string
	for _, pr := range waiting {
		base := pr.link.Base
		if base[contact.Company] == "" {
			base[contact.Company] = pr.link.NameAccount
		}
		var cands []int
		hasEmail := false
		for _, f := range emailFields {
			if e := r.normEmail(base[f]); e != "" {
				hasEmail = true
				for _, i := range byEmail[e] {
					if !slices.Contains(cands, i) {
						cands = append(cands, i)
					}
				}
			}
		}
		nk := r.nameKey(&base)
		switch {
		case hasEmail && nk != "":
			cands = slices.DeleteFunc(cands, func(i int) bool { return r.nameKey(&r.crm.Contacts[i].Values) != nk })
		case !hasEmail && nk != "":
			cands = append(cands, byName[nk]...)
		}
		slices.Sort(cands)
		cands = slices.Compact(cands)
		key := fmt.Sprint(cands)
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], waitingCands{pr, cands})
	}
	// Links waiting with the same candidates take the last ones in dump
	// order (an import appends), the sync group's members first, in link
	// order, which is the order they were written to contacts-new.csv.
	for _, key := range order {
		g := groups[key]
		cands := g[0].cands
		var in []int
		for _, i := range cands {
			if r.crmInScope(i) {
				in = append(in, i)
			}
		}
		if len(in) >= len(g) {
			cands = in
		}
		if len(cands) > len(g) {
			cands = cands[len(cands)-len(g):]
		}
		for j, w := range g {
			if j < len(cands) && !r.crmClaimed[cands[j]] {
				w.pr.crm = cands[j]
				r.crmClaimed[cands[j]] = true
			}
		}
	}
}

type waitingCands struct {
	pr    *pair
	cands []int
}

var emailFields = []contact.Field{contact.Email1, contact.Email2, contact.Email3}

// keyOwned reports whether an open link has this Outlook key.
func (r *reconciler) keyOwned(key string) bool { return r.linkedKey[key] }

// crmIDLinked reports whether an open link has this CRM id.
func (r *reconciler) crmIDLinked(id string) bool { return id != "" && r.linkedCRM[id] }

func (r *reconciler) normEmail(v string) string {
	return contact.NormalizeEmail(v, r.p.CaseSensitiveKeys)
}

func (r *reconciler) fold(v string) string {
	v = strings.TrimSpace(v)
	if r.p.CaseSensitiveKeys {
		return v
	}
	return strings.ToLower(v)
}

// nameKey is "last\x00first\x00company" for matching records that have no
// key; a record with neither name uses its company alone. Empty when the
// record has none of them.
func (r *reconciler) nameKey(v *contact.Values) string {
	last, first, company := r.fold(v[contact.Last]), r.fold(v[contact.First]), r.fold(v[contact.Company])
	if last == "" && first == "" && company == "" {
		return ""
	}
	return last + "\x00" + first + "\x00" + company
}

// postGuards stops the cycle when the inputs look wrong: an empty side, the
// last cycle's outputs not imported, or mass deletion.
func (r *reconciler) postGuards() error {
	if len(r.pairs) > 0 {
		for _, s := range []struct {
			side Side
			n    int
		}{{CRM, len(r.crm.Contacts)}, {Outlook, len(r.ol.Contacts)}} {
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
		l := pr.link
		for _, s := range []Side{CRM, Outlook} {
			pd, incomplete := l.PendingCRM, r.crm.Incomplete
			if s == Outlook {
				pd, incomplete = l.PendingOutlook, r.ol.Incomplete
			}
			rec := r.record(s, pr)
			b := &by[s]
			switch {
			case pd.Op == OpCreate && rec != nil:
				b.created++
				b.createdSeen++
			case pd.Op == OpCreate && !incomplete:
				// A side with records set aside may be missing exactly
				// those: its creations are waited for.
				b.created++
				b.missing = append(b.missing, pr)
			case pd.Op == OpUpdate && rec != nil:
				b.updated++
				if !pendingUnapplied(pd, l, rec) {
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
		if pr.link.PendingCRM.Op == OpGroupRemove && r.crm.HasSyncGroup && (pr.crm < 0 || !r.crmInScope(pr.crm)) {
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
					pr.crmRule = RuleDeletedAfterImport
				} else {
					pr.olRule = RuleDeletedAfterImport
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
				names = append(names, fmt.Sprintf("%q (link %d)", baseName(pr.link), pr.link.ID))
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
				r.change(Change{Link: pr.link.ID, Side: "-", Op: OpUnlink, Rule: RuleNotImportedForced, Name: baseName(pr.link)})
			}
		}
	}
	return nil
}

func pendingUnapplied(pd Pending, l *Link, rec *contact.Contact) bool {
	for i, f := range pd.Fields {
		if i >= len(pd.Old) {
			return false
		}
		if old := contact.Clean(f, pd.Old[i]); contact.Clean(f, rec.Values[f]) != old || same(f, old, contact.Clean(f, l.Base[f])) {
			return false
		}
	}
	return len(pd.Fields) > 0
}

func baseName(l *Link) string {
	c := contact.Contact{Values: l.Base}
	return c.DisplayName()
}

func (r *reconciler) record(s Side, pr *pair) *contact.Contact {
	if s == CRM {
		if pr.crm < 0 {
			return nil
		}
		return &r.crm.Contacts[pr.crm]
	}
	if pr.ol < 0 {
		return nil
	}
	return &r.ol.Contacts[pr.ol]
}

// applyLinks decides presence and fields for every existing link.
func (r *reconciler) applyLinks() {
	// The Outlook folder after the cycle: a shallow copy of the input (the
	// records share their Extra with it; nothing here changes Extra), with
	// room for the contacts newCRMRecords may add.
	newOL := 0
	if r.p.Direction.allows(Outlook) {
		newOL, _ = r.unclaimed()
	}
	r.olOut = make([]contact.Contact, len(r.ol.Contacts), len(r.ol.Contacts)+newOL)
	copy(r.olOut, r.ol.Contacts)
	// The folder after the cycle holds clean values in the mapped fields
	// (contact.Clean): what was read with blanks or a wrapped address is
	// the same value, written as the side wants it.
	for i := range r.olOut {
		for _, f := range r.fields {
			r.olOut[i].Values[f] = contact.Clean(f, r.olOut[i].Values[f])
		}
	}
	r.olDeleted = make([]bool, len(r.ol.Contacts))
	for _, pr := range r.pairs {
		if pr.closed {
			r.plan.Closed = append(r.plan.Closed, pr.link.ID)
			continue
		}
		if pr.link.PendingCRM.Op != "" || pr.link.PendingOutlook.Op != "" {
			pr.changed = true
		}
		pr.link.PendingCRM, pr.link.PendingOutlook = Pending{}, Pending{}
		crmHere := pr.crm >= 0 && pr.inGroup
		olHere := pr.ol >= 0
		name := baseName(pr.link)
		// A record missing from a side whose export had records set aside
		// may be one of them: the link waits for the next cycle.
		if held := (pr.ol < 0 && r.ol.Incomplete) || (pr.crm < 0 && r.crm.Incomplete); held && !(crmHere && olHere) {
			if pr.prevCRM.Op != "" || pr.prevOutlook.Op != "" {
				pr.link.PendingCRM, pr.link.PendingOutlook = pr.prevCRM, pr.prevOutlook
			}
			r.change(Change{Link: pr.link.ID, Side: "-", Op: OpHeld, New: "presence", Rule: RuleIncomplete, Name: name})
			continue
		}
		switch {
		case crmHere && olHere:
			r.merge(pr)
		case crmHere && !olHere:
			// Gone from the Outlook sync folder: leave the CRM contact (and
			// its edits) alone, take it out of the sync group.
			if !r.p.Direction.allows(CRM) {
				r.change(Change{Link: pr.link.ID, Side: "crm", Op: OpHeld, New: "group-remove", Rule: RuleDirection, Name: name})
				continue
			}
			rule := RuleDeletedInOutlook
			if pr.olRule != "" {
				rule = pr.olRule
			}
			id := r.crm.Contacts[pr.crm].Key
			if r.crm.HasSyncGroup {
				r.plan.CRM.GroupRemove = append(r.plan.CRM.GroupRemove, id)
				r.change(Change{Link: pr.link.ID, Side: "crm", Op: OpGroupRemove, Old: trimID(id), Rule: rule, Name: name})
				pr.link.PendingCRM = Pending{Op: OpGroupRemove}
			}
			r.detach(pr, Outlook, rule, name)
		case !crmHere && olHere:
			if !r.p.Direction.allows(Outlook) {
				r.change(Change{Link: pr.link.ID, Side: "outlook", Op: OpHeld, New: "delete", Rule: RuleDirection, Name: name})
				continue
			}
			c := r.ol.Contacts[pr.ol].Clone()
			r.olDeleted[pr.ol] = true
			r.plan.Outlook.Deleted = append(r.plan.Outlook.Deleted, c)
			r.change(Change{Link: pr.link.ID, Side: "outlook", Op: OpDelete, Old: c.Key, Rule: pr.crmRule, Name: name})
			r.lostEdits(pr, Outlook, pr.crmRule)
			if pr.crm >= 0 {
				r.detach(pr, CRM, pr.crmRule, name)
			} else {
				r.close(pr, pr.crmRule, name)
			}
		default:
			r.close(pr, RuleGoneBoth, name)
		}
	}
}

// lostEdits journals the edits made on side since the base that a deletion
// on the other side discards.
func (r *reconciler) lostEdits(pr *pair, s Side, rule Rule) {
	rec := r.record(s, pr)
	if rec == nil {
		return
	}
	for _, f := range r.fields {
		if v := r.sideValue(pr, s, f); v != pr.link.Base[f] {
			r.change(Change{Link: pr.link.ID, Side: s.String(), Op: OpLost, Field: f.String(), Old: pr.link.Base[f], New: v, Rule: rule, Name: baseName(pr.link)})
		}
	}
}

func (r *reconciler) close(pr *pair, rule Rule, name string) {
	pr.closed = true
	r.plan.Closed = append(r.plan.Closed, pr.link.ID)
	r.change(Change{Link: pr.link.ID, Side: "-", Op: OpUnlink, Rule: rule, Name: name})
}

// detach ends a link whose record left side gone, keeping it as a detached
// link that holds the CRM contact (see Link.Detached).
func (r *reconciler) detach(pr *pair, gone Side, rule Rule, name string) {
	pr.link.Detached = gone
	pr.changed = true
	r.change(Change{Link: pr.link.ID, Side: "-", Op: OpUnlink, Rule: rule, Name: name})
}

// sideValue is the value of f on side s as the merge sees it: a CRM company
// that is the account named after the contact reads as empty, and a field
// the side was asked to change last cycle but still shows its old value
// reads as the base (the change was not imported and is sent again).
func (r *reconciler) sideValue(pr *pair, s Side, f contact.Field) string {
	v := r.actualValue(pr, s, f)
	b := contact.Clean(f, pr.link.Base[f])
	prev := pr.prevCRM
	if s == Outlook {
		prev = pr.prevOutlook
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
	v := contact.Clean(f, r.record(s, pr).Values[f])
	if s == CRM && f == contact.Company && pr.link.NameAccount != "" && v == pr.link.NameAccount {
		return ""
	}
	return v
}

// merge does the per-field 3-way merge of a link whose records are both present.
func (r *reconciler) merge(pr *pair) {
	crmRec, olRec := r.record(CRM, pr), r.record(Outlook, pr)
	name := olRec.DisplayName()
	if name == "" {
		name = crmRec.DisplayName()
	}
	// What each side is sent: the same decision applies to both, the
	// CRM first, then Outlook.
	type sideUpdate struct {
		side   Side
		rec    *contact.Contact
		vals   contact.Values
		fields []contact.Field
		old    []string // the side's values before the update, for Pending
	}
	upd := [2]*sideUpdate{{side: CRM, rec: crmRec}, {side: Outlook, rec: olRec}}
	crmU, olU := upd[0], upd[1]
	newBase := pr.link.Base
	for _, f := range r.fields {
		b := contact.Clean(f, pr.link.Base[f])
		c, o := r.sideValue(pr, CRM, f), r.sideValue(pr, Outlook, f)
		res, _, rule := r.decide(pr, f, b, c, o, crmRec, olRec, name)
		newBase[f] = res
		effective := [2]string{c, o}
		for k, u := range upd {
			actual := r.actualValue(pr, u.side, f)
			if same(f, res, actual) {
				continue
			}
			rule := rule
			if rule == "" || effective[k] != actual {
				rule = RuleNotImported
			}
			if !r.p.dir(f).allows(u.side) {
				newBase[f] = effective[k]
				r.change(Change{Link: pr.link.ID, Side: u.side.String(), Op: OpHeld, Field: f.String(), Old: actual, New: res, Rule: RuleDirection, Name: name})
				continue
			}
			u.vals[f] = res
			u.fields = append(u.fields, f)
			u.old = append(u.old, actual)
			r.change(Change{Link: pr.link.ID, Side: u.side.String(), Op: OpUpdate, Field: f.String(), Old: actual, New: res, Rule: rule, Name: name})
		}
	}
	if newBase != pr.link.Base {
		pr.link.Base = newBase
		pr.changed = true
	}
	if len(crmU.fields) > 0 {
		// The update row carries every mapped field: all of them clean.
		u := crmRec.Clone()
		for _, f := range r.fields {
			u.Values[f] = contact.Clean(f, u.Values[f])
		}
		for _, f := range crmU.fields {
			u.Values[f] = crmU.vals[f]
		}
		if slices.Contains(crmU.fields, contact.Company) {
			pr.link.NameAccount = ""
			if acc := r.assignAccount(&u, pr, name); u.Values[contact.Company] == "" {
				u.Values[contact.Company] = acc
				pr.link.NameAccount = acc
			}
		}
		r.plan.CRM.Updates = append(r.plan.CRM.Updates, u)
		pr.link.PendingCRM = Pending{Op: OpUpdate, Fields: crmU.fields, Old: crmU.old}
		pr.changed = true
	}
	newKey := pr.isNew
	if pr.link.OutlookKey == "" {
		pr.link.OutlookKey = SyncKey(pr.link.ID)
		pr.changed, newKey = true, true
	}
	if newKey && len(olU.fields) == 0 && r.ol.Contacts[pr.ol].Key != pr.link.OutlookKey {
		// The record is to carry its new sync key: once it does, the
		// next cycle knows the import happened.
		pr.link.PendingOutlook = Pending{Op: OpKey}
	}
	r.olOut[pr.ol].Key = pr.link.OutlookKey
	if len(olU.fields) > 0 {
		out := &r.olOut[pr.ol]
		for _, f := range olU.fields {
			out.Values[f] = olU.vals[f]
		}
		r.plan.Outlook.Updates = append(r.plan.Outlook.Updates, out.Clone())
		pr.link.PendingOutlook = Pending{Op: OpUpdate, Fields: olU.fields, Old: olU.old}
		pr.changed = true
	}
}

// decide merges one field. It returns the resulting value, the side whose
// value won (NoSide with an empty rule when nothing changes), and the rule.
func (r *reconciler) decide(pr *pair, f contact.Field, b, c, o string, crmRec, olRec *contact.Contact, name string) (string, Side, Rule) {
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

func (r *reconciler) conflict(pr *pair, f contact.Field, b, c, o string, crmRec, olRec *contact.Contact, name string) (string, Side, Rule) {
	ct, ot := crmRec.Modified, olRec.Modified
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
		Link: pr.link.ID, Field: f.String(), Base: b, CRM: c, Outlook: o,
		CRMTime: ct, OutlookTime: ot, Winner: winnerName(winner, rule), Rule: rule, Name: name,
	})
	return res, winner, rule
}

// winnerName is the side that won a conflict, or "user" for a value a
// person wrote.
func winnerName(s Side, rule Rule) string {
	if s == NoSide && rule == RuleDecidedByUser {
		return "user"
	}
	return s.String()
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

// newOutlookRecords links or creates every Outlook record no link claimed.
func (r *reconciler) newOutlookRecords() {
	// The e-mails of the records to decide. With none, there is nothing to
	// index (the usual later cycle: every record has its link).
	wanted := map[string]bool{}
	none := true
	for i := range r.ol.Contacts {
		if r.olClaimed[i] {
			continue
		}
		none = false
		for _, f := range emailFields {
			if e := r.normEmail(r.ol.Contacts[i].Values[f]); e != "" {
				wanted[e] = true
			}
		}
	}
	if none {
		return
	}
	// Index the CRM contacts a new Outlook record may link to by e-mail
	// (EMAIL, SECONDARYEMAIL): those no link holds, and those held by a link
	// whose Outlook contact was deleted (the user put it back).
	byEmail := map[string][]int{}
	for i := range r.crm.Contacts {
		if !r.visible(i) {
			continue
		}
		if tp, ok := r.tombCRM[i]; ok && tp.link.Detached != Outlook {
			continue
		} else if !ok && (r.crmClaimed[i] || r.crmIDLinked(trimID(r.crm.Contacts[i].Key))) {
			continue
		}
		for _, f := range []contact.Field{contact.Email1, contact.Email2} {
			if e := r.normEmail(r.crm.Contacts[i].Values[f]); e != "" && wanted[e] && !slices.Contains(byEmail[e], i) {
				byEmail[e] = append(byEmail[e], i)
			}
		}
	}
	// The e-mails of the live links as merged this cycle, to tell
	// duplicates; only those of the records to decide are ever asked for.
	linkedEmail := map[string]bool{}
	for _, pr := range r.pairs {
		if pr.closed || pr.link.Detached != NoSide {
			continue
		}
		for _, f := range emailFields {
			if e := r.normEmail(pr.link.Base[f]); e != "" && wanted[e] {
				linkedEmail[e] = true
			}
		}
	}
	for i := range r.ol.Contacts {
		if r.olClaimed[i] {
			continue
		}
		rec := &r.ol.Contacts[i]
		var emails []string
		for _, f := range emailFields {
			if e := r.normEmail(rec.Values[f]); e != "" {
				emails = append(emails, e)
			}
		}
		var cands []int
		dupOf := ""
		for _, e := range emails {
			for _, j := range byEmail[e] {
				if (!r.crmClaimed[j] || r.tombCRM[j] != nil) && !slices.Contains(cands, j) {
					cands = append(cands, j)
				}
			}
			if linkedEmail[e] && dupOf == "" {
				dupOf = e
			}
		}
		rule := RuleLinkEmail
		if len(cands) > 1 {
			var narrowed []int
			for _, j := range cands {
				cv := &r.crm.Contacts[j].Values
				if r.fold(cv[contact.Last]) == r.fold(rec.Values[contact.Last]) && r.fold(cv[contact.First]) == r.fold(rec.Values[contact.First]) {
					narrowed = append(narrowed, j)
				}
			}
			if len(narrowed) != 1 {
				r.notice("ambiguous-email", 0, fmt.Sprintf("Outlook contact %q: %d CRM contacts share its e-mail and %d match its name; a new CRM contact is created",
					rec.DisplayName(), len(cands), len(narrowed)))
				cands = nil
			} else {
				cands, rule = narrowed, RuleLinkEmailName
			}
		}
		switch {
		case len(cands) == 1:
			r.linkNew(cands[0], i, rule)
		case dupOf != "":
			r.notice("likely-duplicate", 0, fmt.Sprintf("Outlook contact %q (record %d) has the e-mail %s of a contact that is already linked; it is left as it is — merge the duplicates in Outlook",
				rec.DisplayName(), i+1, dupOf))
		default:
			r.createInCRM(i)
		}
		for _, e := range emails {
			linkedEmail[e] = true
		}
	}
}

func (r *reconciler) newLink() Link {
	id := r.nextID
	r.nextID++
	return Link{ID: id}
}

// linkNew joins an unlinked CRM contact and Outlook record found by e-mail.
func (r *reconciler) linkNew(ci, oi int, rule Rule) {
	if tp := r.tombCRM[ci]; tp != nil {
		// The Outlook contact was deleted once and is back: a new link
		// replaces the detached one.
		tp.closed = true
		r.plan.Closed = append(r.plan.Closed, tp.link.ID)
		delete(r.tombCRM, ci)
		rule = RuleRelink
	}
	r.crmClaimed[ci], r.olClaimed[oi] = true, true
	l := r.newLink()
	crmRec, olRec := &r.crm.Contacts[ci], &r.ol.Contacts[oi]
	l.CRMID = trimID(crmRec.Key)
	l.OutlookKey = olRec.Key
	if l.OutlookKey == "" {
		l.OutlookKey = SyncKey(l.ID)
	}
	if acc := crmRec.Values[contact.Company]; acc != "" && olRec.Values[contact.Company] == "" && isNameAccount(acc, &crmRec.Values) {
		// The CRM keeps a contact without company under an account named
		// after the person (as its own Outlook sync creates them): that is
		// no company to Outlook.
		l.NameAccount = acc
	}
	pr := r.newPair(&l)
	pr.isNew, pr.crm, pr.ol, pr.inGroup, pr.changed = true, ci, oi, r.crmInScope(ci), true
	r.pairs = append(r.pairs, pr)
	name := olRec.DisplayName()
	r.change(Change{Link: l.ID, Side: "-", Op: OpLink, Old: l.CRMID, New: l.OutlookKey, Rule: rule, Name: name})
	if !pr.inGroup && r.crm.HasSyncGroup {
		r.plan.CRM.GroupAdd = append(r.plan.CRM.GroupAdd, crmRec.Key)
		r.change(Change{Link: l.ID, Side: "crm", Op: OpGroupAdd, New: l.CRMID, Rule: RuleJoinGroup, Name: name})
	}
	r.merge(pr)
}

// isNameAccount reports whether account is the contact's own name, as the
// CRM names the account of a contact without company: "First Last" (or
// "Last, First").
func isNameAccount(account string, v *contact.Values) bool {
	first, last := strings.TrimSpace(v[contact.First]), strings.TrimSpace(v[contact.Last])
	if first == "" && last == "" {
		return false
	}
	a := strings.Join(strings.Fields(account), " ")
	return strings.EqualFold(a, strings.TrimSpace(first+" "+last)) || last != "" && first != "" && strings.EqualFold(a, last+", "+first)
}

// createInCRM asks the CRM to create the Outlook record at index oi.
func (r *reconciler) createInCRM(oi int) {
	rec := &r.ol.Contacts[oi]
	name := rec.DisplayName()
	v := &rec.Values
	if v[contact.First] == "" && v[contact.Last] == "" && v[contact.Company] == "" && v[contact.Email1] == "" && v[contact.Email2] == "" && v[contact.Email3] == "" {
		r.notice("not-created", 0, fmt.Sprintf("Outlook record %d has no name, company or e-mail; it is not created in the CRM", oi+1))
		return
	}
	if !r.p.Direction.allows(CRM) {
		r.change(Change{Side: "crm", Op: OpHeld, New: name, Rule: RuleDirection, Name: name})
		return
	}
	if r.crm.Incomplete {
		// It may match a CRM contact that was set aside: creating it
		// could make a duplicate. It waits for a complete dump.
		r.change(Change{Side: "crm", Op: OpHeld, New: name, Rule: RuleIncomplete, Name: name})
		return
	}
	r.olClaimed[oi] = true
	l := r.newLink()
	l.OutlookKey = rec.Key
	if l.OutlookKey == "" {
		l.OutlookKey = SyncKey(l.ID)
	}
	var c contact.Contact
	c.Modified = rec.Modified
	for _, f := range r.fields {
		v := contact.Clean(f, rec.Values[f])
		c.Values[f] = v
		l.Base[f] = v
	}
	if acc := r.assignAccount(&c, &pair{link: &l}, name); c.Values[contact.Company] == "" {
		// The account is named after the contact; in the CRM its company
		// reads as that name, which means "no company" to Outlook.
		c.Values[contact.Company] = acc
		l.NameAccount = acc
	}
	l.PendingCRM = Pending{Op: OpCreate}
	if rec.Key == "" {
		l.PendingOutlook = Pending{Op: OpKey}
	}
	r.plan.CRM.New = append(r.plan.CRM.New, c)
	r.change(Change{Link: l.ID, Side: "crm", Op: OpCreate, New: r.valuesText(&c.Values), Rule: RuleNewInOutlook, Name: name})
	r.olOut[oi].Key = l.OutlookKey
	pr := r.newPair(&l)
	pr.isNew, pr.ol, pr.changed = true, oi, true
	r.pairs = append(r.pairs, pr)
}

// assignAccount sets the account of a CRM contact from its company (DESIGN §6)
// and returns the account's name.
func (r *reconciler) assignAccount(c *contact.Contact, pr *pair, name string) string {
	company := c.Values[contact.Company]
	accName := company
	if accName == "" {
		accName = strings.TrimSpace(c.Values[contact.First] + " " + c.Values[contact.Last])
		if accName == "" {
			accName = name
		}
	}
	c.CRM.AccountManagerID = r.p.User
	if idx := r.accountsByName[accName]; len(idx) > 0 {
		a := r.crm.Accounts[idx[0]]
		c.CRM.AccountID, c.CRM.Owner = a.ID, a.Owner
		if c.CRM.Owner == "" {
			c.CRM.Owner = contact.Everyone
		}
		rule := RuleAccountExact
		if len(idx) > 1 {
			rule = RuleAccountFirst
			r.notice("several-accounts", pr.link.ID, fmt.Sprintf("%q: %d accounts are named %q; the first in the dump (%s) is used", name, len(idx), accName, trimID(a.ID)))
		}
		r.change(Change{Link: pr.link.ID, Side: "crm", Op: OpUpdate, Field: "account", New: trimID(a.ID) + " " + a.Name, Rule: rule, Name: name})
		return accName
	}
	c.CRM.AccountID, c.CRM.Owner = "", contact.Everyone
	if _, ok := r.newAccounts[accName]; !ok {
		r.newAccounts[accName] = len(r.plan.CRM.NewAccounts)
		r.plan.CRM.NewAccounts = append(r.plan.CRM.NewAccounts, contact.Account{
			Name: accName, Type: "Prospect", Status: "Active", Owner: contact.Everyone, AccountManagerID: r.p.User,
		})
		r.change(Change{Link: pr.link.ID, Side: "crm", Op: OpCreate, Field: "account", New: accName, Rule: RuleAccountNew, Name: name})
	} else {
		r.change(Change{Link: pr.link.ID, Side: "crm", Op: OpUpdate, Field: "account", New: accName, Rule: RuleAccountNew, Name: name})
	}
	return accName
}

// newCRMRecords creates in Outlook every sync group member no link claimed.
func (r *reconciler) newCRMRecords() {
	if r.p.Direction.allows(Outlook) {
		n, _ := r.unclaimed()
		r.plan.Outlook.New = slices.Grow(r.plan.Outlook.New, n)
	}
	for i := range r.crm.Contacts {
		if r.crmClaimed[i] || !r.crmInScope(i) || r.tombCRM[i] != nil {
			continue
		}
		rec := &r.crm.Contacts[i]
		name := rec.DisplayName()
		if !r.p.Direction.allows(Outlook) {
			r.change(Change{Side: "outlook", Op: OpHeld, New: name, Rule: RuleDirection, Name: name})
			continue
		}
		if r.ol.Incomplete {
			// It may be one of the Outlook records that were set aside.
			r.change(Change{Side: "outlook", Op: OpHeld, New: name, Rule: RuleIncomplete, Name: name})
			continue
		}
		r.crmClaimed[i] = true
		l := r.newLink()
		l.CRMID = trimID(rec.Key)
		l.OutlookKey = SyncKey(l.ID)
		var c contact.Contact
		c.Key = l.OutlookKey
		for _, f := range r.fields {
			v := contact.Clean(f, rec.Values[f])
			c.Values[f] = v
			l.Base[f] = v
		}
		l.PendingOutlook = Pending{Op: OpCreate}
		r.plan.Outlook.New = append(r.plan.Outlook.New, c)
		r.change(Change{Link: l.ID, Side: "outlook", Op: OpCreate, New: r.valuesText(&c.Values), Rule: RuleNewInCRM, Name: name})
		pr := r.newPair(&l)
		pr.isNew, pr.crm, pr.changed = true, i, true
		r.pairs = append(r.pairs, pr)
	}
}

// valuesText renders the mapped, non-empty values of a created record as
// one JSON object in field order, as encoding/json writes it: a creation is
// one journal row that still says every value it set.
func (r *reconciler) valuesText(v *contact.Values) string {
	b := r.textBuf[:0]
	b = append(b, '{')
	for _, f := range r.fields {
		if v[f] == "" {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = appendJSONString(b, f.String())
		b = append(b, ':')
		b = appendJSONString(b, v[f])
	}
	b = append(b, '}')
	r.textBuf = b
	return string(b)
}

func (r *reconciler) change(c Change) { r.plan.Changes = append(r.plan.Changes, c) }

func (r *reconciler) notice(kind string, link int64, msg string) {
	r.plan.Notices = append(r.plan.Notices, Notice{Kind: kind, Link: link, Message: msg})
}

// finish assembles the outputs, the link states and the counts.
func (r *reconciler) finish() {
	p := r.plan
	// The folder is olOut without the deleted records, compacted in place
	// (records before the first deletion stay where they are), then the
	// new contacts, within olOut's capacity.
	folder := r.olOut
	if k := slices.Index(r.olDeleted, true); k >= 0 {
		folder = r.olOut[:k]
		for i := k + 1; i < len(r.olOut); i++ {
			if !r.olDeleted[i] {
				folder = append(folder, r.olOut[i])
			}
		}
		clear(r.olOut[len(folder):]) // no stale copies behind the folder
	}
	p.Outlook.Folder = append(folder, p.Outlook.New...)
	r.olOut = nil
	r.pairs = append(r.pairs, r.tombs...)
	live := 0
	for _, pr := range r.pairs {
		pr.ls.Changed = pr.changed || pr.isNew
		pr.ls.closed = pr.closed
		if !pr.closed && pr.link.Detached == NoSide {
			live++
		}
	}
	if r.overflow {
		slices.SortFunc(r.pairs, func(a, b *pair) int { return cmpInt64(a.link.ID, b.link.ID) })
		p.Links = make([]LinkState, 0, len(r.pairs))
		for _, pr := range r.pairs {
			if !pr.closed {
				p.Links = append(p.Links, *pr.ls)
			}
		}
	} else {
		// The arena is in id order: the state's links, then the new ones.
		// Links before the first closed one stay where they are.
		links := r.arena
		for k := range r.arena {
			if !r.arena[k].closed {
				continue
			}
			links = r.arena[:k]
			for i := k + 1; i < len(r.arena); i++ {
				if !r.arena[i].closed {
					links = append(links, r.arena[i])
				}
			}
			clear(r.arena[len(links):])
			break
		}
		p.Links = links
	}
	slices.Sort(p.Closed)
	p.Closed = slices.Compact(p.Closed)
	p.NextLinkID = r.nextID
	cn := &p.Counts
	cn.Links = live
	if r.crm.Visible != nil {
		for i := range r.crm.Contacts {
			if !r.visible(i) {
				cn.NotVisible++
			}
		}
		if cn.NotVisible > 0 {
			r.notice("not-visible", 0, fmt.Sprintf("%d CRM contacts belong to owners user %s may not see; they are neither sent to Outlook nor changed", cn.NotVisible, r.p.User))
		}
	}
	for _, c := range p.Changes {
		switch {
		case c.Op == OpLink:
			cn.Linked++
		case c.Op == OpCreate && c.Field == "" && c.Side == "crm":
			cn.CRMCreated++
		case c.Op == OpCreate && c.Field == "" && c.Side == "outlook":
			cn.OutlookCreated++
		case c.Op == OpDelete:
			cn.OutlookDeleted++
		case c.Op == OpGroupAdd:
			cn.GroupAdded++
		case c.Op == OpGroupRemove:
			cn.GroupRemoved++
		case c.Op == OpHeld:
			cn.Held++
		case c.Op == OpUnlink:
			cn.Unlinked++
		}
	}
	cn.CRMUpdated = len(p.CRM.Updates)
	cn.OutlookUpdated = len(p.Outlook.Updates)
	cn.AccountsNew = len(p.CRM.NewAccounts)
	cn.Conflicts = len(p.Conflicts)
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
