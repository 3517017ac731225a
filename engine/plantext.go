package engine

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf8"
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
		// One reused buffer: a million changes are a million lines.
		var line []byte
		for i := range p.Changes {
			line = append(line[:0], "  "...)
			line = p.Changes[i].appendLine(line)
			line = append(line, '\n')
			b.Write(line)
		}
	}
	return b.Flush()
}

// Line renders a change on one line.
func (ch Change) Line() string { return string(ch.appendLine(nil)) }

// appendLine appends Line's text to b.
func (ch *Change) appendLine(b []byte) []byte {
	if ch.Link != 0 {
		b = append(b, "link "...)
		b = strconv.AppendInt(b, ch.Link, 10)
		b = append(b, ' ')
	}
	b = append(b, ch.Side...)
	b = append(b, ' ')
	b = append(b, ch.Op...)
	if ch.Name != "" {
		b = append(b, ' ')
		b = strconv.AppendQuote(b, ch.Name)
	}
	if ch.Field != "" {
		b = append(b, ' ')
		b = append(b, ch.Field...)
	}
	switch {
	case ch.Old != "" && ch.New != "":
		b = append(b, ": "...)
		b = appendShort(b, ch.Old)
		b = append(b, " -> "...)
		b = appendShort(b, ch.New)
	case ch.New != "":
		b = append(b, ": "...)
		b = appendShort(b, ch.New)
	case ch.Old != "":
		b = append(b, ": "...)
		b = appendShort(b, ch.Old)
		b = append(b, " -> (empty)"...)
	}
	b = append(b, " ["...)
	b = append(b, ch.Rule...)
	return append(b, ']')
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
	// Changes and notices are encoded by hand, byte for byte as
	// encoding/json would: a million changes through reflection cost
	// seconds.
	if err := writeArray(b, "changes", p.Changes, func(c *Change, buf []byte) ([]byte, error) {
		return c.appendJSON(buf), nil
	}); err != nil {
		return err
	}
	if err := writeArray(b, "conflicts", p.Conflicts, func(c *Conflict, buf []byte) ([]byte, error) {
		v, err := json.Marshal(c)
		return append(buf, v...), err
	}); err != nil {
		return err
	}
	if err := writeArray(b, "notices", p.Notices, func(n *Notice, buf []byte) ([]byte, error) {
		return n.appendJSON(buf), nil
	}); err != nil {
		return err
	}
	b.WriteString("\n}\n")
	return b.Flush()
}

// writeArray writes items as the JSON array name, one item a line, each
// appended to a reused buffer by enc.
func writeArray[T any](b *bufio.Writer, name string, items []T, enc func(*T, []byte) ([]byte, error)) error {
	fmt.Fprintf(b, ",\n%q: [", name)
	var buf []byte
	for i := range items {
		buf = buf[:0]
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, "\n  "...)
		var err error
		if buf, err = enc(&items[i], buf); err != nil {
			return err
		}
		b.Write(buf)
	}
	if len(items) > 0 {
		b.WriteString("\n")
	}
	b.WriteByte(']')
	return nil
}

// appendJSON appends the change as json.Marshal encodes it.
func (ch *Change) appendJSON(b []byte) []byte {
	b = append(b, `{"link":`...)
	b = strconv.AppendInt(b, ch.Link, 10)
	b = append(b, `,"side":`...)
	b = appendJSONString(b, ch.Side)
	b = append(b, `,"op":`...)
	b = appendJSONString(b, string(ch.Op))
	if ch.Field != "" {
		b = append(b, `,"field":`...)
		b = appendJSONString(b, ch.Field)
	}
	if ch.Old != "" {
		b = append(b, `,"old":`...)
		b = appendJSONString(b, ch.Old)
	}
	if ch.New != "" {
		b = append(b, `,"new":`...)
		b = appendJSONString(b, ch.New)
	}
	b = append(b, `,"rule":`...)
	b = appendJSONString(b, string(ch.Rule))
	if ch.Name != "" {
		b = append(b, `,"name":`...)
		b = appendJSONString(b, ch.Name)
	}
	return append(b, '}')
}

// appendJSON appends the notice as json.Marshal encodes it.
func (n *Notice) appendJSON(b []byte) []byte {
	b = append(b, `{"kind":`...)
	b = appendJSONString(b, n.Kind)
	if n.Link != 0 {
		b = append(b, `,"link":`...)
		b = strconv.AppendInt(b, n.Link, 10)
	}
	b = append(b, `,"message":`...)
	b = appendJSONString(b, n.Message)
	return append(b, '}')
}

// htmlSafe marks the ASCII bytes encoding/json writes as they are (it
// escapes <, > and & for HTML).
var htmlSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string exactly as json.Marshal
// writes it: HTML characters, U+2028 and U+2029 escaped, invalid UTF-8
// replaced by U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if htmlSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func quoteName(s string) string { return strconv.Quote(s) }

func short(s string) string { return string(appendShort(nil, s)) }

// appendShort appends s quoted as %q does, cut to 57 runes and "..." when
// it has more than 60.
func appendShort(b []byte, s string) []byte {
	if s == "" {
		return append(b, `""`...)
	}
	if len(s) > 60 { // fewer bytes means fewer runes: no cut
		if r := []rune(s); len(r) > 60 {
			s = string(r[:57]) + "..."
		}
	}
	return strconv.AppendQuote(b, s)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "time unknown"
	}
	return t.UTC().Format(time.RFC3339)
}
