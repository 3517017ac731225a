package cycle

import (
	"errors"
	"runtime"
	"slices"
	"sync/atomic"
	"time"
	"unsafe"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// addError is the error of contact.Table.Add for a record read from the
// file at path, positioned: "path:line: field: more than 4 GiB of values".
func addError(path string, err error) error {
	var ae *contact.AddError
	if errors.As(err, &ae) {
		return formats.Errorf(path, ae.Line, 0, ae.Field, "%w", ae.Err)
	}
	return err
}

// newPool returns the string pool of a cycle's tables; a test gives one of
// less room (contact.Strings.LimitForTest).
var newPool = contact.NewStrings

// cores tells the readers of a cycle when a core is left idle. The tasks
// that start side by side (the two sides, a later cycle's load of the
// journal) keep a core each busy; once fewer of them run than Go has
// cores (GOMAXPROCS), a side still reading splits its work in two (see
// tableAdder): the CRM dump, the longer of a first cycle's two, was read on
// one core for the last 0.6-0.8 s at a million contacts a side. While
// every core has its task, nothing is split, and nothing is copied.
type cores struct {
	running atomic.Int32
	procs   int32
	idle    atomic.Bool
}

// newCores returns the cores of tasks that run from now on.
func newCores(tasks int) *cores {
	c := &cores{procs: int32(runtime.GOMAXPROCS(0))}
	c.running.Store(int32(tasks))
	c.idle.Store(int32(tasks) < c.procs)
	return c
}

// done says that a task ended; nil c is no one's.
func (c *cores) done() {
	if c != nil && c.running.Add(-1) < c.procs {
		c.idle.Store(true)
	}
}

// count is the number of cores the tasks share.
func (c *cores) count() int { return int(c.procs) }

// free reports whether a core is idle; never for nil c.
func (c *cores) free() bool { return c != nil && c.idle.Load() }

// tableAdder adds the records a reader hands out to a table, in order, and
// keeps the first error of Table.Add, positioned in the file at path; the
// records after it are not added. It adds each record as it comes until
// a core is idle (cores); from then on the records are copied into
// batches that a goroutine of their own adds, beside the reading: the
// reader's parsing and the table's interning, about equal halves of a
// side's work, run on two cores. finish waits for that goroutine: the
// table and the error are read after it.
type tableAdder struct {
	t     *contact.Table
	path  string
	cores *cores
	err   error

	// While split: the batches filled (full) and handed back (free), the
	// one being filled, and the adding goroutine's first error (failed
	// says it is set).
	full    chan *feedBatch
	free    chan *feedBatch
	done    chan struct{}
	cur     *feedBatch
	fields  []contact.Field
	addErr  error
	failed  atomic.Bool
	batches []*feedBatch // made once, kept for a split after a reset
}

const (
	feedBatchLen = 1024 // records a batch
	feedBatches  = 4
)

// feedBatch holds copies of records, of what Table.Add reads of them: the
// values of their key, ModifiedFrom, CRM attributes and the table's fields
// (the slots), one after the other in text, each ending where ends says,
// and their times and lines. No pointer but the times' zones: filling a
// batch writes the text and the ends, not a string (and its write
// barrier) a value.
type feedBatch struct {
	n     int
	text  []byte
	ends  []int // per record, the end in text of each slot's value
	mods  []time.Time
	lines []int
}

// feedSlots is the number of slots of a record besides the table's fields.
const feedSlots = 2 + 5

// put adds c (valid only during the call, its strings possibly views of
// the reader's buffer) and returns the first error of Table.Add so far.
func (a *tableAdder) put(c *contact.Contact) error {
	if a.err != nil {
		return a.err
	}
	if a.full == nil {
		if !a.cores.free() {
			if err := a.t.Add(c); err != nil {
				a.err = addError(a.path, err)
			}
			return a.err
		}
		a.split()
	}
	if a.failed.Load() {
		a.err = a.addErr
		return a.err
	}
	a.cur.put(c, a.fields)
	if a.cur.n == feedBatchLen {
		a.full <- a.cur
		a.cur = <-a.free
	}
	return nil
}

// add is put for a reader that takes no error back (crmcsv.ReadDirEach).
func (a *tableAdder) add(c *contact.Contact) { a.put(c) }

// split starts the goroutine that adds the batches.
func (a *tableAdder) split() {
	if a.batches == nil {
		a.fields = a.t.Fields()
		for range feedBatches {
			a.batches = append(a.batches, &feedBatch{})
		}
	}
	a.full, a.free, a.done = make(chan *feedBatch, feedBatches), make(chan *feedBatch, feedBatches), make(chan struct{})
	for _, b := range a.batches[1:] {
		a.free <- b
	}
	a.cur = a.batches[0]
	go a.adder()
}

// adder adds the batches in the order they come until full is closed;
// after an error it only hands them back.
func (a *tableAdder) adder() {
	defer close(a.done)
	var c contact.Contact // the record added, each of its slots set from the batch
	for b := range a.full {
		if a.addErr == nil {
			a.addBatch(b, &c)
		}
		b.reuse()
		a.free <- b
	}
}

// addBatch adds the records of b through c.
func (a *tableAdder) addBatch(b *feedBatch, c *contact.Contact) {
	w := feedSlots + len(a.fields)
	at := 0
	value := func(end int) string {
		o := at
		at = end
		if end == o {
			return ""
		}
		// A view of the batch's text: Add copies what it keeps.
		return unsafe.String(&b.text[o], end-o)
	}
	for i := range b.n {
		e := b.ends[i*w : (i+1)*w]
		c.Key, c.ModifiedFrom = value(e[0]), value(e[1])
		c.CRM = contact.CRM{AccountID: value(e[2]), Owner: value(e[3]), AccountManagerID: value(e[4]), Type: value(e[5]), Status: value(e[6])}
		for k, f := range a.fields {
			c.Values[f] = value(e[feedSlots+k])
		}
		c.Modified, c.Line = b.mods[i], b.lines[i]
		if err := a.t.Add(c); err != nil {
			a.addErr = addError(a.path, err)
			a.failed.Store(true)
			return
		}
	}
}

// finish adds what is left, ends the adding goroutine and returns the
// first error of Table.Add. Records may be put again after it (a
// reader that starts over), each record as it comes until a core is idle.
func (a *tableAdder) finish() error {
	if a.full == nil {
		return a.err
	}
	if a.cur.n > 0 {
		a.full <- a.cur
	}
	close(a.full)
	<-a.done
	if a.err == nil {
		a.err = a.addErr
	}
	for _, b := range a.batches {
		b.reuse()
	}
	a.full, a.free, a.done, a.cur, a.addErr = nil, nil, nil, nil, nil
	a.failed.Store(false)
	return a.err
}

// reset empties the table for a reader that starts over. After an error
// of Table.Add the reader would have stopped at it, had the records been
// added as they came: the table stays, and the next put returns the error.
func (a *tableAdder) reset() {
	if a.finish() == nil {
		a.t.Reset()
	}
}

// put copies into the batch what Table.Add reads of c.
func (b *feedBatch) put(c *contact.Contact, fields []contact.Field) {
	text := b.text
	at := len(b.ends)
	b.ends = slices.Grow(b.ends, feedSlots+len(fields))[:at+feedSlots+len(fields)]
	ends := b.ends[at:]
	for k, v := range [feedSlots]string{c.Key, c.ModifiedFrom, c.CRM.AccountID, c.CRM.Owner, c.CRM.AccountManagerID, c.CRM.Type, c.CRM.Status} {
		if v != "" {
			text = append(text, v...)
		}
		ends[k] = len(text)
	}
	ends = ends[feedSlots:]
	for k, f := range fields {
		// (about half a record's fields are empty: no copy called)
		if v := c.Values[f]; v != "" {
			text = append(text, v...)
		}
		ends[k] = len(text)
	}
	b.text = text
	b.mods, b.lines = append(b.mods, c.Modified), append(b.lines, c.Line)
	b.n++
}

// reuse empties the batch.
func (b *feedBatch) reuse() {
	b.n, b.text, b.ends, b.mods, b.lines = 0, b.text[:0], b.ends[:0], b.mods[:0], b.lines[:0]
}
