package engine

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

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
			Cycle:     st.Cycle + 1,
			User:      p.User,
			Prefer:    p.Prefer,
			Direction: p.Direction,
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
	r.fieldsSorted = slices.Equal(r.fields, r.sortedFields)
	var err error
	if r.ct, r.ot, err = inputTables(&r.crm, &r.ol, r.fields); err != nil {
		return nil, err
	}
	if ol.Table == nil {
		r.plan.Outlook.in = ol.Contacts
	}
	r.crm.Contacts, r.ol.Contacts = nil, nil // read through the tables only
	r.plan.Changes = []Change{}
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
	r.recSums.wait() // the new links' sums are made
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
	crm     int32 // index into the CRM table, -1 when absent
	ol      int32 // index into the Outlook table, -1 when absent
	crmGone gone  // why the CRM record is absent (deleted, left group)
	olGone  gone  // why the Outlook record is absent, when not RuleDeletedInOutlook
	isNew   bool  // made this cycle (no base yet)
	inGroup bool
	olByKey bool // the Outlook record was found by the link's key
	waits   bool // its base is read once its CRM contact is found (waitsQuietly)
	changed bool
	closed  bool
}

// link is the pair's link, &ls.Link (a method, not a field: a million
// pairs are held at once while the cycle's memory is at its peak).
func (pr *pair) link() *Link { return &pr.ls.Link }

// gone is why a link's record is absent, a Rule in a byte (a million
// pairs are decided at once).
type gone uint8

const (
	goneNone gone = iota
	goneDeletedInCRM
	goneLeftSyncGroup
	goneNotVisible
	goneDeletedAfterImport
)

var goneRules = [...]Rule{goneDeletedInCRM: RuleDeletedInCRM, goneLeftSyncGroup: RuleLeftSyncGroup,
	goneNotVisible: RuleNotVisible, goneDeletedAfterImport: RuleDeletedAfterImport}

// rule is the rule of g; "" for goneNone.
func (g gone) rule() Rule { return goneRules[g] }

type reconciler struct {
	st     State
	crm    CRMInput
	ol     OutlookInput
	p      Policy
	fields []contact.Field
	mapped [contact.NumFields]bool
	plan   *Plan

	crmIDs *crmIDs // the CRM records by id
	// scope says whether each CRM record is in scope (crmInScope); seen,
	// when the user may not see everything, whether it is visible.
	scope, seen []bool
	olByKey     outlookKeys
	crmClaimed  []bool
	olClaimed   []bool
	pairs       []*pair
	// arena holds the links of the cycle in id order (the state's, then
	// the new ones that fit); it becomes Plan.Links. The new links beyond
	// it are in spill, a chunk at a time, still in id order; finish then
	// copies the open ones into a Plan.Links of their exact number.
	arena []LinkState
	spill [][]LinkState
	// unordered says the links were made out of id order (Rebuild):
	// finish sorts them.
	unordered bool
	tombs     []*pair // detached links (Link.Detached != NoSide)
	// tombCRM marks CRM records held by a detached link, with its side.
	tombCRM map[int]*pair
	// relinked are the detached links that new links replace, by the
	// Outlook record of the new link (see decideOutlookRecords).
	relinked map[int32]*pair
	nextID   int64
	// crmCanon and olCanon are, per record, the first record with its
	// (trimmed) CRM id or Outlook key, -1 for none; idLinked and keyLinked
	// mark the first records whose id or key an open link has.
	crmCanon, olCanon   []int32
	idLinked, keyLinked []bool

	accountsByName map[string][]int // made when first needed (accountsNamed)
	newAccounts    map[string]int   // name → index into plan.CRM.NewAccounts

	// ct and ot are the tables of the CRM and Outlook inputs.
	ct, ot *contact.Table
	// patches are the changes to the Outlook input's records
	// (Plan.Outlook.Patches), in link order until finish sorts them.
	patches []Patch

	changes [][]Change // the plan's changes, in order, a chunk at a time (change)
	textBuf []byte     // valuesText's buffer
	// packs, texts and keys hold the packed bases, the text of created
	// records and the sync keys the plan keeps (see contact.Arena).
	packs, texts, keys contact.Arena
	// names hold the contacts' names of the changes (see name); nameBuf
	// is where one is made.
	names   contact.Arena
	nameBuf []byte
	// bases are the sides' tables as links' bases (packFrom); packed
	// holds the other bases the plan makes, packed (pack).
	bases   []*baseRecords
	packed  *baseRecords
	keyBuf  []byte // nameKeyFrom's buffer
	packBuf []byte // pack's buffer

	// usedDecisions and decisionProblems check Policy.Decisions.
	usedDecisions    map[DecisionKey]bool
	decisionProblems []string

	// slab is where pairs are allocated, a chunk at a time: a million
	// links are a few hundred allocations instead of a million.
	slab []pair

	// mergeBufs are merge's base and new base; mergeDirty says they may
	// hold more than the mapped fields of a new link (see merge).
	mergeBufs  [2]contact.Values
	mergeDirty bool
	// mergeHandles is merge's buffer of both records' handles.
	mergeHandles []contact.Handle

	// sortedFields are the mapped fields in field order, for sideSum;
	// sums is its buffer.
	sortedFields []contact.Field
	// fieldsSorted says the mapping's fields are sortedFields (the default
	// mapping's are): a record's handles of them are in a sum's order.
	fieldsSorted bool
	sums         sumBuilder
	// recSums makes the BaseSums of new links whose base is a record,
	// beside the reconciling (see recordSums).
	recSums recordSums
	// copyHandles is copyMapped's buffer of a record's handles.
	copyHandles []contact.Handle
	// sumHandles is crmSumSame's buffer of both records' handles.
	sumHandles []contact.Handle
	// err is the first failure to read a base (see base) or to add a
	// record to a table of the plan (add); the cycle fails with it.
	err error
}

// trimID is a CRM id without the blanks a fixed-width column pads it
// with; most have none (it is inlined, and calls nothing then).
func trimID(s string) string {
	if len(s) > 0 && s[len(s)-1] == ' ' {
		return strings.TrimRight(s, " ")
	}
	return s
}

func (r *reconciler) index() {
	r.crmIDs, r.crmCanon = newCRMIDs(r.ct, max(r.st.numLinks(), len(r.crm.SyncGroup)))
	r.idLinked = make([]bool, r.ct.Len())
	r.keyLinked = make([]bool, r.ot.Len())
	// Who is in scope, per record: the sync group's members the user may
	// see.
	r.scope = make([]bool, r.ct.Len())
	// A record is in the sync group when its id is: the group's ids are
	// found as the links' are, and mark the first record with each.
	var inGroup []bool
	if r.crm.HasSyncGroup {
		inGroup = make([]bool, r.ct.Len())
		for _, i := range r.crmIDs.findAll(len(r.crm.SyncGroup), func(k int) string { return trimID(r.crm.SyncGroup[k]) }) {
			if i >= 0 {
				inGroup[i] = true
			}
		}
	}
	if r.crm.Visible != nil {
		r.seen = make([]bool, r.ct.Len())
	}
	for i := range r.ct.Len() {
		if r.seen != nil {
			r.seen[i] = r.ownerVisible(r.ct.Owner(i))
		}
		r.scope[i] = r.visible(i) && (!r.crm.HasSyncGroup || r.crmCanon[i] >= 0 && inGroup[r.crmCanon[i]])
	}
	r.olByKey = newOutlookKeys(r.st.NextLinkID, r.ot)
	r.olCanon = make([]int32, r.ot.Len())
	keyless := 0
	for i := range r.ot.Len() {
		k := r.ot.Key(i)
		r.olCanon[i] = -1
		if k == "" {
			keyless++
			continue
		}
		if j, dup := r.olByKey.get(k); dup {
			r.olCanon[i] = int32(j)
			r.notice(NoticeDuplicateKey, 0, fmt.Sprintf("Outlook contact %q (record %d) repeats the key %q of an earlier record; it is treated as a new contact",
				r.ot.DisplayName(i), i+1, k))
			continue
		}
		r.olByKey.set(k, i)
		r.olCanon[i] = int32(i)
	}
	// Each keyless record is patched with its sync key, once linked.
	r.patches = make([]Patch, 0, keyless)
	r.crmClaimed = make([]bool, r.ct.Len())
	r.olClaimed = make([]bool, r.ot.Len())
	r.newAccounts = make(map[string]int)
	r.nextID = max(r.st.NextLinkID, 1)
}

// spillChunk is the number of links in a chunk of the spill.
const spillChunk = 4096

// newPair stores l in the arena and returns a pair that points to it.
func (r *reconciler) newPair(l *Link) *pair {
	var ls *LinkState
	if len(r.arena) < cap(r.arena) {
		r.arena = r.arena[:len(r.arena)+1]
		ls = &r.arena[len(r.arena)-1]
	} else {
		if len(r.spill) == 0 || len(r.spill[len(r.spill)-1]) == cap(r.spill[len(r.spill)-1]) {
			r.spill = append(r.spill, make([]LinkState, 0, spillChunk))
		}
		c := &r.spill[len(r.spill)-1]
		*c = (*c)[:len(*c)+1]
		ls = &(*c)[len(*c)-1]
	}
	ls.Link = *l
	if len(r.slab) == cap(r.slab) {
		r.slab = make([]pair, 0, 4096)
	}
	r.slab = append(r.slab, pair{ls: ls, crm: -1, ol: -1})
	return &r.slab[len(r.slab)-1]
}

// unclaimed counts the records no link holds: the in-scope CRM contacts
// (at most one new Outlook contact each) and the Outlook records (at most
// one new CRM contact each). Sizing the outputs by them keeps them from
// growing, which at a million records means copying gigabytes.
func (r *reconciler) unclaimed() (crm, ol int) {
	for i := range r.ct.Len() {
		if !r.crmClaimed[i] && r.tombCRM[i] == nil && r.crmInScope(i) {
			crm++
		}
	}
	for i := range r.ot.Len() {
		if !r.olClaimed[i] {
			ol++
		}
	}
	return crm, ol
}

// baseName is the display name of a link's base; "" when the link carries
// no base.
func baseName(l *Link) string {
	v := l.Values()
	if v == nil {
		return ""
	}
	c := contact.Contact{Values: *v}
	return c.DisplayName()
}

// pairName is the display name of pr's base, read when the link carries
// none.
func (r *reconciler) pairName(pr *pair) string {
	var c contact.Contact
	r.baseTo(pr, &c.Values)
	return c.DisplayName()
}

// rec is one record of a side's table; the zero rec is no record.
type rec struct {
	t *contact.Table
	i int
}

func (x rec) ok() bool                   { return x.t != nil }
func (x rec) get(f contact.Field) string { return x.t.Get(x.i, f) }
func (x rec) key() string                { return x.t.Key(x.i) }
func (x rec) displayName() string        { return displayNameOf(x.t, x.i) }
func (x rec) modified() time.Time        { return x.t.Modified(x.i) }
func (x rec) values() contact.Values     { return x.t.Values(x.i) }

// name is x.displayName() in the reconciler's arena of names for the
// usual record with a first and a last name and no middle name: the name
// of every change a cycle makes, a million in a first cycle, costs its
// bytes and no allocation.
func (r *reconciler) name(x rec) string {
	var n []byte
	if r.nameBuf, n = usualName(r.nameBuf, x.t, x.i); n != nil {
		return r.names.String(n)
	}
	return x.t.DisplayName(x.i)
}

// displayNameOf is t.DisplayName(i) in one allocation for the usual
// record with a first and a last name and no middle name.
func displayNameOf(t *contact.Table, i int) string {
	var a [64]byte
	if _, n := usualName(a[:0], t, i); n != nil {
		return string(n)
	}
	return t.DisplayName(i)
}

// usualName makes in b (returned, grown) the display name of record i of
// t when it is the usual one, a first and a last name and no middle name,
// and returns it trimmed; nil for another record, whose name
// t.DisplayName makes.
func usualName(b []byte, t *contact.Table, i int) (buf, name []byte) {
	first, last := t.Get(i, contact.First), t.Get(i, contact.Last)
	if first == "" || last == "" || t.Get(i, contact.Middle) != "" {
		return b, nil
	}
	b = append(append(append(b[:0], first...), ' '), last...)
	if n := bytes.TrimSpace(b); len(n) > 0 {
		return b, n
	}
	return b, nil
}

// record returns the record of side s that pr holds; the zero rec when it
// holds none.
func (r *reconciler) record(s Side, pr *pair) rec {
	if s == CRM {
		if pr.crm < 0 {
			return rec{}
		}
		return rec{r.ct, int(pr.crm)}
	}
	if pr.ol < 0 {
		return rec{}
	}
	return rec{r.ot, int(pr.ol)}
}

// inputTables returns the tables of both inputs, made from their Contacts
// where a table is not given (the two sharing one string pool), and checks
// that each keeps every mapped field.
func inputTables(crm *CRMInput, ol *OutlookInput, fields []contact.Field) (ct, ot *contact.Table, err error) {
	ct, ot = crm.Table, ol.Table
	var pool *contact.Strings
	switch {
	case ct != nil:
		pool = ct.Pool()
	case ot != nil:
		pool = ot.Pool()
	default:
		pool = contact.NewStrings()
	}
	if ct == nil {
		if ct, err = tableOf(pool, fields, crm.Contacts); err != nil {
			return nil, nil, fmt.Errorf("engine: the CRM contacts: %w", err)
		}
	}
	if ot == nil {
		if ot, err = tableOf(pool, fields, ol.Contacts); err != nil {
			return nil, nil, fmt.Errorf("engine: the Outlook contacts: %w", err)
		}
	}
	for _, f := range fields {
		for _, t := range []struct {
			side  Side
			table *contact.Table
		}{{CRM, ct}, {Outlook, ot}} {
			if !t.table.Has(f) {
				return nil, nil, fmt.Errorf("engine: the %s table does not keep the mapped field %s", t.side, f)
			}
		}
	}
	return ct, ot, nil
}

func tableOf(pool *contact.Strings, fields []contact.Field, cs []contact.Contact) (*contact.Table, error) {
	t := contact.NewTableIn(pool, fields)
	t.Grow(len(cs))
	for i := range cs {
		if err := t.Add(&cs[i]); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// add appends c to t, a table of the plan; the cycle fails with the first
// error (the string pool is full).
func (r *reconciler) add(t *contact.Table, c *contact.Contact) {
	if err := t.Add(c); err != nil && r.err == nil {
		r.err = fmt.Errorf("engine: the plan's records: %w", err)
	}
}

// change adds c to the plan's changes. They are kept in chunks while the
// cycle decides (a slice appended to a million times would be copied over
// and over as it grows, five times its size in all); finish puts them in
// one slice of their number.
func (r *reconciler) change(c Change) {
	if n := len(r.changes); n == 0 || len(r.changes[n-1]) == cap(r.changes[n-1]) {
		size := 64
		if n > 0 {
			size = min(2*cap(r.changes[n-1]), 8192)
		}
		r.changes = append(r.changes, make([]Change, 0, size))
	}
	last := &r.changes[len(r.changes)-1]
	*last = append(*last, c)
}

func (r *reconciler) notice(kind NoticeKind, link int64, msg string) {
	r.plan.Notices = append(r.plan.Notices, Notice{Kind: kind, Link: link, Message: msg})
}

// fit returns s in a slice of its length when appending left it much
// room: the plan keeps it for the rest of the cycle.
func fit[S ~[]E, E any](s S) S {
	if cap(s)-len(s) <= len(s)/16 {
		return s
	}
	return append(make(S, 0, len(s)), s...)
}

// changesSlack is the room a plan's n changes may keep unused, as
// reserveLinks made it: at most a quarter of n. Copying them into a slice
// of their number would hold both at once, and the room left was never
// written to (a first cycle's changes are a new allocation of the growing
// heap, which the system gives as it is written).
func changesSlack(n int) int { return n / 4 }

// finish assembles the outputs, the link states and the counts.
func (r *reconciler) finish() {
	r.recSums.wait() // before a link is read or moved
	p := r.plan
	// The Outlook output: the patches in input order.
	p.Outlook.Fields = r.fields
	if len(r.patches) > 0 {
		p.Outlook.Patches = fit(r.patches)
	}
	p.Outlook.SortPatches()
	r.patches = nil
	switch {
	case len(r.changes) == 1 && cap(r.changes[0])-len(r.changes[0]) <= changesSlack(len(r.changes[0])):
		p.Changes = r.changes[0] // room made for them (reserveLinks)
		r.changes = nil
	case len(r.changes) == 1:
		p.Changes = fit(r.changes[0])
		r.changes = nil
	case len(r.changes) > 0:
		n := 0
		for _, c := range r.changes {
			n += len(c)
		}
		p.Changes = make([]Change, 0, n)
		for k, c := range r.changes {
			p.Changes = append(p.Changes, c...)
			r.changes[k] = nil // copied: collectable while the rest is copied
		}
		r.changes = nil
	}
	r.pairs = append(r.pairs, r.tombs...)
	live := 0
	for _, pr := range r.pairs {
		pr.ls.Changed = pr.changed || pr.isNew
		pr.ls.closed = pr.closed
		if pr.link().Base != nil && !pr.closed {
			// A base read this cycle goes into the plan packed.
			r.pack(pr.link(), pr.link().Base)
		}
		if !pr.closed && pr.link().Detached == NoSide {
			live++
		}
	}
	switch {
	case r.unordered:
		slices.SortFunc(r.pairs, func(a, b *pair) int { return cmp.Compare(a.link().ID, b.link().ID) })
		p.Links = make([]LinkState, 0, len(r.pairs))
		for _, pr := range r.pairs {
			if !pr.closed {
				p.Links = append(p.Links, *pr.ls)
			}
		}
	case len(r.spill) > 0:
		// The arena and the spill, in id order, into links of their
		// exact number: the arena was sized for the state's links. The
		// pairs, which point into them, are done with; each chunk copied
		// is let go, so that a first cycle's million links are not held
		// twice while they are copied.
		chunks := append([][]LinkState{r.arena}, r.spill...)
		r.arena, r.spill = nil, nil
		r.pairs, r.tombs, r.slab, r.tombCRM, r.relinked = nil, nil, nil, nil, nil
		n := 0
		for _, c := range chunks {
			for i := range c {
				if !c[i].closed {
					n++
				}
			}
		}
		p.Links = make([]LinkState, 0, n)
		for k, c := range chunks {
			for i := range c {
				if !c[i].closed {
					p.Links = append(p.Links, c[i])
				}
			}
			chunks[k] = nil
		}
	default:
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
		for i := range r.ct.Len() {
			if !r.visible(i) {
				cn.NotVisible++
			}
		}
		if cn.NotVisible > 0 {
			r.notice(NoticeNotVisible, 0, fmt.Sprintf("%d CRM contacts belong to owners user %s may not see; they are neither sent to Outlook nor changed", cn.NotVisible, r.p.User))
		}
	}
	for _, c := range p.Changes {
		switch {
		case c.Op == OpLink:
			cn.Linked++
		case c.Op == OpCreate && c.Field == "" && c.Side == CRM:
			cn.CRMCreated++
		case c.Op == OpCreate && c.Field == "" && c.Side == Outlook:
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
	cn.CRMUpdated = p.CRM.Updates.Len()
	cn.OutlookUpdated = p.Outlook.UpdateCount()
	cn.AccountsNew = len(p.CRM.NewAccounts)
	cn.Conflicts = len(p.Conflicts)
}
