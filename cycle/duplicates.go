package cycle

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"contactsync/engine"
	"contactsync/engine/contact"
	"contactsync/formats/crmcsv"
	"contactsync/formats/phone"
)

// duplicateOptions are the engine options of a duplicates search.
func duplicateOptions(n *phone.Normalizer, caseSensitive bool) engine.DuplicateOptions {
	return engine.DuplicateOptions{PhoneKey: n.Key, CaseSensitiveKeys: caseSensitive}
}

// writeDuplicatesCSV writes one row per contact of each group: group,
// reason, key, name, e-mail, line (and first the side, when side is not
// empty, for the cycle's duplicates.csv). Cells a spreadsheet would take
// for a formula get a leading "'". The CSV is encoding/csv's (csvRows).
func writeDuplicatesCSV(w io.Writer, side string, cs contact.Records, groups *engine.Duplicates) error {
	r := &csvRows{w: w}
	if side != "" {
		r.cell("side")
	}
	for _, h := range []string{"group", "reason", "key", "name", "email", "line"} {
		r.cell(h)
	}
	r.end()
	if err := appendDuplicateRows(r, side, cs, groups); err != nil {
		return err
	}
	return r.flush()
}

// appendDuplicateRows writes the rows of writeDuplicatesCSV, without the
// header, into r. A group's members lie anywhere in cs, so the cells read
// from the member and its record (reason, key, name, e-mail, line) are
// made first for a run of rows in the records' order (dupRun), where the
// table and the members' matches (whose values FindDuplicates keeps in
// the records' order) are read in the order they are laid out, not a
// cache miss a value; then the rows are written in the groups' order.
func appendDuplicateRows(r *csvRows, side string, cs contact.Records, groups *engine.Duplicates) error {
	run := &dupRun{}
	var num, reasons []byte
	var ends []int
	for gi := 0; gi < groups.Len(); {
		// The run: the members of whole groups, up to dupRunRows (a
		// larger group goes whole).
		first, _ := groups.Group(gi)
		gj := gi + 1
		for ; gj < groups.Len(); gj++ {
			if _, hi := groups.Group(gj); hi-first > dupRunRows {
				break
			}
		}
		_, last := groups.Group(gj - 1)
		run.records = run.records[:0]
		for m := first; m < last; m++ {
			run.records = append(run.records, int32(groups.Index(m)))
		}
		run.read(cs)
		row := 0
		for g := gi; g < gj; g++ {
			num = strconv.AppendInt(num[:0], int64(g+1), 10)
			lo, hi := groups.Group(g)
			for m := lo; m < hi; m++ {
				if side != "" {
					r.cell(side)
				}
				r.cellBytes(num)
				k := row % dupTouchRows
				if k == 0 {
					// The reasons of the next rows, and their record
					// cells, looked at at once.
					reasons, ends = groups.AppendReasons(reasons[:0], ends[:0], m, min(m+dupTouchRows, last))
					run.touch(row)
				}
				from := 0
				if k > 0 {
					from = ends[k-1]
				}
				// (capped: a cell made a string moves, not over the next)
				r.cellBytes(spreadsheetCell(reasons[from:ends[k]:ends[k]]))
				sp := run.span[row]
				r.buf = append(r.buf, run.text[sp[0]:sp[1]]...)
				row++
				r.end()
				if r.err != nil {
					return r.err
				}
			}
		}
		gi = gj
	}
	return nil
}

// touch looks at the record cells of rows row up to row+dupTouchRows in a
// loop of loads that do not wait on one another, before they are copied:
// they lie anywhere in text (the rows are in the groups' order, text in
// the records'), and copied one after another each row waited for its
// miss of the cache (the copies took a fifth of duplicates.csv's time).
func (d *dupRun) touch(row int) {
	var sink byte
	for _, sp := range d.span[row:min(row+dupTouchRows, len(d.span))] {
		if sp[1] > sp[0] {
			sink ^= d.text[sp[0]] ^ d.text[sp[1]-1]
		}
	}
	d.sink ^= sink
}

// dupTouchRows is how many rows' cells touch looks at at once.
const dupTouchRows = 32

// dupRunRows is how many rows' cells a dupRun makes at a time: a few
// megabytes of text, most of a million contacts' members in order.
var dupRunRows = 1 << 18

// dupRun holds the record cells of a run of duplicates.csv's rows.
type dupRun struct {
	records []int32 // each row's record, in the rows' order
	// The rows' record cells as CSV, each after a comma, in the records'
	// order (a record shown by several rows once); row k's are
	// text[span[k][0]:span[k][1]].
	text []byte
	span [][2]int32
	// rowOf is, for each record, the last row of the run that shows it,
	// plus one (0: none; negative when an earlier row shows it too), and
	// next the row before of the same record, plus one: the rows in the
	// records' order without sorting them. rowOf is all 0 between runs.
	rowOf []int32
	next  []int32
	name  []byte
	sink  byte // keeps the loads of touch
}

// read reads the record cells of the run's rows in the records' order.
func (d *dupRun) read(cs contact.Records) {
	if n := cs.Len(); len(d.rowOf) < n {
		d.rowOf = make([]int32, n)
	}
	d.next = slices.Grow(d.next[:0], len(d.records))[:len(d.records)]
	d.span = slices.Grow(d.span[:0], len(d.records))[:len(d.records)]
	lo, hi := len(d.rowOf), -1
	for row, i := range d.records {
		if prev := d.rowOf[i]; prev != 0 {
			d.next[row], d.rowOf[i] = max(prev, -prev), -int32(row+1)
		} else {
			d.next[row], d.rowOf[i] = 0, int32(row+1)
		}
		lo, hi = min(lo, int(i)), max(hi, int(i))
	}
	text := d.text[:0]
	for i := lo; i <= hi; i++ {
		row := d.rowOf[i]
		if row == 0 {
			continue
		}
		d.rowOf[i] = 0
		start := len(text)
		text = appendCSVCell(text, true, contact.SpreadsheetCell(cs.Key(i)))
		d.name = spreadsheetCell(appendDisplayName(d.name[:0], cs, i))
		text = appendCSVCell(text, true, d.name)
		text = appendCSVCell(text, true, contact.SpreadsheetCell(firstEmail(cs, i)))
		text = append(text, ',')
		if l := cs.Line(i); l > 0 {
			text = strconv.AppendInt(text, int64(l), 10)
		}
		sp := [2]int32{int32(start), int32(len(text))}
		if row > 0 {
			d.span[row-1] = sp
			continue
		}
		for row = -row; row != 0; row = d.next[row-1] {
			d.span[row-1] = sp
		}
	}
	d.text = text
}

// spreadsheetCell is contact.SpreadsheetCell of a cell being built: b, or
// b with a leading "'" (moved in place). A cell whose first byte can start
// no formula is not made a string to ask (a string a cell, most of them
// reasons and names).
func spreadsheetCell(b []byte) []byte {
	if len(b) == 0 || !formulaFirst[b[0]] || !contact.FormulaLike(string(b)) {
		return b
	}
	b = append(b, 0)
	copy(b[1:], b)
	b[0] = '\''
	return b
}

// formulaFirst are the first bytes of a cell contact.FormulaLike may call
// a formula.
var formulaFirst = [256]bool{'=': true, '@': true, '\t': true, '\r': true, '+': true, '-': true}

// appendDisplayName appends cs.DisplayName(i) to b: the first, middle and
// last names, else the company, else the first e-mail.
func appendDisplayName(b []byte, cs contact.Records, i int) []byte {
	n := len(b)
	for _, f := range [...]contact.Field{contact.First, contact.Middle, contact.Last} {
		if v := cs.Get(i, f); v != "" {
			if len(b) > n {
				b = append(b, ' ')
			}
			b = append(b, v...)
		}
	}
	if t := bytes.TrimSpace(b[n:]); len(t) > 0 {
		return append(b[:n], t...) // moved to n: TrimSpace keeps the start when it trims none
	}
	b = b[:n]
	if v := cs.Get(i, contact.Company); v != "" {
		return append(b, v...)
	}
	return append(b, cs.Get(i, contact.Email1)...)
}

func firstEmail(cs contact.Records, i int) string {
	for _, f := range []contact.Field{contact.Email1, contact.Email2, contact.Email3} {
		if e := contact.NormalizeEmail(cs.Get(i, f), true); e != "" {
			return e
		}
	}
	return ""
}

// sideDuplicates are the likely duplicates of both sides of a cycle.
type sideDuplicates struct {
	CRM, Outlook                 *engine.Duplicates
	CRMContacts, OutlookContacts contact.Records
}

func (d *sideDuplicates) empty() bool { return d == nil || d.CRM.Len() == 0 && d.Outlook.Len() == 0 }

// writeCSV writes duplicates.csv: both sides' groups with a side column,
// after a byte-order mark.
func (d *sideDuplicates) writeCSV(w io.Writer) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	r := &csvRows{w: w}
	for _, h := range []string{"side", "group", "reason", "key", "name", "email", "line"} {
		r.cell(h)
	}
	r.end()
	if err := appendDuplicateRows(r, "crm", d.CRMContacts, d.CRM); err != nil {
		return err
	}
	if err := appendDuplicateRows(r, "outlook", d.OutlookContacts, d.Outlook); err != nil {
		return err
	}
	return r.flush()
}

// duplicatesName is the list of likely duplicates in a cycle's output folder.
const duplicatesName = "duplicates.csv"

// sideSearch finds the likely duplicates of both sides, a task a side,
// beside the engine's Reconcile. The phase waits for Reconcile, the longer
// of the two: on two cores, three goroutines (Reconcile and a search a
// side) would share them, and Reconcile would get two thirds of one while
// the searches last. So one goroutine searches the sides in turn (two when
// there are more cores), and the goroutine that ran Reconcile takes the
// side not yet begun when it is done first (help).
//
// then, when set, runs once the search is done, in the goroutine that
// finished it when that is a searcher of its own (not help): the core the
// search had is free while Reconcile finishes, and duplicates.csv, which
// needs only the groups and the records, is written there (see
// earlyStage). thenRan says it did; help's caller reads it.
type sideSearch struct {
	d       sideDuplicates
	next    atomic.Int32 // the next task
	left    atomic.Int32 // the tasks not done
	wg      sync.WaitGroup
	tasks   [2]func()
	then    func(sideDuplicates)
	thenRan bool
}

// startSideSearch starts the search of both sides.
func startSideSearch(crm, ol contact.Records, n *phone.Normalizer, caseSensitive bool, then func(sideDuplicates)) *sideSearch {
	if n == nil {
		n = &phone.Normalizer{}
	}
	s := &sideSearch{d: sideDuplicates{CRMContacts: crm, OutlookContacts: ol}, then: then}
	opt := duplicateOptions(n, caseSensitive)
	s.tasks = [2]func(){
		func() { s.d.CRM = engine.SearchDuplicates(crm, opt) },
		func() { s.d.Outlook = engine.SearchDuplicates(ol, opt) },
	}
	s.wg.Add(len(s.tasks))
	s.left.Store(int32(len(s.tasks)))
	go s.work(true)
	if runtime.GOMAXPROCS(0) > 2 {
		go s.work(true)
	}
	return s
}

// work runs the tasks not yet taken; a searcher of its own (own) that
// finishes the last task runs then.
func (s *sideSearch) work(own bool) {
	for {
		k := int(s.next.Add(1)) - 1
		if k >= len(s.tasks) {
			return
		}
		s.tasks[k]()
		last := s.left.Add(-1) == 0 // every task's results are in s.d
		run := last && own && s.then != nil
		if last {
			s.thenRan = run // read by help's caller, after wg.Wait
		}
		s.wg.Done()
		if run {
			s.then(s.d)
		}
	}
}

// help runs the tasks not yet taken, then waits for all of them and
// returns the duplicates of both sides. then, if any, may still run.
func (s *sideSearch) help() sideDuplicates {
	s.work(false)
	s.wg.Wait()
	return s.d
}

// findSideDuplicates finds the likely duplicates of both sides.
func findSideDuplicates(crm, ol contact.Records, n *phone.Normalizer, caseSensitive bool) sideDuplicates {
	return startSideSearch(crm, ol, n, caseSensitive, nil).help()
}

// summary is what the first cycle says about duplicates: a duplicate on one
// side can be linked to only one contact on the other, so they are best
// merged before they spread.
func (d *sideDuplicates) summary(path string) string {
	if d.empty() {
		return "likely duplicates: none on either side\n"
	}
	return fmt.Sprintf("likely duplicates: CRM %d groups (%d contacts), Outlook %d groups (%d contacts); listed in %s and report.html\n"+
		"  a duplicate on one side can be linked to only one contact on the other: merge them on their side, or run 'contactsync duplicates' on an export\n",
		d.CRM.Len(), d.CRM.Members(), d.Outlook.Len(), d.Outlook.Members(), path)
}

// reportGroup is one group of the report's duplicates section.
type reportGroup struct {
	Side, Number string
	Members      []reportMember
}

type reportMember struct{ Key, Line, Name, Email, Reason string }

// reportGroups returns both sides' groups for the report, at most limit
// contacts in all (the CSV has every one), and whether some were left out.
func (d *sideDuplicates) reportGroups(limit int) ([]reportGroup, bool) {
	var out []reportGroup
	n := 0
	for _, side := range []struct {
		name string
		cs   contact.Records
		gs   *engine.Duplicates
	}{{"CRM", d.CRMContacts, d.CRM}, {"Outlook", d.OutlookContacts, d.Outlook}} {
		for g := range side.gs.Len() {
			lo, hi := side.gs.Group(g)
			if n+hi-lo > limit {
				return out, true
			}
			rg := reportGroup{Side: side.name, Number: strconv.Itoa(g + 1)}
			for m := lo; m < hi; m++ {
				i := side.gs.Index(m)
				line := ""
				if l := side.cs.Line(i); l > 0 {
					line = strconv.Itoa(l)
				}
				rg.Members = append(rg.Members, reportMember{Key: side.cs.Key(i), Line: line, Name: side.cs.DisplayName(i), Email: firstEmail(side.cs, i), Reason: string(side.gs.AppendReason(nil, m))})
			}
			n += hi - lo
			out = append(out, rg)
		}
	}
	return out, false
}

// DuplicatesOptions are the inputs of Duplicates.
type DuplicatesOptions struct {
	// From is the kind of the input: "crm" for a CRM dump folder, an
	// Outlook kind, or "" (a folder the registry finds a CRM dump is one,
	// else the Outlook kind its name and content say).
	From string
	// Outlook reads an Outlook export.
	Outlook OutlookOptions
	// Phones puts phone numbers in E.164 form; nil: digits only.
	Phones            *phone.Normalizer
	CaseSensitiveKeys bool
}

// DuplicatesFound counts what Duplicates found.
type DuplicatesFound struct {
	Groups, InGroups, Contacts int
}

// Duplicates lists the groups of likely duplicates within the side at path
// to w as CSV: one row per contact of a group.
func Duplicates(w io.Writer, path string, o DuplicatesOptions) (*DuplicatesFound, error) {
	defer adviseHugePages()() // as a cycle: see hugepages_linux.go
	// A CRM dump, named or found by the registry (as validate finds it);
	// else an Outlook export of the kind From names or the input says.
	crm, _ := otherSide(path, o.From)
	// The side goes into a table (every field, one string pool), record by
	// record: no side is held as a []Contact.
	t := contact.NewTable(contact.AllFields())
	if crm != nil {
		add := tableAdder{t: t, path: crmcsv.ContactsPath(path)}
		if _, errs := crmcsv.ReadDirEachView(path, false, add.add); len(errs) > 0 {
			return nil, fmt.Errorf("read CRM dump: %w", errs[0])
		}
		if add.err != nil {
			return nil, fmt.Errorf("read CRM dump: %w", add.err)
		}
	} else {
		o.Outlook.From = o.From
		if err := outlookTable(path, o.Outlook, t); err != nil {
			return nil, fmt.Errorf("read Outlook export: %w", err)
		}
	}
	if o.Phones == nil {
		o.Phones = &phone.Normalizer{}
	}
	groups := engine.SearchDuplicates(t, duplicateOptions(o.Phones, o.CaseSensitiveKeys))
	if err := writeDuplicatesCSV(w, "", t, groups); err != nil {
		return nil, err
	}
	return &DuplicatesFound{Groups: groups.Len(), InGroups: groups.Members(), Contacts: t.Len()}, nil
}

// outlookTable reads the Outlook export at path into the empty table t,
// record by record (outlookStream); an Outlook CSV whose date order is
// settled late is read again whole.
func outlookTable(path string, o OutlookOptions, t *contact.Table) error {
	st, err := openOutlookStream(path, o)
	if err != nil {
		return err
	}
	defer st.close()
	for {
		c, err := st.next()
		if err == io.EOF {
			return nil
		}
		if errors.Is(err, errLateDateOrder) {
			t.Reset()
			side, err := ReadOutlook(path, o)
			if err != nil {
				return err
			}
			for i := range side.Contacts {
				if err := t.Add(&side.Contacts[i]); err != nil {
					return addError(path, err)
				}
			}
			return nil
		}
		if err != nil {
			return err
		}
		if err := t.Add(c); err != nil {
			return addError(path, err)
		}
	}
}
