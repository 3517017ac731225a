package engine

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"contactsync/engine/contact"
)

// Linking: finding the records of the open links, matching keyless and
// CRM-created records to them, and joining new records found by e-mail.

// resolveLinks finds the records of every open link: by CRM id and Outlook
// key first, then keyless Outlook records by the link's last agreed e-mail
// and name, then the CRM contacts the CRM created from our last outputs.
func (r *reconciler) resolveLinks() error {
	r.tombCRM = map[int]*pair{}
	// Claim the records of the links by id and key first, so that the
	// number of links the cycle can make at most is known: every record
	// left unclaimed, and the CRM contacts of detached links, which may
	// rejoin. The arena holds the state's links and a few new ones; the
	// new links of a first cycle go to the spill (see newPair), so that
	// Plan.Links is not sized for links never made.
	n := r.st.numLinks()
	claims := make([][2]int32, n)
	byID := r.crmIDs.findAll(n, func(k int) string { return trimID(r.st.link(k).CRMID) })
	tombs := 0
	for k := range n {
		l := r.st.link(k)
		claims[k] = [2]int32{-1, -1}
		if l.CRMID != "" {
			if i := int(byID[k]); i >= 0 {
				r.idLinked[i] = true
				if !r.crmClaimed[i] {
					claims[k][0] = int32(i)
					r.crmClaimed[i] = true
				}
			}
		}
		if l.Detached != NoSide {
			tombs++
			continue
		}
		if l.OutlookKey != "" {
			if i, ok := r.olByKey.get(l.OutlookKey); ok {
				r.keyLinked[i] = true
				if !r.olClaimed[i] {
					claims[k][1] = int32(i)
					r.olClaimed[i] = true
				}
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
	if r.st.Links == nil && r.st.Arena != nil {
		// The state's links are where the plan's are made (State.Arena):
		// each pair takes its link where it lies.
		r.arena = r.st.Arena[:0]
	} else {
		r.arena = make([]LinkState, 0, n+min(bound, n/16+256))
	}
	r.pairs = make([]*pair, 0, n-tombs+bound)
	for k := range n {
		l := r.st.link(k)
		pr := r.newPair(l)
		pr.crm, pr.ol = claims[k][0], claims[k][1]
		pr.olByKey = pr.ol >= 0
		if l.Detached != NoSide {
			r.tombs = append(r.tombs, pr)
			continue
		}
		r.pairs = append(r.pairs, pr)
	}
	claims, byID = nil, nil
	r.shareKeys(r.pairs)
	r.shareKeys(r.tombs)
	// The arena holds the links now: the reconciler lets go of the state's
	// (the caller's slice is left as it was), so that a caller that passed
	// its last reference does not keep a million links twice.
	r.st.Links, r.st.Arena = nil, nil
	if err := r.loadBases(); err != nil {
		return err
	}
	r.matchOutlookByBase()
	r.matchCreatedCRM()

	for _, pr := range r.pairs {
		if pr.crm < 0 {
			pr.crmGone = goneDeletedInCRM
			continue
		}
		pr.inGroup = r.crmInScope(int(pr.crm))
		if pr.link().CRMID == "" {
			rec := rec{r.ct, int(pr.crm)}
			pr.link().CRMID = trimID(rec.key())
			r.setIDLinked(int(pr.crm), true)
			pr.changed = true
			r.notice(NoticeArrived, pr.link().ID, fmt.Sprintf("the CRM created %q as %s", rec.displayName(), pr.link().CRMID))
			if !pr.inGroup {
				// The import did not put it in the sync group: do it now
				// rather than read it as having left the group.
				r.plan.CRM.GroupAdd = append(r.plan.CRM.GroupAdd, rec.key())
				r.change(Change{Link: pr.link().ID, Side: CRM, Op: OpGroupAdd, New: pr.link().CRMID, Rule: RuleJoinGroup, Name: rec.displayName()})
				pr.inGroup = true
			}
		}
		if !pr.inGroup {
			pr.crmGone = goneLeftSyncGroup
			if !r.visible(int(pr.crm)) {
				pr.crmGone = goneNotVisible
			}
		}
	}
	if err := r.readWaited(); err != nil {
		return err
	}
	r.resolveTombs()
	return nil
}

// resolveTombs decides what becomes of the detached links.
func (r *reconciler) resolveTombs() {
	for _, pr := range r.tombs {
		if pr.crm < 0 {
			// The CRM contact is gone: nothing left to remember.
			pr.closed = true
			r.plan.Closed = append(r.plan.Closed, pr.link().ID)
			continue
		}
		in := r.crmInScope(int(pr.crm))
		switch {
		case pr.link().Detached == Outlook && r.crm.HasSyncGroup && in && pr.link().PendingCRM().Op == OpGroupRemove:
			// Our removal from the sync group is not imported yet: keep
			// the contact out of Outlook.
			r.notice(NoticeNotImported, pr.link().ID, fmt.Sprintf("%q is still in the sync group; import crm/syncgroup-remove.csv of cycle %d", r.ct.DisplayName(int(pr.crm)), r.st.Cycle))
			r.tombCRM[int(pr.crm)] = pr
		case in && (r.crm.HasSyncGroup || pr.link().Detached == CRM):
			// Back in the sync group: the user wants it synced again.
			pr.closed = true
			r.plan.Closed = append(r.plan.Closed, pr.link().ID)
			r.crmClaimed[pr.crm] = false
			r.setIDLinked(int(pr.crm), false)
			r.notice(NoticeRejoined, pr.link().ID, fmt.Sprintf("%q is in the sync group again and is synced anew", r.ct.DisplayName(int(pr.crm))))
		default:
			if pr.link().PendingCRM().Op != "" {
				pr.link().SetPendingCRM(Pending{})
				pr.changed = true
			}
			r.tombCRM[int(pr.crm)] = pr
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
	var base contact.Values
	for _, pr := range r.pairs {
		if !want(pr) {
			continue
		}
		r.baseTo(pr, &base)
		for _, f := range emailFields {
			if e := r.normEmail(base[f]); e != "" {
				byEmail[e] = append(byEmail[e], pr)
			}
		}
		if k := r.nameKey(&base); k != "" {
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
			pr.ol = int32(i)
			if k := r.ot.Key(i); k != "" && k != pr.link().OutlookKey {
				pr.link().OutlookKey = k
				pr.changed = true
			}
			r.olClaimed[i] = true
			return true
		}
		return false
	}
	for i := range r.ot.Len() {
		if r.olClaimed[i] {
			continue
		}
		if r.keyOwned(i) {
			continue
		}
		done := false
		for _, f := range emailFields {
			if e := r.normEmail(r.ot.Get(i, f)); e != "" && take(byEmail[e], i) {
				done = true
				break
			}
		}
		if !done {
			if k := r.nameKeyOf(rec{r.ot, i}); k != "" {
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
		if pr.crm < 0 && pr.link().CRMID == "" {
			waiting = append(waiting, pr)
		}
	}
	if len(waiting) == 0 {
		return
	}
	// The contacts a link may claim: a contact the user may not see is not
	// theirs to claim (taking it would name it and add it to the sync
	// group). By name only when a link without e-mail asks (byName).
	var free []int32
	for i := range r.ct.Len() {
		if !r.crmClaimed[i] && !r.crmIDLinked(i) && r.visible(i) {
			free = append(free, int32(i))
		}
	}
	byEmail := make(map[string][]int, len(free))
	for _, i := range free {
		for _, f := range emailFields {
			if e := r.normEmail(r.ct.Get(int(i), f)); e != "" {
				byEmail[e] = append(byEmail[e], int(i))
			}
		}
	}
	var names map[string][]int
	byName := func(k string) []int {
		if names == nil {
			names = make(map[string][]int, len(free))
			for _, i := range free {
				if k := r.nameKeyOf(rec{r.ct, int(i)}); k != "" {
					names[k] = append(names[k], int(i))
				}
			}
		}
		return names[k]
	}
	// Each waiting link's candidates, sorted, one after another in cands:
	// link k's are cands[at[k]:at[k+1]] (a hundred thousand links waiting
	// held a slice, a map entry and a group each).
	cands := make([]int32, 0, len(waiting))
	at := make([]int32, 1, len(waiting)+1)
	var base contact.Values
	var one []int
	for _, pr := range waiting {
		if pr.waits {
			r.waitedBase(pr, &base)
		} else {
			r.baseTo(pr, &base)
		}
		if base[contact.Company] == "" {
			base[contact.Company] = pr.link().NameAccount
		}
		one = one[:0]
		hasEmail := false
		for _, f := range emailFields {
			if e := r.normEmail(base[f]); e != "" {
				hasEmail = true
				for _, i := range byEmail[e] {
					if !slices.Contains(one, i) {
						one = append(one, i)
					}
				}
			}
		}
		nk := r.nameKey(&base)
		switch {
		case hasEmail && nk != "":
			one = slices.DeleteFunc(one, func(i int) bool { return !r.sameNameKey(rec{r.ct, i}, nk) })
		case !hasEmail && nk != "":
			one = append(one, byName(nk)...)
		}
		slices.Sort(one)
		for _, i := range slices.Compact(one) {
			cands = append(cands, int32(i))
		}
		at = append(at, int32(len(cands)))
	}
	r.claimCreated(waiting, cands, at)
}

// claimCreated gives the links waiting for the CRM to create their
// contacts the candidates matchCreatedCRM found (link k's are
// cands[at[k]:at[k+1]], sorted). Links waiting with the same candidates
// are a group, and the groups are decided in the order of their first
// link: a group's links take the last candidates in dump order (an import
// appends), the sync group's members first, in link order, which is the
// order they were written to contacts-new.csv.
func (r *reconciler) claimCreated(waiting []*pair, cands, at []int32) {
	of := func(k int32) []int32 { return cands[at[k]:at[k+1]] }
	// The links by their candidates, in link order among equal ones: a
	// group is a run of them.
	byCands := make([]int32, len(waiting))
	for k := range byCands {
		byCands[k] = int32(k)
	}
	slices.SortStableFunc(byCands, func(a, b int32) int { return slices.Compare(of(a), of(b)) })
	var groups [][]int32
	for s := 0; s < len(byCands); {
		e := s + 1
		for e < len(byCands) && slices.Equal(of(byCands[e]), of(byCands[s])) {
			e++
		}
		groups = append(groups, byCands[s:e])
		s = e
	}
	slices.SortFunc(groups, func(a, b []int32) int { return cmp.Compare(a[0], b[0]) })
	var in []int32
	for _, g := range groups {
		cands := of(g[0])
		in = in[:0]
		for _, i := range cands {
			if r.crmInScope(int(i)) {
				in = append(in, i)
			}
		}
		if len(in) >= len(g) {
			cands = in
		}
		if len(cands) > len(g) {
			cands = cands[len(cands)-len(g):]
		}
		for j, k := range g {
			if j < len(cands) && !r.crmClaimed[cands[j]] {
				waiting[k].crm = cands[j]
				r.crmClaimed[cands[j]] = true
			}
		}
	}
}

var emailFields = []contact.Field{contact.Email1, contact.Email2, contact.Email3}

// keyOwned reports whether an open link of the state has the key of
// Outlook record i: the link found the first record with that key.
func (r *reconciler) keyOwned(i int) bool {
	j := r.olCanon[i]
	return j >= 0 && r.keyLinked[j]
}

// crmIDLinked reports whether an open link has the CRM id of CRM record i:
// the link found the first record with that id (or arrived as it).
func (r *reconciler) crmIDLinked(i int) bool {
	j := r.crmCanon[i]
	return j >= 0 && r.idLinked[j]
}

// setIDLinked records that a link has (or no longer has) the CRM id of
// record i.
func (r *reconciler) setIDLinked(i int, linked bool) {
	if j := r.crmCanon[i]; j >= 0 {
		r.idLinked[j] = linked
	}
}

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
	return r.nameKeyFrom(v[contact.Last], v[contact.First], v[contact.Company])
}

// nameKeyOf is nameKey of a record.
func (r *reconciler) nameKeyOf(x rec) string {
	return r.nameKeyFrom(x.get(contact.Last), x.get(contact.First), x.get(contact.Company))
}

func (r *reconciler) nameKeyFrom(last, first, company string) string {
	r.keyBuf = r.appendNameKey(r.keyBuf[:0], last, first, company)
	return string(r.keyBuf)
}

// sameNameKey reports whether record x's nameKey is k, without making it.
func (r *reconciler) sameNameKey(x rec, k string) bool {
	r.keyBuf = r.appendNameKey(r.keyBuf[:0], x.get(contact.Last), x.get(contact.First), x.get(contact.Company))
	return string(r.keyBuf) == k
}

// appendNameKey appends the nameKey of last, first and company to b:
// nothing when all three are empty.
func (r *reconciler) appendNameKey(b []byte, last, first, company string) []byte {
	start := len(b)
	b = r.appendFolded(b, last)
	b = append(b, 0)
	b = r.appendFolded(b, first)
	b = append(b, 0)
	b = r.appendFolded(b, company)
	if len(b) == start+2 {
		return b[:start]
	}
	return b
}

// appendFolded appends fold(v) to b.
func (r *reconciler) appendFolded(b []byte, v string) []byte {
	v = strings.TrimSpace(v)
	if r.p.CaseSensitiveKeys {
		return append(b, v...)
	}
	for _, c := range v {
		switch {
		case 'A' <= c && c <= 'Z':
			b = append(b, byte(c+'a'-'A'))
		case c < utf8.RuneSelf:
			b = append(b, byte(c))
		default:
			b = utf8.AppendRune(b, unicode.ToLower(c))
		}
	}
	return b
}

// newOutlookRecords links or creates every Outlook record no link claimed.
func (r *reconciler) newOutlookRecords() {
	// The e-mails of the records to decide, each once in ix. With none,
	// there is nothing to index (the usual later cycle: every record has
	// its link).
	n, emails := 0, 0
	for i := range r.ot.Len() {
		if !r.olClaimed[i] {
			n++
			for _, f := range emailFields {
				if r.ot.Handle(i, f) != 0 {
					emails++
				}
			}
		}
	}
	if n == 0 {
		return
	}
	ix := newEmailIndex(emails)
	// The records to decide, in input order, and the entries of their
	// e-mails (E-mail 1-3; -1 for none), so that deciding them looks no
	// e-mail up again.
	todo := make([]int32, 0, n)
	own := make([]int32, 0, len(emailFields)*n)
	var batch emailBatch
	for i := range r.ot.Len() {
		if r.olClaimed[i] {
			continue
		}
		todo = append(todo, int32(i))
		for _, f := range emailFields {
			if batch.put(r.normEmail(r.ot.Get(i, f)), 0) {
				own = ix.addAll(&batch, own)
			}
		}
	}
	own = ix.addAll(&batch, own)
	// Index the CRM contacts a new Outlook record may link to by e-mail
	// (EMAIL, SECONDARYEMAIL): those no link holds, and those held by a link
	// whose Outlook contact was deleted (the user put it back).
	ix.next = make([]int32, 2*r.ct.Len())
	for i := range r.ct.Len() {
		if !r.visible(i) {
			continue
		}
		if tp, ok := r.tombCRM[i]; ok && tp.link().Detached != Outlook {
			continue
		} else if !ok && (r.crmClaimed[i] || r.crmIDLinked(i)) {
			continue
		}
		for k, f := range []contact.Field{contact.Email1, contact.Email2} {
			if e := r.normEmail(r.ct.Get(i, f)); e != "" && batch.put(e, int32(2*i+k)) {
				ix.addAllCRM(&batch)
			}
		}
	}
	ix.addAllCRM(&batch)
	// The e-mails of the live links as merged this cycle, to tell
	// duplicates; only those of the records to decide are ever asked for.
	// A link whose base was left unread (quiet) has the e-mails of its
	// records but for letter case: its base is read only when one of them
	// folds like a wanted one.
	var wantedFold map[string]bool
	var fold []byte
	for _, pr := range r.pairs {
		if pr.closed || pr.link().Detached != NoSide {
			continue
		}
		if pr.link().unread() {
			if wantedFold == nil {
				wantedFold = make(map[string]bool, len(ix.entries))
				for k := range ix.entries {
					wantedFold[string(appendFold(nil, ix.entries[k].email))] = true
				}
			}
			maybe := false
			for _, f := range emailFields {
				if !r.mapped[f] {
					continue
				}
				fold = appendFold(fold[:0], r.normEmail(r.actualValue(pr, CRM, f)))
				if len(fold) > 0 && wantedFold[string(fold)] {
					maybe = true
				}
			}
			if !maybe {
				continue
			}
		}
		for _, f := range emailFields {
			if e := r.normEmail(r.base(pr)[f]); e != "" {
				if k, ok := ix.lookup(e); ok {
					ix.entries[k].linked = true
				}
			}
		}
	}
	ds := r.decideOutlookRecords(ix, todo, own)
	// The links the cycle makes from here on are known now: a first cycle
	// puts them in links of their number instead of chunks to copy.
	crmMade := r.newCRMCount()
	made := crmMade
	for _, d := range ds {
		switch {
		case d.kind == olLink:
			made++
		case d.kind == olCreate && r.creates(int(d.oi)):
			made++
		}
	}
	r.reserveLinks(made, made-crmMade)
	for _, d := range ds {
		i := int(d.oi)
		if d.amb >= 0 {
			a := ds[d.amb]
			r.notice(NoticeAmbiguousEmail, 0, fmt.Sprintf("Outlook contact %q: %d CRM contacts share its e-mail and %d match its name; a new CRM contact is created",
				displayNameOf(r.ot, i), a.ci, a.aux))
		}
		switch d.kind {
		case olLink:
			rule := RuleLinkEmail
			if d.aux == 1 {
				rule = RuleLinkEmailName
			}
			r.linkNew(int(d.ci), i, rule, r.relinked[d.oi])
		case olDuplicate:
			r.notice(NoticeLikelyDuplicate, 0, fmt.Sprintf("Outlook contact %q (record %d) has the e-mail %s of a contact that is already linked; it is left as it is — merge the duplicates in Outlook",
				displayNameOf(r.ot, i), i+1, ix.entries[d.aux].email))
		case olCreate:
			r.createInCRM(i)
		}
	}
	r.relinked = nil
}

// olDecision is what becomes of an Outlook record no link claimed: linked
// to CRM contact ci (aux 1: narrowed by name), left as a likely duplicate
// of an e-mail (entry aux), or created in the CRM. amb is the index in the
// decisions of the counts of an ambiguity to report first (-1: none);
// such an entry has kind olNone, ci the candidates and aux the names that
// matched.
type olDecision struct {
	oi, ci, aux, amb int32
	kind             uint8
}

const (
	olNone uint8 = iota
	olLink
	olDuplicate
	olCreate
)

// decideOutlookRecords decides every Outlook record of todo (own: the
// entries of their e-mails) in input order, claiming the CRM contacts it
// links them to: the decisions a later record depends on are all taken
// here, so that the links can be made once their number is known.
func (r *reconciler) decideOutlookRecords(ix *emailIndex, todo, own []int32) []olDecision {
	ds := make([]olDecision, 0, len(todo))
	var emails []int32 // the entries of the record's e-mails
	var cands, narrowed []int
	for t, i32 := range todo {
		i := int(i32)
		if r.olClaimed[i] {
			continue
		}
		rec := rec{r.ot, i}
		emails = emails[:0]
		for _, k := range own[t*len(emailFields) : (t+1)*len(emailFields)] {
			if k >= 0 {
				emails = append(emails, k)
			}
		}
		cands = cands[:0]
		dupOf := int32(-1)
		for _, k := range emails {
			en := &ix.entries[k]
			for slot := en.head; slot >= 0; slot = ix.next[slot] {
				j := int(slot / 2)
				if (!r.crmClaimed[j] || r.tombCRM[j] != nil) && !slices.Contains(cands, j) {
					cands = append(cands, j)
				}
			}
			if en.linked && dupOf < 0 {
				dupOf = k
			}
		}
		d := olDecision{oi: i32, amb: -1}
		if len(cands) > 1 {
			narrowed = narrowed[:0]
			for _, j := range cands {
				if r.fold(r.ct.Get(j, contact.Last)) == r.fold(rec.get(contact.Last)) && r.fold(r.ct.Get(j, contact.First)) == r.fold(rec.get(contact.First)) {
					narrowed = append(narrowed, j)
				}
			}
			if len(narrowed) != 1 {
				d.amb = int32(len(ds))
				ds = append(ds, olDecision{oi: i32, ci: int32(len(cands)), aux: int32(len(narrowed)), amb: -1})
				cands = cands[:0]
			} else {
				cands, d.aux = append(cands[:0], narrowed[0]), 1
			}
		}
		switch {
		case len(cands) == 1:
			ci := cands[0]
			d.kind, d.ci = olLink, int32(ci)
			if tp := r.tombCRM[ci]; tp != nil {
				// The link replaces the detached one (see linkNew).
				if r.relinked == nil {
					r.relinked = map[int32]*pair{}
				}
				r.relinked[i32] = tp
				delete(r.tombCRM, ci)
			}
			r.crmClaimed[ci] = true
		case dupOf >= 0:
			d.kind, d.aux = olDuplicate, dupOf
		default:
			d.kind = olCreate
		}
		ds = append(ds, d)
		for _, k := range emails {
			ix.entries[k].linked = true
		}
	}
	return ds
}

// creates reports whether createInCRM makes a link for Outlook record oi.
func (r *reconciler) creates(oi int) bool {
	x := rec{r.ot, oi}
	if x.get(contact.First) == "" && x.get(contact.Last) == "" && x.get(contact.Company) == "" &&
		x.get(contact.Email1) == "" && x.get(contact.Email2) == "" && x.get(contact.Email3) == "" {
		return false
	}
	return r.p.Direction.allows(CRM) && !r.crm.Incomplete
}

// newCRMCount is the number of links newCRMRecords makes.
func (r *reconciler) newCRMCount() int {
	if !r.p.Direction.allows(Outlook) || r.ol.Incomplete {
		return 0
	}
	n := 0
	for i := range r.ct.Len() {
		if !r.crmClaimed[i] && r.crmInScope(i) && r.tombCRM[i] == nil {
			n++
		}
	}
	return n
}

// reserveLinks makes room for n more links in the arena when it holds none
// yet (a first cycle): Plan.Links is then the arena, not a copy of chunks.
// Of those links, fromOutlook are made from Outlook records, each of which
// is given its link's sync key by a patch when it does not carry it yet
// (as in a first cycle): the patches get room for them too, rather than
// growing a million of them by copying.
func (r *reconciler) reserveLinks(n, fromOutlook int) {
	if len(r.arena) == 0 && len(r.spill) == 0 && cap(r.arena) < n {
		r.arena = make([]LinkState, 0, n)
		prefault(r.arena, n)
		if len(r.patches) == 0 {
			r.patches = make([]Patch, 0, fromOutlook)
		}
		if len(r.changes) == 0 {
			// Each link made is one change, and some have more (the
			// updates of records that differ): with room for them, the
			// changes are one chunk that becomes Plan.Changes as it is.
			// Past it, finish copies them all into one slice, both copies
			// held at once: a first cycle of a million links at 2%
			// differing has 10.5% more changes than links (1.1 million,
			// 124 MB), so the room is a quarter more than the links, whose
			// part left unused is never written (see changesSlack).
			r.changes = [][]Change{make([]Change, 0, n+n/4)}
			prefault(r.changes[0], n) // the room beyond them may stay unwritten
		}
	}
}

func (r *reconciler) newLink() Link {
	id := r.nextID
	r.nextID++
	return Link{ID: id}
}

// linkNew joins an unlinked CRM contact and Outlook record found by e-mail.
// tomb is the detached link of the CRM contact, when it has one (its
// Outlook contact was deleted once and is back): the new link replaces it.
func (r *reconciler) linkNew(ci, oi int, rule Rule, tomb *pair) {
	if tomb != nil {
		tomb.closed = true
		r.plan.Closed = append(r.plan.Closed, tomb.link().ID)
		rule = RuleRelink
	}
	r.crmClaimed[ci], r.olClaimed[oi] = true, true
	l := r.newLink()
	crmRec, olRec := rec{r.ct, ci}, rec{r.ot, oi}
	l.CRMID = trimID(crmRec.key())
	l.OutlookKey = olRec.key()
	if l.OutlookKey == "" {
		l.OutlookKey = syncKeyIn(&r.keys, l.ID)
	}
	// The CRM keeps a contact without company under an account named
	// after the person (as its own Outlook sync creates them): that is no
	// company to Outlook. The companies' handles are asked first ("" is 0,
	// and only ""): the usual pair, whose Outlook record has a company,
	// reads no value.
	if r.ct.Handle(ci, contact.Company) != 0 && r.ot.Handle(oi, contact.Company) == 0 {
		if acc := crmRec.get(contact.Company); isNameAccount(acc, crmRec.get(contact.First), crmRec.get(contact.Last)) {
			l.NameAccount = acc
		}
	}
	pr := r.newPair(&l)
	pr.isNew, pr.crm, pr.ol, pr.inGroup, pr.changed = true, int32(ci), int32(oi), r.crmInScope(ci), true
	r.pairs = append(r.pairs, pr)
	name := r.name(olRec)
	r.change(Change{Link: l.ID, Side: NoSide, Op: OpLink, Old: l.CRMID, New: l.OutlookKey, Rule: rule, Name: name})
	if !pr.inGroup && r.crm.HasSyncGroup {
		r.plan.CRM.GroupAdd = append(r.plan.CRM.GroupAdd, crmRec.key())
		r.change(Change{Link: l.ID, Side: CRM, Op: OpGroupAdd, New: l.CRMID, Rule: RuleJoinGroup, Name: name})
	}
	r.merge(pr, nil, name)
}
