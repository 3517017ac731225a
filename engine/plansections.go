package engine

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// TextSectionLines bounds each section of plan.txt: a reviewer reads the
// first few hundred lines of a section; plan.json and the journal hold
// every change.
const TextSectionLines = 300

// Section is where plan.txt and the report list a change, in the order a
// reviewer decides in.
type Section int

// The sections. Routine is bookkeeping (links confirmed): counted in the
// totals, listed only in plan.json and the journal.
const (
	SectionRoutine Section = iota
	SectionDeletions
	SectionCreations
	SectionUpdates
	SectionHeld
)

// SectionOf says where a change is listed.
func SectionOf(c *Change) Section {
	switch c.Op {
	case OpLink:
		return SectionRoutine
	case OpDelete, OpGroupRemove, OpUnlink, OpLost:
		return SectionDeletions
	case OpCreate:
		return SectionCreations
	case OpHeld:
		return SectionHeld
	}
	return SectionUpdates
}

// RoutineNotice reports whether a notice kind is bookkeeping that plan.txt
// counts instead of listing: a record the last cycle asked for arrived.
func RoutineNotice(kind NoticeKind) bool { return kind == NoticeArrived }

// Tally is a count per name, printed largest first.
type Tally map[string]int

// Sorted returns the names, largest count first, then by name.
func (t Tally) Sorted() []string {
	names := make([]string, 0, len(t))
	for n := range t {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int {
		if c := cmp.Compare(t[b], t[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return names
}

// String is "name 3, other 1".
func (t Tally) String() string {
	if len(t) == 0 {
		return "none"
	}
	var b strings.Builder
	for i, n := range t.Sorted() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(n + " " + strconv.Itoa(t[n]))
	}
	return b.String()
}

// Totals are the plan's counts per side and operation, rule, field,
// section and notice kind.
type Totals struct {
	SideOp   map[string]Tally // side ("crm", "outlook", "-") → operation → count
	Rules    Tally
	Fields   Tally // fields changed, held or lost
	Sections [SectionHeld + 1]int
	Notices  Tally // kind → count
	Routine  int   // notices counted, not listed
	Guards   int   // guards overridden
}

// Totals counts the plan. Changes come in runs of one operation, rule or
// field (a link's changes, a rule's links): a run is counted once into
// its tally (tallyRun), not a map update a change.
func (p *Plan) Totals() Totals {
	t := Totals{SideOp: map[string]Tally{}, Rules: Tally{}, Fields: Tally{}, Notices: Tally{}}
	var ops [3]tallyRun // per side: CRM, Outlook, neither
	for k := range ops {
		ops[k].t = Tally{}
	}
	rules, fields := tallyRun{t: t.Rules}, tallyRun{t: t.Fields}
	for i := range p.Changes {
		c := &p.Changes[i]
		k := 2
		switch c.Side {
		case CRM:
			k = 0
		case Outlook:
			k = 1
		}
		ops[k].add(string(c.Op))
		rules.add(string(c.Rule))
		if c.Field != "" {
			fields.add(c.Field)
		}
		t.Sections[SectionOf(c)]++
	}
	rules.flush()
	fields.flush()
	for k, side := range []Side{CRM, Outlook, NoSide} {
		if ops[k].flush(); len(ops[k].t) > 0 {
			t.SideOp[side.String()] = ops[k].t
		}
	}
	for _, n := range p.Notices {
		t.Notices[string(n.Kind)]++
		if RoutineNotice(n.Kind) {
			t.Routine++
		}
		if n.Kind == NoticeGuardOverridden {
			t.Guards++
		}
	}
	return t
}

// tallyRun counts names into t a run of equal names at a time.
type tallyRun struct {
	t    Tally
	name string
	n    int
}

func (r *tallyRun) add(name string) {
	if r.n > 0 && name == r.name {
		r.n++
		return
	}
	r.flush()
	r.name, r.n = name, 1
}

// flush counts the run so far into t.
func (r *tallyRun) flush() {
	if r.n > 0 {
		r.t[r.name] += r.n
		r.n = 0
	}
}

var sideTitle = map[string]string{"crm": "CRM", "outlook": "Outlook", "-": "links", "user": "the value a person wrote", "later": "the later value"}

// WriteText writes the plan for people: totals first, then the sections in
// the order a reviewer decides in (conflicts, deletions, creations,
// updates, held back, notices), each bounded to TextSectionLines lines
// with a pointer to the rest. Links confirmed and records that arrived as
// expected are counted, not listed.
func (p *Plan) WriteText(w io.Writer) error {
	b := bufio.NewWriter(w)
	c := p.Counts
	t := p.Totals()
	fmt.Fprintf(b, "contactsync plan for cycle %d (user %s, prefer %s, direction %s)\n", p.Cycle, p.User, p.Prefer, p.Direction)
	fmt.Fprintf(b, "mapping: %s\n\n", p.Mapping)
	fmt.Fprintf(b, "Totals\n")
	fmt.Fprintf(b, "  links after the cycle: %d (new: %d by e-mail, %d created in the CRM, %d created in Outlook; ended: %d)\n",
		c.Links, c.Linked, c.CRMCreated, c.OutlookCreated, c.Unlinked)
	fmt.Fprintf(b, "  CRM:     %d new contacts, %d updated, %d new accounts, sync group +%d -%d\n",
		c.CRMCreated, c.CRMUpdated, c.AccountsNew, c.GroupAdded, c.GroupRemoved)
	fmt.Fprintf(b, "  Outlook: %d new contacts, %d updated, %d to Deleted Items\n", c.OutlookCreated, c.OutlookUpdated, c.OutlookDeleted)
	fmt.Fprintf(b, "  conflicts: %d; guards overridden: %d; held back: %d; notices: %d; changes in all: %d\n",
		c.Conflicts, t.Guards, c.Held, len(p.Notices), len(p.Changes))
	for _, side := range []string{"crm", "outlook", "-"} {
		if len(t.SideOp[side]) > 0 {
			fmt.Fprintf(b, "  by operation, %s: %s\n", sideTitle[side], t.SideOp[side])
		}
	}
	if len(t.Rules) > 0 {
		fmt.Fprintf(b, "  by rule: %s\n", t.Rules)
	}
	if len(t.Fields) > 0 {
		fmt.Fprintf(b, "  by field: %s\n", t.Fields)
	}
	if len(t.Notices) > 0 {
		fmt.Fprintf(b, "  notices by kind: %s\n", t.Notices)
	}
	fmt.Fprintf(b, "  counted, not listed: %d links confirmed, %d records arrived as expected (plan.json and the journal list them)\n",
		t.Sections[SectionRoutine], t.Routine)

	p.writeConflicts(b)
	creations := p.creationIndex()
	ls := p.listedSections(creations)
	ls.write(b, SectionDeletions, "Deletions", "what leaves a side, links that end, edits a deletion discards", t.Sections[SectionDeletions])
	ls.write(b, SectionCreations, "Creations", "records created on a side, with every field they get", t.Sections[SectionCreations])
	ls.write(b, SectionUpdates, "Updates", "field values written to a side", t.Sections[SectionUpdates])
	ls.write(b, SectionHeld, "Held back", "changes not sent this cycle, by the direction or because an input was incomplete", t.Sections[SectionHeld])
	p.writeNotices(b, len(p.Notices)-t.Routine)
	return b.Flush()
}

// bounded writes the entries of a section while they fit in
// TextSectionLines lines, and then says how many were left out.
type bounded struct {
	b       *bufio.Writer
	lines   int
	skipped int
}

func (s *bounded) entry(lines []string) {
	if s.skipped > 0 || (s.lines > 0 && s.lines+len(lines) > TextSectionLines) {
		s.skipped++
		return
	}
	for _, l := range lines {
		s.b.WriteString(l)
		s.b.WriteByte('\n')
	}
	s.lines += len(lines)
}

// skipping reports whether the section is full: the caller counts an entry
// with skip instead of rendering it (a million entries are not rendered to
// be thrown away).
func (s *bounded) skipping() bool { return s.skipped > 0 }

func (s *bounded) skip() { s.skipped++ }

func (s *bounded) end(what string) {
	if s.skipped > 0 {
		fmt.Fprintf(s.b, "  ... %d more %s not listed here: plan.json has every one (one per line), and so does 'contactsync journal show' once the cycle is committed\n", s.skipped, what)
	}
}

func (p *Plan) writeConflicts(b *bufio.Writer) {
	fmt.Fprintf(b, "\nConflicts (%d): both sides changed a field; the winner's value goes to both\n", len(p.Conflicts))
	if len(p.Conflicts) == 0 {
		b.WriteString("  none\n")
		return
	}
	s := bounded{b: b}
	for i := range p.Conflicts {
		k := &p.Conflicts[i]
		if s.skipping() {
			s.skip()
			continue
		}
		s.entry([]string{
			fmt.Sprintf("  %s (link %d) %s: %s wins by %s", quoteName(k.Name), k.Link, k.Field, sideTitle[string(k.Winner)], k.Rule),
			"      base:    " + short(k.Base),
			fmt.Sprintf("      CRM:     %s (changed %s)", short(k.CRM), stamp(k.CRMTime)),
			fmt.Sprintf("      Outlook: %s (changed %s)", short(k.Outlook), stamp(k.OutlookTime)),
		})
	}
	s.end("conflicts")
}

// creationIndex maps the link of every contact created this cycle to the
// index of its creation, so that the account chosen for it is shown with
// it and not as an update.
func (p *Plan) creationIndex() map[int64]int {
	n := 0
	for i := range p.Changes {
		if c := &p.Changes[i]; c.Op == OpCreate && c.Field == "" && c.Link != 0 {
			n++
		}
	}
	m := make(map[int64]int, n) // sized once: a map grown to hundreds of thousands moves every entry as it doubles
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.Op == OpCreate && c.Field == "" && c.Link != 0 {
			m[c.Link] = i
		}
	}
	return m
}

// accountOfCreation reports whether c is the account of a contact created
// this cycle (shown with the creation).
func accountOfCreation(c *Change, creations map[int64]int) bool {
	if c.Field != "account" || c.Side != CRM {
		return false
	}
	_, ok := creations[c.Link]
	return ok
}

// listedSections is where plan.txt lists each change, found in one pass
// over the changes (a million in a first cycle) for the four sections.
type listedSections struct {
	p         *Plan
	creations map[int64]int
	of        []uint8              // per change, its Section, or sectionWithCreation
	withIn    [SectionHeld + 1]int // per section, its changes listed with a creation
	accounts  map[int64][]*Change  // the accounts of creations, by link
}

// sectionWithCreation marks a change listed with its creation: the account
// of a new contact (see accountOfCreation).
const sectionWithCreation = 0xff

func (p *Plan) listedSections(creations map[int64]int) *listedSections {
	ls := &listedSections{p: p, creations: creations, of: make([]uint8, len(p.Changes)), accounts: map[int64][]*Change{}}
	for i := range p.Changes {
		c := &p.Changes[i]
		sec := SectionOf(c)
		if accountOfCreation(c, creations) {
			// Accounts of new contacts are listed with the contact, not
			// in their section.
			ls.withIn[sec]++
			ls.accounts[c.Link] = append(ls.accounts[c.Link], c)
			ls.of[i] = sectionWithCreation
			continue
		}
		ls.of[i] = uint8(sec)
	}
	return ls
}

// write writes section sec of plan.txt: title, the number of its changes
// listed (n, less those listed with a creation), and at most
// TextSectionLines lines of them.
func (ls *listedSections) write(b *bufio.Writer, sec Section, title, what string, n int) {
	p, creations, accounts := ls.p, ls.creations, ls.accounts
	if sec != SectionRoutine {
		n -= ls.withIn[sec]
	}
	fmt.Fprintf(b, "\n%s (%d): %s\n", title, n, what)
	if n == 0 {
		b.WriteString("  none\n")
		return
	}
	s := bounded{b: b}
	for i := 0; i < len(p.Changes); i++ {
		if ls.of[i] != uint8(sec) {
			continue
		}
		c := &p.Changes[i]
		if s.skipping() {
			s.skip()
			continue
		}
		if c.made != 0 { // a creation, whose text is written now (NewText)
			x := *c
			x.New, x.made = p.NewText(c), 0
			c = &x
		}
		switch {
		case sec == SectionCreations:
			s.entry(creationLines(c, accounts[c.Link]))
		case sec == SectionUpdates && c.Op == OpUpdate && c.Field != "":
			// One entry per contact and side: its name once, then a line
			// per field.
			lines := []string{fmt.Sprintf("  %s %s%s:", sideTitle[c.Side.String()], quoteName(c.Name), linkNote(c.Link))}
			j := i
			for ; j < len(p.Changes); j++ {
				d := &p.Changes[j]
				if d.Link != c.Link || d.Side != c.Side || d.Op != OpUpdate || d.Field == "" || accountOfCreation(d, creations) {
					break
				}
				lines = append(lines, "      "+d.Field+": "+string(appendOldNew(nil, d))+"  ["+string(d.Rule)+"]")
			}
			if s.lines > 0 && s.lines+len(lines) > TextSectionLines {
				for range j - i { // each change of the group counts
					s.skip()
				}
			} else {
				s.entry(lines)
			}
			i = j - 1
		default:
			s.entry([]string{"  " + c.Describe()})
		}
	}
	s.end(strings.ToLower(title))
}

func linkNote(link int64) string {
	if link == 0 {
		return ""
	}
	return " (link " + strconv.FormatInt(link, 10) + ")"
}

// appendOldNew appends `"old" -> "new"`, "(empty)" standing for nothing.
func appendOldNew(b []byte, c *Change) []byte {
	switch {
	case c.Old != "" && c.New != "":
		b = appendShort(b, c.Old)
		b = append(b, " -> "...)
		return appendShort(b, c.New)
	case c.New != "":
		b = append(b, "(empty) -> "...)
		return appendShort(b, c.New)
	case c.Old != "":
		b = appendShort(b, c.Old)
		return append(b, " -> (empty)"...)
	}
	return append(b, "(empty)"...)
}

// Describe is one line for people about a change of any kind but a
// creation (plan.txt, the report's cards).
func (c *Change) Describe() string {
	name := quoteName(c.Name) + linkNote(c.Link)
	var s string
	switch c.Op {
	case OpDelete:
		s = "Outlook: move " + name + " to Deleted Items"
	case OpGroupRemove:
		s = "CRM: remove " + name + " from the contact sync group (the CRM contact is kept)"
	case OpGroupAdd:
		s = "CRM: add " + name + " to the contact sync group"
	case OpUnlink:
		s = "end the link of " + name
	case OpLost:
		s = sideTitle[c.Side.String()] + " edit discarded by the deletion: " + name + " " + c.Field + ": " + string(appendOldNew(nil, c))
	case OpHeld:
		to := sideTitle[c.Side.String()]
		switch {
		case c.Field != "":
			s = "not sent to " + to + ": " + name + " " + c.Field + ": " + string(appendOldNew(nil, c))
		case c.Link == 0:
			s = "not created in " + to + ": " + quoteName(c.Name)
		default:
			s = "not done in " + to + ": " + name + " " + c.New
		}
	case OpUpdate:
		s = sideTitle[c.Side.String()] + ": " + name + " " + c.Field + ": " + string(appendOldNew(nil, c))
	default:
		s = string(c.appendLine(nil))
		return s
	}
	return s + "  [" + string(c.Rule) + "]"
}

// creationLines shows a created record as "field: value" lines, with the
// account it gets.
func creationLines(c *Change, accounts []*Change) []string {
	if c.Field != "" { // a new account on its own
		return []string{fmt.Sprintf("  %s: new %s %s%s for %s  [%s]", sideTitle[c.Side.String()], c.Field, strconv.Quote(c.New), "", quoteName(c.Name)+linkNote(c.Link), c.Rule)}
	}
	lines := []string{fmt.Sprintf("  %s: new contact %s%s  [%s]", sideTitle[c.Side.String()], quoteName(c.Name), linkNote(c.Link), c.Rule)}
	if fields, ok := CreatedFields(c.New); ok {
		for _, f := range fields {
			lines = append(lines, "      "+f.Field+": "+oneLine(f.Value))
		}
	} else {
		lines = append(lines, "      "+oneLine(c.New))
	}
	for _, a := range accounts {
		switch {
		case a.Op == OpCreate:
			lines = append(lines, "      account: a new account "+strconv.Quote(a.New)+" (Prospect, Active, owner Everyone)  ["+string(a.Rule)+"]")
		case a.Rule == RuleAccountNew:
			lines = append(lines, "      account: the new account "+strconv.Quote(a.New)+" (created above)  ["+string(a.Rule)+"]")
		default:
			lines = append(lines, "      account: "+a.New+"  ["+string(a.Rule)+"]")
		}
	}
	return lines
}

// oneLine keeps a value on one line of plan.txt: line breaks become "⏎",
// and values longer than 200 characters are cut.
func oneLine(v string) string {
	v = strings.NewReplacer("\r\n", "⏎", "\n", "⏎", "\r", "⏎").Replace(v)
	if r := []rune(v); len(r) > 200 {
		v = string(r[:197]) + "..."
	}
	return v
}

// FieldValue is one field of a created record.
type FieldValue struct{ Field, Value string }

// CreatedFields decodes the New of a creation: a JSON object of field name
// to value, in the mapping's order. ok is false when New is not such an
// object.
func CreatedFields(s string) (fields []FieldValue, ok bool) {
	if !strings.HasPrefix(s, "{") {
		return nil, false
	}
	dec := json.NewDecoder(strings.NewReader(s))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, false
		}
		name, isStr := k.(string)
		var v string
		if !isStr || dec.Decode(&v) != nil {
			return nil, false
		}
		fields = append(fields, FieldValue{name, v})
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return fields, true
}

func (p *Plan) writeNotices(b *bufio.Writer, n int) {
	fmt.Fprintf(b, "\nNotices (%d): what a reviewer should know\n", n)
	if n == 0 {
		b.WriteString("  none\n")
		return
	}
	s := bounded{b: b}
	for _, x := range p.Notices {
		if RoutineNotice(x.Kind) {
			continue
		}
		if s.skipping() {
			s.skip()
			continue
		}
		if x.Link != 0 {
			s.entry([]string{fmt.Sprintf("  [%s] link %d: %s", x.Kind, x.Link, x.Message)})
		} else {
			s.entry([]string{fmt.Sprintf("  [%s] %s", x.Kind, x.Message)})
		}
	}
	s.end("notices")
}
