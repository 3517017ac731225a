package audit

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"contactsync/engine"
	"contactsync/journal"
)

// checkPage checks that a report is one page with balanced tables, whose
// only script is the page's own filter script, loading nothing.
func checkPage(t *testing.T, out string) {
	t.Helper()
	if !strings.HasPrefix(out, "<!DOCTYPE html>\n") || !strings.HasSuffix(out, "</body>\n</html>\n") {
		t.Errorf("the report is not one HTML page:\n%s", out)
	}
	for _, tag := range []string{"table", "tr", "tbody", "ul", "dl", "p", "td", "section"} {
		if o, c := strings.Count(out, "<"+tag+">")+strings.Count(out, "<"+tag+" "), strings.Count(out, "</"+tag+">"); o != c {
			t.Errorf("the report opens <%s> %d times and closes it %d times", tag, o, c)
		}
	}
	low := strings.ToLower(out)
	if strings.Count(low, "<script") != 1 || strings.Contains(low, "src=") || strings.Contains(low, "<link") ||
		strings.Contains(low, "http:") || strings.Contains(low, "https:") || strings.Contains(low, "url(") || strings.Contains(low, "@import") {
		t.Errorf("the report has a script of its own or an external resource:\n%s", out)
	}
}

func TestWriteReport(t *testing.T) {
	j, _, _ := engineCycles(t) // Bob's last name is <script>alert(1)</script>
	var b bytes.Buffer
	if err := WriteReport(&b, j, 0); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	checkPage(t, out)
	for _, want := range []string{
		"<title>contactsync journal: all cycles</title>",
		`<p id="verify" class="ok">Verify: hash chain intact: every cycle and every link row matches its hash</p>`,
		"report made 2026-03-02T09:", // the injected clock (a minute a call: the migrations take some)
		// The overview, one row per cycle.
		`<tr><td><a href="#cycle-1">1</a></td><td>2026-03-02 10:30:00 &#43;0100</td><td>U1 (run by alice)</td><td>2</td><td>0</td><td>0</td><td>links 2 `,
		`<tr><td><a href="#cycle-2">2</a></td><td>2026-03-02 11:30:00 &#43;0100</td><td>U1 (run by alice)</td><td>1</td><td>0</td><td>0</td>`,
		`<h2 id="cycle-1">Cycle 1</h2>`, `<h2 id="cycle-2">Cycle 2</h2>`,
		"<dt>options</dt><dd>--max-delete=10% --prefer=crm</dd>",
		"<tr><td>input</td><td>crm/contacts.csv</td><td>1234</td><td>" + strings.Repeat("ab", 32) + "</td></tr>",
		// The summary per side and operation, rule, field.
		"<tr><td>Outlook</td><td>update</td><td>1</td></tr>", "<tr><td>changed-in-crm</td><td>1</td></tr>", "<tr><td>notes</td><td>1</td></tr>",
		// Values are escaped; a creation is a card with a row per field.
		`<section class="card" id="c1-2" data-kind="creation">` + "\n<h4>Bob &lt;script&gt;alert(1)&lt;/script&gt; <small>link 2</small>",
		`<tr><th>last</th><td><span class="note">none</span></td><td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td><span class="note">new</span></td><td class="result">&lt;script&gt;alert(1)&lt;/script&gt;</td><td>CRM: new-in-crm</td></tr>`,
		// An update: base, both sides (the changed one with its word diff),
		// the result, the winner and why.
		"<tr><th>notes</th><td>Met Ann at the fair.\nCall back on Monday about the order.\nLikes golf.</td>" +
			"<td>Met Ann at the <ins>spring </ins>fair.\nCall back on <del>Monday</del><ins>Tuesday</ins> about the order.\nLikes <ins>tennis and </ins>golf.</td>" +
			"<td>Met Ann at the fair.\nCall back on Monday about the order.\nLikes golf.</td>" +
			"<td class=\"result\">Met Ann at the spring fair.\nCall back on Tuesday about the order.\nLikes tennis and golf.</td><td>CRM: changed-in-crm</td></tr>",
		"<h3>Notices (0)</h3>",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if n := strings.Count(out, `<section class="card"`); n != 3 {
		t.Errorf("%d cards, want 3 (two creations, one update)", n)
	}
}

func TestWriteReportOfOneCycle(t *testing.T) {
	j := twoCycles(t)
	var b bytes.Buffer
	if err := WriteReport(&b, j, 2); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	checkPage(t, out)
	for _, want := range []string{
		"<title>contactsync journal: cycle 2</title>",
		"hash chain intact",
		`<h2 id="cycle-2">Cycle 2</h2>`,
		// A conflict: base, both values, the winner and the times; the
		// other field of the card with its diff.
		`<section class="card" id="c2-1" data-kind="conflict update">`,
		"<tr class=\"conflict\"><th>notes</th><td><span class=\"note\">empty</span></td><td>call back</td><td>met at\nthe fair</td>" +
			"<td class=\"result\">met at\nthe fair</td><td>Outlook: conflict-latest-wins (CRM changed 2026-03-02 08:30, Outlook 2026-03-02 10:00)</td></tr>",
		"<td>ann<ins>.lee</ins>@example.<del>com</del><ins>org</ins></td>",
		// A deletion is a card of its own kind.
		`<section class="card" id="c2-2" data-kind="deletion">`,
		"<li>end the link of &#34;Bob Lee&#34; (link 2)  [deleted-in-outlook]</li>",
		"<tr><td>both</td><td>unlink</td><td>1</td></tr>",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report 2 lacks %q", want)
		}
	}
	if strings.Contains(out, `id="cycle-1"`) {
		t.Error("report of cycle 2 shows cycle 1")
	}
	b.Reset()
	if err := WriteReport(&b, j, 1); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "<ul class=\"notices\">\n<li>[ambiguous] two accounts named Acme; used the first</li>\n</ul>") {
		t.Errorf("report 1 lacks the notice:\n%s", b.String())
	}
	// A range.
	b.Reset()
	if err := WriteReportRange(&b, j, 1, 2); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); !strings.Contains(out, "<title>contactsync journal: cycles 1 to 2</title>") || !strings.Contains(out, `id="cycle-1"`) || !strings.Contains(out, `id="cycle-2"`) {
		t.Errorf("report of cycles 1 to 2:\n%s", out)
	}
}

// An edited journal still gets its report, with the failure at the top and
// the edited value, escaped, where it is.
func TestWriteReportOfEditedJournal(t *testing.T) {
	j := twoCycles(t)
	// The first change of cycle 2 is ann's e-mail address, in the set of
	// the cycle's changes: overwritten with a value of the same length.
	if err := replaceInSets(j, 2, "ann.lee@example.org", "<b>forged</b>@x.org"); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteReport(&b, j, 0); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	checkPage(t, out)
	want := fmt.Sprintf(`<p id="verify" class="bad">Verify: hash chain broken: journal &#34;%s&#34; fails verification at cycle 2: its rows do not match its hash`, j.Path())
	if !strings.Contains(out, want) || strings.Contains(out, "hash chain intact") {
		t.Errorf("report of an edited journal lacks %q:\n%s", want, out)
	}
	if !strings.Contains(out, "&lt;b&gt;forged&lt;/b&gt;") || strings.Contains(out, "<b>forged") {
		t.Errorf("the edited value is not shown escaped")
	}
}

func TestWriteReportErrors(t *testing.T) {
	j := twoCycles(t)
	var b bytes.Buffer
	err := WriteReport(&b, j, 3)
	if err == nil || err.Error() != fmt.Sprintf("journal %q: report: cycle 3 not found (the journal has cycles 1..2)", j.Path()) {
		t.Errorf("report 3: err = %v", err)
	}
	if b.Len() != 0 {
		t.Errorf("report 3 wrote %q before failing", b.String())
	}
	empty := openTest(t, filepath.Join(t.TempDir(), "empty.db"))
	b.Reset()
	if err := WriteReport(&b, empty, 0); err != nil {
		t.Fatal(err)
	}
	checkPage(t, b.String())
	if !strings.Contains(b.String(), "<p>The journal has no cycles in this range.</p>") || !strings.Contains(b.String(), "hash chain intact") {
		t.Errorf("report of an empty journal:\n%s", b.String())
	}
}

// The page is bounded: a cycle of many changes shows at most
// reportCardsPerKind cards of a kind and says where the rest are; every
// contact is still counted.
func TestPlanReportBounded(t *testing.T) {
	p := &engine.Plan{Cycle: 7, User: "U1", Prefer: engine.CRM, Direction: engine.Both}
	const n = 3 * reportCardsPerKind
	for i := 1; i <= n; i++ {
		p.Changes = append(p.Changes,
			engine.Change{Link: int64(i), Side: engine.NoSide, Op: engine.OpLink, Rule: engine.RuleLinkEmail, Name: "P"},
			engine.Change{Link: int64(i), Side: engine.CRM, Op: engine.OpUpdate, Field: "job_title", Old: "a b c", New: "a x c", Rule: engine.RuleChangedInOutlook, Name: "P"})
	}
	p.Changes = append(p.Changes, engine.Change{Link: n + 1, Side: engine.Outlook, Op: engine.OpDelete, Old: "k", Rule: engine.RuleDeletedInCRM, Name: "Gone"})
	for i := 0; i < reportNotices+100; i++ {
		p.Notices = append(p.Notices, engine.Notice{Kind: "likely-duplicate", Message: "dup"}, engine.Notice{Kind: "arrived", Message: "routine"})
	}
	var b bytes.Buffer
	if err := WritePlanReport(&b, p, true, "ok"); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	checkPage(t, out)
	if got := strings.Count(out, `data-kind="update"`); got != reportCardsPerKind {
		t.Errorf("%d update cards, want the bound %d", got, reportCardsPerKind)
	}
	if !strings.Contains(out, `data-kind="deletion"`) {
		t.Error("the deletion card was crowded out by updates")
	}
	if want := fmt.Sprintf("%d more cards not shown here (%d update): plan.txt and plan.json", n-reportCardsPerKind, n-reportCardsPerKind); !strings.Contains(out, want) {
		t.Errorf("report lacks %q", want)
	}
	if got := strings.Count(out, "<li>[likely-duplicate]"); got != reportNotices || !strings.Contains(out, "100 more notices not shown here") ||
		strings.Contains(out, "[arrived]") || !strings.Contains(out, fmt.Sprintf("<h3>Notices (%d)</h3>", reportNotices+100)) {
		t.Errorf("%d notices listed, want the bound %d, the rest counted, routine ones not listed", got, reportNotices)
	}
	if !strings.Contains(out, "Counted, not carded: 750 links confirmed") || strings.Contains(out, "<th>link</th>") {
		t.Error("confirmed links are not counted, or are carded")
	}
}

// The auditor commands work on a journal opened read-only, as the CLI
// opens it for them, while a sync holds the lock.
func TestAuditCommandsReadOnly(t *testing.T) {
	j := twoCycles(t)
	ro, err := journal.Open(j.Path(), journal.Options{ReadOnly: true, Now: clock()})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	for name, run := range map[string]func(*bytes.Buffer) error{
		"diff":   func(b *bytes.Buffer) error { return WriteDiff(b, ro, 2) },
		"csv":    func(b *bytes.Buffer) error { return Export(b, ro, "csv", 0) },
		"json":   func(b *bytes.Buffer) error { return Export(b, ro, "json", 1) },
		"report": func(b *bytes.Buffer) error { return WriteReport(b, ro, 0) },
	} {
		var b bytes.Buffer
		if err := run(&b); err != nil || b.Len() == 0 {
			t.Errorf("%s on a read-only journal: %v, %d bytes", name, err, b.Len())
		}
	}
}
