package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"contactsync/engine"
	"contactsync/engine/contact"
	"contactsync/journal"
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
// are not UTF-8 become U+FFFD there too. Strings are escaped by the one
// escaper of contactsync's JSON (engine.AppendJSONString, as json.Marshal
// escapes: <, > and & as \u003c, \u003e and \u0026).
func Export(w io.Writer, j *journal.Journal, format string, n int) error {
	return ExportFiltered(w, j, format, ExportFilter{Cycle: n})
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
func ExportFiltered(w io.Writer, j *journal.Journal, format string, f ExportFilter) error {
	var err error
	switch format {
	case "csv":
		err = j.Read(func(r *journal.Reader) error { return exportCSV(w, r, f) })
	case "json":
		err = j.Read(func(r *journal.Reader) error { return exportJSON(w, r, f) })
	default:
		err = fmt.Errorf("unknown format %q (want csv or json)", format)
	}
	return fail(j, "export", err)
}

// csvHeader are the columns of the CSV export.
var csvHeader = []string{"cycle", "cycle_time", "sync_user", "run_by", "link", "side", "op", "field", "old", "new", "rule", "name"}

// selection is what a filter selects: cycles, and the links of a contact
// (nil: every row).
type selection struct {
	cycles []journal.Cycle
	links  []int64
}

// rows selects the rows of cycle n that sel selects.
func (sel *selection) rows(n int) journal.Select { return journal.Select{Cycle: n, Links: sel.links} }

func selectRows(rd *journal.Reader, f ExportFilter) (*selection, error) {
	sel := &selection{}
	from, to := f.Cycle, f.Cycle
	if f.Cycle != 0 {
		if _, err := rd.Cycle(f.Cycle); err != nil {
			return nil, err
		}
	}
	cycles, err := rd.Cycles(from, to)
	if err != nil {
		return nil, err
	}
	for _, r := range cycles {
		if !f.Since.IsZero() || !f.Until.IsZero() {
			t, err := journal.ParseStamp(r.Started)
			if err != nil {
				return nil, fmt.Errorf("cycle %d: start time %q: %w", r.Number, r.Started, err)
			}
			if (!f.Since.IsZero() && t.Before(f.Since)) || (!f.Until.IsZero() && !t.Before(f.Until)) {
				continue
			}
		}
		sel.cycles = append(sel.cycles, r) // a few hundred bytes each
	}
	if f.Contact != "" {
		key, err := journal.ContactKey(f.Contact)
		if err != nil {
			return nil, err
		}
		if sel.links, err = rd.LinksOf(key); err != nil {
			return nil, fmt.Errorf("contact %q: %w", key, err)
		}
		// Only the cycles with a row of the contact.
		kept := sel.cycles[:0]
		for _, r := range sel.cycles {
			n, err := rd.Count(sel.rows(r.Number))
			if err != nil {
				return nil, err
			}
			if n.Changes+n.Conflicts+n.Notices > 0 {
				kept = append(kept, r)
			}
		}
		sel.cycles = kept
	}
	return sel, nil
}

func exportCSV(w io.Writer, rd *journal.Reader, f ExportFilter) error {
	sel, err := selectRows(rd, f)
	if err != nil {
		return err
	}
	b := bufio.NewWriter(w)
	b.WriteString("\uFEFF")
	writeCSVRecord(b, csvHeader)
	row := make([]string, len(csvHeader))
	for _, r := range sel.cycles {
		cycle := []string{strconv.Itoa(r.Number), spreadsheetCell(r.Started), spreadsheetCell(r.SyncUser), spreadsheetCell(r.RunBy)}
		err = rd.Changes(sel.rows(r.Number), func(c *journal.ChangeRow) error {
			copy(row, cycle)
			row[4] = ""
			if c.Link != 0 {
				row[4] = strconv.FormatInt(c.Link, 10)
			}
			for i, v := range []string{c.Side.String(), string(c.Op), c.Field, c.Old, c.New, string(c.Rule), c.Name} {
				row[5+i] = spreadsheetCell(v)
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

// A JSON record, written key by key with the one string escaper. Every key
// is always present so that each record has the same shape.
type record struct{ b []byte }

func (o *record) key(k string) {
	if len(o.b) == 0 || o.b[len(o.b)-1] != '{' {
		o.b = append(o.b, ',')
	}
	o.b = engine.AppendJSONString(o.b, k)
	o.b = append(o.b, ':')
}

func (o *record) str(k, v string) { o.key(k); o.b = engine.AppendJSONString(o.b, v) }
func (o *record) int(k string, v int64) {
	o.key(k)
	o.b = strconv.AppendInt(o.b, v, 10)
}

// raw writes the stored JSON s as it is (compacted), or as a JSON string
// when it is not valid JSON (an edited journal; Verify says so), so that
// the export stays a valid document.
func (o *record) raw(k, s string) {
	o.key(k)
	var c bytes.Buffer
	if json.Compact(&c, []byte(s)) == nil {
		o.b = append(o.b, c.Bytes()...)
		return
	}
	o.b = engine.AppendJSONString(o.b, s)
}

// open starts a record in o, reusing its buffer.
func (o *record) open() { o.b = append(o.b[:0], '{') }
func (o *record) close() []byte {
	o.b = append(o.b, '}')
	return o.b
}

func exportJSON(w io.Writer, rd *journal.Reader, f ExportFilter) error {
	sel, err := selectRows(rd, f)
	if err != nil {
		return err
	}
	b := bufio.NewWriter(w)
	var o record
	b.WriteString(`{"cycles":[`)
	for i := range sel.cycles {
		r := &sel.cycles[i]
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n")
		files, err := rd.Files(r.Number)
		if err != nil {
			return err
		}
		o.open()
		o.int("number", int64(r.Number))
		for _, kv := range [][2]string{{"kind", r.Kind}, {"status", r.Status}, {"started", r.Started}, {"finished", r.Finished},
			{"sync_user", r.SyncUser}, {"run_by", r.RunBy}, {"tool_version", r.ToolVersion}, {"prefer", r.Prefer},
			{"direction", r.Direction}, {"mapping", r.Mapping}} {
			o.str(kv[0], kv[1])
		}
		o.raw("options", r.Options)
		o.raw("counts", r.Counts)
		o.str("out_dir", r.OutDir)
		o.int("next_link_id", r.NextLinkID)
		o.int("open_links", r.OpenLinks)
		o.str("prev_hash", r.PrevHash)
		o.str("hash", r.Hash)
		o.key("files")
		o.b = append(o.b, '[')
		for k, f := range files {
			if k > 0 {
				o.b = append(o.b, ',')
			}
			o.b = append(o.b, '{')
			o.str("role", f.Role)
			o.str("path", f.Path)
			o.str("sha256", f.SHA256)
			o.int("size", f.Size)
			o.b = append(o.b, '}')
		}
		o.b = append(o.b, ']')
		b.Write(o.b) // without its "}": the row arrays follow
		rows := sel.rows(r.Number)
		if err := jsonArray(b, "changes", func(each func(func()) error) error {
			return rd.Changes(rows, func(c *journal.ChangeRow) error {
				return each(func() {
					o.open()
					o.int("link", c.Link)
					o.str("side", c.Side.String())
					o.str("op", string(c.Op))
					o.str("field", c.Field)
					o.str("old", c.Old)
					o.str("new", c.New)
					o.str("rule", string(c.Rule))
					o.str("name", c.Name)
				})
			})
		}, &o); err != nil {
			return err
		}
		if err := jsonArray(b, "conflicts", func(each func(func()) error) error {
			return rd.Conflicts(rows, func(c *journal.ConflictRow) error {
				return each(func() {
					o.open()
					o.int("link", c.Link)
					o.str("field", c.Field)
					o.str("base", c.Base)
					o.str("crm", c.CRM)
					o.str("outlook", c.Outlook)
					o.str("crm_time", c.CRMStamp)
					o.str("outlook_time", c.OutlookStamp)
					o.str("winner", string(c.Winner))
					o.str("rule", string(c.Rule))
					o.str("name", c.Name)
				})
			})
		}, &o); err != nil {
			return err
		}
		if err := jsonArray(b, "notices", func(each func(func()) error) error {
			return rd.Notices(rows, func(x *journal.NoticeRow) error {
				return each(func() {
					o.open()
					o.str("kind", string(x.Kind))
					o.int("link", x.Link)
					o.str("message", x.Message)
				})
			})
		}, &o); err != nil {
			return err
		}
		b.WriteString("}")
	}
	b.WriteString("\n]}\n")
	return b.Flush()
}

// jsonArray writes `,"name":[` and the records rows makes, one a line, and
// `]`. rows calls each with a function that fills o with one record.
func jsonArray(b *bufio.Writer, name string, rows func(each func(fill func()) error) error, o *record) error {
	b.WriteString(",")
	b.Write(engine.AppendJSONString(nil, name))
	b.WriteString(":[")
	first := true
	err := rows(func(fill func()) error {
		fill()
		if !first {
			b.WriteString(",")
		}
		first = false
		b.WriteString("\n")
		_, err := b.Write(o.close())
		return err
	})
	if err != nil {
		return err
	}
	b.WriteString("]")
	return nil
}
