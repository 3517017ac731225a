package audit

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"contactsync/engine"
	"contactsync/journal"
)

// WriteReport writes the report page (page.go) for auditors about cycle n,
// or every cycle when n is 0.
func WriteReport(w io.Writer, j *journal.Journal, n int) error {
	return WriteReportRange(w, j, n, n)
}

// WriteReportRange writes the report page for cycles from..to (0 for
// either end means open): at the top the result of Verify, "hash chain
// intact" or the error, an overview line per cycle, and for each cycle its
// header, files and summary, one card per contact it changed and its
// notices. Every value is escaped by html/template.
//
// A journal that fails Verify still gets its report, with the failure at
// the top: the report is how an auditor sees what was changed. Changes are
// streamed from the database in link order, so a cycle of a million
// changes is never held in memory; the page is bounded (page.go).
func WriteReportRange(w io.Writer, j *journal.Journal, from, to int) error {
	// Verify first: it runs its own transaction, and the journal has one
	// connection.
	head := pageHead{Overview: true}
	head.VerifyOK, head.Verify = ChainStatus(j)
	head.Lines = []string{"Journal " + j.Path() + ", report made " + journal.Stamp(j.Now()) + "."}
	err := j.Read(func(r *journal.Reader) error { return writeReport(w, r, j.Path(), head, from, to) })
	return fail(j, "report", err)
}

// ChainStatus runs the journal's Verify and says in one line how it went.
func ChainStatus(j *journal.Journal) (ok bool, text string) {
	if err := j.Verify(); err != nil {
		return false, "hash chain broken: " + err.Error()
	}
	return true, "hash chain intact: every cycle and every link row matches its hash"
}

func writeReport(w io.Writer, rd *journal.Reader, path string, head pageHead, from, to int) error {
	for _, n := range []int{from, to} {
		if n != 0 {
			if _, err := rd.Cycle(n); err != nil {
				return err
			}
		}
	}
	switch {
	case from == 0 && to == 0:
		head.Title = "contactsync journal: all cycles"
	case from == to:
		head.Title = fmt.Sprintf("contactsync journal: cycle %d", from)
	case to == 0:
		head.Title = fmt.Sprintf("contactsync journal: cycles %d and later", from)
	default:
		head.Title = fmt.Sprintf("contactsync journal: cycles %d to %d", max(from, 1), to)
	}
	cycles, err := rd.Cycles(from, to)
	if err != nil {
		return err
	}
	for i := range cycles {
		r := &cycles[i]
		n, err := rd.Count(journal.Select{Cycle: r.Number})
		if err != nil {
			return err
		}
		head.Cycles = append(head.Cycles, reportOverview{Number: r.Number, Started: showTime(r.Started),
			User: validText(userText(r)), Summary: validText(summary(r.Counts)),
			Changes: n.Changes, Conflicts: n.Conflicts, Notices: n.Notices})
	}

	vw := &utf8Writer{w: w}
	b := bufio.NewWriter(vw)
	pg := newPage(b)
	if err := pageTemplate.ExecuteTemplate(b, "head", head); err != nil {
		return err
	}
	for i := range cycles {
		if err := reportCycle(rd, pg, path, valid(cycles[i])); err != nil {
			return err
		}
	}
	if err := pageTemplate.ExecuteTemplate(b, "foot", nil); err != nil {
		return err
	}
	if err := b.Flush(); err != nil {
		return err
	}
	return vw.flush()
}

func reportCycle(rd *journal.Reader, pg *page, path string, r journal.Cycle) error {
	n := r.Number
	c := pageCycle{Number: n, Info: [][2]string{
		{"kind, status", r.Kind + ", " + r.Status},
		{"started", r.Started}, {"finished", r.Finished},
		{"user", userText(&r)}, {"tool", r.ToolVersion},
		{"prefer, direction", r.Prefer + ", " + r.Direction},
		{"mapping", r.Mapping}, {"options", validText(showOptions(r.Options))},
		{"output", r.OutDir}, {"summary", summary(r.Counts)},
		{"links", linksAfter(&r)},
		{"hash", r.Hash + " (previous " + orNone(r.PrevHash) + ")"},
	}}
	files, err := rd.Files(n)
	if err != nil {
		return err
	}
	for _, f := range files {
		f.Path = validText(f.Path)
		c.Files = append(c.Files, f)
	}
	t, err := rd.Tally(n)
	if err != nil {
		return err
	}
	sideOp := map[string]engine.Tally{}
	for side, ops := range t.SideOp {
		sideOp[side] = engine.Tally{}
		for op, k := range ops {
			sideOp[side][validText(op)] += k
		}
	}
	c.SideOp = sideOpRows(sideOp)
	c.Rules, c.Fields = tallies(validTally(t.Rules)), tallies(validTally(t.Fields))
	linked, err := rd.Count(journal.Select{Cycle: n, Ops: []engine.Op{engine.OpLink}})
	if err != nil {
		return err
	}
	arrived, err := rd.Count(journal.Select{Cycle: n, Kinds: []string{"arrived"}})
	if err != nil {
		return err
	}
	c.Routine = routineText(linked.Changes, arrived.Notices)
	if err := pageTemplate.ExecuteTemplate(pg.b, "cycle", c); err != nil {
		return err
	}

	// The conflicts of the cycle, by link and field, for the cards.
	conflicts := newConflictIndex()
	if err := rd.Conflicts(journal.Select{Cycle: n}, func(x *journal.ConflictRow) error {
		k := x.Conflict
		conflicts.add(&k)
		return nil
	}); err != nil {
		return err
	}
	set := pg.cards(n)
	var group []engine.Change
	conflictLinks := linksOfConflicts(conflicts)
	flush := func() error {
		if len(group) == 0 {
			return nil
		}
		var err error
		if !set.skipped(group, conflictLinks) {
			err = set.add(pg.card(n, group, conflicts))
		}
		group = group[:0]
		return err
	}
	// Links in order, a link's changes in the cycle's order; changes of no
	// link are a card each. Confirmed links are counted above, not carded.
	if err := rd.Changes(journal.Select{Cycle: n, NotOps: []engine.Op{engine.OpLink}, ByLink: true}, func(row *journal.ChangeRow) error {
		x := row.Change
		if len(group) > 0 && (x.Link == 0 || x.Link != group[0].Link) {
			if err := flush(); err != nil {
				return err
			}
		}
		group = append(group, x)
		return nil
	}); err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	if err := addConflictCards(pg, set, n, conflicts); err != nil {
		return err
	}
	where := fmt.Sprintf("'contactsync journal export --journal %s --cycle %d' has every change of the cycle", path, n)
	if err := set.end(where); err != nil {
		return err
	}
	nl := pg.notices(where)
	if err := rd.Notices(journal.Select{Cycle: n}, func(x *journal.NoticeRow) error {
		nl.add(reportNotice{string(x.Kind), x.Link, x.Message})
		return nil
	}); err != nil {
		return err
	}
	return pg.writeNotices(nl)
}

// validTally is t with its names made valid UTF-8.
func validTally(t engine.Tally) engine.Tally {
	out := make(engine.Tally, len(t))
	for name, k := range t {
		out[validText(name)] += k
	}
	return out
}

// addConflictCards writes a card for each link whose conflicts no change
// carried.
func addConflictCards(pg *page, set *cardSet, n int, conflicts *conflictIndex) error {
	var links []int64
	seen := map[int64]bool{}
	for k := range conflicts.byKey {
		if !seen[k.link] && !set.handled[k.link] {
			seen[k.link] = true
			links = append(links, k.link)
		}
	}
	slices.Sort(links)
	conflictLinks := linksOfConflicts(conflicts)
	for _, l := range links {
		group := []engine.Change{{Link: l}}
		if set.skipped(group, conflictLinks) {
			continue
		}
		if err := set.add(pg.card(n, group, conflicts)); err != nil {
			return err
		}
	}
	return nil
}

// linksOfConflicts is the set of links that have a conflict.
func linksOfConflicts(conflicts *conflictIndex) map[int64]bool {
	m := make(map[int64]bool, len(conflicts.byKey))
	for k := range conflicts.byKey {
		m[k.link] = true
	}
	return m
}

func (nl *noticeList) add(x reportNotice) {
	if engine.RoutineNotice(engine.NoticeKind(x.Kind)) {
		return
	}
	nl.Total++
	if len(nl.List) >= nl.limit {
		nl.Left++
		return
	}
	x.Kind, x.Message = validText(x.Kind), validText(x.Message)
	nl.List = append(nl.List, x)
}

func routineText(linked, arrived int) string {
	return "Counted, not carded: " + strconv.Itoa(linked) + " links confirmed, " + strconv.Itoa(arrived) + " records arrived as expected."
}

func sideOpRows(m map[string]engine.Tally) [][3]string {
	var out [][3]string
	for _, side := range []string{"crm", "outlook", "-"} {
		for _, op := range m[side].Sorted() {
			out = append(out, [3]string{sideName[side], op, strconv.Itoa(m[side][op])})
		}
	}
	for side, t := range m {
		if side == "crm" || side == "outlook" || side == "-" {
			continue
		}
		for _, op := range t.Sorted() {
			out = append(out, [3]string{validText(side), op, strconv.Itoa(t[op])})
		}
	}
	return out
}

// WritePlanReport writes the report page of a cycle from its plan, before
// the cycle is committed (the report.html of an output folder). verifyOK
// and verify say how the journal's hash chain stood before the cycle.
//
// Sections the caller adds (extra) follow the notices.
func WritePlanReport(w io.Writer, p *engine.Plan, verifyOK bool, verify string, extra ...ReportTable) error {
	vw := &utf8Writer{w: w}
	b := bufio.NewWriter(vw)
	pg := newPage(b)
	head := pageHead{
		Title:    fmt.Sprintf("contactsync cycle %d", p.Cycle),
		Lines:    []string{"The plan of this cycle, written with its output files; the journal records it when they are complete. 'contactsync journal report' shows the same page for any cycles of the journal."},
		VerifyOK: verifyOK, Verify: verify,
	}
	if err := pageTemplate.ExecuteTemplate(b, "head", head); err != nil {
		return err
	}
	t := p.Totals()
	c := pageCycle{Number: p.Cycle, Info: [][2]string{
		{"user", validText(p.User)}, {"prefer, direction", p.Prefer.String() + ", " + p.Direction.String()},
		{"mapping", validText(p.Mapping)},
		{"summary", fmt.Sprintf("links %d; CRM +%d ~%d, accounts +%d, group +%d -%d; Outlook +%d ~%d, %d to Deleted Items; %d conflicts; %d changes",
			p.Counts.Links, p.Counts.CRMCreated, p.Counts.CRMUpdated, p.Counts.AccountsNew, p.Counts.GroupAdded, p.Counts.GroupRemoved,
			p.Counts.OutlookCreated, p.Counts.OutlookUpdated, p.Counts.OutlookDeleted, p.Counts.Conflicts, len(p.Changes))},
	}, SideOp: sideOpRows(t.SideOp), Rules: tallies(t.Rules), Fields: tallies(t.Fields),
		Routine: routineText(t.Sections[engine.SectionRoutine], t.Routine)}
	if err := pageTemplate.ExecuteTemplate(b, "cycle", c); err != nil {
		return err
	}
	conflicts := newConflictIndex()
	for i := range p.Conflicts {
		conflicts.add(&p.Conflicts[i])
	}
	// The changes that are not bookkeeping, by link (stable: a link's
	// changes keep their order).
	var idx []int
	for i := range p.Changes {
		if p.Changes[i].Op != engine.OpLink {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(p.Changes[a].Link, p.Changes[b].Link) })
	set := pg.cards(p.Cycle)
	conflictLinks := linksOfConflicts(conflicts)
	var group []engine.Change
	for k, i := range idx {
		x := p.Changes[i]
		group = append(group, x)
		if k+1 < len(idx) && x.Link != 0 && p.Changes[idx[k+1]].Link == x.Link {
			continue
		}
		if !set.skipped(group, conflictLinks) {
			for j := range group {
				group[j].New = p.NewText(&group[j]) // a creation's text, written for its card
			}
			if err := set.add(pg.card(p.Cycle, group, conflicts)); err != nil {
				return err
			}
		}
		group = group[:0]
	}
	if err := addConflictCards(pg, set, p.Cycle, conflicts); err != nil {
		return err
	}
	where := "plan.txt and plan.json in this folder list every change"
	if err := set.end(where); err != nil {
		return err
	}
	nl := pg.notices(where)
	for _, x := range p.Notices {
		nl.add(reportNotice{string(x.Kind), x.Link, x.Message})
	}
	if err := pg.writeNotices(nl); err != nil {
		return err
	}
	for i := range extra {
		for r := range extra[i].Rows {
			for c := range extra[i].Rows[r] {
				extra[i].Rows[r][c] = validText(extra[i].Rows[r][c])
			}
		}
		if err := pageTemplate.ExecuteTemplate(b, "table", &extra[i]); err != nil {
			return err
		}
	}
	if err := pageTemplate.ExecuteTemplate(b, "foot", nil); err != nil {
		return err
	}
	if err := b.Flush(); err != nil {
		return err
	}
	return vw.flush()
}

func userText(r *journal.Cycle) string {
	if r.RunBy != r.SyncUser {
		return r.SyncUser + " (run by " + r.RunBy + ")"
	}
	return r.SyncUser
}

// validText makes s valid UTF-8 for the page, which declares that charset.
func validText(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// valid makes the text of a cycle row valid UTF-8.
func valid(r journal.Cycle) journal.Cycle {
	for _, s := range []*string{&r.Kind, &r.Status, &r.Started, &r.Finished, &r.SyncUser, &r.RunBy, &r.ToolVersion,
		&r.Mapping, &r.Prefer, &r.Direction, &r.Options, &r.Counts, &r.OutDir} {
		*s = validText(*s)
	}
	return r
}

// utf8Writer passes on what is written with every byte that is not UTF-8
// replaced by U+FFFD: html/template escapes markup but passes such bytes
// through, and no byte of the input may reach an HTML page raw. A sequence
// cut between two writes is held until the next one; flush writes what is
// held.
type utf8Writer struct {
	w    io.Writer
	held []byte
}

func (v *utf8Writer) Write(p []byte) (int, error) {
	n := len(p)
	if len(v.held) > 0 {
		p = append(v.held, p...)
		v.held = nil
	}
	cut := len(p)
	// An incomplete sequence at the end waits for its continuation.
	for k := 1; k <= utf8.UTFMax-1 && k <= len(p); k++ {
		c := p[len(p)-k]
		if c < 0x80 {
			break
		}
		if c >= 0xC0 {
			if !utf8.FullRune(p[len(p)-k:]) {
				cut = len(p) - k
			}
			break
		}
	}
	v.held = append(v.held, p[cut:]...)
	if _, err := v.w.Write(bytes.ToValidUTF8(p[:cut], []byte("\uFFFD"))); err != nil {
		return 0, err
	}
	return n, nil
}

func (v *utf8Writer) flush() error {
	if len(v.held) == 0 {
		return nil
	}
	_, err := v.w.Write(bytes.ToValidUTF8(v.held, []byte("\uFFFD")))
	v.held = nil
	return err
}
