package cycle

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"contactsync/engine"
	"contactsync/engine/contact"
	"contactsync/formats"
	"contactsync/formats/outlookcsv"
	"contactsync/formats/vcard"
)

// The Outlook side's outputs: the plan holds no records of the sync folder,
// only patches. The records of the input (read again: the cycle reconciled
// on tables that do not keep what a format holds beyond the mapped fields)
// pass once through the plan's patches (engine.OutlookOutput.Apply) into
// the files they belong to: the snapshot (contacts.csv and contacts.vcf),
// the changed records (contacts-update.csv) and the deleted ones
// (deleted-items.csv); then the records the cycle created. Everything a
// format held of a record (its Extra) comes from the input, not from the
// plan.

// sink is where one output file's records go, one at a time.
type sink interface {
	Write(c *contact.Contact) error
	Close() error
	Abort()
}

// vcfSink streams vCards into a file committed on Close.
type vcfSink struct {
	f *formats.AtomicFile
	w *vcard.CardWriter
}

func newVCFSink(path string, oo OutlookOptions) (*vcfSink, error) {
	f, err := formats.CreateAtomic(path, formats.FilePerm)
	if err != nil {
		return nil, err
	}
	f.Hash()
	w, err := vcard.NewCardWriter(f, vcard.Options{Version: vcardVersion(oo.VCardVer)})
	if err != nil {
		f.Abort()
		return nil, err
	}
	return &vcfSink{f, w}, nil
}

func (s *vcfSink) Write(c *contact.Contact) error         { return s.w.Write(c) }
func (s *vcfSink) Sum() (sum string, size int64, ok bool) { return s.f.Sum() }
func (s *vcfSink) Abort()                                 { s.f.Abort() }
func (s *vcfSink) Close() error {
	if err := s.w.Flush(); err != nil {
		s.f.Abort()
		return err
	}
	return s.f.Commit()
}

// outlookSinks are the Outlook output files; nil: not written.
type outlookSinks struct {
	csv      *outlookcsv.Writer // contacts.csv
	snapshot []sink             // contacts.csv, contacts.vcf
	created  sink               // contacts-new.csv
	updated  sink               // contacts-update.csv
	deleted  sink               // deleted-items.csv
	paths    map[sink]string    // the file of each
}

func (s *outlookSinks) all() []sink {
	out := append([]sink(nil), s.snapshot...)
	for _, k := range []sink{s.created, s.updated, s.deleted} {
		if k != nil {
			out = append(out, k)
		}
	}
	return out
}

// openOutlookSinks starts the files of the Outlook outputs in dir: the
// snapshot in Snapshot mode, else the changes; the deleted records
// when there are any.
func openOutlookSinks(dir string, out *engine.OutlookOutput, layout *outlookcsv.File, mode OutlookMode, oo OutlookOptions) (*outlookSinks, error) {
	s := &outlookSinks{paths: map[sink]string{}}
	csvAt := func(name string) (*outlookcsv.Writer, error) {
		w, err := outlookcsv.Create(filepath.Join(dir, name), layout, oo.csv())
		if err == nil {
			w.Hash()
			s.paths[w] = filepath.Join(dir, name)
		}
		return w, err
	}
	var err error
	open := func(k *sink, name string) {
		if err != nil {
			return
		}
		var w *outlookcsv.Writer
		if w, err = csvAt(name); err == nil {
			*k = w
		}
	}
	if mode == Snapshot {
		if s.csv, err = csvAt("contacts.csv"); err != nil {
			return nil, err
		}
		s.snapshot = append(s.snapshot, s.csv)
		v, err := newVCFSink(filepath.Join(dir, "contacts.vcf"), oo)
		if err != nil {
			s.abort()
			return nil, err
		}
		s.snapshot = append(s.snapshot, v)
		s.paths[v] = filepath.Join(dir, "contacts.vcf")
	} else {
		if out.New.Len()+len(out.Whole) > 0 {
			open(&s.created, "contacts-new.csv")
		}
		if out.UpdateCount() > 0 {
			open(&s.updated, "contacts-update.csv")
		}
	}
	if out.DeleteCount() > 0 {
		open(&s.deleted, "deleted-items.csv")
	}
	if err != nil {
		s.abort()
		return nil, err
	}
	return s, nil
}

func (s *outlookSinks) abort() {
	for _, k := range s.all() {
		k.Abort()
	}
}

// writeOutlook writes the Outlook outputs of plan into dir (see
// openOutlookSinks): the records of the Outlook export, read again when
// the cycle let them go, pass one at a time through their patches into
// the files, then the records the cycle created. Each file is committed
// and hashed (into hc) as soon as its last record is written. It returns
// how contacts.csv was written (for the plan), "" without a snapshot.
func writeOutlook(dir string, plan *engine.Plan, ol *OutlookSide, mode OutlookMode, oo OutlookOptions, hc *hashCache) (string, error) {
	out := &plan.Outlook
	s, err := openOutlookSinks(dir, out, ol.CSV, mode, oo)
	if err != nil {
		return "", err
	}
	end := func(k sink) error {
		if err := k.Close(); err != nil {
			return err
		}
		if f, ok := k.(summed); ok {
			return hc.committed(s.paths[k], f)
		}
		return hc.add(s.paths[k])
	}
	if err := feedOutlook(s, out, ol, oo, end); err != nil {
		s.abort() // the files already committed are in the staging folder, removed
		return "", err
	}
	if s.csv == nil {
		return "", nil
	}
	copiedRows.Add(int64(s.csv.Copied()))
	return s.csv.Describe(), nil
}

// The records go to the sinks through a pipeline: the export is read
// again, and each record patched, in the goroutine of writeOutlook, while
// every file is written in a goroutine of its own (contacts.csv and
// contacts.vcf each take as long as the read), so the Outlook output takes
// the time of its slowest file, not of them all. Records travel in
// batches, each record copied once into a batch that is used again once
// every sink wrote it.

// The sinks of a record, a bit each (outBatch.to).
const (
	toSnapshot uint8 = 1 << iota // contacts.csv, contacts.vcf
	toCreated                    // contacts-new.csv
	toUpdated                    // contacts-update.csv
	toDeleted                    // deleted-items.csv
)

// batchRecords is the number of records of a batch, batchesInFlight the
// number of batches: the memory of the pipeline (a few megabytes) does not
// grow with the export.
const (
	batchRecords    = 256
	batchesInFlight = 8
)

// outBatch is a run of records on their way to the sinks.
type outBatch struct {
	recs []contact.Contact // batchRecords, filled up to n
	to   []uint8           // per record, the sinks it goes to
	// rows, per record, its text in the export when a CSV writer of the
	// export's layout writes it as that text (outlookcsv.Row, its text in
	// the arena; the key's cell written again): a record the cycle left
	// as it was, or gave only a sync key.
	rows []outlookcsv.Row
	n    int
	left atomic.Int32 // sinks still writing it; the last hands it back
	// arena holds the text of the records copied from views of a reader's
	// buffer (copyViews): used again, like the batch, once every sink
	// wrote the records, so the export read again allocates no text.
	arena []byte
}

// arenaChunk is the size of a batch's arena (a batch of an export's
// records takes less: 256 records of a few hundred bytes).
const arenaChunk = 128 << 10

// copyViews makes d a copy of c, whose strings are views of a reader's
// buffer (valid during a call), with its text in the batch's arena. The
// names of extras are the layout's, not views.
func (b *outBatch) copyViews(d, c *contact.Contact) {
	copyContact(d, c)
	d.Key = b.text(c.Key)
	for f := range d.Values {
		d.Values[f] = b.text(d.Values[f])
	}
	for i := range d.Extra {
		d.Extra[i].Value = b.text(d.Extra[i].Value)
	}
}

// copyRecord makes c a copy of rec, read as row, whose strings are views
// of a reader's buffer when views; it returns row's text copied into the
// arena ("" when row is not copied: see copyViewsIn).
func (b *outBatch) copyRecord(c, rec *contact.Contact, views bool, row outlookcsv.Row) string {
	switch {
	case views && copyRows && row.OK():
		text := b.text(row.Text())
		b.copyViewsIn(c, rec, row.Text(), text)
		return text
	case views:
		b.copyViews(c, rec)
	default:
		copyContact(c, rec)
	}
	return ""
}

// copyViewsIn is copyViews of a record the reader read as the text row (a
// view of its buffer too), whose copy in the arena is t: a value that is a
// view of row (most: a plain row's cells are its values) becomes the same
// view of t instead of a copy of its own, so the record's text is copied
// once, not once as the row and again as its values.
func (b *outBatch) copyViewsIn(d, c *contact.Contact, row, t string) {
	lo := uintptr(unsafe.Pointer(unsafe.StringData(row)))
	in := func(s string) string {
		if s == "" {
			return ""
		}
		if k := uintptr(unsafe.Pointer(unsafe.StringData(s))) - lo; k < uintptr(len(row)) && uintptr(len(s)) <= uintptr(len(row))-k {
			return t[k : k+uintptr(len(s))]
		}
		return b.text(s)
	}
	// Made on the stack, then stored in the batch once: a record's 41
	// values stored into the batch one by one again, after the copy,
	// each pass a write barrier's while the collector runs.
	e := *c
	e.Key = in(e.Key)
	for f := range e.Values {
		e.Values[f] = in(e.Values[f])
	}
	e.Extra = append(d.Extra[:0], c.Extra...)
	for i := range e.Extra {
		e.Extra[i].Value = in(e.Extra[i].Value)
	}
	*d = e
}

// text returns a copy of s in the arena. A full arena is replaced, not
// grown: the strings of the records before point into it.
func (b *outBatch) text(s string) string {
	if s == "" {
		return ""
	}
	if cap(b.arena)-len(b.arena) < len(s) {
		b.arena = make([]byte, 0, max(arenaChunk, len(s)))
	}
	n := len(b.arena)
	b.arena = append(b.arena, s...)
	return unsafe.String(&b.arena[n], len(s))
}

// sinkPipe runs the sinks of a writeOutlook, each in a goroutine.
type sinkPipe struct {
	in     []chan *outBatch // one per sink
	bits   []uint8          // per sink, the records it takes
	free   chan *outBatch
	cur    *outBatch
	errs   []error     // per sink, the first error of its Write or end
	failed atomic.Bool // a sink failed: the reading stops
	abort  atomic.Bool // the reading failed: no sink is ended
	wg     sync.WaitGroup
}

// errSinkFailed stops the reading when a sink failed; the sink's error is
// the one returned.
var errSinkFailed = errors.New("an Outlook output file could not be written")

// startSinks starts a goroutine for each sink of s. Once a sink has its
// last record, its goroutine calls end with it (commit and hash the file,
// beside the sinks still writing), unless the pipeline failed.
func startSinks(s *outlookSinks, end func(sink) error) *sinkPipe {
	p := &sinkPipe{free: make(chan *outBatch, batchesInFlight)}
	for range batchesInFlight {
		p.free <- &outBatch{recs: make([]contact.Contact, batchRecords), to: make([]uint8, batchRecords), rows: make([]outlookcsv.Row, batchRecords)}
	}
	add := func(k sink, bit uint8) {
		if k == nil {
			return
		}
		rw, _ := k.(rowSink)
		in := make(chan *outBatch, batchesInFlight)
		i := len(p.in)
		p.in, p.bits, p.errs = append(p.in, in), append(p.bits, bit), append(p.errs, nil)
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for b := range in {
				for r := 0; r < b.n && p.errs[i] == nil; r++ {
					if b.to[r]&bit == 0 {
						continue
					}
					var err error
					if row := b.rows[r]; rw != nil && row.OK() {
						err = rw.WriteRead(&b.recs[r], row)
					} else {
						err = k.Write(&b.recs[r])
					}
					if err != nil {
						p.errs[i] = err
						p.failed.Store(true)
					}
				}
				p.done(b)
			}
			if p.errs[i] == nil && !p.abort.Load() {
				if p.errs[i] = end(k); p.errs[i] != nil {
					p.failed.Store(true)
				}
			}
		}()
	}
	for _, k := range s.snapshot {
		add(k, toSnapshot)
	}
	add(s.created, toCreated)
	add(s.updated, toUpdated)
	add(s.deleted, toDeleted)
	return p
}

// done hands b back once every sink wrote it.
func (p *sinkPipe) done(b *outBatch) {
	if b.left.Add(-1) == 0 {
		b.n = 0
		p.free <- b
	}
}

// slot returns the next record of the current batch, to be filled and
// routed to the sinks of to; nil when the sinks have failed.
func (p *sinkPipe) slot(to uint8) (*contact.Contact, error) {
	if p.cur == nil {
		if p.failed.Load() {
			return nil, errSinkFailed
		}
		p.cur = <-p.free
		p.cur.arena = p.cur.arena[:0]
	}
	b := p.cur
	c := &b.recs[b.n]
	b.to[b.n] = to
	b.rows[b.n] = outlookcsv.Row{}
	b.n++
	return c, nil
}

// rowSink is a sink that writes a record it is given the text of as that
// text (outlookcsv.Writer.WriteRead).
type rowSink interface {
	WriteRead(c *contact.Contact, row outlookcsv.Row) error
}

// put copies c into the next slot, for the sinks of to.
func (p *sinkPipe) put(c *contact.Contact, to uint8) (*contact.Contact, error) {
	d, err := p.slot(to)
	if err != nil {
		return nil, err
	}
	copyContact(d, c)
	return d, nil
}

// copyRows lets the records the cycle leaves as they were (or gives only a
// sync key) go to contacts.csv as their text; off, for the test that holds
// the two ways to each other, every record is encoded.
var copyRows = true

// copiedRows counts the records written to contacts.csv as their text,
// over every cycle of the process: the test's proof that the way is taken.
var copiedRows atomic.Int64

// sameFields reports whether the fields fs of a and b are the same
// strings: the same bytes, not only equal ones (the cleaning of Apply,
// which returns a value it leaves as it is, changed none of them).
func sameFields(a, b *contact.Values, fs []contact.Field) bool {
	for _, f := range fs {
		if len(a[f]) != len(b[f]) || unsafe.StringData(a[f]) != unsafe.StringData(b[f]) {
			return false
		}
	}
	return true
}

// copyContact makes d a copy of c that shares nothing a reader may reuse
// (d's own Extra array is used again).
func copyContact(d, c *contact.Contact) {
	extra := d.Extra[:0]
	*d = *c
	d.Extra = append(extra, c.Extra...)
}

// sent ends the record just filled: a full batch goes to the sinks.
func (p *sinkPipe) sent() {
	if p.cur.n == len(p.cur.recs) {
		p.flush()
	}
}

func (p *sinkPipe) flush() {
	b := p.cur
	if b == nil {
		return
	}
	p.cur = nil
	if b.n == 0 || len(p.in) == 0 {
		b.n = 0
		p.free <- b
		return
	}
	b.left.Store(int32(len(p.in)))
	for _, in := range p.in {
		in <- b
	}
}

// close sends what is left (nothing when failed: the reading failed),
// waits for the sinks and returns the first error of one.
func (p *sinkPipe) close(failed bool) error {
	if failed {
		p.abort.Store(true)
		if p.cur != nil {
			p.cur.n = 0
		}
	}
	p.flush()
	for _, in := range p.in {
		close(in)
	}
	p.wg.Wait()
	for _, err := range p.errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// feedOutlook passes the records to the sinks, and each sink, when it has
// them all, to end.
func feedOutlook(s *outlookSinks, out *engine.OutlookOutput, ol *OutlookSide, oo OutlookOptions, end func(sink) error) error {
	p := startSinks(s, end)
	err := feedPipe(p, out, ol, oo)
	if serr := p.close(err != nil); serr != nil {
		return serr // the sink's error, also when it stopped the reading
	}
	return err
}

// feedPipe routes every record to its sinks: the records of patches that
// name no record of the export, those of the export read again through
// their patches, then the records the cycle created.
func feedPipe(p *sinkPipe, out *engine.OutlookOutput, ol *OutlookSide, oo OutlookOptions) error {
	if err := writeFound(p, out); err != nil {
		return err
	}
	i := 0
	apply := out.Applier()
	feed := func(rec *contact.Contact, views bool, row outlookcsv.Row) error {
		c, err := p.slot(toSnapshot)
		if err != nil {
			return err
		}
		b := p.cur
		text := b.copyRecord(c, rec, views, row)
		before := c.Values
		pt := apply.Apply(i, c)
		i++
		switch {
		case pt != nil && pt.Delete:
			// Deleted Items gets the record as the export has it.
			b.copyRecord(c, rec, views, outlookcsv.Row{})
			b.to[b.n-1] = toDeleted
		case pt != nil && pt.Updated():
			b.to[b.n-1] |= toUpdated
		case copyRows && row.OK() && sameFields(&c.Values, &before, out.Fields):
			// As read, but maybe its key: written as its text.
			b.rows[b.n-1] = row.WithText(text)
		}
		p.sent()
		return nil
	}
	if err := eachOutlookAgain(ol, oo, feed); err != nil {
		return err
	}
	for k := range out.Whole {
		if _, err := p.put(&out.Whole[k], toSnapshot|toCreated); err != nil {
			return err
		}
		p.sent()
	}
	for k := range out.New.Len() {
		c, err := p.slot(toSnapshot | toCreated)
		if err != nil {
			return err
		}
		extra := c.Extra[:0]
		*c = out.New.Contact(k)
		c.Extra = extra
		p.sent()
	}
	return nil
}

// writeFound writes the records of patches that name no record of the
// export (an undo's that found none there): their Find record among the
// updated or deleted ones.
func writeFound(p *sinkPipe, out *engine.OutlookOutput) error {
	for k := range out.Patches {
		pt := &out.Patches[k]
		if pt.Record >= 0 || pt.Find == nil || !pt.Delete && !pt.Updated() {
			continue
		}
		to := toUpdated
		if pt.Delete {
			to = toDeleted
		}
		c, err := p.put(pt.Find, to)
		if err != nil {
			return err
		}
		if !pt.Delete {
			if pt.Key != "" {
				c.Key = pt.Key
			}
			for _, v := range pt.Set {
				c.Values[v.Field] = v.Value
			}
		}
		p.sent()
	}
	return nil
}

// errChanged: the export read again is not the one the plan was made of.
func errChanged(path string) error {
	return fmt.Errorf("the Outlook export %s changed while the cycle ran; nothing was written: run the cycle again", path)
}

// eachOutlookAgain hands feed the records of the Outlook export in input
// order: those kept, or, when the cycle let them go, those of the export
// read again (a CSV file streamed), checked to be the same bytes. With
// views, the record's strings are valid during the call only (feed copies
// them).
func eachOutlookAgain(ol *OutlookSide, oo OutlookOptions, feed func(c *contact.Contact, views bool, row outlookcsv.Row) error) error {
	if !ol.dropped {
		for i := range ol.Contacts {
			if err := feed(&ol.Contacts[i], false, outlookcsv.Row{}); err != nil {
				return err
			}
		}
		return nil
	}
	var again *OutlookSide
	var err error
	if ol.Kind == KindCSV {
		if ol.CSV != nil && ol.CSV.DateInferred {
			oo.DateFormat = ol.CSV.DateFormat // the order the first read settled on
		}
		restarted := false
		again, err = eachOutlookCSV(ol.Path, oo, true, true, func() { restarted = true }, func(c *contact.Contact, row outlookcsv.Row) error {
			if restarted {
				return errChanged(ol.Path)
			}
			return feed(c, true, row)
		})
	} else {
		again, err = eachOutlookRecord(ol, oo, func(c *contact.Contact) error { return feed(c, false, outlookcsv.Row{}) })
	}
	if err != nil {
		return fmt.Errorf("read the Outlook export again to write it: %w", err)
	}
	if !sameInputs(again.Inputs, ol.Inputs) {
		return errChanged(ol.Path)
	}
	return nil
}

// eachOutlookRecord reads an export of another kind than CSV (vCard, PST,
// .msg) again through its format's Reader, one record at a time, and hands
// each to feed as ReadOutlook gives it (the export time where the format
// has none, control characters dropped, e-mail fields bare): no record is
// held. After an error of feed the rest is read, not fed.
func eachOutlookRecord(ol *OutlookSide, oo OutlookOptions, feed func(*contact.Contact) error) (*OutlookSide, error) {
	var at time.Time
	var from string
	stamp := noTimes(ol.Kind)
	if stamp {
		var err error
		if at, from, err = csvStamp(ol.Path, oo); err != nil {
			return nil, err
		}
	}
	var ferr error
	give := func(c *contact.Contact) {
		if ferr != nil {
			return
		}
		if stamp {
			c.Modified, c.ModifiedFrom = at, from
		}
		contact.DropControls(c)
		cleanEmails(c)
		ferr = feed(c)
	}
	again := &OutlookSide{Kind: ol.Kind, Path: ol.Path}
	if err := readSideEach(again, oo, give); err != nil {
		return nil, err
	}
	for i := range again.Contacts { // read whole after all (readCSVWhole)
		give(&again.Contacts[i])
	}
	again.Contacts = nil
	return again, ferr
}

// sameInputs reports whether two reads hashed the same files.
func sameInputs(a, b []formats.InputFile) bool {
	return slices.Equal(a, b)
}

// sideTables returns the tables of both sides: crm, the dump's, and the
// Outlook export's (made of its records when it was read whole, a sibling
// of crm; the records are let go when the export can be read again: a
// file or a folder, not a pipe, which can be read once). crmDups are the
// CRM contacts the duplicates search reads: those whose owner visible
// allows when filter is set (contacts the user may not see are not theirs
// to be told about). The error is Table.Add's (the string pool is full).
func sideTables(crm *contact.Table, ol *OutlookSide, visible func(owner string) bool, filter bool) (crmT, olT *contact.Table, crmDups contact.Records, err error) {
	olT = ol.table
	if olT == nil {
		olT = crm.Sibling()
		olT.Grow(len(ol.Contacts))
		for i := range ol.Contacts {
			if err := olT.Add(&ol.Contacts[i]); err != nil {
				return nil, nil, nil, addError(ol.Path, err)
			}
		}
		if rereadable(ol.Path) {
			ol.Contacts, ol.dropped = nil, true
			if ol.CSV != nil {
				ol.CSV.Contacts = nil // the layout is kept, not the records
			}
		}
	}
	ol.table = nil // the engine's now
	crm.Clip()
	olT.Clip()
	if !filter {
		return crm, olT, crm, nil
	}
	dupT := crm.Sibling()
	for i := range crm.Len() {
		if visible(crm.Owner(i)) {
			c := crm.Contact(i)
			if err := dupT.Add(&c); err != nil {
				return nil, nil, nil, fmt.Errorf("the CRM contacts the user may see: %w", err)
			}
		}
	}
	return crm, olT, dupT, nil
}

// rereadable reports whether the input at path can be read a second time:
// a regular file or a folder, not a named pipe or a device.
func rereadable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && (st.Mode().IsRegular() || st.IsDir())
}
