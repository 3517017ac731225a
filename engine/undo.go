package engine

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"contactsync/engine/contact"
)

// Undoing a cycle.
//
// Undo(N) is a cycle of its own that returns both sides to what they
// agreed on before cycle N, for every link N touched:
//
//   - A field whose agreed value N changed gets the value it had before N
//     on both sides (the side that received the change gets its old value
//     back, the side the change came from gets it too), unless the field
//     changed again after N: then it is left alone and listed as a
//     conflict with the later value (rule changed-after-undone-cycle).
//   - A link N ended or detached (a contact sent to Deleted Items or taken
//     out of the sync group) comes back on both sides: the Outlook contact
//     is created again, the CRM contact rejoins the sync group.
//   - A link N opened goes from both sides: the Outlook contact to Deleted
//     Items, the CRM contact out of the sync group (the tool never deletes
//     CRM contacts; Plan.Undo.Administrator lists them). The link stays as
//     a detached link, so the next cycle neither recreates nor relinks them.
//
// It needs no exports: the journal has the agreed values, and once the
// outputs are imported both sides hold them, so the next cycle finds
// nothing to do. The outputs are therefore change files (updates, new
// contacts, deletions), never a whole-folder snapshot.
//
// Discard(N), for the last cycle whose outputs were not imported, returns
// the journal itself to the state before N: the link rows N replaced, the
// pending work of the cycle before, the links N opened closed, and the
// links N closed open again. It writes no outputs.

// The rules of undo and discard.
const (
	RuleUndo         Rule = "undo-of-cycle"
	RuleUndoLater    Rule = "changed-after-undone-cycle"
	RuleDiscard      Rule = "discard-of-cycle"
	RuleUndoNotLinks Rule = "undo-not-possible"
)

// OpRestore is a link whose journal state a discard restored.
const OpRestore Op = "restore"

// UndoInput is what the journal knows about the cycle to undo.
type UndoInput struct {
	Cycle   int      // N, the cycle to undo
	Changes []Change // N's changes, in plan order
	// Links are the links N touched (those its changes name), in id order.
	Links []UndoLink
	// PendingBefore is the pending work after cycle N-1, by link (for a
	// discard).
	PendingBefore map[int64]LinkPending
	// Accounts are the CRM dump's accounts when the undo was given the
	// dump: a contact created again in the CRM goes to the account named
	// like its company, else to a new one, as in a cycle. Nil: the account
	// is named only, for the Import Wizard to find.
	Accounts []contact.Account
	// UndoneBy is the cycle that already undid or discarded N (and was not
	// itself discarded); 0 for none.
	UndoneBy int
}

// UndoLink is one link as it was around cycle N.
type UndoLink struct {
	ID int64
	// Opened says N opened the link; Before is then nil.
	Opened bool
	// Before is the link row before N (nil when N opened it).
	Before *Link
	// BeforeClosed says the link was already closed before N.
	BeforeClosed bool
	// After is the link row N left (what the next cycle that wrote it
	// replaced, or the current row).
	After Link
	// ClosedBy is the cycle that closed the link (0 while open).
	ClosedBy int
	// ChangedAfter says a cycle after N wrote the link row.
	ChangedAfter bool
}

// UndoReport is what an undo asks of people beyond the import files.
type UndoReport struct {
	// Administrator lists the CRM contacts taken out of the sync group
	// because the undone cycle linked them first: the tool never deletes
	// a CRM contact; an administrator may.
	Administrator []AdminRow
}

// AdminRow is one CRM contact for the administrator.
type AdminRow struct {
	ContactID string
	Name      string
	Email     string
	Created   bool // the undone cycle created it (it did not exist before)
}

// Undo plans the cycle that undoes cycle u.Cycle (see the comment above
// RuleUndo). st is the journal's state now; only its links, user and
// mapping are used, so the next cycle's guards see no change of either.
func Undo(st State, u *UndoInput, p Policy) (*Plan, *UndoReport, error) {
	st.Links, st.Arena = st.links(), nil
	if u.Cycle < 1 || u.Cycle > st.Cycle {
		return nil, nil, fmt.Errorf("cycle %d does not exist (the journal has cycles 1..%d)", u.Cycle, st.Cycle)
	}
	if u.UndoneBy > 0 {
		return nil, nil, fmt.Errorf("cycle %d was already undone by cycle %d; undo cycle %d to have its changes back", u.Cycle, u.UndoneBy, u.UndoneBy)
	}
	plan := &Plan{Cycle: st.Cycle + 1, User: st.User, Mapping: st.Mapping, Prefer: p.Prefer, Direction: Both, NextLinkID: st.NextLinkID}
	rep := &UndoReport{}
	rule := Rule(string(RuleUndo) + "-" + strconv.Itoa(u.Cycle))
	fields := p.fields()
	plan.Outlook.Fields = fields
	// The undo's records go into tables of their own (it reads no input);
	// the undo fails with the first error (the string pool is full).
	var addErr error
	add := func(t **contact.Table, c *contact.Contact) {
		if *t == nil {
			*t = contact.NewTable(fields)
		}
		if err := (*t).Add(c); err != nil && addErr == nil {
			addErr = err
		}
	}
	links := make([]LinkState, len(st.Links))
	byID := make(map[int64]int, len(st.Links))
	for i := range st.Links {
		// The pending work of the last cycle stays: an undo reads no
		// export, so it cannot tell whether that work was imported, and
		// the next sync still has to check it. A link the undo changes
		// gets the undo's pending work instead.
		links[i] = LinkState{Link: st.Links[i]}
		byID[st.Links[i].ID] = i
	}
	// The links the undone cycle touched need their base; the state may
	// carry only their sums.
	touched := make(map[int64]bool, len(u.Links))
	for i := range u.Links {
		touched[u.Links[i].ID] = true
	}
	if err := fillBases(&st, links, touched); err != nil {
		return nil, nil, err
	}
	notice := func(link int64, format string, args ...any) {
		plan.Notices = append(plan.Notices, Notice{Kind: NoticeUndo, Link: link, Message: fmt.Sprintf(format, args...)})
	}
	change := func(c Change) { c.Rule = rule; plan.Changes = append(plan.Changes, c) }
	var newLinks []LinkState

	for i := range u.Links {
		ul := &u.Links[i]
		k, open := byID[ul.ID]
		var cur *LinkState
		if open {
			cur = &links[k]
		}
		name := baseName(&ul.After)
		switch {
		case ul.BeforeClosed:
			continue // N only recorded that the link had ended
		case ul.Opened:
			// N linked these contacts first: they go from both sides.
			if cur == nil || cur.Detached != NoSide {
				notice(ul.ID, "%q (link %d) was linked by cycle %d and is no longer linked on both sides; nothing to take back", name, ul.ID, u.Cycle)
				continue
			}
			cur.SetPending(Pending{}, Pending{})
			plan.Outlook.Patches = append(plan.Outlook.Patches, Patch{Record: -1, Find: &contact.Contact{Key: cur.OutlookKey, Values: *cur.Base}, Delete: true})
			change(Change{Link: ul.ID, Side: Outlook, Op: OpDelete, Old: cur.OutlookKey, Name: name})
			created := createdIn(u.Changes, ul.ID, CRM)
			if cur.CRMID == "" {
				notice(ul.ID, "%q (link %d): the CRM contact cycle %d created has no CONTACTID in the journal yet (no cycle read it back); remove it from the sync group by hand", name, ul.ID, u.Cycle)
			} else {
				plan.CRM.GroupRemove = append(plan.CRM.GroupRemove, cur.CRMID)
				change(Change{Link: ul.ID, Side: CRM, Op: OpGroupRemove, Old: trimID(cur.CRMID), Name: name})
				cur.SetPendingCRM(Pending{Op: OpGroupRemove})
			}
			rep.Administrator = append(rep.Administrator, AdminRow{ContactID: trimID(cur.CRMID), Name: name, Email: cur.Base[contact.Email1], Created: created})
			cur.Detached = Outlook
			cur.Changed = true
			change(Change{Link: ul.ID, Side: NoSide, Op: OpUnlink, Name: name})
		case ul.Before != nil && ul.Before.Detached == NoSide && (cur == nil || cur.Detached != NoSide):
			// N ended or detached a live link: it comes back on both sides.
			if ul.ChangedAfter || (cur == nil && ul.ClosedBy != u.Cycle) {
				notice(ul.ID, "%q (link %d) was ended by cycle %d and changed again later; not brought back", name, ul.ID, u.Cycle)
				continue
			}
			b := *ul.Before
			if cur == nil {
				// A closed link is never reopened: a new link brings the
				// contact back, created on both sides.
				nl := LinkState{Link: Link{ID: plan.NextLinkID, Base: cloneValues(b.Base), NameAccount: b.NameAccount}, Changed: true}
				plan.NextLinkID++
				nl.OutlookKey = SyncKey(nl.ID)
				c := contact.Contact{Values: *b.Base}
				if c.Values[contact.Company] == "" && b.NameAccount != "" {
					c.Values[contact.Company] = b.NameAccount
				}
				undoAccount(plan, u.Accounts, &c, st.User, nl.ID, name, notice)
				add(&plan.CRM.New, &c)
				add(&plan.Outlook.New, &contact.Contact{Key: nl.OutlookKey, Values: *b.Base})
				nl.SetPending(Pending{Op: OpCreate}, Pending{Op: OpCreate})
				change(Change{Link: nl.ID, Side: CRM, Op: OpCreate, New: valuesJSON(fields, b.Base), Name: name})
				change(Change{Link: nl.ID, Side: Outlook, Op: OpCreate, New: valuesJSON(fields, b.Base), Name: name})
				newLinks = append(newLinks, nl)
				continue
			}
			cur.SetPending(Pending{}, Pending{})
			cur.Detached = NoSide
			cur.Base = cloneValues(b.Base)
			cur.NameAccount = b.NameAccount
			cur.Changed = true
			if cur.CRMID != "" {
				plan.CRM.GroupAdd = append(plan.CRM.GroupAdd, cur.CRMID)
				change(Change{Link: ul.ID, Side: CRM, Op: OpGroupAdd, New: trimID(cur.CRMID), Name: name})
			}
			cur.OutlookKey = SyncKey(ul.ID)
			add(&plan.Outlook.New, &contact.Contact{Key: cur.OutlookKey, Values: *b.Base})
			cur.SetPendingOutlook(Pending{Op: OpCreate})
			change(Change{Link: ul.ID, Side: Outlook, Op: OpCreate, New: valuesJSON(fields, b.Base), Name: name})
		case ul.Before != nil && ul.Before.Detached == NoSide:
			// A live link before and now: its fields go back.
			b, after := ul.Before, &ul.After
			var crmU, olU []contact.Field
			var old []string
			nb := *cur.Base
			for _, f := range fields {
				if b.Base[f] == after.Base[f] {
					continue // N did not change what both sides agreed on
				}
				if cur.Base[f] != after.Base[f] {
					plan.Conflicts = append(plan.Conflicts, Conflict{Link: ul.ID, Field: f.String(), Base: b.Base[f],
						CRM: cur.Base[f], Outlook: cur.Base[f], Winner: WinnerLater, Rule: RuleUndoLater, Name: name})
					continue
				}
				nb[f] = b.Base[f]
				crmU, olU = append(crmU, f), append(olU, f)
				old = append(old, cur.Base[f])
				change(Change{Link: ul.ID, Side: CRM, Op: OpUpdate, Field: f.String(), Old: cur.Base[f], New: b.Base[f], Name: name})
				change(Change{Link: ul.ID, Side: Outlook, Op: OpUpdate, Field: f.String(), Old: cur.Base[f], New: b.Base[f], Name: name})
			}
			if len(crmU) == 0 {
				continue
			}
			cur.Base = &nb
			cur.SetPending(Pending{}, Pending{})
			if slices.Contains(crmU, contact.Company) {
				cur.NameAccount = b.NameAccount
			}
			cur.Changed = true
			if cur.CRMID != "" {
				c := contact.Contact{Key: cur.CRMID, Values: nb}
				if c.Values[contact.Company] == "" && cur.NameAccount != "" {
					c.Values[contact.Company] = cur.NameAccount
				}
				add(&plan.CRM.Updates, &c)
				cur.SetPendingCRM(Pending{Op: OpUpdate, Fields: crmU, Old: old})
			}
			set := make([]Setting, len(fields))
			for k, f := range fields {
				set[k] = Setting{f, nb[f]}
			}
			plan.Outlook.Patches = append(plan.Outlook.Patches, Patch{Record: -1, Find: &contact.Contact{Key: cur.OutlookKey, Values: nb}, Key: cur.OutlookKey, Set: set})
			cur.SetPendingOutlook(Pending{Op: OpUpdate, Fields: olU, Old: slices.Clone(old)})
		default:
			notice(ul.ID, "%q (link %d): cycle %d changed a link that had already left one side; nothing to take back", name, ul.ID, u.Cycle)
		}
	}
	if addErr != nil {
		return nil, nil, fmt.Errorf("undo cycle %d: %w", u.Cycle, addErr)
	}
	plan.Links = append(links, newLinks...)
	plan.Counts = countUndo(plan)
	notice(0, "this cycle undoes cycle %d: import its files as IMPORT.txt says; then the next sync finds nothing to do", u.Cycle)
	return plan, rep, nil
}

// undoAccount puts a contact created again in the CRM into an account: the
// first of the dump's accounts named like its company (or, without one,
// "First Last"), else a new account (Prospect, Active, owner Everyone,
// account manager the syncing user), as a cycle does.
func undoAccount(plan *Plan, accounts []contact.Account, c *contact.Contact, user string, link int64, name string, notice func(int64, string, ...any)) {
	accName := c.Values[contact.Company]
	if accName == "" {
		accName = strings.TrimSpace(c.Values[contact.First] + " " + c.Values[contact.Last])
		c.Values[contact.Company] = accName
	}
	c.CRM.AccountManagerID, c.CRM.Owner = user, contact.Everyone
	if accounts == nil {
		notice(link, "%q: created again in the CRM in the account named %q; the undo was given no CRM dump (--crm) to look the account up", name, accName)
		return
	}
	for _, a := range accounts {
		if a.Name == accName {
			c.CRM.AccountID = a.ID
			if a.Owner != "" {
				c.CRM.Owner = a.Owner
			}
			return
		}
	}
	for _, a := range plan.CRM.NewAccounts {
		if a.Name == accName {
			return
		}
	}
	plan.CRM.NewAccounts = append(plan.CRM.NewAccounts, contact.Account{
		Name: accName, Type: "Prospect", Status: "Active", Owner: contact.Everyone, AccountManagerID: user,
	})
}

// valuesJSON is the journal's text of a created record: its non-empty
// mapped fields as a JSON object, as a cycle's creations are journaled.
func valuesJSON(fields []contact.Field, v *contact.Values) string {
	return string(appendValuesJSON(nil, fields, v))
}

// appendValuesJSON appends the non-empty values of fields in v to b as one
// JSON object in field order, as encoding/json writes it.
func appendValuesJSON(b []byte, fields []contact.Field, v *contact.Values) []byte {
	b = append(b, '{')
	empty := true
	for _, f := range fields {
		if v[f] == "" {
			continue
		}
		if !empty {
			b = append(b, ',')
		}
		empty = false
		b = append(b, jsonFieldKeys[f]...)
		b = AppendJSONString(b, v[f])
	}
	return append(b, '}')
}

// jsonFieldKeys are the fields' names as keys of a JSON object ("name":),
// encoded once: appendValuesJSON writes one for each value of a million
// creations.
var jsonFieldKeys = func() (k [contact.NumFields]string) {
	for f := range contact.Field(contact.NumFields) {
		k[f] = string(append(AppendJSONString(nil, f.String()), ':'))
	}
	return k
}()

// createdIn reports whether cycle's changes created link's record on side.
func createdIn(changes []Change, link int64, side Side) bool {
	for i := range changes {
		if changes[i].Link == link && changes[i].Op == OpCreate && changes[i].Side == side {
			return true
		}
	}
	return false
}

func countUndo(p *Plan) Counts {
	c := Counts{Links: liveLinks(p.Links), CRMCreated: p.CRM.New.Len(), AccountsNew: len(p.CRM.NewAccounts), CRMUpdated: p.CRM.Updates.Len(),
		OutlookCreated: p.Outlook.New.Len() + len(p.Outlook.Whole), OutlookUpdated: p.Outlook.UpdateCount(), OutlookDeleted: p.Outlook.DeleteCount(),
		GroupAdded: len(p.CRM.GroupAdd), GroupRemoved: len(p.CRM.GroupRemove), Conflicts: len(p.Conflicts)}
	for i := range p.Changes {
		if p.Changes[i].Op == OpUnlink {
			c.Unlinked++
		}
	}
	return c
}

// Discard plans the cycle that returns the journal to the state before
// cycle u.Cycle, the last one, whose outputs were not imported. It returns
// the plan and the closed links it opens again.
func Discard(st State, u *UndoInput) (*Plan, []int64, error) {
	st.Links, st.Arena = st.links(), nil
	if u.Cycle != st.Cycle {
		return nil, nil, fmt.Errorf("only the last cycle (%d) can be discarded, not cycle %d", st.Cycle, u.Cycle)
	}
	if u.UndoneBy > 0 {
		return nil, nil, fmt.Errorf("cycle %d was already undone by cycle %d", u.Cycle, u.UndoneBy)
	}
	plan := &Plan{Cycle: st.Cycle + 1, User: st.User, Mapping: st.Mapping, Prefer: CRM, Direction: Both, NextLinkID: st.NextLinkID}
	rule := Rule(string(RuleDiscard) + "-" + strconv.Itoa(u.Cycle))
	touched := map[int64]*UndoLink{}
	for i := range u.Links {
		touched[u.Links[i].ID] = &u.Links[i]
	}
	var reopen []int64
	var links []LinkState
	for _, l := range st.Links {
		ls := LinkState{Link: l}
		if ul := touched[l.ID]; ul != nil {
			if ul.Opened {
				plan.Closed = append(plan.Closed, l.ID)
				plan.Changes = append(plan.Changes, Change{Link: l.ID, Side: NoSide, Op: OpUnlink, Rule: rule, Name: baseName(&ul.After)})
				continue
			}
			if ul.Before != nil {
				ls.Link = *ul.Before
				ls.Changed = true
				plan.Changes = append(plan.Changes, Change{Link: l.ID, Side: NoSide, Op: OpRestore, Rule: rule, Name: baseName(&ls.Link)})
			}
		}
		links = append(links, ls)
	}
	for i := range u.Links {
		ul := &u.Links[i]
		if ul.ClosedBy == u.Cycle && ul.Before != nil && !ul.BeforeClosed {
			reopen = append(reopen, ul.ID)
			links = append(links, LinkState{Link: *ul.Before, Changed: true})
			plan.Changes = append(plan.Changes, Change{Link: ul.ID, Side: NoSide, Op: OpRestore, Rule: rule, Name: baseName(ul.Before)})
		}
	}
	slices.SortFunc(links, func(a, b LinkState) int { return cmp.Compare(a.ID, b.ID) })
	for i := range links {
		l := &links[i]
		pb := u.PendingBefore[l.ID]
		if !samePending(l.PendingCRM(), pb.CRM) || !samePending(l.PendingOutlook(), pb.Outlook) {
			l.SetPending(pb.CRM, pb.Outlook)
			l.Changed = true
		}
	}
	plan.Links = links
	plan.Counts = Counts{Links: liveLinks(links), Unlinked: len(plan.Closed)}
	plan.Notices = append(plan.Notices, Notice{Kind: NoticeDiscard, Message: fmt.Sprintf(
		"cycle %d is discarded: its outputs were not imported; the journal is back to the state after cycle %d", u.Cycle, u.Cycle-1)})
	return plan, reopen, nil
}

// liveLinks counts the links that are not detached.
func liveLinks(ls []LinkState) int {
	n := 0
	for i := range ls {
		if ls[i].Detached == NoSide {
			n++
		}
	}
	return n
}

func samePending(a, b Pending) bool {
	return a.Op == b.Op && slices.Equal(a.Fields, b.Fields) && slices.Equal(a.Old, b.Old)
}

// ParseMappingText reads the mapping a cycle journaled (Plan.Mapping:
// field names, each optionally ":to-crm" or ":to-outlook").
func ParseMappingText(s string) ([]contact.Field, map[contact.Field]Direction, error) {
	var fields []contact.Field
	var dirs map[contact.Field]Direction
	for _, part := range strings.Split(s, ",") {
		if part == "" {
			continue
		}
		name, dir, hasDir := strings.Cut(part, ":")
		f, ok := contact.ParseField(name)
		if !ok {
			return nil, nil, fmt.Errorf("mapping %q: unknown field %q", s, name)
		}
		fields = append(fields, f)
		if hasDir {
			d, err := ParseDirection(dir)
			if err != nil {
				return nil, nil, fmt.Errorf("mapping %q: %v", s, err)
			}
			if dirs == nil {
				dirs = map[contact.Field]Direction{}
			}
			dirs[f] = d
		}
	}
	return fields, dirs, nil
}

// cloneValues returns a copy of *v (nil for nil).
func cloneValues(v *contact.Values) *contact.Values {
	if v == nil {
		return nil
	}
	c := *v
	return &c
}
