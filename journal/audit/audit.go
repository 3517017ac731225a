// Package audit renders the journal for people and tools: one line per
// cycle (WriteLog), everything one cycle did (WriteShow), everything that
// ever happened to one contact (WriteHistory), what a cycle did to long
// text word by word (WriteDiff, diff.go), the whole trail for spreadsheets
// and other tools (Export, export.go) and the report page for a browser
// (WriteReport, report.go; page.go). It reads through journal's query API
// (journal.Reader) and never sees the schema; the journal renders nothing.
//
// Values are quoted Go-style so that a multi-line note stays on one line
// and an empty value is visible as "". The spreadsheet formula rule is
// engine/contact's (SpreadsheetCell) and the JSON string escaper the
// engine's (engine.AppendJSONString): each exists once.
package audit

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"contactsync/engine"
	"contactsync/journal"
)

// fail wraps err as the error of audit command what on journal j.
func fail(j *journal.Journal, what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("journal %q: %s: %w", j.Path(), what, err)
}

// WriteLog writes one line per cycle: number, start time, user, status, a
// summary of the counts, and the output folder.
func WriteLog(w io.Writer, j *journal.Journal) error {
	return fail(j, "log", j.Read(func(r *journal.Reader) error { return writeLog(w, r) }))
}

// optionsCycle is the "cycle" option of a cycle (the cycle an undo or a
// discard took back).
func optionsCycle(js string) string {
	var m map[string]string
	if json.Unmarshal([]byte(js), &m) != nil {
		return ""
	}
	return m["cycle"]
}

func writeLog(w io.Writer, rd *journal.Reader) error {
	cycles, err := rd.Cycles(0, 0)
	if err != nil {
		return err
	}
	// Columns are aligned over all rows, so a long log reads as a table.
	b := bufio.NewWriter(w)
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	for i, r := range cycles {
		status, user := r.Status, r.SyncUser
		if r.Kind == "undo" || r.Kind == "discard" {
			// An undo or a discard says which cycle it took back.
			status += " (" + r.Kind + " of " + optionsCycle(r.Options) + ")"
		}
		if i == 0 {
			fmt.Fprintf(tw, "cycle\tstarted\tuser\tstatus\tsummary (+ new, ~ updated, - deleted or removed)\toutput\ttool\n")
		}
		if r.RunBy != user {
			user += " (run by " + r.RunBy + ")"
		}
		fmt.Fprintf(tw, "%5d\t%s\t%s\t%s\t%s\tout %s\ttool %s\n", r.Number, showTime(r.Started), user, status, summary(r.Counts), quoteIfNeeded(r.OutDir), r.ToolVersion)
	}
	if len(cycles) == 0 {
		fmt.Fprintf(b, "the journal has no cycles yet\n")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return b.Flush()
}

// summary renders a cycle's counts on one line.
func summary(countsJSON string) string {
	var c engine.Counts
	if err := json.Unmarshal([]byte(countsJSON), &c); err != nil {
		return "counts unreadable: " + strconv.Quote(countsJSON)
	}
	return fmt.Sprintf("links %d (linked %d, ended %d); crm +%d ~%d, accounts +%d, sync group +%d -%d; outlook +%d ~%d -%d; conflicts %d, held %d",
		c.Links, c.Linked, c.Unlinked, c.CRMCreated, c.CRMUpdated, c.AccountsNew, c.GroupAdded, c.GroupRemoved,
		c.OutlookCreated, c.OutlookUpdated, c.OutlookDeleted, c.Conflicts, c.Held)
}

// linksAfter says how many links a cycle left open, counted as its summary
// and the sync's last line count them (links that join two contacts), and
// how many ended links the journal keeps besides: a link ended because its
// contact left one side stays as a detached row that remembers the CRM
// contact, so that it is neither created nor linked again behind the
// user's back.
func linksAfter(r *journal.Cycle) string {
	var c engine.Counts
	if err := json.Unmarshal([]byte(r.Counts), &c); err != nil || int64(c.Links) > r.OpenLinks {
		return fmt.Sprintf("%d open after the cycle; next link id %d", r.OpenLinks, r.NextLinkID)
	}
	s := fmt.Sprintf("%d open after the cycle", c.Links)
	if d := r.OpenLinks - int64(c.Links); d > 0 {
		s += fmt.Sprintf(" (and %d closed ones kept to remember contacts that left the sync)", d)
	}
	return s + fmt.Sprintf("; next link id %d", r.NextLinkID)
}

// showTime shortens a stored time to seconds for the one-line log.
func showTime(s string) string {
	t, err := journal.ParseStamp(s)
	if err != nil || t.IsZero() {
		return s
	}
	return t.Format("2006-01-02 15:04:05 -0700")
}

func quoteIfNeeded(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\n\"") {
		return strconv.Quote(s)
	}
	return s
}

// WriteShow writes everything cycle n did: its header (times, user, tool
// version, options, files with their sha256), every change, every conflict
// with base, both values, both times, the winner and the rule, and the
// notices.
func WriteShow(w io.Writer, j *journal.Journal, n int) error {
	return fail(j, "show", j.Read(func(r *journal.Reader) error { return writeShow(w, r, n) }))
}

func writeShow(w io.Writer, rd *journal.Reader, n int) error {
	r, err := rd.Cycle(n)
	if err != nil {
		return err
	}
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "cycle %d: %s, %s\n", r.Number, r.Kind, r.Status)
	fmt.Fprintf(b, "started:   %s\n", r.Started)
	fmt.Fprintf(b, "finished:  %s\n", r.Finished)
	fmt.Fprintf(b, "user:      %s", r.SyncUser)
	if r.RunBy != r.SyncUser {
		fmt.Fprintf(b, " (run by %s)", r.RunBy)
	}
	fmt.Fprintf(b, "\ntool:      %s\n", r.ToolVersion)
	fmt.Fprintf(b, "prefer:    %s; direction: %s\n", r.Prefer, r.Direction)
	fmt.Fprintf(b, "mapping:   %s\n", r.Mapping)
	fmt.Fprintf(b, "options:   %s\n", showOptions(r.Options))
	fmt.Fprintf(b, "output:    %s\n", quoteIfNeeded(r.OutDir))
	fmt.Fprintf(b, "summary:   %s\n", summary(r.Counts))
	fmt.Fprintf(b, "links:     %s\n", linksAfter(r))
	fmt.Fprintf(b, "hash:      %s (previous %s)\n", r.Hash, orNone(r.PrevHash))

	files, err := rd.Files(n)
	if err != nil {
		return err
	}
	fmt.Fprintf(b, "\nfiles (%d):\n", len(files))
	for _, f := range files {
		fmt.Fprintf(b, "  %-7s %s  %d bytes  sha256 %s\n", f.Role, quoteIfNeeded(f.Path), f.Size, f.SHA256)
	}

	// The counts head each list, which is streamed.
	sel := journal.Select{Cycle: n}
	count, err := rd.Count(sel)
	if err != nil {
		return err
	}
	fmt.Fprintf(b, "\nchanges (%d):\n", count.Changes)
	if err := rd.Changes(sel, func(c *journal.ChangeRow) error {
		fmt.Fprintf(b, "  %s\n", changeLine(&c.Change))
		return nil
	}); err != nil {
		return err
	}
	fmt.Fprintf(b, "\nconflicts (%d):\n", count.Conflicts)
	if err := rd.Conflicts(sel, func(c *journal.ConflictRow) error {
		fmt.Fprintf(b, "  %s\n", conflictLine(c))
		return nil
	}); err != nil {
		return err
	}
	fmt.Fprintf(b, "\nnotices (%d):\n", count.Notices)
	if err := rd.Notices(sel, func(x *journal.NoticeRow) error {
		if x.Link != 0 {
			fmt.Fprintf(b, "  [%s] link %d: %s\n", x.Kind, x.Link, x.Message)
		} else {
			fmt.Fprintf(b, "  [%s] %s\n", x.Kind, x.Message)
		}
		return nil
	}); err != nil {
		return err
	}
	return b.Flush()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// showOptions renders the options JSON as --flag=value, in name order.
func showOptions(js string) string {
	var m map[string]string
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		return js
	}
	if len(m) == 0 {
		return "(none)"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = "--" + strings.TrimLeft(k, "-") + "=" + quoteIfNeeded(m[k])
	}
	return strings.Join(parts, " ")
}

// changeLine renders a change: link, side, operation, field, old → new,
// rule, contact name.
func changeLine(c *engine.Change) string {
	var s strings.Builder
	if c.Link != 0 {
		fmt.Fprintf(&s, "link %d ", c.Link)
	} else {
		s.WriteString("no link ")
	}
	fmt.Fprintf(&s, "%s %s", c.Side, c.Op)
	if c.Field != "" {
		fmt.Fprintf(&s, " %s", c.Field)
	}
	fmt.Fprintf(&s, ": %s → %s [%s]", strconv.Quote(c.Old), strconv.Quote(c.New), c.Rule)
	if c.Name != "" {
		fmt.Fprintf(&s, " %s", strconv.Quote(c.Name))
	}
	return s.String()
}

func conflictLine(c *journal.ConflictRow) string {
	when := func(t string) string {
		if t == "" {
			return "time unknown"
		}
		return t
	}
	var s strings.Builder
	fmt.Fprintf(&s, "link %d", c.Link)
	if c.Name != "" {
		fmt.Fprintf(&s, " %s", strconv.Quote(c.Name))
	}
	fmt.Fprintf(&s, " %s: base %s; crm %s (%s); outlook %s (%s) → %s wins [%s]",
		c.Field, strconv.Quote(c.Base), strconv.Quote(c.CRM), when(c.CRMStamp),
		strconv.Quote(c.Outlook), when(c.OutlookStamp), c.Winner, c.Rule)
	return s.String()
}

// WriteHistory writes every change and conflict, across all cycles, of the
// links whose CRM id, Outlook key or e-mail address is key. An e-mail
// matches when it is in a link's current base or in any journaled value of
// an e-mail field, compared without regard to case (journal's LinksOf).
func WriteHistory(w io.Writer, j *journal.Journal, key string) error {
	err := j.Read(func(r *journal.Reader) error { return writeHistory(w, r, key) })
	return fail(j, fmt.Sprintf("history of %q", key), err)
}

func writeHistory(w io.Writer, rd *journal.Reader, key string) error {
	key, err := journal.ContactKey(key)
	if err != nil {
		return err
	}
	ids, err := rd.LinksOf(key)
	if err != nil {
		return err
	}
	cycles, err := rd.Cycles(0, 0)
	if err != nil {
		return err
	}
	times := map[int]string{}
	for _, c := range cycles {
		times[c.Number] = showTime(c.Started) + " by " + c.SyncUser
	}

	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "history of %s: %d link(s)\n", strconv.Quote(key), len(ids))
	for _, id := range ids {
		li, err := rd.Link(id)
		if err != nil {
			return err
		}
		// A link's rows are few: hold them to interleave by cycle.
		var changes []journal.ChangeRow
		var conflicts []journal.ConflictRow
		sel := journal.Select{Links: []int64{id}}
		if err := rd.Changes(sel, func(c *journal.ChangeRow) error { changes = append(changes, *c); return nil }); err != nil {
			return err
		}
		if err := rd.Conflicts(sel, func(c *journal.ConflictRow) error { conflicts = append(conflicts, *c); return nil }); err != nil {
			return err
		}
		fmt.Fprintf(b, "\nlink %d", id)
		if li != nil {
			if li.Name != "" {
				fmt.Fprintf(b, " %s", strconv.Quote(li.Name))
			}
			fmt.Fprintf(b, ": crm %s, outlook %s, opened in cycle %d", orNone(strings.TrimSpace(li.CRMID)), orNone(li.OutlookKey), li.Opened)
			// A link is closed once a cycle unlinked it, also when its
			// row stays (detached) to remember the CRM contact: the cycle
			// and rule are those of the unlink.
			unlinkCycle, unlinkRule := 0, engine.Rule("")
			for _, c := range changes {
				if c.Op == engine.OpUnlink {
					unlinkCycle, unlinkRule = c.Cycle, c.Rule
				}
			}
			switch {
			case (li.Closed != 0 || li.Detached) && unlinkCycle > 0:
				fmt.Fprintf(b, ", closed in cycle %d (%s)", unlinkCycle, unlinkRule)
			case li.Closed != 0:
				fmt.Fprintf(b, ", closed in cycle %d", li.Closed)
			default:
				fmt.Fprintf(b, ", open")
			}
		}
		fmt.Fprintf(b, "\n")
		// Interleave changes and conflicts by cycle.
		ci, ki := 0, 0
		for ci < len(changes) || ki < len(conflicts) {
			cyc := 0
			if ci < len(changes) {
				cyc = changes[ci].Cycle
			}
			if ki < len(conflicts) && (cyc == 0 || conflicts[ki].Cycle < cyc) {
				cyc = conflicts[ki].Cycle
			}
			fmt.Fprintf(b, "  cycle %d (%s):\n", cyc, times[cyc])
			for ; ci < len(changes) && changes[ci].Cycle == cyc; ci++ {
				fmt.Fprintf(b, "    %s\n", changeLine(&changes[ci].Change))
			}
			for ; ki < len(conflicts) && conflicts[ki].Cycle == cyc; ki++ {
				fmt.Fprintf(b, "    conflict: %s\n", conflictLine(&conflicts[ki]))
			}
		}
	}
	return b.Flush()
}
