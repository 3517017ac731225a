package journal

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"contactsync/engine/contact"
)

// Export writes the audit trail of cycle n, or of every cycle when n is 0,
// for other tools. Rows are streamed from the database, so a cycle of a
// million changes is never held in memory.
//
// format "csv" writes one row per change with the columns of csvHeader:
// RFC 4180 with CRLF line ends, UTF-8 with a byte order mark (without it
// Excel reads the file as the machine's ANSI code page), bytes that are not
// UTF-8 replaced by U+FFFD. Auditors open it in a spreadsheet, so a cell
// that would be taken for a formula gets a leading "'" (DESIGN §10: cells
// starting with =, @, tab or CR, and + or - unless a number or a phone
// number follows); the link column is empty for changes that concern no
// link.
//
// format "json" writes one document:
//
//	{"cycles": [{"number", "kind", "status", "started", "finished",
//	  "sync_user", "run_by", "tool_version", "prefer", "direction",
//	  "mapping", "options", "counts", "out_dir", "next_link_id",
//	  "open_links", "prev_hash", "hash", "files": [...],
//	  "changes": [...], "conflicts": [...], "notices": [...]}]}
//
// with options and counts as the objects the cycle stored, every key of a
// change or conflict present even when empty, and conflict times as stored
// (RFC 3339, "" when unknown). JSON text is UTF-8, so bytes of a value that
// are not UTF-8 become U+FFFD there too.
func (j *Journal) Export(w io.Writer, format string, n int) error {
	return j.ExportFiltered(w, format, ExportFilter{Cycle: n})
}

// ExportFilter selects what ExportFiltered writes; the zero value selects
// everything.
type ExportFilter struct {
	// Cycle selects one cycle (0: all).
	Cycle int
	// Contact selects the rows of one contact's links: a CRM id, Outlook
	// key or e-mail address, found as WriteHistory finds them. A cycle
	// with no row of the contact is left out.
	Contact string
	// Since and Until select the cycles started at or after Since and
	// before Until (zero: no bound).
	Since, Until time.Time
}

// ExportFiltered is Export of the cycles and rows f selects, so that an
// auditor pulls one contact's whole history, or one month, without
// post-processing.
func (j *Journal) ExportFiltered(w io.Writer, format string, f ExportFilter) error {
	var err error
	switch format {
	case "csv":
		err = j.exportCSV(w, f)
	case "json":
		err = j.exportJSON(w, f)
	default:
		err = fmt.Errorf("unknown format %q (want csv or json)", format)
	}
	if err != nil {
		return fmt.Errorf("journal %q: export: %w", j.path, err)
	}
	return nil
}

// csvHeader are the columns of the CSV export.
var csvHeader = []string{"cycle", "cycle_time", "sync_user", "run_by", "link", "side", "op", "field", "old", "new", "rule", "name"}

// cycleFilter returns the WHERE clause and argument that select cycle n of
// table alias col, or every cycle for 0, after checking that n exists.
func (j *Journal) cycleFilter(tx *sql.Tx, col string, n int) (string, any, error) {
	if n == 0 {
		return col + ` > ?`, 0, nil
	}
	if _, err := j.cycle(tx, n); err != nil {
		return "", nil, err
	}
	return col + ` = ?`, n, nil
}

// selection is what a filter selects: cycles, and the links of a contact
// (nil: every row).
type selection struct {
	cycles []cycleRow
	links  string // "" or " AND link IN (1,2,3)" for a table of rows
}

func (j *Journal) selectRows(tx *sql.Tx, f ExportFilter) (*selection, error) {
	where, arg, err := j.cycleFilter(tx, "number", f.Cycle)
	if err != nil {
		return nil, err
	}
	sel := &selection{}
	if err := each(tx, `SELECT `+cycleColumns+` FROM cycles WHERE `+where+` ORDER BY number`, arg, func(rs *sql.Rows) error {
		var r cycleRow
		if err := rs.Scan(r.dest()...); err != nil {
			return err
		}
		if !f.Since.IsZero() || !f.Until.IsZero() {
			t, err := parseStamp(r.Started)
			if err != nil {
				return fmt.Errorf("cycle %d: start time %q: %w", r.Number, r.Started, err)
			}
			if (!f.Since.IsZero() && t.Before(f.Since)) || (!f.Until.IsZero() && !t.Before(f.Until)) {
				return nil
			}
		}
		sel.cycles = append(sel.cycles, r) // a few hundred bytes each
		return nil
	}); err != nil {
		return nil, err
	}
	if f.Contact != "" {
		key, err := contactKey(f.Contact)
		if err != nil {
			return nil, err
		}
		ids, err := linksOf(tx, key)
		if err != nil {
			return nil, fmt.Errorf("contact %q: %w", key, err)
		}
		sorted := make([]int64, 0, len(ids))
		for id := range ids {
			sorted = append(sorted, id)
		}
		slices.Sort(sorted)
		var b strings.Builder
		b.WriteString(" AND link IN (")
		for i, id := range sorted {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatInt(id, 10))
		}
		b.WriteString(")")
		sel.links = b.String()
		// Only the cycles with a row of the contact.
		kept := sel.cycles[:0]
		for _, r := range sel.cycles {
			var n int
			if err := tx.QueryRow(`SELECT (SELECT count(*) FROM changes WHERE cycle = ?1`+sel.links+`)
				+ (SELECT count(*) FROM conflicts WHERE cycle = ?1`+sel.links+`)
				+ (SELECT count(*) FROM notices WHERE cycle = ?1`+sel.links+`)`, r.Number).Scan(&n); err != nil {
				return nil, err
			}
			if n > 0 {
				kept = append(kept, r)
			}
		}
		sel.cycles = kept
	}
	return sel, nil
}

func (j *Journal) exportCSV(w io.Writer, f ExportFilter) error {
	tx, err := j.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	sel, err := j.selectRows(tx, f)
	if err != nil {
		return err
	}
	b := bufio.NewWriter(w)
	b.WriteString("\uFEFF")
	writeCSVRecord(b, csvHeader)
	row := make([]string, len(csvHeader))
	for _, r := range sel.cycles {
		err = each(tx, `SELECT c.cycle, y.started, y.sync_user, y.run_by, c.link, c.side, c.op, c.field, c.old, c.new, c.rule, c.name
		FROM changes c JOIN cycles y ON y.number = c.cycle WHERE c.cycle = ?`+strings.ReplaceAll(sel.links, "link", "c.link")+` ORDER BY c.seq`, r.Number, func(rs *sql.Rows) error {
			var cycle int
			var link int64
			if err := rs.Scan(&cycle, &row[1], &row[2], &row[3], &link, &row[5], &row[6], &row[7], &row[8], &row[9], &row[10], &row[11]); err != nil {
				return err
			}
			row[0] = strconv.Itoa(cycle)
			row[4] = ""
			if link != 0 {
				row[4] = strconv.FormatInt(link, 10)
			}
			for i := 1; i < len(row); i++ {
				row[i] = spreadsheetCell(row[i])
			}
			writeCSVRecord(b, row)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return b.Flush()
}

// writeCSVRecord writes one RFC 4180 record ended by CRLF. Unlike
// encoding/csv's Writer with UseCRLF, it writes the line breaks inside a
// value as they are: that Writer drops every lone CR of a value.
func writeCSVRecord(b *bufio.Writer, fields []string) {
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		if !strings.ContainsAny(f, "\",\r\n") && !strings.HasPrefix(f, " ") && !strings.HasSuffix(f, " ") {
			b.WriteString(f)
			continue
		}
		b.WriteByte('"')
		b.WriteString(strings.ReplaceAll(f, `"`, `""`))
		b.WriteByte('"')
	}
	b.WriteString("\r\n")
}

// spreadsheetCell makes v safe to open in a spreadsheet: valid UTF-8, and
// a leading "'" when the spreadsheet would take it for a formula.
func spreadsheetCell(v string) string {
	if !utf8.ValidString(v) {
		v = strings.ToValidUTF8(v, "\uFFFD")
	}
	return contact.SpreadsheetCell(v)
}

// The JSON export's records. Every key is always present so that each
// record has the same shape.
type (
	exportCycle struct {
		Number      int             `json:"number"`
		Kind        string          `json:"kind"`
		Status      string          `json:"status"`
		Started     string          `json:"started"`
		Finished    string          `json:"finished"`
		SyncUser    string          `json:"sync_user"`
		RunBy       string          `json:"run_by"`
		ToolVersion string          `json:"tool_version"`
		Prefer      string          `json:"prefer"`
		Direction   string          `json:"direction"`
		Mapping     string          `json:"mapping"`
		Options     json.RawMessage `json:"options"`
		Counts      json.RawMessage `json:"counts"`
		OutDir      string          `json:"out_dir"`
		NextLinkID  int64           `json:"next_link_id"`
		OpenLinks   int64           `json:"open_links"`
		PrevHash    string          `json:"prev_hash"`
		Hash        string          `json:"hash"`
		Files       []exportFile    `json:"files"`
		// changes, conflicts and notices follow, streamed.
	}
	exportFile struct {
		Role   string `json:"role"`
		Path   string `json:"path"`
		SHA256 string `json:"sha256"`
		Size   int64  `json:"size"`
	}
	exportChange struct {
		Link  int64  `json:"link"`
		Side  string `json:"side"`
		Op    string `json:"op"`
		Field string `json:"field"`
		Old   string `json:"old"`
		New   string `json:"new"`
		Rule  string `json:"rule"`
		Name  string `json:"name"`
	}
	exportConflict struct {
		Link        int64  `json:"link"`
		Field       string `json:"field"`
		Base        string `json:"base"`
		CRM         string `json:"crm"`
		Outlook     string `json:"outlook"`
		CRMTime     string `json:"crm_time"`
		OutlookTime string `json:"outlook_time"`
		Winner      string `json:"winner"`
		Rule        string `json:"rule"`
		Name        string `json:"name"`
	}
	exportNotice struct {
		Kind    string `json:"kind"`
		Link    int64  `json:"link"`
		Message string `json:"message"`
	}
)

// rawObject returns the stored JSON s as it is, or as a JSON string when it
// is not valid JSON (an edited journal; Verify says so), so that the export
// stays a valid document.
func rawObject(s string) json.RawMessage {
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	b, _ := json.Marshal(s)
	return b
}

func (j *Journal) exportJSON(w io.Writer, f ExportFilter) error {
	tx, err := j.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	sel, err := j.selectRows(tx, f)
	if err != nil {
		return err
	}
	cycles := sel.cycles

	b := bufio.NewWriter(w)
	enc := newRecordEncoder()
	b.WriteString(`{"cycles":[`)
	for i := range cycles {
		r := &cycles[i]
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n")
		c := exportCycle{Number: r.Number, Kind: r.Kind, Status: r.Status, Started: r.Started, Finished: r.Finished,
			SyncUser: r.SyncUser, RunBy: r.RunBy, ToolVersion: r.ToolVersion, Prefer: r.Prefer, Direction: r.Direction,
			Mapping: r.Mapping, Options: rawObject(r.Options), Counts: rawObject(r.Counts), OutDir: r.OutDir,
			NextLinkID: r.NextLinkID, OpenLinks: r.OpenLinks, PrevHash: r.PrevHash, Hash: r.Hash, Files: []exportFile{}}
		if err := each(tx, `SELECT role, path, sha256, size FROM files WHERE cycle = ? ORDER BY seq`, r.Number, func(rs *sql.Rows) error {
			var f exportFile
			err := rs.Scan(&f.Role, &f.Path, &f.SHA256, &f.Size)
			c.Files = append(c.Files, f)
			return err
		}); err != nil {
			return err
		}
		head, err := enc.encode(c)
		if err != nil {
			return err
		}
		b.Write(head[:len(head)-1]) // without its "}": the row arrays follow
		if err := jsonArray(b, enc, tx, "changes", `SELECT link, side, op, field, old, new, rule, name FROM changes WHERE cycle = ?`+sel.links+` ORDER BY seq`,
			r.Number, func(rs *sql.Rows) (any, error) {
				var x exportChange
				err := rs.Scan(&x.Link, &x.Side, &x.Op, &x.Field, &x.Old, &x.New, &x.Rule, &x.Name)
				return &x, err
			}); err != nil {
			return err
		}
		if err := jsonArray(b, enc, tx, "conflicts", `SELECT link, field, base, crm, outlook, crm_time, outlook_time, winner, rule, name
			FROM conflicts WHERE cycle = ?`+sel.links+` ORDER BY seq`, r.Number, func(rs *sql.Rows) (any, error) {
			var x exportConflict
			err := rs.Scan(&x.Link, &x.Field, &x.Base, &x.CRM, &x.Outlook, &x.CRMTime, &x.OutlookTime, &x.Winner, &x.Rule, &x.Name)
			return &x, err
		}); err != nil {
			return err
		}
		if err := jsonArray(b, enc, tx, "notices", `SELECT kind, link, message FROM notices WHERE cycle = ?`+sel.links+` ORDER BY seq`,
			r.Number, func(rs *sql.Rows) (any, error) {
				var x exportNotice
				err := rs.Scan(&x.Kind, &x.Link, &x.Message)
				return &x, err
			}); err != nil {
			return err
		}
		b.WriteString("}")
	}
	b.WriteString("\n]}\n")
	return b.Flush()
}

// recordEncoder encodes JSON records without escaping <, > and & (the
// export is not HTML, and auditors read it).
type recordEncoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

func newRecordEncoder() *recordEncoder {
	e := &recordEncoder{}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	return e
}

// encode returns x as JSON, valid until the next call.
func (e *recordEncoder) encode(x any) ([]byte, error) {
	e.buf.Reset()
	if err := e.enc.Encode(x); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(e.buf.Bytes(), []byte("\n")), nil
}

// jsonArray writes `,"name":[` and the rows of query, one a line, and `]`.
func jsonArray(b *bufio.Writer, enc *recordEncoder, tx *sql.Tx, name, query string, arg any, scan func(*sql.Rows) (any, error)) error {
	fmt.Fprintf(b, `,%q:[`, name)
	first := true
	err := each(tx, query, arg, func(rs *sql.Rows) error {
		x, err := scan(rs)
		if err != nil {
			return err
		}
		js, err := enc.encode(x)
		if err != nil {
			return err
		}
		if !first {
			b.WriteString(",")
		}
		first = false
		b.WriteString("\n")
		b.Write(js)
		return nil
	})
	if err != nil {
		return err
	}
	b.WriteString("]")
	return nil
}
