package audit

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"

	"contactsync/engine"
	"contactsync/journal"
)

// WriteDiff shows what the field changes of a cycle did to the text, word by
// word, in the markers of `git diff --word-diff=plain`:
//
//	[-removed text-]{+added text+}
//
// Text outside the markers is the same in the old and the new value, so
// dropping every [-...-] gives the new value and dropping every {+...+}
// gives the old one, byte for byte; whitespace and line breaks inside a
// marker were removed or added too. As in git, marker characters in the
// values themselves are not escaped.
//
// Words are runs of letters and digits; every other character (a space run,
// a line break, a punctuation mark) is a word of its own, so a diff never
// splits a word, and an edit between two words keeps its spaces. The words
// are diffed with diff-match-patch (one rune per distinct word, the trick of
// its line mode) and then cleaned up semantically, so that a sentence
// rewritten word by word reads as one removal and one addition instead of
// alternating fragments.

// WriteDiff writes, for every update change of cycle n, the field's old and
// new value as a word diff under a header naming the link, the contact, the
// field, the side, the operation and the rule, e.g.
//
//	link 12 "Ann Lee" notes (outlook update, changed-in-crm):
//	  Call back on [-Monday-]{+Tuesday+}.
//
// Creations are shown field by field as all added. Other changes (links,
// deletions, sync group moves) have no text to compare; WriteShow lists
// them.
func WriteDiff(w io.Writer, j *journal.Journal, n int) error {
	return fail(j, "diff", j.Read(func(r *journal.Reader) error { return writeDiff(w, r, n) }))
}

func writeDiff(w io.Writer, rd *journal.Reader, n int) error {
	r, err := rd.Cycle(n)
	if err != nil {
		return err
	}
	shown := []engine.Op{engine.OpUpdate, engine.OpCreate}
	all, err := rd.Count(journal.Select{Cycle: n})
	if err != nil {
		return err
	}
	updates, err := rd.Count(journal.Select{Cycle: n, Ops: shown[:1]})
	if err != nil {
		return err
	}
	creates, err := rd.Count(journal.Select{Cycle: n, Ops: shown[1:]})
	if err != nil {
		return err
	}
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "cycle %d (%s by %s): %s, %s; other changes %d (see journal show %d)\n",
		n, showTime(r.Started), r.SyncUser, plural(updates.Changes, "update"), plural(creates.Changes, "creation"),
		all.Changes-updates.Changes-creates.Changes, n)
	fmt.Fprintf(b, "markers: [-removed-] {+added+}\n")
	d := newWordDiffer()
	err = rd.Changes(journal.Select{Cycle: n, Ops: shown}, func(row *journal.ChangeRow) error {
		c := &row.Change
		b.WriteString("\n")
		b.WriteString(diffHeader(c))
		if c.Op == engine.OpCreate && c.Field == "" {
			if fields, ok := engine.CreatedFields(c.New); ok {
				for _, f := range fields {
					fmt.Fprintf(b, "  %s: ", f.Field)
					writeMarked(b, []span{{opInsert, f.Value}}, "    ")
					b.WriteString("\n")
				}
				return nil
			}
		}
		b.WriteString("  ")
		writeMarked(b, d.diff(c.Old, c.New), "  ")
		b.WriteString("\n")
		return nil
	})
	if err != nil {
		return err
	}
	return b.Flush()
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// diffHeader is `link 12 "Ann Lee" notes (outlook update, changed-in-crm):`
// and a line break.
func diffHeader(c *engine.Change) string {
	var s strings.Builder
	if c.Link != 0 {
		fmt.Fprintf(&s, "link %d", c.Link)
	} else {
		s.WriteString("no link")
	}
	if c.Name != "" {
		fmt.Fprintf(&s, " %s", strconv.Quote(c.Name))
	}
	if c.Field != "" {
		fmt.Fprintf(&s, " %s", c.Field)
	}
	fmt.Fprintf(&s, " (%s %s, %s):\n", c.Side, c.Op, c.Rule)
	return s.String()
}

// writeMarked writes spans with [-...-] and {+...+} markers, putting indent
// after every line break so that a multi-line value stays under its header.
func writeMarked(b *bufio.Writer, spans []span, indent string) {
	text := func(s string) {
		for {
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				b.WriteString(s)
				return
			}
			b.WriteString(s[:i+1])
			b.WriteString(indent)
			s = s[i+1:]
		}
	}
	for _, sp := range spans {
		switch sp.op {
		case opDelete:
			b.WriteString("[-")
			text(sp.text)
			b.WriteString("-]")
		case opInsert:
			b.WriteString("{+")
			text(sp.text)
			b.WriteString("+}")
		default:
			text(sp.text)
		}
	}
}

// spanOp is what a span of a word diff is.
type spanOp int8

const (
	opDelete spanOp = -1
	opEqual  spanOp = 0
	opInsert spanOp = 1
)

// span is a piece of a word diff: text only in the old value, in both, or
// only in the new one.
type span struct {
	op   spanOp
	text string
}

// maxDiffWords bounds the words of the two values diffed word by word. The
// diff takes time proportional to the words times the edit distance, so two
// long texts that differ everywhere would take minutes; past the bound the
// common start and end are kept and the middle is shown as one removal and
// one addition. There is deliberately no time limit: the output of an audit
// command must not depend on the machine's speed.
const maxDiffWords = 20000

// wordDiffer diffs values word by word. It keeps its word table between
// calls only as scratch space.
type wordDiffer struct {
	dmp   *diffmatchpatch.DiffMatchPatch
	index map[string]rune
	words []string
}

func newWordDiffer() *wordDiffer {
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0 // deterministic; see maxDiffWords
	return &wordDiffer{dmp: dmp, index: map[string]rune{}}
}

// diff returns the word diff of old and new. Concatenating the spans that
// are not opInsert gives old; those that are not opDelete give new.
func (d *wordDiffer) diff(old, new string) []span {
	if old == new {
		if old == "" {
			return nil
		}
		return []span{{opEqual, old}}
	}
	clear(d.index)
	d.words = d.words[:0]
	a, okA := d.encode(old)
	b, okB := d.encode(new)
	if !okA || !okB || len(a)+len(b) > maxDiffWords {
		return coarseDiff(old, new)
	}
	diffs := d.dmp.DiffMainRunes(a, b, false)
	diffs = d.dmp.DiffCleanupSemantic(diffs)
	out := make([]span, 0, len(diffs))
	var s strings.Builder
	for _, df := range diffs {
		s.Reset()
		for _, r := range df.Text {
			s.WriteString(d.words[wordIndex(r)])
		}
		op := opEqual
		switch df.Type {
		case diffmatchpatch.DiffDelete:
			op = opDelete
		case diffmatchpatch.DiffInsert:
			op = opInsert
		}
		if s.Len() > 0 {
			out = append(out, span{op, s.String()})
		}
	}
	return alignEdits(out)
}

// alignEdits slides every edit that sits alone between two equal spans to
// the word boundaries that read best: a blank line, a line break, the end of
// a sentence, a space, in that order, and the later place of two as good.
// diff-match-patch does the same for characters (DiffCleanupSemanticLossless)
// but cannot see the text behind our word runes. Only where the edit is cut
// changes: "line one\nline [-two\nline -]three" becomes
// "line one\n[-line two\n-]line three".
func alignEdits(spans []span) []span {
	for i := 1; i+1 < len(spans); i++ {
		if spans[i-1].op != opEqual || spans[i].op == opEqual || spans[i+1].op != opEqual {
			continue
		}
		eq1, edit, eq2 := spans[i-1].text, spans[i].text, spans[i+1].text
		for { // as far left as the words allow
			w := lastWord(edit)
			if w == "" || lastWord(eq1) != w {
				break
			}
			eq1, edit, eq2 = eq1[:len(eq1)-len(w)], w+edit[:len(edit)-len(w)], w+eq2
		}
		best := boundaryScore(eq1, edit) + boundaryScore(edit, eq2)
		bestEq1, bestEdit, bestEq2 := eq1, edit, eq2
		for { // then right, one word at a time
			w := edit[:wordLen(edit)]
			if eq2 == "" || eq2[:wordLen(eq2)] != w {
				break
			}
			eq1, edit, eq2 = eq1+w, edit[len(w):]+w, eq2[len(w):]
			if s := boundaryScore(eq1, edit) + boundaryScore(edit, eq2); s >= best {
				best, bestEq1, bestEdit, bestEq2 = s, eq1, edit, eq2
			}
		}
		spans[i-1].text, spans[i].text, spans[i+1].text = bestEq1, bestEdit, bestEq2
	}
	// Drop the equalities that became empty and join what they separated.
	out := spans[:0]
	for _, sp := range spans {
		switch {
		case sp.text == "":
		case len(out) > 0 && out[len(out)-1].op == sp.op:
			out[len(out)-1].text += sp.text
		default:
			out = append(out, sp)
		}
	}
	return out
}

// lastWord is the word s ends with (see wordLen).
func lastWord(s string) string {
	r, n := utf8.DecodeLastRuneInString(s)
	var same func(rune) bool
	switch {
	case n == 0:
		return ""
	case r == utf8.RuneError && n == 1:
		return s[len(s)-1:]
	case isWordRune(r):
		same = isWordRune
	case isBlank(r):
		same = isBlank
	default:
		return s[len(s)-n:]
	}
	i := len(s) - n
	for i > 0 {
		r, m := utf8.DecodeLastRuneInString(s[:i])
		if r == utf8.RuneError && m <= 1 || !same(r) {
			break
		}
		i -= m
	}
	return s[i:]
}

// boundaryScore rates a cut between before and after, from 6 (the edge of
// the value) down to 0 (inside a word), like diff-match-patch's
// diffCleanupSemanticScore.
func boundaryScore(before, after string) int {
	if before == "" || after == "" {
		return 6
	}
	r1, _ := utf8.DecodeLastRuneInString(before)
	r2, _ := utf8.DecodeRuneInString(after)
	switch {
	case strings.HasSuffix(before, "\n\n") || strings.HasSuffix(before, "\n\r\n") ||
		strings.HasPrefix(after, "\n\n") || strings.HasPrefix(after, "\r\n\r\n") || strings.HasPrefix(after, "\n\r\n") || strings.HasPrefix(after, "\r\n\n"):
		return 5
	case r1 == '\n' || r1 == '\r' || r2 == '\n' || r2 == '\r':
		return 4
	case !isWordRune(r1) && !unicode.IsSpace(r1) && unicode.IsSpace(r2):
		return 3
	case unicode.IsSpace(r1) || unicode.IsSpace(r2):
		return 2
	case !isWordRune(r1) || !isWordRune(r2):
		return 1
	}
	return 0
}

// The words of a diff are encoded as runes of the private use areas, one
// per distinct word: those are valid runes that survive the library's
// string conversions. 6,400 + 131,068 distinct words are enough for any
// contact field; more falls back to coarseDiff.
const (
	puaStart   = 0xE000
	puaLen     = 0xF900 - 0xE000
	plane15    = 0xF0000
	plane15Len = 0x10FFFE - 0xF0000
)

func wordRune(i int) (rune, bool) {
	switch {
	case i < puaLen:
		return rune(puaStart + i), true
	case i < puaLen+plane15Len:
		return rune(plane15 + i - puaLen), true
	}
	return 0, false
}

func wordIndex(r rune) int {
	if r >= plane15 {
		return int(r-plane15) + puaLen
	}
	return int(r - puaStart)
}

// encode splits s into words and returns one rune per word.
func (d *wordDiffer) encode(s string) ([]rune, bool) {
	var out []rune
	for len(s) > 0 {
		n := wordLen(s)
		w := s[:n]
		s = s[n:]
		r, ok := d.index[w]
		if !ok {
			if r, ok = wordRune(len(d.words)); !ok {
				return nil, false
			}
			d.index[w] = r
			d.words = append(d.words, w)
		}
		out = append(out, r)
	}
	return out, true
}

// wordLen is the length in bytes of the word s starts with: a run of
// letters, digits and combining marks; a run of blanks other than line
// breaks; or one other character (a line break, a punctuation mark, a byte
// that is not UTF-8).
func wordLen(s string) int {
	r, n := utf8.DecodeRuneInString(s)
	var same func(rune) bool
	switch {
	case r == utf8.RuneError && n <= 1:
		return 1
	case isWordRune(r):
		same = isWordRune
	case isBlank(r):
		same = isBlank
	default:
		return n
	}
	for n < len(s) {
		r, m := utf8.DecodeRuneInString(s[n:])
		if r == utf8.RuneError && m <= 1 || !same(r) {
			break
		}
		n += m
	}
	return n
}

// isBlank reports whether r is white space other than a line break.
func isBlank(r rune) bool { return r != '\n' && r != '\r' && unicode.IsSpace(r) }

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// coarseDiff keeps the words old and new start and end with and shows the
// middle as one removal and one addition.
func coarseDiff(old, new string) []span {
	a, b := wordEnds(old), wordEnds(new)
	// p words in common at the start, e at the end; wordEnds[i] is where
	// word i ends, so word i is s[end(i-1):end(i)].
	start := func(ends []int, i int) int {
		if i == 0 {
			return 0
		}
		return ends[i-1]
	}
	word := func(s string, ends []int, i int) string { return s[start(ends, i):ends[i]] }
	p := 0
	for p < len(a) && p < len(b) && word(old, a, p) == word(new, b, p) {
		p++
	}
	e := 0
	for e < len(a)-p && e < len(b)-p && word(old, a, len(a)-1-e) == word(new, b, len(b)-1-e) {
		e++
	}
	var out []span
	add := func(op spanOp, s string) {
		if s != "" {
			out = append(out, span{op, s})
		}
	}
	add(opEqual, old[:start(a, p)])
	add(opDelete, old[start(a, p):start(a, len(a)-e)])
	add(opInsert, new[start(b, p):start(b, len(b)-e)])
	add(opEqual, old[start(a, len(a)-e):])
	return out
}

// wordEnds returns where each word of s ends, in bytes.
func wordEnds(s string) []int {
	var ends []int
	for i := 0; i < len(s); {
		i += wordLen(s[i:])
		ends = append(ends, i)
	}
	return ends
}
