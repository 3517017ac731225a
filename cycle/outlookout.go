package cycle

import (
	"path/filepath"

	"contactsync/engine"
	"contactsync/engine/contact"
	"contactsync/formats"
	"contactsync/formats/outlookcsv"
)

// The Outlook side's outputs: the plan holds no records of the sync folder,
// only patches. The records of the input pass once through the plan's
// patches (engine.OutlookOutput.Apply) and on to the writers of the files
// they belong to: the snapshot (contacts.csv and contacts.vcf), the changed
// records (contacts-update.csv) and the deleted ones (deleted-items.csv);
// then the records the cycle created. Everything a format held of a record
// (its Extra) comes from the input, not from the plan.

// outlookFiles are the writers of the Outlook outputs; nil: not written.
type outlookFiles struct {
	snapshot []formats.Writer // contacts.csv, contacts.vcf
	created  formats.Writer   // contacts-new.csv
	updated  formats.Writer   // contacts-update.csv
	deleted  formats.Writer   // deleted-items.csv
}

// writeOutlook writes the Outlook outputs of plan into dir: the snapshot
// when mode is "snapshot", else the changes; the deleted records always.
// records are the Outlook input's records, in input order. It returns how
// contacts.csv was written (for the plan), "" without a snapshot.
func writeOutlook(dir string, plan *engine.Plan, records []contact.Contact, layout *outlookcsv.File, mode string, oo OutlookOptions) (string, error) {
	out := &plan.Outlook
	csvAt := func(name string) formats.Writer {
		w, _ := outlookcsv.Create(filepath.Join(dir, name), layout, oo.csv())
		return w
	}
	var fs outlookFiles
	var snapshotCSV formats.Writer
	if mode == "snapshot" {
		snapshotCSV = csvAt("contacts.csv")
		fs.snapshot = []formats.Writer{snapshotCSV, &collect{write: func(cs []contact.Contact) error {
			_, err := WriteContacts(filepath.Join(dir, "contacts.vcf"), KindVCard, cs, nil, oo)
			return err
		}}}
	} else {
		if out.New.Len()+len(out.Whole) > 0 {
			fs.created = csvAt("contacts-new.csv")
		}
		if out.UpdateCount() > 0 {
			fs.updated = csvAt("contacts-update.csv")
		}
	}
	if out.DeleteCount() > 0 {
		fs.deleted = csvAt("deleted-items.csv")
	}
	all := append(append([]formats.Writer(nil), fs.snapshot...), fs.created, fs.updated, fs.deleted)
	abort := func() {
		for _, w := range all {
			if w != nil {
				w.Abort()
			}
		}
	}
	if err := streamOutlook(out, records, &fs); err != nil {
		abort()
		return "", err
	}
	for _, w := range all {
		if w == nil {
			continue
		}
		if err := w.Close(); err != nil {
			abort()
			return "", err
		}
	}
	if snapshotCSV == nil {
		return "", nil
	}
	return snapshotCSV.Describe(), nil
}

// streamOutlook passes every record of the input through its patch to the
// writers, then the records the cycle created. A patch that names no
// record (an undo's that found none in the export) writes its Find record
// among the updated or deleted ones.
func streamOutlook(out *engine.OutlookOutput, records []contact.Contact, fs *outlookFiles) error {
	write := func(w formats.Writer, c *contact.Contact) error {
		if w == nil {
			return nil
		}
		return w.Write(c)
	}
	for k := range out.Patches {
		p := &out.Patches[k]
		if p.Record >= 0 || p.Find == nil {
			continue
		}
		c := p.Find.Clone()
		switch {
		case p.Delete:
			if err := write(fs.deleted, &c); err != nil {
				return err
			}
		case p.Updated():
			if p.Key != "" {
				c.Key = p.Key
			}
			for _, s := range p.Set {
				c.Values[s.Field] = s.Value
			}
			if err := write(fs.updated, &c); err != nil {
				return err
			}
		}
	}
	var c contact.Contact
	for i := range records {
		c = records[i] // shares Extra with the input: no writer changes it
		p := out.Apply(i, &c)
		if p != nil && p.Delete {
			if err := write(fs.deleted, &records[i]); err != nil {
				return err
			}
			continue
		}
		for _, w := range fs.snapshot {
			if err := w.Write(&c); err != nil {
				return err
			}
		}
		if p != nil && p.Updated() {
			if err := write(fs.updated, &c); err != nil {
				return err
			}
		}
	}
	created := func(c *contact.Contact) error {
		for _, w := range append(fs.snapshot, fs.created) {
			if err := write(w, c); err != nil {
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
		c = out.New.Contact(k)
		if err := created(&c); err != nil {
			return err
		}
	}
	return nil
}

// collect is a formats.Writer that hands the records to write at Close:
// for the formats whose writer does not stream yet.
type collect struct {
	cs    []contact.Contact
	write func([]contact.Contact) error
	desc  string
}

func (w *collect) Write(c *contact.Contact) error {
	w.cs = append(w.cs, c.Clone())
	return nil
}

func (w *collect) Close() error {
	cs := w.cs
	w.cs = nil
	if w.write == nil {
		return nil
	}
	write := w.write
	w.write = nil
	return write(cs)
}

func (w *collect) Abort()           { w.cs, w.write = nil, nil }
func (w *collect) Describe() string { return w.desc }
