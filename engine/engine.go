// Package engine decides what one sync cycle does. It is a pure function of
// its inputs: Reconcile(state, crm, outlook, policy) returns a Plan and
// writes nothing; the caller writes the plan's outputs and then commits it to
// the journal.
//
// The model:
//
//   - A side is one of the two address books: the CRM (records keyed by
//     CONTACTID) and Outlook (keyed by PST entry id, vCard UID or the sync key
//     contactsync writes into an Outlook field).
//   - A link joins one CRM contact and one Outlook contact. Links have stable
//     ids and outlive cycles; the journal keeps them.
//   - The base of a link is the value of every mapped field that both sides
//     agreed on after the last cycle. A field that differs from the base on
//     one side changed there and is copied to the other; a field changed on
//     both sides to different values is a conflict, decided by the latest
//     modification time and, on a tie, by Policy.Prefer.
//   - A state may carry each link's BaseSum instead of its base: the engine
//     reads the bases of only the links whose records hash differently
//     (State.Bases; see bases.go), and a plan holds the bases it made or
//     read as references to the records they are, or packed.
//   - Pending work: records the last cycle asked a side to create or change.
//     If the side's new export does not show them, the outputs were not
//     imported and the cycle stops (a guard) instead of undoing them.
//   - Presence: a CRM contact that left the sync group or the dump sends its
//     Outlook contact to Deleted Items; an Outlook contact that left the sync
//     folder removes its CRM contact from the sync group (the CRM contact is
//     never deleted).
//   - Guards are errors (*GuardError) returned instead of a plan; Policy.Force
//     turns them into notices.
//
// Everything is decided in input order and link-id order, so the same inputs
// and state give the same plan, byte for byte.
package engine

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"contactsync/engine/contact"
)

// Side names one of the two address books. It is a byte: a link and a
// change hold one each, a million of them.
type Side uint8

// The sides. NoSide is used for events that concern a link as a whole.
const (
	NoSide Side = iota
	CRM
	Outlook
)

func (s Side) String() string {
	switch s {
	case CRM:
		return "crm"
	case Outlook:
		return "outlook"
	}
	return "-"
}

// Other returns the opposite side.
func (s Side) Other() Side {
	if s == CRM {
		return Outlook
	}
	return CRM
}

// ParseSide parses "crm" or "outlook".
func ParseSide(s string) (Side, error) {
	switch strings.ToLower(s) {
	case "crm":
		return CRM, nil
	case "outlook":
		return Outlook, nil
	}
	return NoSide, fmt.Errorf("unknown side %q (want crm or outlook)", s)
}

// MarshalText writes the side as its String: "crm", "outlook" or "-", the
// text plan.json and the journal have always held.
func (s Side) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads what MarshalText writes.
func (s *Side) UnmarshalText(b []byte) error {
	if string(b) == "-" {
		*s = NoSide
		return nil
	}
	v, err := ParseSide(string(b))
	if err != nil || string(b) != v.String() {
		return fmt.Errorf("unknown side %q (want crm, outlook or -)", b)
	}
	*s = v
	return nil
}

// Scan reads a side stored as its text (database/sql's Scanner), so a
// store reads Change.Side back as it wrote it (Side.String()).
func (s *Side) Scan(src any) error {
	switch v := src.(type) {
	case string:
		return s.UnmarshalText([]byte(v))
	case []byte:
		return s.UnmarshalText(v)
	}
	return fmt.Errorf("side: cannot read %T %v", src, src)
}

// Direction limits which way changes flow, as the CRM's own sync options do.
type Direction int

// The directions.
const (
	Both Direction = iota
	ToOutlook
	ToCRM
)

func (d Direction) String() string {
	switch d {
	case ToOutlook:
		return "to-outlook"
	case ToCRM:
		return "to-crm"
	}
	return "both"
}

// ParseDirection parses "both", "to-outlook" or "to-crm".
func ParseDirection(s string) (Direction, error) {
	switch strings.ToLower(s) {
	case "", "both":
		return Both, nil
	case "to-outlook":
		return ToOutlook, nil
	case "to-crm":
		return ToCRM, nil
	}
	return Both, fmt.Errorf("unknown direction %q (want both, to-outlook or to-crm)", s)
}

// MarshalText writes the direction as its String, the text plan.json and
// the journal hold.
func (d Direction) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads what MarshalText writes.
func (d *Direction) UnmarshalText(b []byte) error {
	v, err := ParseDirection(string(b))
	if err != nil || string(b) != v.String() {
		return fmt.Errorf("unknown direction %q (want both, to-outlook or to-crm)", b)
	}
	*d = v
	return nil
}

// allows reports whether changes may flow into side to.
func (d Direction) allows(to Side) bool {
	switch d {
	case ToOutlook:
		return to == Outlook
	case ToCRM:
		return to == CRM
	}
	return true
}

// DefaultMapping is the set of fields transferred between the sides, after
// the CRM's own Outlook mapping (DESIGN §3).
var DefaultMapping = []contact.Field{
	contact.Prefix, contact.First, contact.Middle, contact.Last, contact.Suffix,
	contact.Company, contact.Department, contact.JobTitle,
	contact.Email1, contact.Email2,
	contact.PhoneBusiness, contact.PhoneMobile, contact.PhoneHome, contact.PhoneFaxBusiness,
	contact.BusinessStreet, contact.BusinessCity, contact.BusinessState,
	contact.BusinessPostalCode, contact.BusinessCountry,
}

// MappingText is the canonical text form of a mapping, as journaled.
func MappingText(fields []contact.Field) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.String()
	}
	return strings.Join(names, ",")
}

// SyncKeyPrefix starts every sync key contactsync writes into Outlook.
const SyncKeyPrefix = "contactsync:"

// SyncKey returns the Outlook sync key of a link.
func SyncKey(link int64) string {
	var b [len(SyncKeyPrefix) + 20]byte
	return string(strconv.AppendInt(append(b[:0], SyncKeyPrefix...), link, 10))
}

// Policy holds the options of one cycle.
type Policy struct {
	// Fields is the mapping: the fields transferred. Nil means DefaultMapping.
	Fields []contact.Field
	// Prefer is the side that wins a conflict whose times tie or are unknown.
	Prefer Side
	// Direction limits where changes may go.
	Direction Direction
	// MaxDeletePercent and MaxDeleteMin form the mass-deletion guard: the
	// cycle stops when more than MaxDeletePercent of a side's links, and at
	// least MaxDeleteMin records, would be deleted or unlinked.
	MaxDeletePercent float64
	MaxDeleteMin     int
	// Force turns every guard into a notice (--force).
	Force bool
	// Allow is the guards turned into notices, one at a time
	// (--allow max-delete,not-imported); the others still stop the cycle.
	Allow []Guard
	// AcceptMapping acknowledges a changed mapping (and only that guard).
	AcceptMapping bool
	// User is the CRM user id of the syncing user (ACCOUNTMANAGERID of new
	// accounts and contacts).
	User string
	// CaseSensitiveKeys compares e-mail addresses and names case-sensitively,
	// as Infor's own sync does.
	CaseSensitiveKeys bool
	// FieldDirections makes single fields one-way (a mapping file's
	// "job_title to-crm"); fields not named follow Direction.
	FieldDirections map[contact.Field]Direction
	// Decisions, when not nil, decide every conflict a person may choose
	// (see Decision); a cycle whose conflicts they do not match fails with
	// a *DecisionError.
	Decisions map[DecisionKey]Decision
}

// Overridden reports whether guard is overridden by this policy, and by
// which flag ("--force", "--allow max-delete", "--accept-mapping"), for the
// journal.
func (p *Policy) Overridden(guard Guard) (by string, ok bool) {
	if slices.Contains(p.Allow, guard) {
		return "--allow " + guard.String(), true
	}
	if guard == GuardMappingChanged && p.AcceptMapping {
		return "--accept-mapping", true
	}
	if p.Force {
		return "--force", true
	}
	return "", false
}

// dir returns the direction of field f.
func (p *Policy) dir(f contact.Field) Direction {
	if d, ok := p.FieldDirections[f]; ok {
		return d
	}
	return p.Direction
}

// mappingText is MappingText of the fields, with each field's own
// direction after a colon: what the journal compares between cycles.
func (p *Policy) mappingText() string {
	fields := p.fields()
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.String()
		if d, ok := p.FieldDirections[f]; ok {
			names[i] += ":" + d.String()
		}
	}
	return strings.Join(names, ",")
}

// DefaultPolicy returns the policy of DESIGN §6-7 for user.
func DefaultPolicy(user string) Policy {
	return Policy{Prefer: CRM, MaxDeletePercent: 10, MaxDeleteMin: 5, User: user}
}

func (p *Policy) fields() []contact.Field {
	if p.Fields == nil {
		return DefaultMapping
	}
	return p.Fields
}

// State is what the journal knows before a cycle.
type State struct {
	Cycle      int    // number of the last committed cycle; 0 before the first
	User       string // Policy.User of the last cycle
	Mapping    string // MappingText of the last cycle
	NextLinkID int64  // the id the next new link gets (at least 1)
	Links      []Link // the open links, in id order
	// Arena, when Links is nil, holds the open links instead, in id order,
	// as the LinkStates a plan is made of (Changed false), best with room
	// after them for the links the cycle makes: Reconcile makes its plan's
	// links in it rather than a copy of every link (a second cycle at a
	// million links held both, 115 MB more, while it reconciled). The
	// caller gives it up: Reconcile writes into it, and its plan's Links
	// share it. Undo and Discard read it as they read Links.
	Arena []LinkState
	// Bases reads the base of links given without one (Link.Base nil);
	// nil when every link carries its base.
	Bases Bases
}

// numLinks is the number of the state's open links.
func (st *State) numLinks() int {
	if st.Links == nil {
		return len(st.Arena)
	}
	return len(st.Links)
}

// link is the state's open link k.
func (st *State) link(k int) *Link {
	if st.Links == nil {
		return &st.Arena[k].Link
	}
	return &st.Links[k]
}

// links returns the state's open links as Links, copied from Arena when
// the state holds them there.
func (st *State) links() []Link {
	if st.Links != nil || st.Arena == nil {
		return st.Links
	}
	ls := make([]Link, len(st.Arena))
	for k := range st.Arena {
		ls[k] = st.Arena[k].Link
	}
	return ls
}

// Link is one CRM contact joined to one Outlook contact.
type Link struct {
	ID int64
	// CRMID is the CONTACTID; empty while the CRM has still to create the
	// contact (then the link waits for it by e-mail and name).
	CRMID string
	// OutlookKey is the Outlook contact's key (entry id, UID or sync key).
	OutlookKey string
	// Base is the agreed value of every mapped field; nil when the state
	// carries only its BaseSum (see Bases): the engine reads it through
	// State.Bases when the link's records differ from the sum.
	Base *contact.Values
	// BaseSum is SumValues of the base; zero when unknown. In a plan it is
	// the sum of the base after the cycle.
	BaseSum BaseSum
	// When Base is nil, a plan holds the base it made or changed as entry
	// row of from (Values and AppendPacked read it; HasBase says there is
	// one), in one of two forms:
	//   - a record of a side's table, its mapped fields clean and the
	//     others empty. A created record's base is its record, and so is
	//     a new link's whose records agree: a first cycle of a million new
	//     links holds no copy of their bases.
	//   - the base packed (PackValues), in a fifth of the memory of Values.
	// from nil: the base was not read (see Bases).
	from *baseRecords
	// NameAccount is set when the CRM account was created from the contact's
	// name because the Outlook contact had no company: a CRM company equal
	// to it means "no company" to Outlook.
	NameAccount string
	// pending is what the last cycle asked each side to import for this
	// link (PendingCRM, PendingOutlook); nil for nothing. It is never
	// written through, only replaced (SetPending): the usual pendings,
	// an operation without fields, are shared by every link that has them,
	// so that a quiet link costs a pointer for them, not two Pendings.
	pending *LinkPending
	// Detached is NoSide for a live link. A link whose record left one side
	// stays in the journal as a detached link that remembers the CRM contact
	// on the other side, so that the contact is neither created again nor
	// linked again by e-mail behind the user's back:
	//   - Outlook: the Outlook contact was deleted; the CRM contact left the
	//     sync group (or, without a sync group, is excluded from the sync).
	//     A new Outlook contact with its e-mail links to it again.
	//   - CRM: the CRM contact left the sync group; the Outlook contact went
	//     to Deleted Items. If the CRM contact rejoins the group it is synced
	//     anew.
	// A detached link ends when its CRM contact disappears from the dump.
	Detached Side
	row      int32 // the record of from
}

// LinkPending is the pending work of one link.
type LinkPending struct{ CRM, Outlook Pending }

// Pending is what the last cycle asked each side to import for the link.
func (l *Link) Pending() LinkPending {
	if l.pending == nil {
		return LinkPending{}
	}
	return *l.pending
}

// PendingCRM is what the last cycle asked the CRM to import for the link.
func (l *Link) PendingCRM() Pending {
	if l.pending == nil {
		return Pending{}
	}
	return l.pending.CRM
}

// PendingOutlook is what the last cycle asked Outlook to import for the
// link.
func (l *Link) PendingOutlook() Pending {
	if l.pending == nil {
		return Pending{}
	}
	return l.pending.Outlook
}

// SetPending sets the pending work of both sides.
func (l *Link) SetPending(crm, outlook Pending) {
	if crm.opOnly() && outlook.opOnly() {
		if i, j := sharedOp(crm.Op), sharedOp(outlook.Op); i >= 0 && j >= 0 {
			l.pending = sharedPending[i][j]
			return
		}
	}
	l.pending = &LinkPending{crm, outlook}
}

// SetPendingCRM sets the pending work of the CRM side.
func (l *Link) SetPendingCRM(p Pending) { l.SetPending(p, l.PendingOutlook()) }

// SetPendingOutlook sets the pending work of the Outlook side.
func (l *Link) SetPendingOutlook(p Pending) { l.SetPending(l.PendingCRM(), p) }

// opOnly reports whether p is an operation (or nothing) without fields.
func (p *Pending) opOnly() bool { return len(p.Fields) == 0 && len(p.Old) == 0 }

// sharedPending are the pendings without fields, one of each pair of
// operations (by their index in sharedOps), shared by the links that have
// them (nil for none); never written. An array, not a map keyed by the
// operations' names: every link of a cycle sets its pendings.
var sharedPending = func() (m [len(sharedOps)][len(sharedOps)]*LinkPending) {
	for i, a := range sharedOps {
		for j, b := range sharedOps {
			if a != "" || b != "" {
				m[i][j] = &LinkPending{Pending{Op: a}, Pending{Op: b}}
			}
		}
	}
	return m
}()

// sharedOps are the operations of the shared pendings.
var sharedOps = [...]Op{"", OpCreate, OpUpdate, OpKey, OpGroupRemove, OpGroupAdd, OpDelete}

// sharedOp is the index of op in sharedOps; -1 for another operation.
func sharedOp(op Op) int {
	for i, o := range sharedOps {
		if o == op {
			return i
		}
	}
	return -1
}

// Pending records one side's outstanding import for a link.
type Pending struct {
	Op     Op              `json:"op,omitempty"` // OpCreate, OpUpdate or ""
	Fields []contact.Field `json:"fields,omitempty"`
	Old    []string        `json:"old,omitempty"` // the side's values before the update, per field
}

// CRMInput is the CRM dump of one cycle.
type CRMInput struct {
	// Table holds the dump's contacts (see contact.Table): it must keep
	// every mapped field. Nil: Reconcile makes one of Contacts.
	Table *contact.Table
	// Contacts are the dump's contacts as records, for small inputs and
	// tests; ignored when Table is set.
	Contacts     []contact.Contact
	Accounts     []contact.Account
	SyncGroup    []string // CONTACTIDs in the contact sync group
	HasSyncGroup bool     // false: every contact of the dump is in scope
	// Visible is the set of owner codes (SECCODEID) the syncing user may
	// see; nil means every record is visible. Records owned by Everyone
	// (contact.Everyone) or without an owner are always visible.
	Visible map[string]bool
	// Incomplete says some records of the dump could not be read and were
	// set aside (--skip-invalid): a missing CRM contact may be one of them,
	// so none counts as deleted this cycle.
	Incomplete bool
}

// OutlookInput is the Outlook export of one cycle.
type OutlookInput struct {
	// Table holds the sync folder (see contact.Table): it must keep every
	// mapped field. Nil: Reconcile makes one of Contacts.
	Table *contact.Table
	// Contacts are the sync folder as records, for small inputs and
	// tests; ignored when Table is set.
	Contacts []contact.Contact
	Deleted  []contact.Contact // Deleted Items, when the export has it (PST)
	// Incomplete says some records could not be read and were set aside
	// (--skip-invalid): none of this side counts as deleted this cycle.
	Incomplete bool
}

// Op is what a change does.
type Op string

// The operations journaled.
const (
	OpLink        Op = "link"         // a CRM and an Outlook contact were joined
	OpCreate      Op = "create"       // a record is created on Side
	OpUpdate      Op = "update"       // a field of the record on Side changes
	OpDelete      Op = "delete"       // the Outlook contact moves to Deleted Items
	OpGroupAdd    Op = "group-add"    // the CRM contact joins the sync group
	OpGroupRemove Op = "group-remove" // the CRM contact leaves the sync group
	OpUnlink      Op = "unlink"       // the link ends
	OpHeld        Op = "held"         // a change not sent because of the direction
	OpLost        Op = "lost"         // an edit that a deletion discards
	// OpKey is pending work only: the Outlook record is to carry the
	// link's new sync key (what tells the next cycle the import happened).
	OpKey Op = "key"
)

// Rule names the part of the contract that decided a change.
type Rule string

// The rules.
const (
	RuleLinkEmail         Rule = "link-by-email"
	RuleLinkEmailName     Rule = "link-by-email-and-name"
	RuleNewInOutlook      Rule = "new-in-outlook"
	RuleNewInCRM          Rule = "new-in-crm"
	RuleChangedInCRM      Rule = "changed-in-crm"
	RuleChangedInOutlook  Rule = "changed-in-outlook"
	RuleConflictLatest    Rule = "conflict-latest-wins"
	RuleConflictPrefer    Rule = "conflict-tie-prefer"
	RuleConflictDirection Rule = "conflict-direction"
	RuleInitialFill       Rule = "initial-empty-never-overwrites"
	RuleCategoriesMerge   Rule = "categories-set-merge"
	RuleDirection         Rule = "direction"
	RuleDeletedInCRM      Rule = "deleted-in-crm"
	RuleLeftSyncGroup     Rule = "left-sync-group"
	RuleNotVisible        Rule = "not-visible-to-user"
	RuleIncomplete        Rule = "input-incomplete"
	RuleDeletedInOutlook  Rule = "deleted-in-outlook"
	RuleGoneBoth          Rule = "gone-on-both-sides"
	RuleAccountExact      Rule = "account-exact-name"
	RuleAccountFirst      Rule = "account-first-of-several"
	RuleAccountNew        Rule = "account-new"
	RuleJoinGroup         Rule = "linked-outside-sync-group"
	RuleNotImported       Rule = "not-imported-sent-again"
	RuleRelink            Rule = "relink-after-outlook-delete"
	// RuleDeletedAfterImport: a record the last cycle created on a side is
	// missing from that side's new export, while other records or updates
	// of that cycle show in it: the import happened, and the record was
	// deleted afterwards.
	RuleDeletedAfterImport Rule = "deleted-after-import"
	// RuleNotImportedForced: a creation that never arrived is forgotten
	// because the not-imported guard was overridden.
	RuleNotImportedForced Rule = "not-imported-forced"
)

// Change is one decision of a cycle, as journaled.
type Change struct {
	Link int64 `json:"link"`
	Side Side  `json:"side"` // written "crm", "outlook" or "-"
	// made, for the creation of a record that Reconcile made, is the
	// record's index + 1 among the plan's new records of Side
	// (CRMOutput.New, OutlookOutput.New). New is then empty: the record's
	// values as JSON (see valuesText) are written from there when asked
	// (Plan.NewText, Plan.ChangeWithNew), not held as text by the plan.
	made  int32
	Op    Op     `json:"op"`
	Field string `json:"field,omitempty"`
	Old   string `json:"old,omitempty"`
	New   string `json:"new,omitempty"`
	Rule  Rule   `json:"rule"`
	// Name is a human name of the contact, for reports.
	Name string `json:"name,omitempty"`
}

// Conflict is a field changed on both sides to different values.
type Conflict struct {
	Link        int64     `json:"link"`
	Field       string    `json:"field"`
	Base        string    `json:"base"`
	CRM         string    `json:"crm"`
	Outlook     string    `json:"outlook"`
	CRMTime     time.Time `json:"crm_time"`
	OutlookTime time.Time `json:"outlook_time"`
	Winner      Winner    `json:"winner"`
	Rule        Rule      `json:"rule"`
	Name        string    `json:"name,omitempty"`
}

// Winner says whose value a conflict took. Plans and the journal hold it
// as its text; code compares it with these constants, never with a literal.
type Winner string

// The winners.
const (
	WinnerCRM     Winner = "crm"     // the CRM's value
	WinnerOutlook Winner = "outlook" // Outlook's value
	WinnerUser    Winner = "user"    // a value a person wrote (Policy.Decisions)
	WinnerLater   Winner = "later"   // an undo left a field a later cycle changed
)

// WinnerOf is the winner that is side s: WinnerCRM or WinnerOutlook.
func WinnerOf(s Side) Winner {
	if s == Outlook {
		return WinnerOutlook
	}
	return WinnerCRM
}

// Notice is something a reviewer should know that changed nothing by itself:
// an ambiguity, a likely duplicate, a pending record that arrived.
type Notice struct {
	Kind    NoticeKind `json:"kind"`
	Link    int64      `json:"link,omitempty"`
	Message string     `json:"message"`
}

// NoticeKind says what a notice is about. Plans and the journal hold it as
// its text; code compares it with these constants, never with a literal.
type NoticeKind string

// The kinds of notices the engine gives. The cycle adds kinds of its own
// (the inputs' warnings, housekeeping, the Outlook output mode, ...).
const (
	NoticeGuardOverridden NoticeKind = "guard-overridden" // a guard turned into a notice (Policy.Force, Allow)
	NoticeDuplicateKey    NoticeKind = "duplicate-key"    // an Outlook record repeats an earlier record's key
	NoticeNotVisible      NoticeKind = "not-visible"      // CRM contacts of owners the user may not see
	NoticeArrived         NoticeKind = "arrived"          // a record the last cycle asked for arrived (routine)
	NoticeNotImported     NoticeKind = "not-imported"     // a sync group removal still waits for its import
	NoticeRejoined        NoticeKind = "rejoined"         // a CRM contact is in the sync group again
	NoticeAmbiguousEmail  NoticeKind = "ambiguous-email"  // several CRM contacts share a new Outlook contact's e-mail
	NoticeLikelyDuplicate NoticeKind = "likely-duplicate" // an unlinked Outlook contact has a linked contact's e-mail
	NoticeNotCreated      NoticeKind = "not-created"      // an Outlook record without name, company or e-mail
	NoticeSeveralAccounts NoticeKind = "several-accounts" // several CRM accounts have the company's name
	NoticeRebuild         NoticeKind = "rebuild"          // what Rebuild found
	NoticeUndo            NoticeKind = "undo"             // what Undo did or could not do
	NoticeDiscard         NoticeKind = "discard"          // what Discard did
)

// CRMOutput is what the CRM is asked to import.
type CRMOutput struct {
	// New are the new contacts: no CONTACTID; CRM.AccountID, or a new
	// account's name in Company. Nil when there are none.
	New *contact.Table
	// Updates are the changed contacts: Key, the CRM attributes and every
	// mapped field. Nil when there are none.
	Updates     *contact.Table
	NewAccounts []contact.Account
	GroupAdd    []string
	GroupRemove []string
}

// OutlookOutput is what Outlook is asked to import: the sync folder's
// records do not travel through the plan. A writer reads the Outlook input
// again and passes each record through Apply (the record's patch: its sync
// key, the fields this cycle sets, or its deletion), so that nothing the
// format held is lost and no side is copied; then it writes New.
type OutlookOutput struct {
	// Fields is the mapping: the fields a written record holds clean.
	Fields []contact.Field
	// Patches are the changes to records of the input, in input order.
	Patches []Patch
	// New are the contacts created this cycle (keys set). Nil when none.
	New *contact.Table
	// Whole are created contacts given whole, Extra and all: an undo
	// brings a contact back from Deleted Items as it was. They are
	// written before New.
	Whole []contact.Contact

	in []contact.Contact // the input's records, when given as Contacts
}

// Patch is what a cycle does to one record of the Outlook input.
type Patch struct {
	// Record is the index of the record in the Outlook input; -1 when the
	// record is to be found by Find (an undo, which has no input).
	Record int
	// Find is the record to find by key, else by e-mail, when Record is
	// -1: the undo's idea of it (key and synced values).
	Find *contact.Contact
	// Key is the sync key the record is to carry; "" keeps its own.
	Key string
	// Set are the fields this cycle changes (an update), in field order.
	Set []Setting
	// Delete moves the record to Deleted Items.
	Delete bool
}

// Setting is one field's new value.
type Setting struct {
	Field contact.Field
	Value string
}

// LinkState is a link after the cycle.
type LinkState struct {
	Link
	// Changed is true when the link is new or its base, keys or pending
	// work changed, so the journal must write it.
	Changed bool
	closed  bool // ended by the cycle; dropped from Plan.Links
}

// Counts summarise a plan.
type Counts struct {
	Links          int `json:"links"`
	Linked         int `json:"linked"`
	CRMCreated     int `json:"crm_created"`
	CRMUpdated     int `json:"crm_updated"`
	OutlookCreated int `json:"outlook_created"`
	OutlookUpdated int `json:"outlook_updated"`
	OutlookDeleted int `json:"outlook_deleted"`
	GroupAdded     int `json:"group_added"`
	GroupRemoved   int `json:"group_removed"`
	AccountsNew    int `json:"accounts_new"`
	Conflicts      int `json:"conflicts"`
	Held           int `json:"held"`
	Unlinked       int `json:"unlinked"`
	// NotVisible counts the CRM contacts of the dump the syncing user may
	// not see: they are neither sent to Outlook nor changed.
	NotVisible int `json:"not_visible"`
}

// Plan is everything one cycle decided.
type Plan struct {
	Cycle     int        `json:"cycle"`
	User      string     `json:"user"`
	Mapping   string     `json:"mapping"`
	Prefer    Side       `json:"prefer"`    // written "crm" or "outlook"
	Direction Direction  `json:"direction"` // written "both", "to-outlook" or "to-crm"
	Counts    Counts     `json:"counts"`
	Changes   []Change   `json:"changes"`
	Conflicts []Conflict `json:"conflicts"`
	Notices   []Notice   `json:"notices"`

	CRM     CRMOutput     `json:"-"`
	Outlook OutlookOutput `json:"-"`

	// Links is the state of every link that is open after the cycle, in id
	// order; Closed lists the links the cycle ended.
	Links      []LinkState `json:"-"`
	Closed     []int64     `json:"closed,omitempty"`
	NextLinkID int64       `json:"-"`
}
