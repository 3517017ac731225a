package engine

import (
	"encoding/json"
	"io"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"

	"contactsync/engine/contact"
)

// Line renders a change on one line.
func (ch Change) Line() string { return string(ch.appendLine(nil)) }

// appendLine appends Line's text to b.
func (ch *Change) appendLine(b []byte) []byte {
	if ch.Link != 0 {
		b = append(b, "link "...)
		b = strconv.AppendInt(b, ch.Link, 10)
		b = append(b, ' ')
	}
	b = append(b, ch.Side.String()...)
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

// WriteJSON writes the plan as JSON Lines: a first line with the cycle, its
// options and counts ({"type":"plan",...}), then one line per change
// ({"type":"change",...}), conflict, notice and link the cycle closed
// ({"type":"closed","link":N}). Nothing else: unchanged links are not
// listed, so the file grows with what the cycle does, not with the
// address books; and a line is read without reading the rest.
func (p *Plan) WriteJSON(w io.Writer) error {
	head, err := json.Marshal(struct {
		Type      string `json:"type"`
		Cycle     int    `json:"cycle"`
		User      string `json:"user"`
		Mapping   string `json:"mapping"`
		Prefer    string `json:"prefer"`
		Direction string `json:"direction"`
		Counts    Counts `json:"counts"`
	}{"plan", p.Cycle, p.User, p.Mapping, p.Prefer.String(), p.Direction.String(), p.Counts})
	if err != nil {
		return err
	}
	// Changes and notices are encoded by hand, byte for byte as
	// encoding/json would: a million changes through reflection cost
	// seconds. The lines are built in one buffer, written to w whenever
	// it holds jsonFlushSize bytes.
	out := lineBuffer{w: w, buf: append(head, '\n')}
	var text []byte // the text of a creation (ChangeWithNew)
	for i := range p.Changes {
		var c Change
		c, text = p.ChangeWithNew(i, text)
		out.buf = c.appendJSONFields(append(out.buf, `{"type":"change",`...))
		out.end()
	}
	for i := range p.Conflicts {
		if out.buf, err = p.Conflicts[i].appendJSONFields(append(out.buf, `{"type":"conflict",`...)); err != nil {
			return err
		}
		out.end()
	}
	for i := range p.Notices {
		out.buf = p.Notices[i].appendJSONFields(append(out.buf, `{"type":"notice",`...))
		out.end()
	}
	for _, id := range p.Closed {
		out.buf = strconv.AppendInt(append(out.buf, `{"type":"closed","link":`...), id, 10)
		out.buf = append(out.buf, '}')
		out.end()
	}
	return out.flush()
}

// lineBuffer gathers JSON lines and writes them to w a large buffer at a
// time.
type lineBuffer struct {
	w   io.Writer
	buf []byte
	err error
}

const jsonFlushSize = 256 << 10

// end ends a line, and writes the lines once they are many.
func (j *lineBuffer) end() {
	j.buf = append(j.buf, '\n')
	if len(j.buf) >= jsonFlushSize {
		j.flush()
	}
}

// flush writes the lines built; it returns the first error of w.
func (j *lineBuffer) flush() error {
	if len(j.buf) > 0 && j.err == nil {
		_, j.err = j.w.Write(j.buf)
	}
	j.buf = j.buf[:0]
	return j.err
}

// appendJSON appends the change as json.Marshal encodes it.
func (ch *Change) appendJSON(b []byte) []byte { return ch.appendJSONFields(append(b, '{')) }

// appendJSONFields is appendJSON without the opening brace.
func (ch *Change) appendJSONFields(b []byte) []byte {
	b = append(b, `"link":`...)
	b = strconv.AppendInt(b, ch.Link, 10)
	b = append(b, `,"side":`...)
	b = AppendJSONString(b, ch.Side.String())
	b = append(b, `,"op":`...)
	b = AppendJSONString(b, string(ch.Op))
	if ch.Field != "" {
		b = append(b, `,"field":`...)
		b = AppendJSONString(b, ch.Field)
	}
	if ch.Old != "" {
		b = append(b, `,"old":`...)
		b = AppendJSONString(b, ch.Old)
	}
	if ch.New != "" {
		b = append(b, `,"new":`...)
		b = AppendJSONString(b, ch.New)
	}
	b = append(b, `,"rule":`...)
	b = AppendJSONString(b, string(ch.Rule))
	if ch.Name != "" {
		b = append(b, `,"name":`...)
		b = AppendJSONString(b, ch.Name)
	}
	return append(b, '}')
}

// appendJSON appends the conflict as json.Marshal encodes it; a time
// json.Marshal cannot write (a year beyond 9999) is its error.
func (k *Conflict) appendJSON(b []byte) ([]byte, error) {
	return k.appendJSONFields(append(b, '{'))
}

// appendJSONFields is appendJSON without the opening brace.
func (k *Conflict) appendJSONFields(b []byte) ([]byte, error) {
	b = append(b, `"link":`...)
	b = strconv.AppendInt(b, k.Link, 10)
	b = append(b, `,"field":`...)
	b = AppendJSONString(b, k.Field)
	b = append(b, `,"base":`...)
	b = AppendJSONString(b, k.Base)
	b = append(b, `,"crm":`...)
	b = AppendJSONString(b, k.CRM)
	b = append(b, `,"outlook":`...)
	b = AppendJSONString(b, k.Outlook)
	for _, t := range []struct {
		name string
		t    time.Time
	}{{`,"crm_time":`, k.CRMTime}, {`,"outlook_time":`, k.OutlookTime}} {
		v, err := t.t.MarshalJSON()
		if err != nil {
			return b, err
		}
		b = append(append(b, t.name...), v...)
	}
	b = append(b, `,"winner":`...)
	b = AppendJSONString(b, string(k.Winner))
	b = append(b, `,"rule":`...)
	b = AppendJSONString(b, string(k.Rule))
	if k.Name != "" {
		b = append(b, `,"name":`...)
		b = AppendJSONString(b, k.Name)
	}
	return append(b, '}'), nil
}

// appendJSON appends the notice as json.Marshal encodes it.
func (n *Notice) appendJSON(b []byte) []byte { return n.appendJSONFields(append(b, '{')) }

// appendJSONFields is appendJSON without the opening brace.
func (n *Notice) appendJSONFields(b []byte) []byte {
	b = append(b, `"kind":`...)
	b = AppendJSONString(b, string(n.Kind))
	if n.Link != 0 {
		b = append(b, `,"link":`...)
		b = strconv.AppendInt(b, n.Link, 10)
	}
	b = append(b, `,"message":`...)
	b = AppendJSONString(b, n.Message)
	return append(b, '}')
}

// htmlSafe marks the bytes encoding/json writes as they are: ASCII (a
// byte of 0x80 or more is part of a character to check), not a control
// character, not <, > or & (escaped for HTML), " or a backslash.
var htmlSafe = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string exactly as json.Marshal
// writes it: HTML characters, U+2028 and U+2029 escaped, invalid UTF-8
// replaced by U+FFFD. It is the one JSON string escaper of contactsync's
// own JSON writers: plan.json, the values of created records, and the
// journal's export (journal/audit).
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		// The usual run: bytes written as they are, one look each.
		for i < len(s) && htmlSafe[s[i]] {
			i++
		}
		if i == len(s) {
			break
		}
		if c := s[i]; c < utf8.RuneSelf {
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

// NewText is c's New: for a creation Reconcile made (see Change.made), the
// created record's mapped values as one JSON object, written from the
// plan's new records.
func (p *Plan) NewText(c *Change) string {
	if c.made == 0 {
		return c.New
	}
	return string(p.appendNew(nil, c))
}

// ChangeWithNew is change i with its New (see NewText): a creation's text
// is written into buf, which it returns for the next call; New is valid
// until then. For writers of every change, without a string each.
func (p *Plan) ChangeWithNew(i int, buf []byte) (Change, []byte) {
	c := p.Changes[i]
	if c.made == 0 {
		return c, buf
	}
	buf = p.appendNew(buf[:0], &c)
	c.New, c.made = unsafe.String(unsafe.SliceData(buf), len(buf)), 0
	return c, buf
}

// appendNew appends the text of the creation c to b.
func (p *Plan) appendNew(b []byte, c *Change) []byte {
	t := p.CRM.New
	if c.Side == Outlook {
		t = p.Outlook.New
	}
	var v contact.Values
	t.ValuesInto(int(c.made-1), &v)
	return appendValuesJSON(b, p.Outlook.Fields, &v)
}

// ChangesWithNew returns a copy of the changes, each with its New (see
// NewText): the changes as plan.json and the journal give them.
func (p *Plan) ChangesWithNew() []Change {
	cs := make([]Change, len(p.Changes))
	for i := range cs {
		cs[i], _ = p.ChangeWithNew(i, nil)
	}
	return cs
}
