package journal

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// checkPage checks that a report is one page with balanced tables.
func checkPage(t *testing.T, out string) {
	t.Helper()
	if !strings.HasPrefix(out, "<!DOCTYPE html>\n") || !strings.HasSuffix(out, "</body>\n</html>\n") {
		t.Errorf("the report is not one HTML page:\n%s", out)
	}
	for _, tag := range []string{"table", "tr", "tbody", "ul", "dl", "p", "td"} {
		if o, c := strings.Count(out, "<"+tag+">")+strings.Count(out, "<"+tag+" "), strings.Count(out, "</"+tag+">"); o != c {
			t.Errorf("the report opens <%s> %d times and closes it %d times", tag, o, c)
		}
	}
	// Self-contained and inert: nothing loaded, nothing run.
	if low := strings.ToLower(out); strings.Contains(low, "<script") || strings.Contains(low, "src=") || strings.Contains(low, "<link") {
		t.Errorf("the report has a script or an external resource:\n%s", out)
	}
}

func TestWriteReport(t *testing.T) {
	j, _, _ := engineCycles(t) // Bob's last name is <script>alert(1)</script>
	var b bytes.Buffer
	if err := j.WriteReport(&b, 0); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	checkPage(t, out)
	for _, want := range []string{
		"<title>contactsync journal: all cycles</title>",
		`<p id="verify" class="ok">Verify: hash chain intact: every cycle and every link row matches its hash</p>`,
		"report made 2026-03-02T09:3", // the injected clock
		// The overview, one row per cycle.
		`<tr><td><a href="#cycle-1">1</a></td><td>2026-03-02 10:30:00 &#43;0100</td><td>U1 (run by alice)</td><td>2</td><td>0</td><td>0</td><td>links 2 `,
		`<tr><td><a href="#cycle-2">2</a></td><td>2026-03-02 11:30:00 &#43;0100</td><td>U1 (run by alice)</td><td>1</td><td>0</td><td>0</td>`,
		`<h2 id="cycle-1">Cycle 1</h2>`, `<h2 id="cycle-2">Cycle 2</h2>`,
		"<dt>options</dt><dd>--max-delete=10% --prefer=crm</dd>",
		"<tr><td>input</td><td>crm/contacts.csv</td><td>1234</td><td>" + strings.Repeat("ab", 32) + "</td></tr>",
		// Values are escaped, creations shown one field a line.
		"<td>Bob &lt;script&gt;alert(1)&lt;/script&gt;</td>",
		"last: &lt;script&gt;alert(1)&lt;/script&gt;\ncompany: =HYPERLINK(&#34;x&#34;)\n",
		// An update with both values and its word diff.
		"<td>1</td><td>Ann Lee</td><td>outlook</td><td>update</td><td>notes</td><td class=\"v\">Met Ann at the fair.\nCall back on Monday",
		"<td class=\"v\">Met Ann at the <ins>spring </ins>fair.\nCall back on <del>Monday</del><ins>Tuesday</ins> about the order.\nLikes <ins>tennis and </ins>golf.</td><td>changed-in-crm</td></tr>",
		"<h3>Conflicts (0)</h3>\n<h3>Notices (0)</h3>",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

func TestWriteReportOfOneCycle(t *testing.T) {
	j := twoCycles(t)
	var b bytes.Buffer
	if err := j.WriteReport(&b, 2); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	checkPage(t, out)
	for _, want := range []string{
		"<title>contactsync journal: cycle 2</title>",
		"hash chain intact",
		`<h2 id="cycle-2">Cycle 2</h2>`,
		"<h3>Changes (4)</h3>",
		// A conflict: base, both values with their times, the winner marked.
		"<h3>Conflicts (1)</h3>",
		"<tr><td>1</td><td>Ann Lee</td><td>notes</td><td class=\"v\"></td><td class=\"v\">call back</td><td>2026-03-02T09:30:00&#43;01:00</td>" +
			"<td class=\"v winner\">met at\nthe fair</td><td>2026-03-02T11:00:00&#43;01:00</td><td>outlook</td><td>conflict-latest-wins</td></tr>",
		// An e-mail update with its diff; a change of no field has no diff.
		"<td class=\"v\">ann<ins>.lee</ins>@example.<del>com</del><ins>org</ins></td>",
		"<td>2</td><td>Bob Lee</td><td>-</td><td>unlink</td><td></td><td class=\"v\"></td><td class=\"v\"></td><td class=\"v\"></td><td>deleted-in-outlook</td></tr>",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report 2 lacks %q", want)
		}
	}
	if strings.Contains(out, `id="cycle-1"`) {
		t.Error("report of cycle 2 shows cycle 1")
	}
	b.Reset()
	if err := j.WriteReport(&b, 1); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "<ul class=\"notices\">\n<li>[ambiguous] two accounts named Acme; used the first</li>\n</ul>") {
		t.Errorf("report 1 lacks the notice:\n%s", b.String())
	}
}

// An edited journal still gets its report, with the failure at the top and
// the edited value, escaped, where it is.
func TestWriteReportOfEditedJournal(t *testing.T) {
	j := twoCycles(t)
	if _, err := j.db.Exec(`UPDATE changes SET new = '<b>forged</b>' WHERE cycle = 2 AND seq = 1`); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := j.WriteReport(&b, 0); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	checkPage(t, out)
	want := fmt.Sprintf(`<p id="verify" class="bad">Verify: hash chain broken: journal &#34;%s&#34; fails verification at cycle 2: its rows do not match its hash`, j.path)
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
	err := j.WriteReport(&b, 3)
	if err == nil || err.Error() != fmt.Sprintf("journal %q: report: cycle 3 not found (the journal has cycles 1..2)", j.path) {
		t.Errorf("report 3: err = %v", err)
	}
	if b.Len() != 0 {
		t.Errorf("report 3 wrote %q before failing", b.String())
	}
	empty := openTest(t, filepath.Join(t.TempDir(), "empty.db"))
	b.Reset()
	if err := empty.WriteReport(&b, 0); err != nil {
		t.Fatal(err)
	}
	checkPage(t, b.String())
	if !strings.Contains(b.String(), "<p>The journal has no cycles yet.</p>") || !strings.Contains(b.String(), "hash chain intact") {
		t.Errorf("report of an empty journal:\n%s", b.String())
	}
}

// The auditor commands work on a journal opened read-only, as the CLI
// opens it for them, while a sync holds the lock.
func TestAuditCommandsReadOnly(t *testing.T) {
	j := twoCycles(t)
	ro, err := Open(j.path, Options{ReadOnly: true, Now: clock()})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	for name, run := range map[string]func(*bytes.Buffer) error{
		"diff":   func(b *bytes.Buffer) error { return ro.WriteDiff(b, 2) },
		"csv":    func(b *bytes.Buffer) error { return ro.Export(b, "csv", 0) },
		"json":   func(b *bytes.Buffer) error { return ro.Export(b, "json", 1) },
		"report": func(b *bytes.Buffer) error { return ro.WriteReport(b, 0) },
	} {
		var b bytes.Buffer
		if err := run(&b); err != nil || b.Len() == 0 {
			t.Errorf("%s on a read-only journal: %v, %d bytes", name, err, b.Len())
		}
	}
}
