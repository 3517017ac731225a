package cycle

import (
	"errors"
	"io"
	"time"

	"contactsync/formats"
	"contactsync/formats/outlookcsv"
)

// Converted is what Convert did.
type Converted struct {
	Contacts int
	Format   string   // how the output was written, as WriteContacts says
	Warnings []string // what the reader said about the input
}

// Convert reads the Outlook export in and writes its contacts to out in the
// format to names (or out's name says): an Outlook CSV input keeps its own
// columns unless o.Locale asks for a language. An Outlook CSV has no
// modification times (its format says NoTimes): unless o.ExportedAt gives
// the export time, its contacts are written without one (the file's mtime, which stands in for
// them in a sync, would look like a real time as a vCard's REV).
//
// The contacts are streamed from the format's Reader to the Writer, one
// at a time, as ReadOutlook would give them (control characters dropped,
// e-mail addresses bare); none is held. Only an Outlook CSV whose date
// order is settled late (after records were given in another) is read
// whole, as ReadOutlook reads it.
func Convert(in, out, to string, o OutlookOptions) (*Converted, error) {
	kind, err := DetectKind(in, o.From)
	if err != nil {
		return nil, err
	}
	o.From = kind
	f, _ := formats.Lookup(kind)
	r, err := f.Open(in, o.formats())
	if err != nil {
		return nil, openError(err)
	}
	defer r.Close()
	var like formats.Reader
	if kind == KindCSV && o.Locale == "" {
		like = r
	}
	w, err := createContacts(out, to, like, o)
	if err != nil {
		return nil, err
	}
	defer w.Abort()
	var ctl controls
	n := 0
	for {
		c, err := r.Next()
		if err == io.EOF {
			break
		}
		var de *outlookcsv.DateOrderError
		if errors.As(err, &de) {
			w.Abort()
			return convertWhole(in, out, to, o)
		}
		if err != nil {
			return nil, err
		}
		if f.NoTimes {
			c.Modified, c.ModifiedFrom = o.ExportedAt, ""
			if !o.ExportedAt.IsZero() {
				c.ModifiedFrom = "--outlook-exported-at"
			}
		}
		ctl.add(c)
		cleanEmails(c)
		if err := w.Write(c); err != nil {
			return nil, err
		}
		n++
	}
	sum := r.Summary()
	for i := range sum.Deleted {
		ctl.add(&sum.Deleted[i]) // counted in the warning, as a sync reads them
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	warnings := formats.WarningTexts(sum.Warnings)
	if wn := ctl.warning(in); wn != "" {
		warnings = append(warnings, wn)
	}
	return &Converted{Contacts: n, Format: w.Describe(), Warnings: warnings}, nil
}

// convertWhole is Convert with the side read whole (ReadOutlook), for an
// Outlook CSV whose date order was settled late.
func convertWhole(in, out, to string, o OutlookOptions) (*Converted, error) {
	side, err := ReadOutlook(in, o)
	if err != nil {
		return nil, err
	}
	if noTimes(side.Kind) && o.ExportedAt.IsZero() {
		for i := range side.Contacts {
			side.Contacts[i].Modified, side.Contacts[i].ModifiedFrom = time.Time{}, ""
		}
	}
	var layout *outlookcsv.File
	if side.CSV != nil && o.Locale == "" {
		layout = side.CSV
	}
	format, err := WriteContacts(out, to, side.Contacts, layout, o)
	if err != nil {
		return nil, err
	}
	return &Converted{Contacts: len(side.Contacts), Format: format, Warnings: side.Warnings}, nil
}

// Validated is what Validate found: every problem, and the warnings about
// what a read takes leniently.
type Validated struct {
	Errors   formats.ErrorList
	Warnings []string
}

// Validate checks the export at path, of the kind from names ("crm" for a
// CRM dump; "": from the name and content), and lists every problem with
// its place. What a read reads past is listed too, as warnings, so that
// nothing is taken leniently without the user seeing it.
func Validate(path, from string, o OutlookOptions) (*Validated, error) {
	if f, err := otherSide(path, from); err != nil || f != nil {
		// A CRM dump: its format's check says everything.
		if err != nil || f.Validate == nil {
			return nil, err
		}
		v := &Validated{}
		v.Errors, v.Warnings = f.Validate(path, o.formats())
		return v, nil
	}
	k, err := DetectKind(path, from)
	if err != nil {
		return nil, err
	}
	v := &Validated{}
	f, _ := formats.Lookup(k)
	if f.Validate != nil {
		v.Errors, v.Warnings = f.Validate(path, o.formats())
	}
	if v.Warnings == nil && (len(v.Errors) == 0 || f.ReadsPast) {
		// An Outlook CSV reads despite its listed problems.
		o.From = k
		if in, err := ReadOutlook(path, o); err == nil {
			listed := map[string]bool{}
			for _, e := range v.Errors {
				listed[e.Error()] = true
			}
			for _, w := range in.Warnings {
				if !listed[w] {
					v.Warnings = append(v.Warnings, w)
				}
			}
		}
	}
	return v, nil
}

// otherSide is the format of a side other than Outlook's (a CRM dump) that
// from names, or, with from empty, that the folder or file at path is (the
// registry's Sniff); nil for an Outlook export.
func otherSide(path, from string) (*formats.Format, error) {
	if from != "" {
		if f, ok := formats.Lookup(from); ok && f.Side != formats.SideOutlook {
			return f, nil
		}
		return nil, nil
	}
	var kinds []string
	for _, k := range formats.Kinds("", false) {
		if f, _ := formats.Lookup(k); f.Side != formats.SideOutlook {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		return nil, nil
	}
	return formats.Detect(path, kinds...)
}
