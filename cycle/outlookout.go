package cycle

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

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
	w, err := vcard.NewCardWriter(f, vcard.Options{Version: vcardVersion(oo.VCardVer)})
	if err != nil {
		f.Abort()
		return nil, err
	}
	return &vcfSink{f, w}, nil
}

func (s *vcfSink) Write(c *contact.Contact) error { return s.w.Write(c) }
func (s *vcfSink) Abort()                         { s.f.Abort() }
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
	s := &outlookSinks{}
	csvAt := func(name string) (*outlookcsv.Writer, error) {
		return outlookcsv.Create(filepath.Join(dir, name), layout, oo.csv())
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

func write(k sink, c *contact.Contact) error {
	if k == nil {
		return nil
	}
	return k.Write(c)
}

// writeOutlook writes the Outlook outputs of plan into dir (see
// openOutlookSinks): the records of the Outlook export, read again when
// the cycle let them go, pass one at a time through their patches into
// the files, then the records the cycle created. It returns how
// contacts.csv was written (for the plan), "" without a snapshot.
func writeOutlook(dir string, plan *engine.Plan, ol *OutlookSide, mode OutlookMode, oo OutlookOptions) (string, error) {
	out := &plan.Outlook
	s, err := openOutlookSinks(dir, out, ol.CSV, mode, oo)
	if err != nil {
		return "", err
	}
	if err := feedOutlook(s, out, ol, oo); err != nil {
		s.abort()
		return "", err
	}
	for _, k := range s.all() {
		if err := k.Close(); err != nil {
			s.abort()
			return "", err
		}
	}
	if s.csv == nil {
		return "", nil
	}
	return s.csv.Describe(), nil
}

// feedOutlook passes the records to the sinks.
func feedOutlook(s *outlookSinks, out *engine.OutlookOutput, ol *OutlookSide, oo OutlookOptions) error {
	if err := writeFound(s, out); err != nil {
		return err
	}
	i := 0
	feed := func(rec *contact.Contact) error {
		c := *rec // shares Extra with the record: no writer changes it
		p := out.Apply(i, &c)
		i++
		if p != nil && p.Delete {
			return write(s.deleted, rec)
		}
		for _, k := range s.snapshot {
			if err := k.Write(&c); err != nil {
				return err
			}
		}
		if p != nil && p.Updated() {
			return write(s.updated, &c)
		}
		return nil
	}
	if err := eachOutlookAgain(ol, oo, feed); err != nil {
		return err
	}
	created := func(c *contact.Contact) error {
		for _, k := range append(s.snapshot, s.created) {
			if err := write(k, c); err != nil {
				return err
			}
		}
		return nil
	}
	for k := range out.Whole {
		if err := created(&out.Whole[k]); err != nil {
			return err
		}
	}
	for k := range out.New.Len() {
		c := out.New.Contact(k)
		if err := created(&c); err != nil {
			return err
		}
	}
	return nil
}

// writeFound writes the records of patches that name no record of the
// export (an undo's that found none there): their Find record among the
// updated or deleted ones.
func writeFound(s *outlookSinks, out *engine.OutlookOutput) error {
	for k := range out.Patches {
		p := &out.Patches[k]
		if p.Record >= 0 || p.Find == nil {
			continue
		}
		c := p.Find.Clone()
		switch {
		case p.Delete:
			if err := write(s.deleted, &c); err != nil {
				return err
			}
		case p.Updated():
			if p.Key != "" {
				c.Key = p.Key
			}
			for _, v := range p.Set {
				c.Values[v.Field] = v.Value
			}
			if err := write(s.updated, &c); err != nil {
				return err
			}
		}
	}
	return nil
}

// errChanged: the export read again is not the one the plan was made of.
func errChanged(path string) error {
	return fmt.Errorf("the Outlook export %s changed while the cycle ran; nothing was written: run the cycle again", path)
}

// eachOutlookAgain hands feed the records of the Outlook export in input
// order: those kept, or, when the cycle let them go, those of the export
// read again (a CSV file streamed), checked to be the same bytes.
func eachOutlookAgain(ol *OutlookSide, oo OutlookOptions, feed func(*contact.Contact) error) error {
	if !ol.dropped {
		for i := range ol.Contacts {
			if err := feed(&ol.Contacts[i]); err != nil {
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
		again, err = eachOutlookCSV(ol.Path, oo, func() { restarted = true }, func(c *contact.Contact) error {
			if restarted {
				return errChanged(ol.Path)
			}
			return feed(c)
		})
	} else if again, err = ReadOutlook(ol.Path, oo); err == nil {
		for i := range again.Contacts {
			if err = feed(&again.Contacts[i]); err != nil {
				break
			}
		}
	}
	if err != nil {
		return fmt.Errorf("read the Outlook export again to write it: %w", err)
	}
	if !sameInputs(again.Inputs, ol.Inputs) {
		return errChanged(ol.Path)
	}
	return nil
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
// to be told about).
func sideTables(crm *contact.Table, ol *OutlookSide, visible func(owner string) bool, filter bool) (crmT, olT *contact.Table, crmDups contact.Records) {
	olT = ol.table
	if olT == nil {
		olT = crm.Sibling()
		olT.Grow(len(ol.Contacts))
		for i := range ol.Contacts {
			olT.Add(&ol.Contacts[i])
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
		return crm, olT, crm
	}
	dupT := crm.Sibling()
	for i := range crm.Len() {
		if visible(crm.Owner(i)) {
			c := crm.Contact(i)
			dupT.Add(&c)
		}
	}
	return crm, olT, dupT
}

// rereadable reports whether the input at path can be read a second time:
// a regular file or a folder, not a named pipe or a device.
func rereadable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && (st.Mode().IsRegular() || st.IsDir())
}
