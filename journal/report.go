package journal

import (
	"bufio"
	"database/sql"
	"fmt"
	"html/template"
	"io"
	"strings"

	"contactsync/engine"
)

// WriteReport writes a self-contained HTML page (no scripts, no external
// files) for auditors about cycle n, or every cycle when n is 0: at the top
// the result of Verify, "hash chain intact" or the error, then an overview
// line per cycle, and for each cycle its header and summary, its files,
// every change (with a word diff for field updates, as WriteDiff shows it),
// every conflict with the base, both values, both times, the winner and the
// rule, and the notices. Every value is escaped by html/template.
//
// A journal that fails Verify still gets its report, with the failure at
// the top: the report is how an auditor sees what was changed. The report
// is streamed row by row, so a cycle of a million changes is never held in
// memory.
func (j *Journal) WriteReport(w io.Writer, n int) error {
	if err := j.writeReport(w, n); err != nil {
		return fmt.Errorf("journal %q: report: %w", j.path, err)
	}
	return nil
}

// reportHead is the data of the page's top.
type reportHead struct {
	Title     string
	Path      string
	Generated string
	VerifyOK  bool
	Verify    string
	Cycles    []reportOverview
}

type reportOverview struct {
	Number                      int
	Started, User, Summary      string
	Changes, Conflicts, Notices int
}

// reportCycle is the data of a cycle's header.
type reportCycle struct {
	cycleRow
	User, Summary, Options string
	Files                  []FileHash
	Changes, Conflicts     int
	Notices                []reportNotice
}

type reportChange struct {
	Link                                  int64
	Name, Side, Op, Field, Old, New, Rule string
	Diff                                  []reportSpan
}

type reportSpan struct {
	Kind string // "del", "ins" or ""
	Text string
}

type reportConflict struct {
	Link                                     int64
	Name, Field, Base, CRM, CRMTime, Outlook string
	OutlookTime, Winner, Rule                string
}

type reportNotice struct {
	Kind    string
	Link    int64
	Message string
}

func (j *Journal) writeReport(w io.Writer, n int) error {
	// Verify first: it runs its own transaction, and the journal has one
	// connection.
	head := reportHead{Path: j.path, Generated: stamp(j.now())}
	verr := j.Verify()
	if verr == nil {
		head.VerifyOK, head.Verify = true, "hash chain intact: every cycle and every link row matches its hash"
	} else {
		head.Verify = "hash chain broken: " + verr.Error()
	}

	tx, err := j.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	where, arg, err := j.cycleFilter(tx, "number", n)
	if err != nil {
		return err
	}
	head.Title = "contactsync journal: all cycles"
	if n != 0 {
		head.Title = fmt.Sprintf("contactsync journal: cycle %d", n)
	}
	var cycles []cycleRow
	if err := each(tx, `SELECT `+cycleColumns+` FROM cycles WHERE `+where+` ORDER BY number`, arg, func(rs *sql.Rows) error {
		var r cycleRow
		err := rs.Scan(r.dest()...)
		cycles = append(cycles, r)
		return err
	}); err != nil {
		return err
	}
	for i := range cycles {
		r := &cycles[i]
		o := reportOverview{Number: r.Number, Started: showTime(r.Started), User: userText(r), Summary: summary(r.Counts)}
		if err := tx.QueryRow(`SELECT (SELECT count(*) FROM changes WHERE cycle = ?1), (SELECT count(*) FROM conflicts WHERE cycle = ?1),
			(SELECT count(*) FROM notices WHERE cycle = ?1)`, r.Number).Scan(&o.Changes, &o.Conflicts, &o.Notices); err != nil {
			return err
		}
		head.Cycles = append(head.Cycles, o)
	}

	b := bufio.NewWriter(w)
	if err := reportTemplate.ExecuteTemplate(b, "head", head); err != nil {
		return err
	}
	d := newWordDiffer()
	for i := range cycles {
		r := &cycles[i]
		c := reportCycle{cycleRow: *r, User: userText(r), Summary: summary(r.Counts), Options: showOptions(r.Options),
			Changes: head.Cycles[i].Changes, Conflicts: head.Cycles[i].Conflicts}
		c.cycleRow = valid(c.cycleRow)
		if err := each(tx, `SELECT role, path, sha256, size FROM files WHERE cycle = ? ORDER BY seq`, r.Number, func(rs *sql.Rows) error {
			var f FileHash
			err := rs.Scan(&f.Role, &f.Path, &f.SHA256, &f.Size)
			f.Path = validText(f.Path)
			c.Files = append(c.Files, f)
			return err
		}); err != nil {
			return err
		}
		if err := reportTemplate.ExecuteTemplate(b, "cycle", c); err != nil {
			return err
		}
		if err := each(tx, `SELECT link, side, op, field, old, new, rule, name FROM changes WHERE cycle = ? ORDER BY seq`, r.Number, func(rs *sql.Rows) error {
			var x engine.Change
			if err := rs.Scan(&x.Link, &x.Side, &x.Op, &x.Field, &x.Old, &x.New, &x.Rule, &x.Name); err != nil {
				return err
			}
			return reportTemplate.ExecuteTemplate(b, "change", reportRow(d, &x))
		}); err != nil {
			return err
		}
		if err := reportTemplate.ExecuteTemplate(b, "conflicts", c); err != nil {
			return err
		}
		if err := each(tx, `SELECT link, field, base, crm, outlook, crm_time, outlook_time, winner, rule, name
			FROM conflicts WHERE cycle = ? ORDER BY seq`, r.Number, func(rs *sql.Rows) error {
			var x reportConflict
			if err := rs.Scan(&x.Link, &x.Field, &x.Base, &x.CRM, &x.Outlook, &x.CRMTime, &x.OutlookTime, &x.Winner, &x.Rule, &x.Name); err != nil {
				return err
			}
			for _, s := range []*string{&x.Field, &x.Base, &x.CRM, &x.Outlook, &x.CRMTime, &x.OutlookTime, &x.Winner, &x.Rule, &x.Name} {
				*s = validText(*s)
			}
			return reportTemplate.ExecuteTemplate(b, "conflict", x)
		}); err != nil {
			return err
		}
		if err := each(tx, `SELECT kind, link, message FROM notices WHERE cycle = ? ORDER BY seq`, r.Number, func(rs *sql.Rows) error {
			var x reportNotice // few
			err := rs.Scan(&x.Kind, &x.Link, &x.Message)
			x.Kind, x.Message = validText(x.Kind), validText(x.Message)
			c.Notices = append(c.Notices, x)
			return err
		}); err != nil {
			return err
		}
		if err := reportTemplate.ExecuteTemplate(b, "notices", c); err != nil {
			return err
		}
	}
	if err := reportTemplate.ExecuteTemplate(b, "foot", head); err != nil {
		return err
	}
	return b.Flush()
}

func userText(r *cycleRow) string {
	if r.RunBy != r.SyncUser {
		return r.SyncUser + " (run by " + r.RunBy + ")"
	}
	return r.SyncUser
}

// validText makes s valid UTF-8 for the page, which declares that charset.
func validText(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// valid makes the text of a cycle row valid UTF-8.
func valid(r cycleRow) cycleRow {
	for _, s := range []*string{&r.Kind, &r.Status, &r.Started, &r.Finished, &r.SyncUser, &r.RunBy, &r.ToolVersion,
		&r.Mapping, &r.Prefer, &r.Direction, &r.Options, &r.Counts, &r.OutDir} {
		*s = validText(*s)
	}
	return r
}

// reportRow is a change as the report shows it: a creation's values one
// field a line, and an update with its word diff.
func reportRow(d *wordDiffer, x *engine.Change) reportChange {
	c := reportChange{Link: x.Link, Name: x.Name, Side: x.Side, Op: string(x.Op), Field: x.Field, Old: x.Old, New: x.New, Rule: string(x.Rule)}
	if x.Op == engine.OpCreate && x.Field == "" {
		if fields, ok := engine.CreatedFields(x.New); ok {
			var s strings.Builder
			for i, f := range fields {
				if i > 0 {
					s.WriteString("\n")
				}
				s.WriteString(f.Field + ": " + f.Value)
			}
			c.New = s.String()
		}
	}
	if x.Op == engine.OpUpdate && x.Old != "" && x.New != "" {
		for _, sp := range d.diff(x.Old, x.New) {
			kind := ""
			switch sp.op {
			case opDelete:
				kind = "del"
			case opInsert:
				kind = "ins"
			}
			c.Diff = append(c.Diff, reportSpan{kind, validText(sp.text)})
		}
	}
	for _, s := range []*string{&c.Name, &c.Side, &c.Op, &c.Field, &c.Old, &c.New, &c.Rule} {
		*s = validText(*s)
	}
	return c
}

// reportTemplate is the page in pieces, executed in order: head, then per
// cycle "cycle", "change" per change, "conflicts", "conflict" per
// conflict, "notices"; then foot. Each piece starts and ends in HTML text,
// so html/template escapes each correctly on its own.
var reportTemplate = template.Must(template.New("report").Parse(`
{{- define "head" -}}
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; } h3 { font-size: 1em; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #ccc; padding: 2px 6px; vertical-align: top; text-align: left; }
th { background: #f0f0f0; }
td.v { white-space: pre-wrap; font-family: ui-monospace, monospace; max-width: 30em; overflow-wrap: anywhere; }
dl { display: grid; grid-template-columns: max-content auto; gap: 2px 1em; } dt { font-weight: bold; } dd { margin: 0; }
.ok { background: #e6f4e6; border: 1px solid #7a7; padding: .5em; }
.bad { background: #fbe4e4; border: 1px solid #c66; padding: .5em; font-weight: bold; }
del { background: #fbe4e4; color: #900; } ins { background: #e6f4e6; color: #060; text-decoration: none; }
.winner { font-weight: bold; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p>Journal {{.Path}}, report made {{.Generated}}.</p>
<p id="verify" class="{{if .VerifyOK}}ok{{else}}bad{{end}}">Verify: {{.Verify}}</p>
{{if .Cycles -}}
<table id="overview">
<thead><tr><th>cycle</th><th>started</th><th>user</th><th>changes</th><th>conflicts</th><th>notices</th><th>summary</th></tr></thead>
<tbody>
{{range .Cycles}}<tr><td><a href="#cycle-{{.Number}}">{{.Number}}</a></td><td>{{.Started}}</td><td>{{.User}}</td><td>{{.Changes}}</td><td>{{.Conflicts}}</td><td>{{.Notices}}</td><td>{{.Summary}}</td></tr>
{{end -}}
</tbody>
</table>
{{- else -}}
<p>The journal has no cycles yet.</p>
{{- end}}
{{end -}}

{{- define "cycle" -}}
<h2 id="cycle-{{.Number}}">Cycle {{.Number}}</h2>
<dl>
<dt>kind, status</dt><dd>{{.Kind}}, {{.Status}}</dd>
<dt>started</dt><dd>{{.Started}}</dd>
<dt>finished</dt><dd>{{.Finished}}</dd>
<dt>user</dt><dd>{{.User}}</dd>
<dt>tool</dt><dd>{{.ToolVersion}}</dd>
<dt>prefer, direction</dt><dd>{{.Prefer}}, {{.Direction}}</dd>
<dt>mapping</dt><dd>{{.Mapping}}</dd>
<dt>options</dt><dd>{{.Options}}</dd>
<dt>output</dt><dd>{{.OutDir}}</dd>
<dt>summary</dt><dd>{{.Summary}}</dd>
<dt>links</dt><dd>{{.OpenLinks}} open after the cycle; next link id {{.NextLinkID}}</dd>
<dt>hash</dt><dd>{{.Hash}} (previous {{if .PrevHash}}{{.PrevHash}}{{else}}none{{end}})</dd>
</dl>
<h3>Files ({{len .Files}})</h3>
{{if .Files -}}
<table class="files"><thead><tr><th>role</th><th>path</th><th>bytes</th><th>sha256</th></tr></thead><tbody>
{{range .Files}}<tr><td>{{.Role}}</td><td>{{.Path}}</td><td>{{.Size}}</td><td>{{.SHA256}}</td></tr>
{{end -}}
</tbody></table>
{{- end}}
<h3>Changes ({{.Changes}})</h3>
{{if .Changes -}}
<table class="changes"><thead><tr><th>link</th><th>contact</th><th>side</th><th>operation</th><th>field</th><th>old</th><th>new</th><th>word diff</th><th>rule</th></tr></thead><tbody>
{{end -}}
{{end -}}

{{- define "change" -}}
<tr><td>{{if .Link}}{{.Link}}{{end}}</td><td>{{.Name}}</td><td>{{.Side}}</td><td>{{.Op}}</td><td>{{.Field}}</td><td class="v">{{.Old}}</td><td class="v">{{.New}}</td><td class="v">
{{- range .Diff}}{{if eq .Kind "del"}}<del>{{.Text}}</del>{{else if eq .Kind "ins"}}<ins>{{.Text}}</ins>{{else}}{{.Text}}{{end}}{{end -}}
</td><td>{{.Rule}}</td></tr>
{{end -}}

{{- define "conflicts" -}}
{{if .Changes}}</tbody></table>
{{end -}}
<h3>Conflicts ({{.Conflicts}})</h3>
{{if .Conflicts -}}
<table class="conflicts"><thead><tr><th>link</th><th>contact</th><th>field</th><th>base</th><th>CRM value</th><th>CRM time</th><th>Outlook value</th><th>Outlook time</th><th>winner</th><th>rule</th></tr></thead><tbody>
{{end -}}
{{end -}}

{{- define "conflict" -}}
<tr><td>{{.Link}}</td><td>{{.Name}}</td><td>{{.Field}}</td><td class="v">{{.Base}}</td><td class="v{{if eq .Winner "crm"}} winner{{end}}">{{.CRM}}</td><td>{{if .CRMTime}}{{.CRMTime}}{{else}}unknown{{end}}</td><td class="v{{if eq .Winner "outlook"}} winner{{end}}">{{.Outlook}}</td><td>{{if .OutlookTime}}{{.OutlookTime}}{{else}}unknown{{end}}</td><td>{{.Winner}}</td><td>{{.Rule}}</td></tr>
{{end -}}

{{- define "notices" -}}
{{if .Conflicts}}</tbody></table>
{{end -}}
<h3>Notices ({{len .Notices}})</h3>
{{if .Notices -}}
<ul class="notices">
{{range .Notices}}<li>[{{.Kind}}] {{if .Link}}link {{.Link}}: {{end}}{{.Message}}</li>
{{end -}}
</ul>
{{- end}}
{{end -}}

{{- define "foot" -}}
</body>
</html>
{{end -}}
`))
