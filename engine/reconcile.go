package engine

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"contactsync/engine/contact"
)

// The driver: Reconcile runs the steps of a cycle in order over the
// reconciler; the steps live in linking.go, guards.go, presence.go,
// merge.go and accounts.go.

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
	for f := range r.mapped {
		if r.mapped[f] {
			r.sortedFields = append(r.sortedFields, contact.Field(f))
		}
	}
	if err := r.preGuards(); err != nil {
		return nil, err
	}
	r.index()
	if err := r.historyGuard(); err != nil {
		return nil, err
	}
	if err := r.resolveLinks(); err != nil {
		return nil, err
	}
	if err := r.postGuards(); err != nil {
		return nil, err
	}
	r.applyLinks()
	r.newOutlookRecords()
	r.newCRMRecords()
	if err := r.checkDecisions(); err != nil {
		return nil, err
	}
	if r.err != nil {
		return nil, r.err
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

	// sortedFields are the mapped fields in field order, for sideSum;
	// sums is its buffer.
	sortedFields []contact.Field
	sums         sumBuilder
	// err is the first failure to read a base (see base); the cycle fails
	// with it.
	err error
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

// baseName is the display name of a link's base; "" when the link carries
// no base.
func baseName(l *Link) string {
	if l.Base == nil {
		return ""
	}
	c := contact.Contact{Values: *l.Base}
	return c.DisplayName()
}

// pairName is the display name of pr's base, read when the link carries
// none.
func (r *reconciler) pairName(pr *pair) string {
	c := contact.Contact{Values: *r.base(pr)}
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
		if pr.link.Base != nil && !pr.closed {
			pr.link.BaseSum = SumValues(pr.link.Base)
		}
		if !pr.closed && pr.link.Detached == NoSide {
			live++
		}
	}
	if r.overflow {
		slices.SortFunc(r.pairs, func(a, b *pair) int { return cmp.Compare(a.link.ID, b.link.ID) })
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
