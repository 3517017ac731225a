package engine

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"contactsync/engine/contact"
)

// The plan's text and JSON are written by hand for speed; these tests hold
// them to what fmt and encoding/json write, byte for byte.

// lineReference is Change.Line as it was written with fmt.
func lineReference(ch Change) string {
	shortRef := func(s string) string {
		if s == "" {
			return `""`
		}
		r := []rune(s)
		if len(r) > 60 {
			s = string(r[:57]) + "..."
		}
		return fmt.Sprintf("%q", s)
	}
	var s strings.Builder
	if ch.Link != 0 {
		fmt.Fprintf(&s, "link %d ", ch.Link)
	}
	fmt.Fprintf(&s, "%s %s", ch.Side, ch.Op)
	if ch.Name != "" {
		fmt.Fprintf(&s, " %q", ch.Name)
	}
	if ch.Field != "" {
		fmt.Fprintf(&s, " %s", ch.Field)
	}
	switch {
	case ch.Old != "" && ch.New != "":
		fmt.Fprintf(&s, ": %s -> %s", shortRef(ch.Old), shortRef(ch.New))
	case ch.New != "":
		fmt.Fprintf(&s, ": %s", shortRef(ch.New))
	case ch.Old != "":
		fmt.Fprintf(&s, ": %s -> (empty)", shortRef(ch.Old))
	}
	fmt.Fprintf(&s, " [%s]", ch.Rule)
	return s.String()
}

var encodeSeeds = []string{
	"", "Ann", "Müller & Söhne <GmbH>", "line\nbreak\ttab\r\x00\x01\x1f\x7f", "quote \" backslash \\",
	"\u2028\u2029 separators", "bad \xff\xfe utf-8 \xc3", "\b\f", strings.Repeat("é", 70),
	strings.Repeat("x", 61), strings.Repeat("\xff", 61) + "abc", "日本語の名前", "emoji 🙂 and \U0001F600",
}

func checkEncoding(t *testing.T, a, b string) {
	t.Helper()
	ch := Change{Link: 42, Side: CRM, Op: OpUpdate, Field: a, Old: a, New: b, Rule: RuleChangedInCRM, Name: b}
	if got, want := ch.Line(), lineReference(ch); got != want {
		t.Errorf("Line(%q, %q):\n got %s\nwant %s", a, b, got, want)
	}
	for _, c := range []Change{ch, {Side: Outlook, Op: Op(b), Rule: Rule(a)}, {Link: -1, Side: NoSide, Op: OpLink, Old: b, Rule: RuleLinkEmail}} {
		want, _ := json.Marshal(c)
		if got := c.appendJSON(nil); string(got) != string(want) {
			t.Errorf("change JSON:\n got %s\nwant %s", got, want)
		}
		if got, want := c.Line(), lineReference(c); got != want {
			t.Errorf("Line:\n got %s\nwant %s", got, want)
		}
	}
	for _, n := range []Notice{{Kind: NoticeKind(a), Message: b}, {Kind: "x", Link: 7, Message: a}} {
		want, _ := json.Marshal(n)
		if got := n.appendJSON(nil); string(got) != string(want) {
			t.Errorf("notice JSON:\n got %s\nwant %s", got, want)
		}
	}
}

func TestPlanEncodingMatchesLibraries(t *testing.T) {
	for _, a := range encodeSeeds {
		for _, b := range encodeSeeds {
			checkEncoding(t, a, b)
		}
	}
	// Every single byte, alone and in context.
	for c := 0; c < 256; c++ {
		checkEncoding(t, string(rune(c)), "a"+string([]byte{byte(c)})+"b")
	}
}

func FuzzPlanEncoding(f *testing.F) {
	for i, s := range encodeSeeds {
		f.Add(s, encodeSeeds[(i+1)%len(encodeSeeds)])
	}
	f.Fuzz(func(t *testing.T, a, b string) { checkEncoding(t, a, b) })
}

func TestValuesTextMatchesEncodingJSON(t *testing.T) {
	r := &reconciler{fields: DefaultMapping}
	for i, a := range encodeSeeds {
		var v contact.Values
		for k, f := range DefaultMapping {
			v[f] = encodeSeeds[(i+k)%len(encodeSeeds)]
		}
		v[DefaultMapping[0]] = a
		var want strings.Builder
		want.WriteByte('{')
		for _, f := range DefaultMapping {
			if v[f] == "" {
				continue
			}
			if want.Len() > 1 {
				want.WriteByte(',')
			}
			k, _ := json.Marshal(f.String())
			val, _ := json.Marshal(v[f])
			want.Write(k)
			want.WriteByte(':')
			want.Write(val)
		}
		want.WriteByte('}')
		if got := r.valuesText(&v); got != want.String() {
			t.Errorf("valuesText:\n got %s\nwant %s", got, want.String())
		}
	}
}
