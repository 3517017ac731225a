package cycle

import (
	"errors"
	"path/filepath"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"contactsync/engine"
	"contactsync/engine/contact"
)

// memSink keeps what is written to it; it fails at the write failAt
// (counting from 1) when failAt > 0.
type memSink struct {
	mu      sync.Mutex
	keys    []string
	extras  []int
	failAt  int
	closed  bool
	aborted bool
}

func (s *memSink) Write(c *contact.Contact) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failAt > 0 && len(s.keys)+1 == s.failAt {
		return errors.New("disk full")
	}
	s.keys = append(s.keys, c.Key+"|"+c.Values[contact.JobTitle])
	s.extras = append(s.extras, len(c.Extra))
	return nil
}
func (s *memSink) Close() error { s.closed = true; return nil }

func endSink(k sink) error { return k.Close() }
func (s *memSink) Abort()  { s.aborted = true }

// pipeInput is an export of n records kept in memory, with patches that
// update every 7th record and delete every 11th (not the 77th: both).
func pipeInput(n int) (*OutlookSide, *engine.OutlookOutput) {
	ol := &OutlookSide{}
	out := &engine.OutlookOutput{Fields: []contact.Field{contact.JobTitle}}
	for i := range n {
		c := contact.Contact{Key: "K" + strconv.Itoa(i), Extra: []contact.Extra{{Name: "x", Value: strconv.Itoa(i)}}}
		c.Values[contact.JobTitle] = " t" + strconv.Itoa(i) + " " // written clean
		ol.Contacts = append(ol.Contacts, c)
		switch {
		case i%11 == 0:
			out.Patches = append(out.Patches, engine.Patch{Record: i, Delete: true})
		case i%7 == 0:
			out.Patches = append(out.Patches, engine.Patch{Record: i, Set: []engine.Setting{{Field: contact.JobTitle, Value: "new"}}})
		}
	}
	out.New = contact.NewTable([]contact.Field{contact.JobTitle})
	out.New.Add(&contact.Contact{Key: "NEW"})
	return ol, out
}

// The pipeline gives each sink its records in input order, each as the
// sink is to write it: the snapshot every record patched but the deleted
// ones, then the new; the updated the patched records; Deleted Items the
// deleted records as the export has them. More records than the batches
// hold at once are needed for batches to be used again.
func TestOutlookPipelineRoutes(t *testing.T) {
	n := batchRecords*batchesInFlight*2 + 3
	ol, out := pipeInput(n)
	csv, vcf, upd, del, created := &memSink{}, &memSink{}, &memSink{}, &memSink{}, &memSink{}
	s := &outlookSinks{snapshot: []sink{csv, vcf}, updated: upd, deleted: del, created: created}
	if err := feedOutlook(s, out, ol, OutlookOptions{}, endSink); err != nil {
		t.Fatal(err)
	}
	for _, k := range []*memSink{csv, vcf, upd, del, created} {
		if !k.closed {
			t.Error("a sink was not committed once it had its records")
		}
	}
	var wantSnap, wantUpd, wantDel []string
	for i := range n {
		k := "K" + strconv.Itoa(i)
		switch {
		case i%11 == 0:
			wantDel = append(wantDel, k+"| t"+strconv.Itoa(i)+" ")
		case i%7 == 0:
			wantSnap = append(wantSnap, k+"|new")
			wantUpd = append(wantUpd, k+"|new")
		default:
			wantSnap = append(wantSnap, k+"|t"+strconv.Itoa(i))
		}
	}
	wantSnap = append(wantSnap, "NEW|")
	for name, c := range map[string]struct {
		got, want []string
	}{"contacts.csv": {csv.keys, wantSnap}, "contacts.vcf": {vcf.keys, wantSnap}, "updated": {upd.keys, wantUpd},
		"deleted": {del.keys, wantDel}, "created": {created.keys, []string{"NEW|"}}} {
		if len(c.got) != len(c.want) {
			t.Errorf("%s: %d records, want %d", name, len(c.got), len(c.want))
			continue
		}
		for i := range c.want {
			if c.got[i] != c.want[i] {
				t.Errorf("%s record %d = %q, want %q", name, i, c.got[i], c.want[i])
				break
			}
		}
	}
	for i, e := range csv.extras[:n-n/11-1] {
		if e != 1 {
			t.Fatalf("snapshot record %d has %d unmapped values, want its 1", i, e)
		}
	}
}

// A sink that fails stops the pipeline with its error, without a deadlock,
// however many records are left to read.
func TestOutlookPipelineSinkFails(t *testing.T) {
	ol, out := pipeInput(batchRecords * batchesInFlight * 4)
	csv, vcf := &memSink{}, &memSink{failAt: batchRecords + 5}
	s := &outlookSinks{snapshot: []sink{csv, vcf}}
	err := feedOutlook(s, out, ol, OutlookOptions{}, endSink)
	if err == nil || err.Error() != "disk full" {
		t.Fatalf("feedOutlook = %v, want the sink's error", err)
	}
	if len(csv.keys) >= len(ol.Contacts) {
		t.Errorf("the other sink got all %d records: the reading did not stop", len(csv.keys))
	}
	if csv.closed || vcf.closed {
		t.Errorf("a sink was committed (closed %v, %v) although the output failed", csv.closed, vcf.closed)
	}
}

// An export of another kind than CSV is read again for the outputs one
// record at a time, each as ReadOutlook gives it, with the same inputs
// hashed.
func TestReadAgainAsReadOutlook(t *testing.T) {
	rw := filepath.Join("..", "..", "shared", "realworld")
	vdir := t.TempDir()
	for _, f := range []string{"vcard3.vcf", "vcard4.vcf"} {
		copyTo(t, filepath.Join(vdir, f), filepath.Join(rw, "kcontacts", "autotests", "data", f))
	}
	for _, in := range []string{
		filepath.Join(rw, "kcontacts", "autotests", "data", "testfullvcard.vcf"),
		vdir,
		filepath.Join(rw, "java-libpst", "src", "test", "resources", "dist-list.pst"),
		filepath.Join(rw, "Aspose.Email-for-.NET", "Examples", "Data", "Outlook", "SampleContacts.pst"),
		filepath.Join(rw, "Aspose.Email-for-.NET", "Examples", "Data", "Outlook", "Contact.msg"),
	} {
		oo := OutlookOptions{ExportedAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
		whole, err := ReadOutlook(in, oo)
		if err != nil {
			t.Fatal(err)
		}
		if len(whole.Contacts) == 0 {
			t.Fatalf("%s: no contacts: the test checks nothing", in)
		}
		var got []contact.Contact
		again, err := eachOutlookRecord(&OutlookSide{Kind: whole.Kind, Path: in}, oo, func(c *contact.Contact) error {
			got = append(got, c.Clone())
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, whole.Contacts) {
			t.Errorf("%s: read again %d records, ReadOutlook %d; first differing:\n%+v\n%+v", in, len(got), len(whole.Contacts), got, whole.Contacts)
		}
		if !sameInputs(again.Inputs, whole.Inputs) || len(again.Inputs) == 0 {
			t.Errorf("%s: inputs %v, want %v", in, again.Inputs, whole.Inputs)
		}
	}
}
