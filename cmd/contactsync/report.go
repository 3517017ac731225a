package main

import (
	"html/template"
	"io"

	"contactsync/engine"
)

// reportTemplate renders a plan for reviewers who prefer a browser to plan.txt.
var reportTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>contactsync cycle {{.Cycle}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}.crm{color:#05529b}.outlook{color:#8a3b00}code{white-space:pre-wrap}
</style></head><body>
<h1>contactsync cycle {{.Cycle}}</h1>
<p>User <code>{{.User}}</code>, prefer {{.Prefer}}, direction {{.Direction}}.<br>Mapping: <code>{{.Mapping}}</code></p>
<table><tr><th>links</th><th>CRM new</th><th>CRM updated</th><th>accounts new</th><th>group +/-</th><th>Outlook new</th><th>Outlook updated</th><th>to Deleted Items</th><th>conflicts</th></tr>
<tr><td>{{.Counts.Links}}</td><td>{{.Counts.CRMCreated}}</td><td>{{.Counts.CRMUpdated}}</td><td>{{.Counts.AccountsNew}}</td><td>+{{.Counts.GroupAdded}} / -{{.Counts.GroupRemoved}}</td><td>{{.Counts.OutlookCreated}}</td><td>{{.Counts.OutlookUpdated}}</td><td>{{.Counts.OutlookDeleted}}</td><td>{{.Counts.Conflicts}}</td></tr></table>
{{if .Conflicts}}<h2>Conflicts</h2>
<table><tr><th>link</th><th>contact</th><th>field</th><th>base</th><th>CRM</th><th>Outlook</th><th>winner</th><th>rule</th></tr>
{{range .Conflicts}}<tr><td>{{.Link}}</td><td>{{.Name}}</td><td>{{.Field}}</td><td><code>{{.Base}}</code></td><td class="crm"><code>{{.CRM}}</code><br><small>{{.CRMTime}}</small></td><td class="outlook"><code>{{.Outlook}}</code><br><small>{{.OutlookTime}}</small></td><td>{{.Winner}}</td><td>{{.Rule}}</td></tr>
{{end}}</table>{{end}}
{{if .Notices}}<h2>Notices</h2><ul>{{range .Notices}}<li><b>{{.Kind}}</b>{{if .Link}} (link {{.Link}}){{end}}: {{.Message}}</li>{{end}}</ul>{{end}}
{{template "duplicates" .}}
<h2>Changes</h2>
{{if .Changes}}{{if .More}}<p>The first {{len .Changes}} of {{.Total}} changes; plan.txt and the journal have all of them.</p>{{end}}<table><tr><th>link</th><th>side</th><th>op</th><th>contact</th><th>field</th><th>old</th><th>new</th><th>rule</th></tr>
{{range .Changes}}<tr><td>{{.Link}}</td><td class="{{.Side}}">{{.Side}}</td><td>{{.Op}}</td><td>{{.Name}}</td><td>{{.Field}}</td><td><code>{{.Old}}</code></td><td><code>{{.New}}</code></td><td>{{.Rule}}</td></tr>
{{end}}</table>{{else}}<p>No changes: both sides agree.</p>{{end}}
</body></html>
{{define "duplicates"}}{{if .Dups}}<h2 id="duplicates">Likely duplicates</h2>
<p>Contacts of one side that share an e-mail, a phone number or their name and company; a duplicate on one side can be linked to only one contact on the other. {{if .DupsMore}}The first groups; duplicates.csv lists every one.{{else}}Also in duplicates.csv.{{end}}</p>
<table><tr><th>side</th><th>group</th><th>key</th><th>line</th><th>contact</th><th>e-mail</th><th>shared</th></tr>
{{range .Dups}}{{$g := .}}{{range .Members}}<tr><td>{{$g.Side}}</td><td>{{$g.Number}}</td><td><code>{{.Key}}</code></td><td>{{.Line}}</td><td>{{.Name}}</td><td>{{.Email}}</td><td>{{.Reason}}</td></tr>
{{end}}{{end}}</table>{{end}}{{end}}
`))

// reportRows caps the changes table: a browser page of a million rows helps
// no reviewer, and plan.txt and the journal hold every change.
const reportRows = 5000

func writeReport(w io.Writer, p *engine.Plan, dups *sideDuplicates) error {
	view := struct {
		*engine.Plan
		Changes  []engine.Change
		Total    int
		More     bool
		Dups     []reportGroup
		DupsMore bool
	}{Plan: p, Changes: p.Changes, Total: len(p.Changes)}
	if dups != nil {
		view.Dups, view.DupsMore = dups.reportGroups(reportRows)
	}
	if len(view.Changes) > reportRows {
		view.Changes, view.More = view.Changes[:reportRows], true
	}
	return reportTemplate.Execute(w, view)
}
