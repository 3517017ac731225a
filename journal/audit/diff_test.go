package audit

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"contactsync/engine"
	"contactsync/engine/contact"
	"contactsync/journal"
)

// markedText renders spans as WriteDiff does, without indentation.
func markedText(spans []span) string {
	var buf bytes.Buffer
	b := bufio.NewWriter(&buf)
	writeMarked(b, spans, "")
	b.Flush()
	return buf.String()
}

// sides rebuilds the old and the new value from a word diff.
func sides(spans []span) (old, new string) {
	var o, n strings.Builder
	for _, s := range spans {
		if s.op != opInsert {
			o.WriteString(s.text)
		}
		if s.op != opDelete {
			n.WriteString(s.text)
		}
	}
	return o.String(), n.String()
}

const (
	notesBefore = "Met Ann at the fair.\nCall back on Monday about the order.\nLikes golf."
	notesAfter  = "Met Ann at the spring fair.\nCall back on Tuesday about the order.\nLikes tennis and golf."
)

func TestWordDiff(t *testing.T) {
	for _, c := range []struct{ old, new, want string }{
		{notesBefore, notesAfter, "Met Ann at the {+spring +}fair.\nCall back on [-Monday-]{+Tuesday+} about the order.\nLikes {+tennis and +}golf."},
		// Neighbouring replaced words are one edit, not alternating pieces.
		{"call Ann Smith back", "call Bob Jones back", "call [-Ann Smith-]{+Bob Jones+} back"},
		{"the quick brown fox jumps over the lazy dog", "a slow red fox walks under the lazy cat",
			"[-the quick brown fox jumps over-]{+a slow red fox walks under+} the lazy [-dog-]{+cat+}"},
		// A removed line is cut at line breaks, not in the middle of lines.
		{"line one\nline two\nline three", "line one\nline three", "line one\n[-line two\n-]line three"},
		{"line one\nline three", "line one\nline two\nline three", "line one\n{+line two\n+}line three"},
		// Words are never split: a changed letter replaces the word.
		{"Zoë Núñez", "Zoë Nuñez", "Zoë [-Núñez-]{+Nuñez+}"},
		{"+49 170 1234567", "+49 170 7654321", "+49 170 [-1234567-]{+7654321+}"},
		{"ann@example.com", "ann.lee@example.org", "ann{+.lee+}@example.[-com-]{+org+}"},
		{"", "new text", "{+new text+}"},
		{"old text", "", "[-old text-]"},
		{"same", "same", "same"},
		{"", "", ""},
		// Bytes that are not UTF-8 are words of their own and kept.
		{"bad \xff byte", "bad \xfe byte", "bad [-\xff-]{+\xfe+} byte"},
	} {
		got := markedText(newWordDiffer().diff(c.old, c.new))
		if got != c.want {
			t.Errorf("diff(%q, %q) =\n%q\nwant\n%q", c.old, c.new, got, c.want)
		}
	}
}

// Whatever the texts, the diff gives back both of them, never splits a word,
// and the coarse fallback does too.
func TestWordDiffGivesBackBothValues(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	vocab := []string{"Ann", "call", "back", " ", "  ", "\n", ".", ",", "Zoë", "42", "\xff", "\t", "über", "-", "\r\n"}
	text := func() string {
		var s strings.Builder
		for n := rng.Intn(40); n > 0; n-- {
			s.WriteString(vocab[rng.Intn(len(vocab))])
		}
		return s.String()
	}
	d := newWordDiffer()
	for i := 0; i < 2000; i++ {
		old, new := text(), text()
		if i%3 == 0 { // related texts, as edits are
			new = old[:rng.Intn(len(old)+1)] + text() + old[rng.Intn(len(old)+1):]
		}
		for name, spans := range map[string][]span{"diff": d.diff(old, new), "coarse": coarseDiff(old, new)} {
			checkSpans(t, name, old, new, spans)
		}
	}
}

func checkSpans(t *testing.T, name, old, new string, spans []span) {
	t.Helper()
	if o, n := sides(spans); o != old || n != new {
		t.Fatalf("%s(%q, %q) = %q gives back %q, %q", name, old, new, markedText(spans), o, n)
	}
	// A span boundary is a word boundary of the side(s) it belongs to.
	var posOld, posNew int
	for i, s := range spans {
		if i > 0 && spans[i-1].op == s.op {
			t.Fatalf("%s(%q, %q): two %d spans in a row", name, old, new, s.op)
		}
		if s.op != opInsert {
			if !isWordBoundary(old, posOld) || !isWordBoundary(old, posOld+len(s.text)) {
				t.Fatalf("%s(%q, %q) = %q splits a word of the old value", name, old, new, markedText(spans))
			}
			posOld += len(s.text)
		}
		if s.op != opDelete {
			if !isWordBoundary(new, posNew) || !isWordBoundary(new, posNew+len(s.text)) {
				t.Fatalf("%s(%q, %q) = %q splits a word of the new value", name, old, new, markedText(spans))
			}
			posNew += len(s.text)
		}
	}
}

func isWordBoundary(s string, i int) bool {
	if i == 0 {
		return true
	}
	for _, e := range wordEnds(s) {
		if e == i {
			return true
		}
	}
	return false
}

func FuzzWordDiff(f *testing.F) {
	f.Add(notesBefore, notesAfter)
	f.Add("line one\nline two", "line one")
	f.Add("bad \xff", "\xc3")
	f.Fuzz(func(t *testing.T, old, new string) {
		if len(old)+len(new) > 4000 {
			return
		}
		checkSpans(t, "diff", old, new, newWordDiffer().diff(old, new))
		checkSpans(t, "coarse", old, new, coarseDiff(old, new))
	})
}

// Past maxDiffWords the diff keeps the common start and end and replaces
// the middle, in linear time.
func TestWordDiffOfLongTexts(t *testing.T) {
	var a, b strings.Builder
	for i := 0; i < maxDiffWords; i++ {
		fmt.Fprintf(&a, "a%d ", i)
		fmt.Fprintf(&b, "b%d ", i)
	}
	old, new := "Start. "+a.String()+"End.", "Start. "+b.String()+"End."
	spans := newWordDiffer().diff(old, new)
	checkSpans(t, "diff", old, new, spans)
	if len(spans) != 4 || spans[0].text != "Start. " || spans[3].text != " End." && spans[3].text != "End." {
		t.Errorf("long diff has %d spans, starting %q", len(spans), spans[0].text)
	}
}

// engineCycles commits two cycles planned by the engine: cycle 1 creates
// Ann and Bob in Outlook, cycle 2 sends Ann's rewritten notes.
func engineCycles(t *testing.T) (*journal.Journal, *engine.Plan, *engine.Plan) {
	t.Helper()
	j := openTest(t, filepath.Join(t.TempDir(), "sync.db"))
	ann := mk("C1", "Ann", "Lee", "ann@example.com", "Acme", "+49 170 1234567", t0)
	ann.Values[contact.Notes] = notesBefore
	crm := engine.CRMInput{
		Contacts: []contact.Contact{ann, mk("C2", "Bob", "<script>alert(1)</script>", "bob@example.com", "=HYPERLINK(\"x\")", "", t0)},
		Accounts: []contact.Account{{ID: "A1", Name: "Acme"}},
	}
	commit := func(crm engine.CRMInput, ol engine.OutlookInput, n int) *engine.Plan {
		st, err := j.Load()
		if err != nil {
			t.Fatal(err)
		}
		pol := engine.DefaultPolicy("U1")
		pol.Fields = append(append([]contact.Field(nil), engine.DefaultMapping...), contact.Notes)
		p, err := engine.Reconcile(st, crm, ol, pol)
		if err != nil {
			t.Fatal(err)
		}
		if err := j.Commit(p, info(n)); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p1 := commit(crm, engine.OutlookInput{}, 1)
	crm2, ol2 := imported(t, crm, p1, t0.Add(2*time.Hour))
	crm2.Contacts[0].Values[contact.Notes] = notesAfter
	crm2.Contacts[0].Modified = t0.Add(3 * time.Hour)
	p2 := commit(crm2, ol2, 2)
	return j, p1, p2
}

func TestWriteDiff(t *testing.T) {
	j, p1, p2 := engineCycles(t)
	var b bytes.Buffer
	if err := WriteDiff(&b, j, 2); err != nil {
		t.Fatal(err)
	}
	want := `cycle 2 (2026-03-02 11:30:00 +0100 by U1): 1 update, 0 creations; other changes 0 (see journal show 2)
markers: [-removed-] {+added+}

link 1 "Ann Lee" notes (outlook update, changed-in-crm):
  Met Ann at the {+spring +}fair.
  Call back on [-Monday-]{+Tuesday+} about the order.
  Likes {+tennis and +}golf.
`
	if b.String() != want {
		t.Errorf("diff 2 =\n%s\nwant\n%s", b.String(), want)
	}

	b.Reset()
	if err := WriteDiff(&b, j, 1); err != nil {
		t.Fatal(err)
	}
	// Creations, field by field in the mapping's order, all added; the
	// lines of a multi-line value stay under their field.
	want = `cycle 1 (2026-03-02 10:30:00 +0100 by U1): 0 updates, 2 creations; other changes 0 (see journal show 1)
markers: [-removed-] {+added+}

link 1 "Ann Lee" (outlook create, new-in-crm):
  first: {+Ann+}
  last: {+Lee+}
  company: {+Acme+}
  email1: {+ann@example.com+}
  phone_business: {++49 170 1234567+}
  notes: {+Met Ann at the fair.
    Call back on Monday about the order.
    Likes golf.+}

link 2 "Bob <script>alert(1)</script>" (outlook create, new-in-crm):
  first: {+Bob+}
  last: {+<script>alert(1)</script>+}
  company: {+=HYPERLINK("x")+}
  email1: {+bob@example.com+}
`
	if b.String() != want {
		t.Errorf("diff 1 =\n%s\nwant\n%s", b.String(), want)
	}
	if len(p1.Changes) != 2 || len(p2.Changes) != 1 {
		t.Errorf("the engine planned %d and %d changes; the expectations above assume 2 and 1", len(p1.Changes), len(p2.Changes))
	}
	if err := WriteDiff(&b, j, 3); err == nil || err.Error() != fmt.Sprintf("journal %q: diff: cycle 3 not found (the journal has cycles 1..2)", j.Path()) {
		t.Errorf("diff 3: err = %v", err)
	}
}

// Creations whose value is not a JSON object, and creations of one field,
// are shown as one added text; other operations are only counted.
func TestWriteDiffOtherCreations(t *testing.T) {
	j := twoCycles(t)
	var b bytes.Buffer
	if err := WriteDiff(&b, j, 1); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"cycle 1 (2026-03-02 10:30:00 +0100 by U1): 0 updates, 2 creations; other changes 1 (see journal show 1)\n",
		"\nlink 2 \"Bob Lee\" (outlook create, new-in-crm):\n  {+Bob Lee+}\n",
		"\nlink 2 \"Bob Lee\" email1 (outlook create, new-in-crm):\n  {+bob@example.com+}\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("diff 1 lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), " link ") || strings.Contains(b.String(), "C1") {
		t.Errorf("diff 1 shows the link change:\n%s", b.String())
	}
	b.Reset()
	if err := WriteDiff(&b, j, 2); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"2 updates, 0 creations; other changes 2",
		"\nlink 1 \"Ann Lee\" email1 (crm update, changed-in-outlook):\n  ann{+.lee+}@example.[-com-]{+org+}\n",
		"\nlink 1 \"Ann Lee\" notes (outlook update, conflict-latest-wins):\n  {+met at\n  the fair+}\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("diff 2 lacks %q:\n%s", want, b.String())
		}
	}
}
