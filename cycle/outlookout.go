package cycle

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"contactsync/engine"
	"contactsync/engine/contact"
	"contactsync/formats"
	"contactsync/formats/crmcsv"
	"contactsync/formats/outlookcsv"
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

// outlookRecords are the records of the Outlook outputs.
type outlookRecords struct {
	folder, created, updated, deleted []contact.Contact
}

// patchOutlook makes the records of the Outlook outputs from records, the
// Outlook input's records in input order, which it patches in place and
// reuses: the folder is records itself, without the deleted ones.
func patchOutlook(out *engine.OutlookOutput, records []contact.Contact) outlookRecords {
	var o outlookRecords
	for k := range out.Patches {
		// A patch that names no record (an undo's that found none in the
		// export) writes its Find record among the updated or deleted.
		p := &out.Patches[k]
		if p.Record >= 0 || p.Find == nil {
			continue
		}
		c := p.Find.Clone()
		switch {
		case p.Delete:
			o.deleted = append(o.deleted, c)
		case p.Updated():
			if p.Key != "" {
				c.Key = p.Key
			}
			for _, s := range p.Set {
				c.Values[s.Field] = s.Value
			}
			o.updated = append(o.updated, c)
		}
	}
	o.folder = records[:0]
	for i := range records {
		c := records[i] // shares Extra with the input: no writer changes it
		p := out.Apply(i, &c)
		if p != nil && p.Delete {
			o.deleted = append(o.deleted, records[i])
			continue
		}
		o.folder = append(o.folder, c) // at or before i: records[i] is read
		if p != nil && p.Updated() {
			o.updated = append(o.updated, c)
		}
	}
	clear(records[len(o.folder):])
	o.created = append(o.created, out.Whole...)
	o.created = append(o.created, out.New.Contacts()...)
	o.folder = append(o.folder, o.created...)
	return o
}

// writeOutlook writes the Outlook outputs of plan into dir: the snapshot
// when mode is "snapshot", else the changes; the deleted records always.
// records are the Outlook input's records, in input order, which it
// patches in place. It returns how contacts.csv was written (for the
// plan), "" without a snapshot.
func writeOutlook(dir string, plan *engine.Plan, records []contact.Contact, layout *outlookcsv.File, mode string, oo OutlookOptions) (string, error) {
	rs := patchOutlook(&plan.Outlook, records)
	var jobs []func() error
	var format string
	csvJob := func(name string, cs []contact.Contact, desc *string) {
		if len(cs) == 0 && desc == nil {
			return
		}
		jobs = append(jobs, func() error {
			d, err := streamCSV(filepath.Join(dir, name), cs, layout, oo)
			if desc != nil {
				*desc = d
			}
			return err
		})
	}
	if mode == "snapshot" {
		csvJob("contacts.csv", rs.folder, &format)
		jobs = append(jobs, func() error {
			_, err := WriteContacts(filepath.Join(dir, "contacts.vcf"), KindVCard, rs.folder, nil, oo)
			return err
		})
	} else {
		csvJob("contacts-new.csv", rs.created, nil)
		csvJob("contacts-update.csv", rs.updated, nil)
	}
	csvJob("deleted-items.csv", rs.deleted, nil)
	return format, parallel(jobs)
}

// outlookAgain reads the Outlook export of ol again, for its outputs, and
// checks that it is the export the cycle reconciled: the same bytes.
func outlookAgain(ol *OutlookSide, oo OutlookOptions) ([]contact.Contact, error) {
	if !ol.dropped {
		// Kept whole (a pipe, an undo): the records are not ours to patch.
		return slices.Clone(ol.Contacts), nil
	}
	again, err := ReadOutlook(ol.Path, oo)
	if err != nil {
		return nil, fmt.Errorf("read the Outlook export again to write it: %w", err)
	}
	if !sameInputs(again.Inputs, ol.Inputs) {
		return nil, fmt.Errorf("the Outlook export %s changed while the cycle ran; nothing was written: run the cycle again", ol.Path)
	}
	return again.Contacts, nil
}

// sameInputs reports whether two reads hashed the same files.
func sameInputs(a, b []formats.InputFile) bool {
	return slices.Equal(a, b)
}

// sideTables makes the tables of both sides, keeping fields, and drops the
// records of dump, and those of ol when its export can be read again (a
// file or a folder, not a pipe, which can be read once). crmDups are the CRM contacts the
// duplicates search reads: those whose owner visible allows when filter is
// set (contacts the user may not see are not theirs to be told about).
func sideTables(fields []contact.Field, dump *crmcsv.Dump, ol *OutlookSide, visible func(owner string) bool, filter bool) (crm, olT *contact.Table, crmDups contact.Records) {
	crm = contact.NewTable(fields)
	crm.Grow(len(dump.Contacts))
	var dupT *contact.Table
	if filter {
		dupT = crm.Sibling()
	}
	for i := range dump.Contacts {
		c := &dump.Contacts[i]
		crm.Add(c)
		if dupT != nil && visible(c.CRM.Owner) {
			dupT.Add(c)
		}
	}
	olT = crm.Sibling()
	olT.Grow(len(ol.Contacts))
	for i := range ol.Contacts {
		olT.Add(&ol.Contacts[i])
	}
	dump.Contacts = nil
	if rereadable(ol.Path) {
		ol.Contacts, ol.dropped = nil, true
		if ol.CSV != nil {
			ol.CSV.Contacts = nil // the layout is kept, not the records
		}
	}
	if dupT != nil {
		return crm, olT, dupT
	}
	return crm, olT, crm
}

// rereadable reports whether the input at path can be read a second time:
// a regular file or a folder, not a named pipe or a device.
func rereadable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && (st.Mode().IsRegular() || st.IsDir())
}

// streamCSV writes cs to an Outlook CSV file at path through the streaming
// writer, in the columns of layout, and says how it was written.
func streamCSV(path string, cs []contact.Contact, layout *outlookcsv.File, oo OutlookOptions) (string, error) {
	w, err := outlookcsv.Create(path, layout, oo.csv())
	if err != nil {
		return "", err
	}
	for i := range cs {
		if err := w.Write(&cs[i]); err != nil {
			w.Abort()
			return "", err
		}
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	return w.Describe(), nil
}
