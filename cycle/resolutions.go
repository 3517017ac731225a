package cycle

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"contactsync/engine"
	"contactsync/engine/contact"
	"contactsync/formats"
)

// conflictsName is the file `sync --conflicts ask` writes for a person to
// decide, and the name the decided file keeps in the cycle's outputs.
const conflictsName = "conflicts.csv"

// conflictsHeader are the columns of conflicts.csv.
var conflictsHeader = []string{"link", "contact", "field", "base", "crm", "crm_time", "outlook", "outlook_time", "choose"}

// writeConflictsCSV writes the conflicts a person may decide, one per row,
// with an empty choose column: UTF-8 with BOM and CRLF for Excel, cells a
// spreadsheet would take for a formula with a leading "'" (read back
// without it).
func writeConflictsCSV(path string, conflicts []engine.Conflict) (int, error) {
	var b bytes.Buffer
	b.WriteString("\uFEFF")
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	w.Write(conflictsHeader)
	n := 0
	for i := range conflicts {
		c := &conflicts[i]
		if !c.Askable() {
			continue
		}
		n++
		w.Write([]string{strconv.FormatInt(c.Link, 10), contact.SpreadsheetCell(c.Name), c.Field,
			contact.SpreadsheetCell(c.Base), contact.SpreadsheetCell(c.CRM), stampOrEmpty(c.CRMTime),
			contact.SpreadsheetCell(c.Outlook), stampOrEmpty(c.OutlookTime), ""})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return 0, err
	}
	if err := formats.MkdirPrivate(filepath.Dir(path)); err != nil {
		return 0, err
	}
	return n, formats.WriteFileAtomic(path, b.Bytes(), formats.FilePerm)
}

func stampOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// unSpreadsheet undoes contact.SpreadsheetCell: a leading "'" that the
// writer added (the rest would have been taken for a formula) is removed.
// A value that itself began with "'=" reads back without its "'": the one
// value the round trip cannot tell apart.
func unSpreadsheet(v string) string {
	if strings.HasPrefix(v, "'") && contact.FormulaLike(v[1:]) {
		return v[1:]
	}
	return v
}

// resolutions is a decided conflicts.csv.
type resolutions struct {
	Path      string
	Data      []byte // the file as read, copied into the cycle's outputs
	SHA256    string
	Decisions map[engine.DecisionKey]engine.Decision
}

// readResolutions reads a conflicts.csv whose choose column a person
// filled: "crm", "outlook" (any case), or a value of their own. Every
// problem is reported as file:line:col: column: what is wrong.
func readResolutions(path string) (*resolutions, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read resolutions: %w", err)
	}
	sum := sha256.Sum256(data)
	res := &resolutions{Path: path, Data: data, SHA256: hex.EncodeToString(sum[:]), Decisions: map[engine.DecisionKey]engine.Decision{}}
	rr, err := newResolutionsReader(path, data)
	if err != nil {
		return nil, err
	}
	for {
		k, d, err := rr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if d != nil {
			res.Decisions[k] = *d
		}
	}
	if len(rr.errs) > 0 {
		lines := make([]string, len(rr.errs))
		for i, e := range rr.errs {
			lines[i] = e.Error()
		}
		return nil, &Error{Kind: Usage, Err: fmt.Errorf("resolutions: %d rows cannot be used:\n  %s", len(rr.errs), strings.Join(lines, "\n  ")),
			Hint: "fill every choose cell with crm, outlook or the value both sides should get, and run again; nothing was written"}
	}
	return res, nil
}

// resolutionsReader reads the rows of a conflicts.csv, collecting the
// problems of the rows it cannot use.
type resolutionsReader struct {
	path string
	r    *csv.Reader
	col  map[string]int             // column index by lower-case name
	rows map[engine.DecisionKey]int // the line of each decision read
	errs formats.ErrorList          // the rows that cannot be used
	rec  []string                   // the current row
}

// newResolutionsReader reads the header of a conflicts.csv.
func newResolutionsReader(path string, data []byte) (*resolutionsReader, error) {
	rr := &resolutionsReader{path: path, r: csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF")))),
		col: map[string]int{}, rows: map[engine.DecisionKey]int{}}
	rr.r.FieldsPerRecord = -1
	head, err := rr.r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &formats.ParseError{File: path, Line: 1, Col: 1, Err: errors.New("the file is empty; want the conflicts.csv a sync --conflicts ask wrote")}
		}
		return nil, &formats.ParseError{File: path, Line: 1, Col: 1, Err: err}
	}
	for i, h := range head {
		rr.col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, h := range []string{"link", "field", "base", "crm", "outlook", "choose"} {
		if _, ok := rr.col[h]; !ok {
			return nil, &formats.ParseError{File: path, Line: 1, Col: 1, Field: h, Err: fmt.Errorf("no %q column; want the columns %s", h, strings.Join(conflictsHeader, ","))}
		}
	}
	return rr, nil
}

// perr notes a problem of the row at line.
func (rr *resolutionsReader) perr(line, col int, field, format string, args ...any) {
	rr.errs = append(rr.errs, &formats.ParseError{File: rr.path, Line: line, Col: col, Field: field, Err: fmt.Errorf(format, args...)})
}

// get returns the current row's cell of the column name and its column.
func (rr *resolutionsReader) get(name string) (string, int) {
	i := rr.col[name]
	if i >= len(rr.rec) {
		return "", 0
	}
	_, c := rr.r.FieldPos(i)
	return rr.rec[i], c
}

// next reads the next row: its decision, or nil for a row that is blank or
// cannot be used (noted in errs); io.EOF after the last row or after a row
// that breaks the quoting (the rest of the file cannot be trusted).
func (rr *resolutionsReader) next() (engine.DecisionKey, *engine.Decision, error) {
	var k engine.DecisionKey
	rec, err := rr.r.Read()
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		rr.perr(pe.Line, pe.Column, "", "%v", pe.Err)
		return k, nil, io.EOF
	}
	if err != nil {
		return k, nil, err
	}
	rr.rec = rec
	line, _ := rr.r.FieldPos(0)
	if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
		return k, nil, nil
	}
	linkText, c := rr.get("link")
	link, err := strconv.ParseInt(strings.TrimSpace(linkText), 10, 64)
	if err != nil || link <= 0 {
		rr.perr(line, c, "link", "%q is not a link number", linkText)
		return k, nil, nil
	}
	fieldText, c := rr.get("field")
	f, ok := contact.ParseField(strings.TrimSpace(fieldText))
	if !ok {
		rr.perr(line, c, "field", "%q is not a field name", fieldText)
		return k, nil, nil
	}
	k = engine.DecisionKey{Link: link, Field: f}
	if first, dup := rr.rows[k]; dup {
		rr.perr(line, 1, "", "link %d %s is decided twice (also on line %d)", link, f, first)
		return k, nil, nil
	}
	rr.rows[k] = line
	return k, rr.decision(line), nil
}

// decision reads the values and the choice of the current row, at line.
func (rr *resolutionsReader) decision(line int) *engine.Decision {
	base, _ := rr.get("base")
	crmV, _ := rr.get("crm")
	olV, _ := rr.get("outlook")
	choose, c := rr.get("choose")
	d := &engine.Decision{Row: fmt.Sprintf("%s:%d", rr.path, line), Base: unSpreadsheet(base), CRM: unSpreadsheet(crmV), Outlook: unSpreadsheet(olV)}
	switch strings.ToLower(strings.TrimSpace(choose)) {
	case "":
		rr.perr(line, c, "choose", "empty: write crm, outlook, or the value both sides should get")
		return nil
	case "crm":
		d.Choice = engine.ChooseCRM
	case "outlook":
		d.Choice = engine.ChooseOutlook
	default:
		d.Choice, d.Value = engine.ChooseValue, unSpreadsheet(choose)
	}
	return d
}

// askConflicts writes the cycle's conflicts for a person to decide and
// returns the error that stops the cycle (exit 3, nothing committed).
func askConflicts(o Options, plan *engine.Plan) error {
	path := filepath.Join(o.Out, conflictsName)
	n, err := writeConflictsCSV(path, plan.Conflicts)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return &Error{Kind: Guard,
		Err:  fmt.Errorf("conflicts-ask: %d conflicts wait for a decision in %s; nothing was committed", n, path),
		Hint: fmt.Sprintf("fill its choose column with crm, outlook or the value both sides should get, then run the same sync with --resolutions %s", path)}
}

// askable counts the conflicts a person may decide.
func askable(plan *engine.Plan) int {
	n := 0
	for i := range plan.Conflicts {
		if plan.Conflicts[i].Askable() {
			n++
		}
	}
	return n
}

// onlyConflicts reports whether dir holds nothing but a conflicts.csv
// written by --conflicts ask, which the cycle may replace.
func onlyConflicts(ents []os.DirEntry) bool {
	return len(ents) == 1 && ents[0].Name() == conflictsName
}
