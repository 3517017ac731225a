package cycle

import (
	"fmt"
	"os"
	"strings"
	"time"

	"contactsync/engine/contact"
	"contactsync/formats"
	"contactsync/formats/outlookcsv"
)

// Reading an Outlook CSV export straight into a table: the records are
// never held, only the table's fields of them. The same steps as
// ReadOutlook's, record by record.

// csvStamp is the modification time of every record of a CSV export, and
// where it comes from: Outlook CSV has none, so every record changed, at
// the latest, when the file was exported.
func csvStamp(path string, o OutlookOptions) (time.Time, string, error) {
	if !o.ExportedAt.IsZero() {
		return o.ExportedAt, "--outlook-exported-at", nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return time.Time{}, "", err
	}
	return st.ModTime().UTC().Truncate(time.Second), "export file mtime", nil
}

// controls counts the values dropControls drops, record by record.
type controls struct {
	n     int
	first string
}

func (k *controls) add(c *contact.Contact) {
	fields := contact.DropControls(c)
	if len(fields) == 0 {
		return
	}
	k.n += len(fields)
	if k.first == "" {
		k.first = fmt.Sprintf("%q (%s)", c.DisplayName(), strings.Join(fields, ", "))
		if c.Line > 0 {
			k.first = fmt.Sprintf("line %d, %s", c.Line, k.first)
		}
	}
}

func (k *controls) warning(path string) string {
	if k.n == 0 {
		return ""
	}
	return fmt.Sprintf("%s: %d values held control characters (NUL, ESC and the like) that no import takes; they were dropped, the first at %s", path, k.n, k.first)
}

// cleanEmails makes every e-mail field the bare address (see ReadOutlook)
// and reports whether one changed.
func cleanEmails(c *contact.Contact) (changed bool) {
	for _, f := range [...]contact.Field{contact.Email1, contact.Email2, contact.Email3} {
		// Written back only when the cleaning changed it (most are bare
		// addresses already, or empty): no store a field of every record.
		if v := c.Values[f]; v != "" {
			if cv := contact.Clean(f, v); cv != v {
				c.Values[f], changed = cv, true
			}
		}
	}
	return changed
}

// eachOutlookCSV reads the CSV export at path as ReadOutlook does and
// hands each record, ready, to add; reset as outlookcsv.Each. With views,
// the record's strings are valid only during the call too
// (outlookcsv.EachView): for an add that copies them (a table). With rows
// too, add is also given the record's text when the export's writer
// writes the record, as add has it, as that text (outlookcsv.Reader.Row;
// a view).
func eachOutlookCSV(path string, o OutlookOptions, views, rows bool, reset func(), add func(*contact.Contact, outlookcsv.Row) error) (*OutlookSide, error) {
	at, from, err := csvStamp(path, o)
	if err != nil {
		return nil, err
	}
	var ctl controls
	ready := func(c *contact.Contact, controls bool, row outlookcsv.Row) error {
		c.Modified, c.ModifiedFrom = at, from
		if controls { // else the record's text held none
			ctl.add(c)
		}
		if cleanEmails(c) {
			row = outlookcsv.Row{} // c is not the record as read
		}
		return add(c, row)
	}
	restart := func() { ctl = controls{}; reset() }
	var f *outlookcsv.File
	var rejected formats.ErrorList
	switch {
	case views && rows:
		f, rejected, err = outlookcsv.EachViewRows(path, o.csv(), o.SkipInvalid, restart, ready)
	case views:
		f, rejected, err = outlookcsv.EachView(path, o.csv(), o.SkipInvalid, restart, func(c *contact.Contact, controls bool) error {
			return ready(c, controls, outlookcsv.Row{})
		})
	default:
		f, rejected, err = outlookcsv.Each(path, o.csv(), o.SkipInvalid, restart, func(c *contact.Contact) error { return ready(c, true, outlookcsv.Row{}) })
	}
	if err != nil {
		return nil, err
	}
	s := &OutlookSide{Kind: KindCSV, Path: path, CSV: f, Warnings: formats.WarningTexts(f.Warnings), Inputs: []formats.InputFile{f.Input}, dropped: true}
	if o.SkipInvalid {
		s.Rejected = rejected
	}
	var notes []string
	if len(f.Guessed) > 0 {
		notes = append(notes, "Outlook CSV columns read by what their names say: "+strings.Join(f.Guessed, ", "))
	}
	if f.DateInferred {
		notes = append(notes, "Outlook CSV dates read as "+f.DateFormat+", the one order that reads every date of the file (the language's usual order does not)")
	}
	s.Note = strings.Join(notes, "; ")
	if w := ctl.warning(path); w != "" {
		s.Warnings = append(s.Warnings, w)
	}
	return s, nil
}

// readOutlookTable reads the Outlook export at path into the empty table
// t, record by record: the records are not kept (the outputs read the
// export again). A pipe, which cannot be read again, is read whole, its
// records kept.
func readOutlookTable(path string, o OutlookOptions, t *contact.Table) (*OutlookSide, error) {
	return readOutlookTableOn(path, o, t, nil)
}

// readOutlookTableOn is readOutlookTable among tasks that share the cores
// (nil: none): a CSV export read once a core is idle is read on two (see
// tableAdder).
func readOutlookTableOn(path string, o OutlookOptions, t *contact.Table, tasks *cores) (*OutlookSide, error) {
	kind, err := DetectKind(path, o.From)
	if err != nil {
		return nil, err
	}
	if !rereadable(path) {
		return ReadOutlook(path, o)
	}
	if kind != KindCSV {
		return readOutlookInto(path, kind, o, t, tasks)
	}
	add := tableAdder{t: t, path: path, cores: tasks}
	s, err := eachOutlookCSV(path, o, true, false, add.reset, func(c *contact.Contact, _ outlookcsv.Row) error {
		return add.put(c)
	})
	// An error of Table.Add comes first: added as they came, the records
	// after it would not have been read.
	if aerr := add.finish(); aerr != nil {
		return nil, aerr
	}
	if err != nil {
		return nil, err
	}
	s.table = t
	return s, nil
}

// readOutlookInto reads an export of kind (a vCard file or folder, a PST,
// .msg files) through its format's Reader into the empty table t, each
// record as ReadOutlook gives it: the export time for a format without
// modification times, control characters dropped (and counted, Deleted
// Items after the records, as ReadOutlook does), e-mail fields the bare
// address. The Deleted Items are kept. tasks are readOutlookTableOn's.
func readOutlookInto(path, kind string, o OutlookOptions, t *contact.Table, tasks *cores) (*OutlookSide, error) {
	var at time.Time
	var from string
	stamp := noTimes(kind)
	if stamp {
		var err error
		if at, from, err = csvStamp(path, o); err != nil {
			return nil, err
		}
	}
	var ctl controls
	s := &OutlookSide{Kind: kind, Path: path, dropped: true}
	add := tableAdder{t: t, path: path, cores: tasks}
	err := readSideEach(s, o, func(c *contact.Contact) {
		if stamp {
			c.Modified, c.ModifiedFrom = at, from
		}
		ctl.add(c)
		cleanEmails(c)
		add.add(c)
	})
	if aerr := add.finish(); err == nil {
		err = aerr
	}
	if err != nil {
		return nil, err
	}
	if len(s.Contacts) > 0 {
		// Read whole after all (readCSVWhole): the records are the table's.
		t.Reset()
		ctl = controls{}
		for i := range s.Contacts {
			c := &s.Contacts[i]
			if stamp {
				c.Modified, c.ModifiedFrom = at, from
			}
			ctl.add(c)
			cleanEmails(c)
			if err := t.Add(c); err != nil {
				return nil, addError(path, err)
			}
		}
		s.Contacts = nil
	}
	for i := range s.Deleted {
		ctl.add(&s.Deleted[i])
		cleanEmails(&s.Deleted[i])
	}
	if w := ctl.warning(path); w != "" {
		s.Warnings = append(s.Warnings, w)
	}
	s.table = t
	return s, nil
}

// records is the number of records of the export read.
func (s *OutlookSide) records() int {
	if s.table != nil {
		return s.table.Len()
	}
	return len(s.Contacts)
}
