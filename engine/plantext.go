package engine

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteText writes the plan for people: a summary, then every change,
// conflict and notice, one per line.
func (p *Plan) WriteText(w io.Writer) error {
	b := bufio.NewWriter(w)
	c := p.Counts
	fmt.Fprintf(b, "contactsync plan for cycle %d (user %s, prefer %s, direction %s)\n", p.Cycle, p.User, p.Prefer, p.Direction)
	fmt.Fprintf(b, "mapping: %s\n\n", p.Mapping)
	fmt.Fprintf(b, "links after the cycle: %d (new: %d by e-mail, %d created in the CRM, %d created in Outlook; ended: %d)\n",
		c.Links, c.Linked, c.CRMCreated, c.OutlookCreated, c.Unlinked)
	fmt.Fprintf(b, "CRM:     %d new contacts, %d updated, %d new accounts, sync group +%d -%d\n",
		c.CRMCreated, c.CRMUpdated, c.AccountsNew, c.GroupAdded, c.GroupRemoved)
	fmt.Fprintf(b, "Outlook: %d new contacts, %d updated, %d to Deleted Items\n", c.OutlookCreated, c.OutlookUpdated, c.OutlookDeleted)
	fmt.Fprintf(b, "conflicts: %d; held by direction: %d; changes in all: %d\n", c.Conflicts, c.Held, len(p.Changes))
	if len(p.Conflicts) > 0 {
		fmt.Fprintf(b, "\nConflicts (both sides changed a field):\n")
		for _, k := range p.Conflicts {
			fmt.Fprintf(b, "  link %d %s %s: base %s, crm %s (%s), outlook %s (%s) -> %s wins by %s\n",
				k.Link, quoteName(k.Name), k.Field, short(k.Base), short(k.CRM), stamp(k.CRMTime),
				short(k.Outlook), stamp(k.OutlookTime), k.Winner, k.Rule)
		}
	}
	if len(p.Notices) > 0 {
		fmt.Fprintf(b, "\nNotices:\n")
		for _, n := range p.Notices {
			if n.Link != 0 {
				fmt.Fprintf(b, "  [%s] link %d: %s\n", n.Kind, n.Link, n.Message)
			} else {
				fmt.Fprintf(b, "  [%s] %s\n", n.Kind, n.Message)
			}
		}
	}
	if len(p.Changes) > 0 {
		fmt.Fprintf(b, "\nChanges:\n")
		for _, ch := range p.Changes {
			fmt.Fprintf(b, "  %s\n", ch.Line())
		}
	}
	return b.Flush()
}

// Line renders a change on one line.
func (ch Change) Line() string {
	var s strings.Builder
	if ch.Link != 0 {
		fmt.Fprintf(&s, "link %d ", ch.Link)
	}
	fmt.Fprintf(&s, "%s %s", ch.Side, ch.Op)
	if ch.Name != "" {
		fmt.Fprintf(&s, " %s", quoteName(ch.Name))
	}
	if ch.Field != "" {
		fmt.Fprintf(&s, " %s", ch.Field)
	}
	switch {
	case ch.Old != "" && ch.New != "":
		fmt.Fprintf(&s, ": %s -> %s", short(ch.Old), short(ch.New))
	case ch.New != "":
		fmt.Fprintf(&s, ": %s", short(ch.New))
	case ch.Old != "":
		fmt.Fprintf(&s, ": %s -> (empty)", short(ch.Old))
	}
	fmt.Fprintf(&s, " [%s]", ch.Rule)
	return s.String()
}

// WriteJSON writes the plan as JSON: one object, with one change, conflict
// or notice per line so that large plans stay cheap to write and easy to
// grep.
func (p *Plan) WriteJSON(w io.Writer) error {
	b := bufio.NewWriter(w)
	head, err := json.Marshal(struct {
		Cycle     int     `json:"cycle"`
		User      string  `json:"user"`
		Mapping   string  `json:"mapping"`
		Prefer    string  `json:"prefer"`
		Direction string  `json:"direction"`
		Counts    Counts  `json:"counts"`
		Closed    []int64 `json:"closed"`
	}{p.Cycle, p.User, p.Mapping, p.Prefer, p.Direction, p.Counts, p.Closed})
	if err != nil {
		return err
	}
	b.Write(head[:len(head)-1]) // leave the object open
	if err := writeArray(b, "changes", p.Changes); err != nil {
		return err
	}
	if err := writeArray(b, "conflicts", p.Conflicts); err != nil {
		return err
	}
	if err := writeArray(b, "notices", p.Notices); err != nil {
		return err
	}
	b.WriteString("\n}\n")
	return b.Flush()
}

func writeArray[T any](b *bufio.Writer, name string, items []T) error {
	fmt.Fprintf(b, ",\n%q: [", name)
	for i := range items {
		v, err := json.Marshal(items[i])
		if err != nil {
			return err
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n  ")
		b.Write(v)
	}
	if len(items) > 0 {
		b.WriteString("\n")
	}
	b.WriteByte(']')
	return nil
}

func quoteName(s string) string { return fmt.Sprintf("%q", s) }

func short(s string) string {
	if s == "" {
		return `""`
	}
	r := []rune(s)
	if len(r) > 60 {
		s = string(r[:57]) + "..."
	}
	return fmt.Sprintf("%q", s)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "time unknown"
	}
	return t.UTC().Format(time.RFC3339)
}
