package cycle

import (
	"errors"
	"io"
	"time"

	"contactsync/engine/contact"
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
	st, err := openOutlookStream(in, o)
	if err != nil {
		return nil, err
	}
	defer st.close()
	var like formats.Reader
	if o.Locale == "" {
		like = st.r // a format writes in its input's layout when the input is its own (an Outlook CSV's columns)
	}
	w, err := createContacts(out, to, like, o)
	if err != nil {
		return nil, err
	}
	defer w.Abort()
	n := 0
	for {
		c, err := st.next()
		if err == io.EOF {
			break
		}
		if errors.Is(err, errLateDateOrder) {
			w.Abort()
			return convertWhole(in, out, to, o)
		}
		if err != nil {
			return nil, err
		}
		if err := w.Write(c); err != nil {
			return nil, err
		}
		n++
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return &Converted{Contacts: n, Format: w.Describe(), Warnings: st.warnings(in)}, nil
}

// outlookStream reads an Outlook export through its format's Reader and
// gives each record as ReadOutlook would (control characters dropped,
// e-mail addresses bare), except the time of a format that records none
// (an Outlook CSV): o.ExportedAt, or none (a file's mtime would look like
// a real time once written).
type outlookStream struct {
	format *formats.Format
	r      formats.Reader
	o      OutlookOptions
	ctl    controls
}

// errLateDateOrder: an Outlook CSV's date order was settled after records
// were given in another; the export is to be read whole (ReadOutlook).
var errLateDateOrder = errors.New("the date order of the export was settled late")

func openOutlookStream(path string, o OutlookOptions) (*outlookStream, error) {
	kind, err := DetectKind(path, o.From)
	if err != nil {
		return nil, err
	}
	f, _ := formats.Lookup(kind)
	r, err := f.Open(path, o.formats())
	if err != nil {
		return nil, openError(err)
	}
	return &outlookStream{format: f, r: r, o: o}, nil
}

// next returns the next record, valid until the next call; io.EOF after
// the last, errLateDateOrder when the export must be read whole.
func (s *outlookStream) next() (*contact.Contact, error) {
	c, err := s.r.Next()
	var de *outlookcsv.DateOrderError
	if errors.As(err, &de) {
		return nil, errLateDateOrder
	}
	if err != nil {
		return nil, err
	}
	if s.format.NoTimes {
		c.Modified, c.ModifiedFrom = s.o.ExportedAt, ""
		if !s.o.ExportedAt.IsZero() {
			c.ModifiedFrom = "--outlook-exported-at"
		}
	}
	s.ctl.add(c)
	cleanEmails(c)
	return c, nil
}

// warnings are ReadOutlook's, once next returned io.EOF: the reader's,
// then the control characters dropped (a PST's Deleted Items' too).
func (s *outlookStream) warnings(path string) []string {
	sum := s.r.Summary()
	for i := range sum.Deleted {
		s.ctl.add(&sum.Deleted[i])
	}
	ws := formats.WarningTexts(sum.Warnings)
	if w := s.ctl.warning(path); w != "" {
		ws = append(ws, w)
	}
	return ws
}

func (s *outlookStream) close() { s.r.Close() }

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
