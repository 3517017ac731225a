package audit

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"contactsync/engine"
	"contactsync/journal"
)

// trickyCycles is twoCycles plus a cycle whose values a spreadsheet would
// run as formulas, or that need quoting.
func trickyCycles(t *testing.T) *journal.Journal {
	t.Helper()
	j := twoCycles(t)
	p := plan(3, 4, changed(smallLink(1, "Ann", "ann.lee@example.org")), engine.LinkState{Link: fullLink(3)})
	for i, v := range trickyValues {
		p.Changes = append(p.Changes, engine.Change{Link: 1, Side: engine.CRM, Op: engine.OpUpdate, Field: "notes",
			Old: strconv.Itoa(i), New: v.raw, Rule: engine.RuleChangedInOutlook, Name: v.raw})
	}
	p.Changes = append(p.Changes, engine.Change{Side: engine.NoSide, Op: engine.OpHeld, Rule: engine.RuleDirection})
	if err := j.Commit(p, info(3)); err != nil {
		t.Fatal(err)
	}
	return j
}

var trickyValues = []struct{ raw, cell string }{
	{"=HYPERLINK(\"http://evil.example\",\"click\")", "'=HYPERLINK(\"http://evil.example\",\"click\")"},
	{"@SUM(A1:A9)", "'@SUM(A1:A9)"},
	{"+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
	{"-A1+B2", "'-A1+B2"},
	{"\tindented", "'\tindented"},
	{"\rreturn", "'\rreturn"},
	{"+49 (170) 123-4567", "+49 (170) 123-4567"}, // a phone number stays
	{"-3.5", "-3.5"},                             // a number stays
	{"-", "-"},                                   // a lone sign is text
	{"+", "+"},                                   // either sign (DESIGN §10, contact.FormulaLike)
	{"+1-1", "'+1-1"},                            // a sum is a formula
	{"<b>Tom & Jerry</b>\u2028", "<b>Tom & Jerry</b>\u2028"},
	{"a=b, \"quoted\"\nsecond line", "a=b, \"quoted\"\nsecond line"},
	{"Zoë \xff", "Zoë \uFFFD"},
	{"", ""},
}

// readCSV parses an export back, checking and dropping its byte order mark.
func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	rest, ok := bytes.CutPrefix(b, []byte("\uFEFF"))
	if !ok {
		t.Fatalf("the CSV export does not start with a UTF-8 byte order mark: %q", b[:min(len(b), 10)])
	}
	if !bytes.HasSuffix(rest, []byte("\r\n")) || bytes.Count(rest, []byte("\n")) != bytes.Count(rest, []byte("\r\n"))+countInnerLF(rest) {
		t.Errorf("the CSV export does not end its records with CRLF:\n%q", rest)
	}
	rows, err := csv.NewReader(bytes.NewReader(rest)).ReadAll()
	if err != nil {
		t.Fatalf("the CSV export does not parse: %v", err)
	}
	return rows
}

// countInnerLF counts the line feeds inside quoted cells (values with line
// breaks are written as they are).
func countInnerLF(b []byte) int {
	n, quoted := 0, false
	for i, c := range b {
		switch {
		case c == '"':
			quoted = !quoted
		case c == '\n' && quoted && (i == 0 || b[i-1] != '\r'):
			n++
		}
	}
	return n
}

func TestExportCSV(t *testing.T) {
	j := trickyCycles(t)
	var b bytes.Buffer
	if err := Export(&b, j, "csv", 0); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, b.Bytes())
	if !reflect.DeepEqual(rows[0], csvHeader) || strings.Join(csvHeader, ",") != "cycle,cycle_time,sync_user,run_by,link,side,op,field,old,new,rule,name" {
		t.Fatalf("header = %q", rows[0])
	}
	rows = rows[1:]
	var want [][]string
	for n := 1; n <= 3; n++ {
		changes, err := j.Changes(n)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range changes {
			link := ""
			if c.Link != 0 {
				link = strconv.FormatInt(c.Link, 10)
			}
			want = append(want, []string{strconv.Itoa(n), journal.Stamp(info(n).Started), "U1", "alice", link, c.Side.String(), string(c.Op),
				c.Field, c.Old, c.New, string(c.Rule), c.Name})
		}
	}
	if len(rows) != len(want) {
		t.Fatalf("export has %d rows, the journal %d changes", len(rows), len(want))
	}
	tricky := map[string]string{}
	for _, v := range trickyValues {
		tricky[v.raw] = v.cell
	}
	for i := range rows {
		for k := range want[i] {
			w := want[i][k]
			if cell, ok := tricky[w]; ok && (k == 9 || k == 11) {
				w = cell
			}
			if rows[i][k] != w {
				t.Errorf("row %d column %s = %q, want %q", i+1, csvHeader[k], rows[i][k], w)
			}
		}
	}
	if rows[0][1] != "2026-03-02T10:30:00+01:00" || rows[0][4] != "1" || rows[len(rows)-1][4] != "" {
		t.Errorf("first row %q, last row %q", rows[0], rows[len(rows)-1])
	}

	// One cycle.
	b.Reset()
	if err := Export(&b, j, "csv", 2); err != nil {
		t.Fatal(err)
	}
	rows = readCSV(t, b.Bytes())
	if len(rows) != 5 || rows[1][0] != "2" || rows[4][0] != "2" {
		t.Errorf("export of cycle 2 = %q, want the header and its 4 changes", rows)
	}
	// Nothing yet.
	empty := openTest(t, filepath.Join(t.TempDir(), "empty.db"))
	b.Reset()
	if err := Export(&b, empty, "csv", 0); err != nil || len(readCSV(t, b.Bytes())) != 1 {
		t.Errorf("export of an empty journal = %q, %v; want the header only", b.String(), err)
	}
}

func TestExportErrors(t *testing.T) {
	j := twoCycles(t)
	for _, c := range []struct {
		format string
		cycle  int
		want   string
	}{
		{"csv", 3, "cycle 3 not found (the journal has cycles 1..2)"},
		{"json", -1, "cycle -1 not found (the journal has cycles 1..2)"},
		{"xml", 0, `unknown format "xml" (want csv or json)`},
	} {
		var b bytes.Buffer
		err := Export(&b, j, c.format, c.cycle)
		if err == nil || err.Error() != fmt.Sprintf("journal %q: export: %s", j.Path(), c.want) {
			t.Errorf("Export(%s, %d) err = %v, want %q", c.format, c.cycle, err, c.want)
		}
		if b.Len() != 0 {
			t.Errorf("Export(%s, %d) wrote %q before failing", c.format, c.cycle, b.String())
		}
	}
}

// jsonExport is the JSON export as a reader decodes it.
type jsonExport struct {
	Cycles []struct {
		Number      int                `json:"number"`
		Started     string             `json:"started"`
		Finished    string             `json:"finished"`
		SyncUser    string             `json:"sync_user"`
		RunBy       string             `json:"run_by"`
		ToolVersion string             `json:"tool_version"`
		Options     map[string]string  `json:"options"`
		Counts      engine.Counts      `json:"counts"`
		Hash        string             `json:"hash"`
		PrevHash    string             `json:"prev_hash"`
		Files       []journal.FileHash `json:"files"`
		Changes     []engine.Change    `json:"changes"`
		Conflicts   []struct {
			engine.Conflict
			CRMTime     string `json:"crm_time"`
			OutlookTime string `json:"outlook_time"`
		} `json:"conflicts"`
		Notices []engine.Notice `json:"notices"`
	} `json:"cycles"`
}

func TestExportJSON(t *testing.T) {
	j := trickyCycles(t)
	var b bytes.Buffer
	if err := Export(&b, j, "json", 0); err != nil {
		t.Fatal(err)
	}
	var doc jsonExport
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("the JSON export does not decode: %v\n%s", err, b.String())
	}
	if len(doc.Cycles) != 3 {
		t.Fatalf("export has %d cycles, want 3", len(doc.Cycles))
	}
	prev := ""
	for i, c := range doc.Cycles {
		n := i + 1
		in := info(n)
		if c.Number != n || c.Started != journal.Stamp(in.Started) || !strings.HasPrefix(c.Finished, "2026-03-02T09:") ||
			c.SyncUser != "U1" || c.RunBy != "alice" || c.ToolVersion != in.ToolVersion || c.PrevHash != prev || len(c.Hash) != 64 {
			t.Errorf("cycle %d header = %+v", n, c)
		}
		prev = c.Hash
		if !reflect.DeepEqual(c.Options, in.Options) {
			t.Errorf("cycle %d options = %v, want %v", n, c.Options, in.Options)
		}
		if want := append(append([]journal.FileHash(nil), in.Inputs...), in.Outputs...); !reflect.DeepEqual(c.Files, want) {
			t.Errorf("cycle %d files = %+v, want %+v", n, c.Files, want)
		}
		changes, err := j.Changes(n)
		if err != nil {
			t.Fatal(err)
		}
		for k := range changes { // JSON is UTF-8
			changes[k].New = strings.ToValidUTF8(changes[k].New, "\uFFFD")
			changes[k].Name = strings.ToValidUTF8(changes[k].Name, "\uFFFD")
		}
		if !reflect.DeepEqual(c.Changes, changes) && !(len(c.Changes) == 0 && len(changes) == 0) {
			t.Errorf("cycle %d changes:\n%+v\nwant\n%+v", n, c.Changes, changes)
		}
		conflicts, err := j.Conflicts(n)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Conflicts) != len(conflicts) {
			t.Fatalf("cycle %d has %d conflicts, want %d", n, len(c.Conflicts), len(conflicts))
		}
		for k, x := range c.Conflicts {
			got := x.Conflict
			var err1, err2 error
			got.CRMTime, err1 = journal.ParseStamp(x.CRMTime)
			got.OutlookTime, err2 = journal.ParseStamp(x.OutlookTime)
			w := conflicts[k]
			if err1 != nil || err2 != nil || !got.CRMTime.Equal(w.CRMTime) || !got.OutlookTime.Equal(w.OutlookTime) {
				t.Errorf("cycle %d conflict %d times %q, %q; want %v, %v", n, k, x.CRMTime, x.OutlookTime, w.CRMTime, w.OutlookTime)
			}
			got.CRMTime, got.OutlookTime, w.CRMTime, w.OutlookTime = time.Time{}, time.Time{}, time.Time{}, time.Time{}
			if got != w {
				t.Errorf("cycle %d conflict %d = %+v, want %+v", n, k, got, w)
			}
		}
	}
	if doc.Cycles[1].Counts.Conflicts != 1 || doc.Cycles[1].Counts.GroupRemoved != 1 || len(doc.Cycles[1].Conflicts) != 1 {
		t.Errorf("cycle 2 counts = %+v", doc.Cycles[1].Counts)
	}
	if n := doc.Cycles[0].Notices; len(n) != 1 || n[0].Message != "two accounts named Acme; used the first" {
		t.Errorf("cycle 1 notices = %+v", n)
	}
	// Every key is there even when empty.
	if !strings.Contains(b.String(), `{"link":2,"side":"-","op":"unlink","field":"","old":"","new":"","rule":"deleted-in-outlook","name":"Bob Lee"}`) {
		t.Errorf("records are not written in full:\n%s", b.String())
	}
	// Strings are escaped by the one escaper of contactsync's JSON, as
	// json.Marshal and plan.json escape them (<, >, &, U+2028 too; bytes
	// that are not UTF-8 as U+FFFD).
	for _, v := range trickyValues {
		js, _ := json.Marshal(v.raw)
		if want := `"name":` + string(js) + "}"; !strings.Contains(b.String(), want) {
			t.Errorf("export lacks %s", want)
		}
		if got := string(engine.AppendJSONString(nil, v.raw)); got != string(js) {
			t.Errorf("AppendJSONString(%q) = %s, json.Marshal %s", v.raw, got, js)
		}
	}

	b.Reset()
	if err := Export(&b, j, "json", 2); err != nil {
		t.Fatal(err)
	}
	doc = jsonExport{}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil || len(doc.Cycles) != 1 || doc.Cycles[0].Number != 2 || len(doc.Cycles[0].Changes) != 4 {
		t.Errorf("export of cycle 2 = %+v, %v", doc, err)
	}
	empty := openTest(t, filepath.Join(t.TempDir(), "empty.db"))
	b.Reset()
	if err := Export(&b, empty, "json", 0); err != nil || strings.TrimSpace(b.String()) != "{\"cycles\":[\n]}" {
		t.Errorf("export of an empty journal = %q, %v", b.String(), err)
	}
}

// An auditor pulls one contact's whole history, or a span of time, without
// post-processing.
func TestExportFiltered(t *testing.T) {
	j := twoCycles(t)
	export := func(format string, f ExportFilter) string {
		t.Helper()
		var b bytes.Buffer
		if err := ExportFiltered(&b, j, format, f); err != nil {
			t.Fatalf("export %s %+v: %v", format, f, err)
		}
		return b.String()
	}
	all := export("csv", ExportFilter{})
	ann := export("csv", ExportFilter{Contact: "mailto:ANN@example.com"})
	if !strings.Contains(ann, "Ann Lee") || strings.Contains(ann, "Bob Lee") {
		t.Errorf("Ann's history holds another contact or not hers:\n%s", ann)
	}
	// Every row of Ann's links is there, from both cycles.
	var want []string
	for _, line := range strings.Split(all, "\r\n")[1:] {
		if strings.Contains(line, "Ann Lee") {
			want = append(want, line)
		}
	}
	if got := strings.Split(strings.TrimSuffix(ann, "\r\n"), "\r\n")[1:]; strings.Join(got, "\n") != strings.Join(want, "\n") || len(got) < 2 {
		t.Errorf("Ann's rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Time: cycle 1 started 10:30 +01:00, cycle 2 11:30 +01:00.
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	since := export("csv", ExportFilter{Since: at("2026-03-02T10:00:00Z")})
	until := export("csv", ExportFilter{Until: at("2026-03-02T10:00:00Z")})
	if strings.Contains(since, "\r\n1,") || !strings.Contains(since, "\r\n2,") {
		t.Errorf("--since between the cycles:\n%s", since)
	}
	if !strings.Contains(until, "\r\n1,") || strings.Contains(until, "\r\n2,") {
		t.Errorf("--until between the cycles:\n%s", until)
	}
	if got := export("csv", ExportFilter{Since: at("2026-03-02T10:00:00Z"), Until: at("2026-03-02T10:30:00Z")}); strings.Count(got, "\r\n") != 1 {
		t.Errorf("an empty span has rows:\n%s", got)
	}
	// JSON: only the cycles where the contact has rows, only its rows.
	js := export("json", ExportFilter{Contact: "ann@example.com", Cycle: 2})
	var doc struct {
		Cycles []struct {
			Number    int
			Changes   []struct{ Name string }
			Conflicts []struct{ Name string }
		}
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Cycles) != 1 || doc.Cycles[0].Number != 2 || len(doc.Cycles[0].Changes) == 0 || len(doc.Cycles[0].Conflicts) != 1 {
		t.Errorf("json of Ann in cycle 2: %s", js)
	}
	for _, c := range doc.Cycles[0].Changes {
		if c.Name != "Ann Lee" {
			t.Errorf("json of Ann holds a change of %q", c.Name)
		}
	}
	var b bytes.Buffer
	if err := ExportFiltered(&b, j, "csv", ExportFilter{Contact: "nobody@example.com"}); !errors.Is(err, journal.ErrNoContact) {
		t.Errorf("unknown contact: err = %v", err)
	}
}
