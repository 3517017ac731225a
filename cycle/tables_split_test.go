package cycle

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"contactsync/engine/contact"
	"contactsync/fixtures/synth"
	"contactsync/formats"
	"contactsync/formats/crmcsv"
)

// sameTables fails unless got holds the records of want, in its order.
func sameTables(t *testing.T, what string, got, want *contact.Table) {
	t.Helper()
	if got.Len() != want.Len() {
		t.Fatalf("%s: %d records, want %d", what, got.Len(), want.Len())
	}
	for i := range want.Len() {
		if g, w := got.Contact(i), want.Contact(i); !reflect.DeepEqual(g, w) {
			t.Fatalf("%s: record %d is\n%+v\nwant\n%+v", what, i, g, w)
		}
	}
}

// tableOf is a table of fields holding recs, each added as it comes.
func tableOf(t *testing.T, fields []contact.Field, recs []contact.Contact) *contact.Table {
	t.Helper()
	tb := contact.NewTable(fields)
	for i := range recs {
		if err := tb.Add(&recs[i]); err != nil {
			t.Fatal(err)
		}
	}
	return tb
}

// viewed returns a copy of c whose strings are views of buf, as a reader's
// records are views of its buffer: scribbling over buf after the record
// is handed out changes them.
func viewed(c contact.Contact, buf *[]byte) contact.Contact {
	b := (*buf)[:0]
	view := func(v string) string {
		if v == "" {
			return ""
		}
		o := len(b)
		b = append(b, v...)
		return unsafe.String(&b[o], len(v))
	}
	// The room is made first: views of a buffer that append moves would
	// not be overwritten.
	n := len(c.Key) + len(c.ModifiedFrom) + len(c.CRM.AccountID) + len(c.CRM.Owner) + len(c.CRM.AccountManagerID) + len(c.CRM.Type) + len(c.CRM.Status)
	for _, v := range c.Values {
		n += len(v)
	}
	if cap(b) < n {
		b = make([]byte, 0, 2*n)
	}
	v := c
	v.Key, v.ModifiedFrom = view(c.Key), view(c.ModifiedFrom)
	v.CRM = contact.CRM{AccountID: view(c.CRM.AccountID), Owner: view(c.CRM.Owner), AccountManagerID: view(c.CRM.AccountManagerID), Type: view(c.CRM.Type), Status: view(c.CRM.Status)}
	for f := range v.Values {
		v.Values[f] = view(c.Values[f])
	}
	*buf = b
	return v
}

// scribble overwrites what viewed records of buf hold.
func scribble(buf []byte) {
	for i := range buf[:cap(buf)] {
		buf[:cap(buf)][i] = '#'
	}
}

// A tableAdder adds records as they come until a core is idle, then
// through batches that a goroutine of its own adds: wherever that starts
// (at once, within the first batch, at a batch's end, at the last record,
// never), the table holds the same records in the same order, copied when
// they were handed out (the reader's buffer is overwritten after each).
func TestTableAdderSplits(t *testing.T) {
	recs := synth.Generate(3000, 7, 0.8, 0.02).CRM
	fields := contact.AllFields()
	want := tableOf(t, fields, recs)
	for _, at := range []int{0, 1, feedBatchLen - 1, feedBatchLen, 1000, len(recs) - 1, len(recs)} {
		got := contact.NewTable(fields)
		busy := newCores(runtimeProcs()) // a task a core: none idle
		a := tableAdder{t: got, path: "contacts.csv", cores: busy}
		var buf []byte
		for i := range recs {
			if i == at {
				busy.done() // a task ended
			}
			v := viewed(recs[i], &buf)
			if err := a.put(&v); err != nil {
				t.Fatal(err)
			}
			scribble(buf)
		}
		if err := a.finish(); err != nil {
			t.Fatal(err)
		}
		sameTables(t, "split at "+strconv.Itoa(at), got, want)
	}
}

// runtimeProcs is the cores a test's tasks are counted against.
func runtimeProcs() int { return newCores(0).count() }

// A reader that starts over (an Outlook CSV whose encoding or date order
// is settled late) resets the table while its records are being added by
// the adding goroutine: what was added is dropped, and the records given
// again are added from the start.
func TestTableAdderResetWhileSplit(t *testing.T) {
	recs := synth.Generate(1500, 3, 0.8, 0.02).Outlook
	fields := contact.AllFields()
	want := tableOf(t, fields, recs)
	got := contact.NewTable(fields)
	a := tableAdder{t: got, path: "contacts.csv", cores: newCores(0)}
	var buf []byte
	for i := range recs[:1000] {
		v := viewed(recs[i], &buf)
		a.put(&v)
		scribble(buf)
	}
	a.reset()
	for i := range recs {
		v := viewed(recs[i], &buf)
		a.put(&v)
		scribble(buf)
	}
	if err := a.finish(); err != nil {
		t.Fatal(err)
	}
	sameTables(t, "reset while split", got, want)
}

// An error of Table.Add met by the adding goroutine is the tableAdder's
// error, positioned, as when the records were added as they came; the
// records after it are not added, and a reader that would start over
// keeps it (it would have stopped at the error).
func TestTableAdderSplitError(t *testing.T) {
	recs := synth.Generate(600, 5, 0.8, 0.02).CRM
	recs[400].Values[contact.Notes], recs[400].Line = bigValue, 402
	tab := contact.NewTableIn(smallPool(), contact.AllFields())
	a := tableAdder{t: tab, path: "contacts.csv", cores: newCores(0)}
	var errs []error
	for i := range recs {
		if err := a.put(&recs[i]); err != nil {
			errs = append(errs, err)
		}
	}
	a.reset()
	v := recs[0]
	err := a.put(&v)
	want := "contacts.csv:402: notes: " + contact.ErrFull.Error()
	if err == nil || err.Error() != want || !errors.Is(err, contact.ErrFull) || !formats.IsParseError(err) {
		t.Fatalf("put after the error and a reset: %v, want %q", err, want)
	}
	if ferr := a.finish(); ferr != err {
		t.Errorf("finish: %v, want %v", ferr, err)
	}
	for _, e := range errs {
		if e != err {
			t.Errorf("put returned %v, want %v", e, err)
		}
	}
	if tab.Len() != 400 {
		t.Errorf("table of %d records, want the 400 before the error", tab.Len())
	}
}

// splitInputs writes a CRM dump and an Outlook CSV export of n contacts a
// side, with rows a lenient read sets aside: CRM rows with a date that
// cannot be read, Outlook records with a quote in an unquoted cell.
func splitInputs(t *testing.T, n int) (crm, ol string) {
	t.Helper()
	crm, ol = writeSides(t, t.TempDir(), n, 11, 0.02)
	edit := func(path string, lines []int, f func(string) string) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		ls := strings.SplitAfter(string(b), "\n")
		for _, l := range lines {
			ls[l-1] = f(ls[l-1])
		}
		writeText(t, path, strings.Join(ls, ""))
	}
	edit(filepath.Join(crm, crmcsv.ContactsFile), []int{3, n / 3, n - 5}, func(row string) string {
		return row[:strings.LastIndexByte(row, ',')+1] + "yesterday\r\n"
	})
	edit(ol, []int{5, n / 2}, func(string) string { return "Bob,Ray\"s\r\n" })
	return crm, ol
}

// readWith reads the sides of o among tasks (see cores).
func readWith(o Options, tasks *cores) (*run, error) {
	r := &run{o: &o, pg: noProgress{}}
	return r, r.readSides(tasks)
}

// Both sides read with their work split from the first record give the
// tables, the rows set aside and the warnings of a read that adds each
// record as it comes.
func TestReadSidesSplit(t *testing.T) {
	crm, ol := splitInputs(t, 2500)
	o := Options{CRM: crm, Outlook: ol, Flags: map[string]string{}}
	o.OutlookOpts.ExportedAt = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	o.OutlookOpts.SkipInvalid = true
	want, err := readWith(o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(want.crmRejected) != 3 || len(want.ol.Rejected) != 2 {
		t.Fatalf("set aside %d CRM rows and %d Outlook records, want 3 and 2", len(want.crmRejected), len(want.ol.Rejected))
	}
	got, err := readWith(o, newCores(0))
	if err != nil {
		t.Fatal(err)
	}
	sameTables(t, "CRM", got.crmTable, want.crmTable)
	sameTables(t, "Outlook", got.ol.table, want.ol.table)
	if g, w := got.crmRejected.Error(), want.crmRejected.Error(); g != w {
		t.Errorf("CRM rows set aside:\n%s\nwant\n%s", g, w)
	}
	if g, w := got.ol.Rejected.Error(), want.ol.Rejected.Error(); g != w {
		t.Errorf("Outlook records set aside:\n%s\nwant\n%s", g, w)
	}
	if !reflect.DeepEqual(got.ol.Warnings, want.ol.Warnings) || !reflect.DeepEqual(got.early, want.early) ||
		!reflect.DeepEqual(got.dump.Inputs, want.dump.Inputs) || !reflect.DeepEqual(got.ol.Inputs, want.ol.Inputs) {
		t.Errorf("warnings %q and %q, inputs %v and %v; want %q and %q, %v and %v", got.ol.Warnings, got.early, got.dump.Inputs, got.ol.Inputs,
			want.ol.Warnings, want.early, want.dump.Inputs, want.ol.Inputs)
	}
	// Read strictly, the first row that cannot be read is the error.
	o.OutlookOpts.SkipInvalid = false
	_, werr := readWith(o, nil)
	_, gerr := readWith(o, newCores(0))
	if werr == nil || gerr == nil || gerr.Error() != werr.Error() {
		t.Errorf("read strictly, split: %v; not split: %v", gerr, werr)
	}
}

// A value that does not fit in the pool is the same positioned error when
// the work is split, on either side.
func TestReadSidesSplitPoolFull(t *testing.T) {
	crm, ol := splitInputs(t, 600)
	o := Options{CRM: crm, Outlook: ol, Flags: map[string]string{}}
	o.OutlookOpts.ExportedAt = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	o.OutlookOpts.SkipInvalid = true
	defer func(p func() *contact.Strings) { newPool = p }(newPool)
	newPool = smallPool
	contacts := filepath.Join(crm, crmcsv.ContactsFile)
	b, err := os.ReadFile(contacts)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	lines[500] = strings.Replace(lines[500], "Main Street", bigValue, 1)
	writeText(t, contacts, strings.Join(lines, ""))
	_, err = readWith(o, newCores(0))
	want := "read CRM dump: " + contacts + ":501: address_business.street: " + contact.ErrFull.Error()
	if err == nil || err.Error() != want {
		t.Errorf("CRM side split: %v, want %q", err, want)
	}
	tab := contact.NewTableIn(smallPool(), contact.AllFields())
	csvPath := filepath.Join(t.TempDir(), "contacts.csv")
	var rows strings.Builder
	rows.WriteString("First Name,Last Name,Notes\n")
	for i := range 900 {
		note := "note " + strconv.Itoa(i)
		if i == 700 {
			note = bigValue
		}
		rows.WriteString("Ann,Lee" + strconv.Itoa(i) + "," + note + "\n")
	}
	writeText(t, csvPath, rows.String())
	_, err = readOutlookTableOn(csvPath, o.OutlookOpts, tab, newCores(0))
	want = csvPath + ":702: notes: " + contact.ErrFull.Error()
	if err == nil || err.Error() != want {
		t.Errorf("Outlook side split: %v, want %q", err, want)
	}
}

// An export of another format than CSV (here a vCard file) read with its
// work split gives the table of a read that adds each record as it comes.
func TestReadOutlookIntoSplit(t *testing.T) {
	vcf := filepath.Join(t.TempDir(), "contacts.vcf")
	o := OutlookOptions{ExportedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := WriteContacts(vcf, "", synth.Generate(2500, 13, 0.8, 0.02).Outlook, nil, o); err != nil {
		t.Fatal(err)
	}
	want := contact.NewTable(contact.AllFields())
	ws, err := readOutlookTableOn(vcf, o, want, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := contact.NewTable(contact.AllFields())
	gs, err := readOutlookTableOn(vcf, o, got, newCores(0))
	if err != nil {
		t.Fatal(err)
	}
	if ws.Kind != KindVCard || want.Len() < 2000 {
		t.Fatalf("read %d records as %s", want.Len(), ws.Kind)
	}
	sameTables(t, "vCard", got, want)
	if !reflect.DeepEqual(gs.Warnings, ws.Warnings) {
		t.Errorf("warnings %q, want %q", gs.Warnings, ws.Warnings)
	}
}
