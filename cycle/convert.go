package cycle

import (
	"time"

	"contactsync/formats"
	"contactsync/formats/crmcsv"
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
// modification times: unless o.ExportedAt gives the export time, its
// contacts are written without one (the file's mtime, which stands in for
// them in a sync, would look like a real time as a vCard's REV).
func Convert(in, out, to string, o OutlookOptions) (*Converted, error) {
	side, err := ReadOutlook(in, o)
	if err != nil {
		return nil, err
	}
	if side.Kind == KindCSV && o.ExportedAt.IsZero() {
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
	if from == "crm" || from == "" && crmcsv.IsDumpDir(path) {
		return &Validated{Errors: crmcsv.Validate(path)}, nil
	}
	k, err := DetectKind(path, from)
	if err != nil {
		return nil, err
	}
	v := &Validated{}
	if f, _ := formats.Lookup(k); f.Validate != nil {
		v.Errors, v.Warnings = f.Validate(path, o.formats())
	}
	if v.Warnings == nil && (len(v.Errors) == 0 || k == KindCSV) {
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
