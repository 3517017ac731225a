package audit

import (
	"bufio"
	"html/template"
	"slices"
	"strconv"
	"strings"

	"contactsync/engine"
	"contactsync/journal"
)

// The report page is one renderer for two callers: the report.html of a
// cycle's output folder (drawn from its plan, before the journal commit)
// and `journal report` (drawn from the journal, for any range of cycles).
// Both show, per cycle, a summary with counts per side and operation, rule
// and field, then one card per contact with its changed fields side by
// side (base, CRM, Outlook, result, winner and why) and the word-level
// differences marked, then the notices. Filters (conflicts, deletions,
// creations, updates) and a search box are a small inline script that
// only hides cards: with scripts off, every card is there and the filters
// do not show. Nothing is loaded from anywhere.
//
// The page stays small at any size: at most reportCardsPerKind cards of
// each kind per cycle and reportCardsPage in all, each section saying how
// many it leaves out and where they are (plan.txt, plan.json, journal
// export). Routine bookkeeping (links confirmed, records that arrived) is
// counted, never carded.

const (
	reportCardsPerKind = 250
	reportCardsPage    = 2000
	reportNotices      = 200
	reportNoticesPage  = 1000
)

// cardKinds are the filters, in the order a reviewer decides in.
var cardKinds = []string{"conflict", "deletion", "creation", "update"}

type page struct {
	b        *bufio.Writer
	d        *wordDiffer
	ncards   int // cards on the page so far
	nnotices int // notices on the page so far
}

func newPage(b *bufio.Writer) *page { return &page{b: b, d: newWordDiffer()} }

// pageHead is the top of the page.
type pageHead struct {
	Title    string
	Lines    []string // under the title
	VerifyOK bool
	Verify   string
	Cycles   []reportOverview // the overview table; none for a single plan
	Overview bool
}

type reportOverview struct {
	Number                      int
	Started, User, Summary      string
	Changes, Conflicts, Notices int
}

// pageCycle is the header and summary of one cycle.
type pageCycle struct {
	Number  int
	Info    [][2]string // label, value
	Files   []journal.FileHash
	SideOp  [][3]string // side, operation, count
	Rules   []tally
	Fields  []tally
	Routine string // what was counted, not carded
}

type tally struct {
	Name  string
	Count int
}

func tallies(t engine.Tally) []tally {
	var out []tally
	for _, n := range t.Sorted() {
		out = append(out, tally{n, t[n]})
	}
	return out
}

// cell is one value of a card's row.
type cell struct {
	Note  string       // shown in italics instead of a value ("new", "no base")
	Spans []reportSpan // the value, with its word differences marked
}

type reportSpan struct {
	Kind string // "del", "ins" or ""
	Text string
}

type cardRow struct {
	Field                      string
	Base, CRM, Outlook, Result cell
	Winner, Why                string
	Conflict                   bool
}

type reportCard struct {
	ID     string
	Name   string
	Link   int64
	Kinds  []string
	Rows   []cardRow
	Events []string
}

// DataKind is the card's kinds as its data-kind attribute.
func (c *reportCard) DataKind() string { return strings.Join(c.Kinds, " ") }

func (c *reportCard) addKind(k string) {
	if !slices.Contains(c.Kinds, k) {
		c.Kinds = append(c.Kinds, k)
	}
}

// primary is the kind the card is counted under for the bounds.
func (c *reportCard) primary() string {
	for _, k := range cardKinds {
		if slices.Contains(c.Kinds, k) {
			return k
		}
	}
	return "update"
}

type linkField struct {
	link  int64
	field string
}

// conflictIndex holds a cycle's conflicts by link and field; a card takes
// out those of its link. Finding a link's conflicts by its fields, not by
// going through every conflict, keeps the cards of a cycle with many
// conflicts linear.
type conflictIndex struct {
	byKey  map[linkField]*engine.Conflict
	fields map[int64][]string // per link, the fields of its conflicts
}

func newConflictIndex() *conflictIndex {
	return &conflictIndex{byKey: map[linkField]*engine.Conflict{}, fields: map[int64][]string{}}
}

// add indexes k; a later conflict of the same link and field replaces it.
func (x *conflictIndex) add(k *engine.Conflict) {
	key := linkField{k.Link, k.Field}
	if _, ok := x.byKey[key]; !ok {
		x.fields[k.Link] = append(x.fields[k.Link], k.Field)
	}
	x.byKey[key] = k
}

var sideName = map[string]string{"crm": "CRM", "outlook": "Outlook", "-": "both"}

func plainCell(v string) cell {
	if v == "" {
		return cell{Note: "empty"}
	}
	return cell{Spans: []reportSpan{{"", validText(v)}}}
}

// diffCell shows v with what differs from base marked.
func (p *page) diffCell(base, v string) cell {
	if v == "" {
		return cell{Note: "empty"}
	}
	if base == "" || base == v {
		return plainCell(v)
	}
	var c cell
	for _, sp := range p.d.diff(base, v) {
		switch sp.op {
		case opDelete:
			c.Spans = append(c.Spans, reportSpan{"del", validText(sp.text)})
		case opInsert:
			c.Spans = append(c.Spans, reportSpan{"ins", validText(sp.text)})
		default:
			c.Spans = append(c.Spans, reportSpan{"", validText(sp.text)})
		}
	}
	return c
}

// sideCells returns the cells of the CRM and Outlook columns for a field
// whose side `side` holds mine and the other side theirs.
func sideCells(side engine.Side, mine, theirs cell) (crm, outlook cell) {
	if side == engine.CRM {
		return mine, theirs
	}
	return theirs, mine
}

// card builds the card of one contact from its changes (in plan order) and
// the conflicts of its link, which it removes from conflicts.
func (p *page) card(cycle int, changes []engine.Change, cx *conflictIndex) *reportCard {
	conflicts := cx.byKey
	c := &reportCard{}
	if len(changes) > 0 {
		c.Link, c.Name = changes[0].Link, changes[0].Name
	}
	for i := range changes {
		x := &changes[i]
		if c.Name == "" {
			c.Name = x.Name
		}
		switch {
		case x.Op == engine.OpLink, x.Op == "":
			// bookkeeping, counted in the summary; or no change at all (the
			// card of a conflict no change carried)
		case x.Op == engine.OpCreate && x.Field == "":
			c.addKind("creation")
			from := engine.CRM.String()
			if x.Side == engine.CRM {
				from = engine.Outlook.String()
			}
			fields, ok := engine.CreatedFields(x.New)
			if !ok {
				fields = []engine.FieldValue{{Field: "(record)", Value: x.New}}
			}
			for _, f := range fields {
				crm, ol := sideCells(x.Side, cell{Note: "new"}, plainCell(f.Value))
				c.Rows = append(c.Rows, cardRow{Field: f.Field, Base: cell{Note: "none"}, CRM: crm, Outlook: ol,
					Result: plainCell(f.Value), Winner: sideName[from], Why: string(x.Rule)})
			}
		case x.Field == "account" && x.Side == engine.CRM:
			if x.Op == engine.OpCreate {
				c.addKind("creation")
				c.Events = append(c.Events, "CRM: a new account "+strconv.Quote(x.New)+" (Prospect, Active, owner Everyone) ["+string(x.Rule)+"]")
			} else {
				c.Events = append(c.Events, "CRM account: "+x.New+" ["+string(x.Rule)+"]")
			}
		case (x.Op == engine.OpUpdate || x.Op == engine.OpHeld) && x.Field != "":
			c.addKind("update")
			row := cardRow{Field: x.Field, Winner: sideName[engine.Outlook.String()], Why: string(x.Rule)}
			if x.Side == engine.Outlook {
				row.Winner = sideName["crm"]
			}
			if k, ok := conflicts[linkField{x.Link, x.Field}]; ok {
				delete(conflicts, linkField{x.Link, x.Field})
				c.addKind("conflict")
				row.Conflict, row.Winner = true, sideName[string(k.Winner)]
				row.Base = plainCell(k.Base)
				row.CRM, row.Outlook = p.diffCell(k.Base, k.CRM), p.diffCell(k.Base, k.Outlook)
				row.Why = string(k.Rule) + " (CRM changed " + timeText(k.CRMTime.IsZero(), k.CRMTime.UTC().Format("2006-01-02 15:04")) +
					", Outlook " + timeText(k.OutlookTime.IsZero(), k.OutlookTime.UTC().Format("2006-01-02 15:04")) + ")"
			} else {
				base := x.Old
				if x.Rule == engine.RuleInitialFill {
					row.Base = cell{Note: "none (first sync)"}
					base = ""
				} else {
					row.Base = plainCell(x.Old)
				}
				row.CRM, row.Outlook = sideCells(x.Side, p.diffCell(base, x.Old), p.diffCell(base, x.New))
			}
			row.Result = plainCell(x.New)
			if x.Op == engine.OpHeld {
				row.Result = cell{Note: "not sent to " + sideName[x.Side.String()] + " (" + string(x.Rule) + ")"}
				row.Winner = "-"
			}
			c.Rows = append(c.Rows, row)
		case x.Op == engine.OpLost:
			c.addKind("deletion")
			crm, ol := sideCells(x.Side, p.diffCell(x.Old, x.New), cell{Note: "deleted"})
			c.Rows = append(c.Rows, cardRow{Field: x.Field, Base: plainCell(x.Old), CRM: crm, Outlook: ol,
				Result: cell{Note: "discarded with the contact"}, Winner: "-", Why: string(x.Rule)})
		case x.Op == engine.OpDelete || x.Op == engine.OpGroupRemove || x.Op == engine.OpUnlink:
			c.addKind("deletion")
			c.Events = append(c.Events, validText(x.Describe()))
		default:
			c.addKind("update")
			c.Events = append(c.Events, validText(x.Describe()))
		}
	}
	// Conflicts of this link that no change carried (a held side).
	var rest []linkField
	if c.Link != 0 {
		for _, f := range cx.fields[c.Link] {
			if _, ok := conflicts[linkField{c.Link, f}]; ok {
				rest = append(rest, linkField{c.Link, f})
			}
		}
	}
	slices.SortFunc(rest, func(a, b linkField) int { return strings.Compare(a.field, b.field) })
	for _, k := range rest {
		x := conflicts[k]
		delete(conflicts, k)
		c.addKind("conflict")
		if c.Name == "" {
			c.Name = x.Name
		}
		res := x.CRM
		if x.Winner == engine.WinnerOutlook {
			res = x.Outlook
		}
		c.Rows = append(c.Rows, cardRow{Field: x.Field, Base: plainCell(x.Base), CRM: p.diffCell(x.Base, x.CRM),
			Outlook: p.diffCell(x.Base, x.Outlook), Result: plainCell(res), Winner: sideName[string(x.Winner)], Why: string(x.Rule), Conflict: true})
	}
	slices.SortFunc(c.Kinds, func(a, b string) int { return slices.Index(cardKinds, a) - slices.Index(cardKinds, b) })
	if c.Link != 0 {
		c.ID = "c" + strconv.Itoa(cycle) + "-" + strconv.FormatInt(c.Link, 10)
	}
	c.Name = validText(c.Name)
	if c.Name == "" {
		c.Name = "(no name)"
	}
	return c
}

func timeText(zero bool, s string) string {
	if zero {
		return "at an unknown time"
	}
	return s
}

// cardSet writes the cards of one cycle within the bounds.
type cardSet struct {
	p       *page
	cycle   int
	shown   map[string]int
	skip    map[string]int // cards left out, by kind
	handled map[int64]bool // links whose card was made or left out
	seq     int
}

func (p *page) cards(cycle int) *cardSet {
	return &cardSet{p: p, cycle: cycle, shown: map[string]int{}, skip: map[string]int{}, handled: map[int64]bool{}}
}

// skipped reports, before a card is built, whether the card of a group of
// changes falls beyond the bounds; it then counts it. Building a card
// (decoding a creation, diffing words) for a million contacts only to drop
// it would cost seconds.
func (s *cardSet) skipped(group []engine.Change, conflictLinks map[int64]bool) bool {
	link := int64(0)
	if len(group) > 0 {
		link = group[0].Link
	}
	k := ""
	if link != 0 && conflictLinks[link] {
		k = "conflict"
	}
	for i := range group {
		if k == "conflict" {
			break
		}
		x := &group[i]
		switch x.Op {
		case engine.OpLink:
		case engine.OpDelete, engine.OpGroupRemove, engine.OpUnlink, engine.OpLost:
			k = "deletion"
		case engine.OpCreate:
			if k != "deletion" {
				k = "creation"
			}
		default:
			if k == "" {
				k = "update"
			}
		}
	}
	if link != 0 {
		s.handled[link] = true
	}
	if k == "" {
		return true // bookkeeping only: no card
	}
	if s.shown[k] >= reportCardsPerKind || s.p.ncards >= reportCardsPage {
		s.skip[k]++
		return true
	}
	return false
}

func (s *cardSet) add(c *reportCard) error {
	if len(c.Kinds) == 0 {
		return nil // bookkeeping only
	}
	s.seq++
	if c.ID == "" {
		c.ID = "c" + strconv.Itoa(s.cycle) + "-n" + strconv.Itoa(s.seq)
	}
	k := c.primary()
	if s.shown[k] >= reportCardsPerKind || s.p.ncards >= reportCardsPage {
		s.skip[k]++
		return nil
	}
	s.shown[k]++
	s.p.ncards++
	return pageTemplate.ExecuteTemplate(s.p.b, "card", c)
}

// end writes the note on the cards left out, naming where they are.
func (s *cardSet) end(where string) error {
	var parts []string
	total := 0
	for _, k := range cardKinds {
		if n := s.skip[k]; n > 0 {
			parts = append(parts, strconv.Itoa(n)+" "+k)
			total += n
		}
	}
	shown := 0
	for _, n := range s.shown {
		shown += n
	}
	return pageTemplate.ExecuteTemplate(s.p.b, "cards-end", struct {
		Shown, Left int
		Parts       string
		Where       string
	}{shown, total, strings.Join(parts, ", "), where})
}

// pageTemplate is the page in pieces, executed in order: head; per cycle
// "cycle", "card" per card, "cards-end", "notices"; then foot. Each piece
// starts and ends in HTML text, so html/template escapes each on its own.
var pageTemplate = template.Must(template.New("page").Parse(`
{{- define "head" -}}
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 auto; padding: 1em 1.5em; max-width: 1240px; color: #222; overflow-wrap: anywhere; }
h1 { font-size: 1.4em; margin: .3em 0; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; } h3 { font-size: 1em; margin: 1.2em 0 .4em; }
table { border-collapse: collapse; margin: .4em 0; max-width: 100%; }
th, td { border: 1px solid #ccc; padding: 2px 6px; vertical-align: top; text-align: left; }
thead th { background: #f0f0f0; }
dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 2px 1em; } dt { font-weight: bold; } dd { margin: 0; }
.ok { background: #e6f4e6; border: 1px solid #7a7; padding: .5em; }
.bad { background: #fbe4e4; border: 1px solid #c66; padding: .5em; font-weight: bold; }
del { background: #fbe4e4; color: #900; } ins { background: #e6f4e6; color: #060; text-decoration: none; }
.counts { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; } .counts table { margin: 0; }
#filters { position: sticky; top: 0; background: #fff; padding: .5em 0; border-bottom: 1px solid #ccc; z-index: 1; }
#filters label { margin-right: 1em; white-space: nowrap; } #q { width: 20em; max-width: 100%; }
.card { border: 1px solid #bbb; border-left: 4px solid #888; border-radius: 4px; margin: .8em 0; padding: .4em .6em; }
.card[data-kind~="conflict"] { border-left-color: #c60; } .card[data-kind~="deletion"] { border-left-color: #b00; }
.card[data-kind~="creation"] { border-left-color: #070; }
.card h4 { margin: .2em 0 .4em; font-size: 1.05em; } .card h4 small { font-weight: normal; color: #666; }
.tag { font-size: .8em; border: 1px solid #999; border-radius: 3px; padding: 0 4px; margin-left: .4em; font-weight: normal; }
table.fields { width: 100%; table-layout: fixed; }
table.fields td, table.fields th { white-space: pre-wrap; overflow-wrap: anywhere; }
table.fields col.f { width: 13%; } table.fields col.v { width: 15.5%; } table.fields col.w { width: 25%; }
tr.conflict th { background: #fff1e0; }
.note { color: #777; font-style: italic; }
.result { font-weight: bold; }
ul.events { margin: .3em 0; padding-left: 1.2em; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{range .Lines}}<p>{{.}}</p>
{{end -}}
<p id="verify" class="{{if .VerifyOK}}ok{{else}}bad{{end}}">Verify: {{.Verify}}</p>
{{if .Overview}}{{if .Cycles -}}
<table id="overview">
<thead><tr><th>cycle</th><th>started</th><th>user</th><th>changes</th><th>conflicts</th><th>notices</th><th>summary</th></tr></thead>
<tbody>
{{range .Cycles}}<tr><td><a href="#cycle-{{.Number}}">{{.Number}}</a></td><td>{{.Started}}</td><td>{{.User}}</td><td>{{.Changes}}</td><td>{{.Conflicts}}</td><td>{{.Notices}}</td><td>{{.Summary}}</td></tr>
{{end -}}
</tbody>
</table>
{{- else -}}
<p>The journal has no cycles in this range.</p>
{{- end}}{{end}}
<div id="filters" hidden>
<strong>Show:</strong>
<label><input type="checkbox" value="conflict" checked> conflicts</label>
<label><input type="checkbox" value="deletion" checked> deletions</label>
<label><input type="checkbox" value="creation" checked> creations</label>
<label><input type="checkbox" value="update" checked> updates</label>
<input id="q" type="search" placeholder="search name, field or value" aria-label="search">
<span id="shown"></span>
</div>
{{end -}}

{{- define "cycle" -}}
<h2 id="cycle-{{.Number}}">Cycle {{.Number}}</h2>
<dl>
{{range .Info}}<dt>{{index . 0}}</dt><dd>{{index . 1}}</dd>
{{end -}}
</dl>
{{if .Files -}}
<h3>Files ({{len .Files}})</h3>
<table class="files"><thead><tr><th>role</th><th>path</th><th>bytes</th><th>sha256</th></tr></thead><tbody>
{{range .Files}}<tr><td>{{.Role}}</td><td>{{.Path}}</td><td>{{.Size}}</td><td>{{.SHA256}}</td></tr>
{{end -}}
</tbody></table>
{{end -}}
<h3>Summary</h3>
<div class="counts">
<table class="sideop"><thead><tr><th>side</th><th>operation</th><th>count</th></tr></thead><tbody>
{{range .SideOp}}<tr><td>{{index . 0}}</td><td>{{index . 1}}</td><td>{{index . 2}}</td></tr>
{{else}}<tr><td colspan="3">no changes</td></tr>
{{end -}}
</tbody></table>
<table class="rules"><thead><tr><th>rule</th><th>count</th></tr></thead><tbody>
{{range .Rules}}<tr><td>{{.Name}}</td><td>{{.Count}}</td></tr>
{{else}}<tr><td colspan="2">none</td></tr>
{{end -}}
</tbody></table>
<table class="fieldcounts"><thead><tr><th>field</th><th>count</th></tr></thead><tbody>
{{range .Fields}}<tr><td>{{.Name}}</td><td>{{.Count}}</td></tr>
{{else}}<tr><td colspan="2">none</td></tr>
{{end -}}
</tbody></table>
</div>
<p>{{.Routine}}</p>
<h3>Contacts</h3>
{{end -}}

{{- define "cell" -}}
{{if .Note}}<span class="note">{{.Note}}</span>{{else}}{{range .Spans}}{{if eq .Kind "del"}}<del>{{.Text}}</del>{{else if eq .Kind "ins"}}<ins>{{.Text}}</ins>{{else}}{{.Text}}{{end}}{{end}}{{end}}
{{- end -}}

{{- define "card" -}}
<section class="card" id="{{.ID}}" data-kind="{{.DataKind}}">
<h4>{{.Name}} <small>{{if .Link}}link {{.Link}}{{end}}</small>{{range .Kinds}}<span class="tag">{{.}}</span>{{end}}</h4>
{{if .Rows -}}
<table class="fields"><colgroup><col class="f"><col class="v"><col class="v"><col class="v"><col class="v"><col class="w"></colgroup>
<thead><tr><th>field</th><th>base</th><th>CRM</th><th>Outlook</th><th>result</th><th>winner and why</th></tr></thead><tbody>
{{range .Rows}}<tr{{if .Conflict}} class="conflict"{{end}}><th>{{.Field}}</th><td>{{template "cell" .Base}}</td><td>{{template "cell" .CRM}}</td><td>{{template "cell" .Outlook}}</td><td class="result">{{template "cell" .Result}}</td><td>{{.Winner}}: {{.Why}}</td></tr>
{{end -}}
</tbody></table>
{{end -}}
{{if .Events}}<ul class="events">{{range .Events}}<li>{{.}}</li>{{end}}</ul>
{{end -}}
</section>
{{end -}}

{{- define "cards-end" -}}
{{if .Left}}<p class="more">{{.Left}} more cards not shown here ({{.Parts}}): {{.Where}}</p>
{{else if not .Shown}}<p>No contact changed.</p>
{{end -}}
{{end -}}

{{- define "notices" -}}
<h3>Notices ({{.Total}})</h3>
{{if .List -}}
<ul class="notices">
{{range .List}}<li>[{{.Kind}}] {{if .Link}}link {{.Link}}: {{end}}{{.Message}}</li>
{{end -}}
</ul>
{{end -}}
{{if .Left}}<p class="more">{{.Left}} more notices not shown here: {{.Where}}</p>
{{end -}}
{{end -}}

{{- define "table" -}}
<h3 id="{{.ID}}">{{.Title}}</h3>
<p>{{.Intro}}</p>
<table class="extra"><thead><tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr></thead><tbody>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end -}}
</tbody></table>
{{end -}}

{{- define "foot" -}}
<script>
(function () {
  var boxes = document.querySelectorAll('#filters input[type=checkbox]');
  var q = document.getElementById('q');
  var cards = document.querySelectorAll('section.card');
  function apply() {
    var on = {};
    boxes.forEach(function (b) { on[b.value] = b.checked; });
    var text = q.value.trim().toLowerCase();
    var shown = 0;
    cards.forEach(function (c) {
      var kinds = c.getAttribute('data-kind').split(' ');
      var ok = kinds.some(function (k) { return on[k]; }) &&
        (text === '' || c.textContent.toLowerCase().indexOf(text) >= 0);
      c.hidden = !ok;
      if (ok) { shown++; }
    });
    document.getElementById('shown').textContent = shown + ' of ' + cards.length + ' cards shown';
  }
  boxes.forEach(function (b) { b.addEventListener('change', apply); });
  q.addEventListener('input', apply);
  document.getElementById('filters').hidden = false;
  apply();
})();
</script>
</body>
</html>
{{end -}}
`))

// ReportTable is a section a caller adds to a cycle's page after its
// notices (the likely duplicates of each side, say). Its size is the
// caller's to bound.
type ReportTable struct {
	ID, Title, Intro string
	Header           []string
	Rows             [][]string
}

// noticeList is the data of the "notices" piece.
type noticeList struct {
	Total int
	List  []reportNotice
	Left  int
	Where string
	limit int
}

// notices returns the list of a cycle's notices, within the bounds of the
// cycle and of the page.
func (p *page) notices(where string) *noticeList {
	return &noticeList{Where: where, limit: max(0, min(reportNotices, reportNoticesPage-p.nnotices))}
}

// writeNotices writes the list and counts it against the page.
func (p *page) writeNotices(nl *noticeList) error {
	p.nnotices += len(nl.List)
	return pageTemplate.ExecuteTemplate(p.b, "notices", nl)
}

type reportNotice struct {
	Kind    string
	Link    int64
	Message string
}
