package audit

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"contactsync/engine"
)

func TestWriteLog(t *testing.T) {
	j := twoCycles(t)
	var b bytes.Buffer
	if err := WriteLog(&b, j); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("log has %d lines, want a header and 2 cycles:\n%s", len(lines), b.String())
	}
	for i, want := range []string{
		"    1  2026-03-02 10:30:00 +0100  U1 (run by alice)  committed  links 3 (linked 0, ended 0);",
		"    2  2026-03-02 11:30:00 +0100  U1 (run by alice)  committed  links 1 (linked 0, ended 1); crm +0 ~1, accounts +0, sync group +0 -1; outlook +0 ~0 -0; conflicts 1, held 0  out /data/out/2",
	} {
		if !strings.HasPrefix(lines[i+1], want) {
			t.Errorf("log line %d:\n%s\nwant prefix\n%s", i+1, lines[i+1], want)
		}
		if !strings.HasSuffix(lines[i+1], "  tool contactsync 0.1.0-test") {
			t.Errorf("log line %d does not end with the build that ran the cycle:\n%s", i+1, lines[i+1])
		}
	}
	empty := openTest(t, filepath.Join(t.TempDir(), "empty.db"))
	b.Reset()
	WriteLog(&b, empty)
	if b.String() != "the journal has no cycles yet\n" {
		t.Errorf("log of an empty journal = %q", b.String())
	}
}

func TestWriteShow(t *testing.T) {
	j := twoCycles(t)
	var b bytes.Buffer
	if err := WriteShow(&b, j, 2); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"cycle 2: sync, committed\n",
		"started:   2026-03-02T11:30:00+01:00\n",
		"finished:  2026-03-02T09:", // the injected clock (a minute a call: the migrations take some)
		"user:      U1 (run by alice)\n",
		"tool:      contactsync 0.1.0-test\n",
		"options:   --max-delete=10% --prefer=crm\n",
		"output:    /data/out/2\n",
		"  input   crm/contacts.csv  1234 bytes  sha256 " + strings.Repeat("ab", 32) + "\n",
		"  output  out/crm/contacts-new.csv  99 bytes  sha256 " + strings.Repeat("cd", 32) + "\n",
		"changes (4):\n",
		`  link 1 crm update email1: "ann@example.com" → "ann.lee@example.org" [changed-in-outlook] "Ann Lee"` + "\n",
		`  link 1 outlook update notes: "" → "met at\nthe fair" [conflict-latest-wins] "Ann Lee"` + "\n",
		`  link 2 - unlink: "" → "" [deleted-in-outlook] "Bob Lee"` + "\n",
		"conflicts (1):\n",
		`  link 1 "Ann Lee" notes: base ""; crm "call back" (2026-03-02T09:30:00+01:00); outlook "met at\nthe fair" (2026-03-02T11:00:00+01:00) → outlook wins [conflict-latest-wins]` + "\n",
		"notices (0):\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show 2 lacks %q; got:\n%s", want, out)
		}
	}
	b.Reset()
	WriteShow(&b, j, 1)
	if !strings.Contains(b.String(), "  [ambiguous] two accounts named Acme; used the first\n") ||
		!strings.Contains(b.String(), "hash:      ") || !strings.Contains(b.String(), "(previous none)") {
		t.Errorf("show 1:\n%s", b.String())
	}
	err := WriteShow(&b, j, 7)
	if err == nil || !strings.HasSuffix(err.Error(), "cycle 7 not found (the journal has cycles 1..2)") {
		t.Errorf("show 7: err = %v", err)
	}
}

func TestWriteHistory(t *testing.T) {
	j := twoCycles(t)
	cases := []struct {
		key       string
		want      []string
		wantLinks int
	}{
		// The old e-mail is in a change only; the new one also in the base.
		{"ANN@example.com", []string{`link 1 "Ann Lee": crm C1, outlook OL1, opened in cycle 1, open`,
			"  cycle 1 (2026-03-02 10:30:00 +0100 by U1):\n    link 1 - link: \"C1\" → \"OL1\" [link-by-email] \"Ann Lee\"",
			"  cycle 2 (2026-03-02 11:30:00 +0100 by U1):\n    link 1 crm update email1:",
			`    conflict: link 1 "Ann Lee" notes: base ""`}, 1},
		{"mailto:ann.lee@example.org", []string{"link 1 "}, 1},
		{"C2", []string{`link 2 "Bob Lee": crm C2, outlook OL2, opened in cycle 1, closed in cycle 2`,
			`link 2 crm group-remove: "C2" → "" [deleted-in-outlook]`, `link 2 - unlink:`}, 1},
		{"OL2", []string{"link 2 "}, 1},
		{"zoe3@example.com", []string{"link 3 \"Zoë middle of 3 Núñez-Øster\": crm CDEMOA000003"}, 1},
	}
	for _, c := range cases {
		var b bytes.Buffer
		if err := WriteHistory(&b, j, c.key); err != nil {
			t.Errorf("history %q: %v", c.key, err)
			continue
		}
		out := b.String()
		if n := strings.Count(out, "\nlink "); n != c.wantLinks {
			t.Errorf("history %q shows %d links, want %d:\n%s", c.key, n, c.wantLinks, out)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("history %q lacks %q; got:\n%s", c.key, w, out)
			}
		}
	}
	var b bytes.Buffer
	if err := WriteHistory(&b, j, "nobody@example.com"); err == nil || !strings.Contains(err.Error(), "no link matches") {
		t.Errorf("history of an unknown key: err = %v", err)
	}
	// A substring of an address is not a match.
	if err := WriteHistory(&b, j, "example.com"); err == nil {
		t.Errorf("history of a partial address matched:\n%s", b.String())
	}
}

// No byte that is not UTF-8 reaches an HTML page raw, also when a write
// cuts a sequence in two.
func TestUTF8Writer(t *testing.T) {
	in := "a\xffb é\xe2\x82\xacc\xe2\x82"
	want := "a\uFFFDb é€c\uFFFD"
	for split := 0; split <= len(in); split++ {
		var b bytes.Buffer
		w := &utf8Writer{w: &b}
		w.Write([]byte(in[:split]))
		w.Write([]byte(in[split:]))
		if err := w.flush(); err != nil {
			t.Fatal(err)
		}
		if b.String() != want {
			t.Errorf("split at %d: %q, want %q", split, b.String(), want)
		}
	}
	var page bytes.Buffer
	p := &engine.Plan{Cycle: 1, Notices: []engine.Notice{{Kind: "input", Message: "bad \xff\xfe byte"}}}
	if err := WritePlanReport(&page, p, true, "ok"); err != nil {
		t.Fatal(err)
	}
	if !utf8.Valid(page.Bytes()) {
		t.Error("the plan report holds bytes that are not UTF-8")
	}
}
