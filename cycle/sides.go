package cycle

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"contactsync/engine/contact"
	"contactsync/formats"
	"contactsync/formats/crmcsv"
	"contactsync/formats/msg"
	"contactsync/formats/outlookcsv"
	"contactsync/formats/pst"
	"contactsync/formats/vcard"
)

// Outlook input kinds, as their formats register them.
const (
	KindCSV   = outlookcsv.Kind
	KindVCard = vcard.Kind
	KindVdir  = vcard.KindDir
	KindPST   = pst.Kind
	KindMSG   = msg.Kind // an Outlook .msg contact item, or a folder of them
)

// OutlookOptions are the flags that shape how the Outlook side is read and written.
type OutlookOptions struct {
	From       string // force the input kind
	KeyColumn  string
	Encoding   string
	DateFormat string
	Locale     string
	Folder     string // PST folder
	ExportedAt time.Time
	VCardVer   string
	// SkipInvalid reads the Outlook side leniently: CSV records, vCard
	// cards and PST items it cannot read are set aside
	// (OutlookSide.Rejected) instead of stopping the cycle.
	SkipInvalid bool
}

func (o OutlookOptions) csv() outlookcsv.Options {
	return outlookcsv.Options{KeyColumn: o.KeyColumn, Encoding: o.Encoding, DateFormat: o.DateFormat, Locale: o.Locale}
}

// OutlookSide is one Outlook export read into the model, with what is
// needed to write that side back in its own layout.
type OutlookSide struct {
	Kind     string
	Path     string
	Contacts []contact.Contact
	Deleted  []contact.Contact
	CSV      *outlookcsv.File // layout of a CSV input
	Warnings []string
	Note     string // a summary for the plan ("PST: 3 distribution lists not synced")
	// Rejected are the records set aside by a lenient read.
	Rejected formats.ErrorList
	// Inputs are the files read, hashed as they were read.
	Inputs []formats.InputFile
	// dropped says Contacts were let go once the cycle had its tables
	// (or never kept: table holds the export): the export is read again
	// to write the outputs.
	dropped bool
	table   *contact.Table
}

// DetectKind tells the kind of an Outlook export from force (a kind or an
// alias the formats registered), else from its name and first bytes
// (formats.Detect); a file no format recognises is taken for CSV.
func DetectKind(path, force string) (string, error) {
	kinds := formats.Kinds(formats.SideOutlook, false)
	if force != "" {
		f, ok := formats.Lookup(force)
		if !ok || f.Side != formats.SideOutlook {
			return "", usagef("unknown format %q (want %s)", force, orList(kinds))
		}
		if st, err := os.Stat(path); err == nil && st.IsDir() && f.DirKind != "" {
			f, _ = formats.Lookup(f.DirKind)
		}
		if f.Dir == formats.DirOnly {
			return f.Kind, checkVdir(path)
		}
		return f.Kind, nil
	}
	f, err := formats.Detect(path, kinds...)
	if err != nil {
		return "", err
	}
	switch {
	case f != nil && f.Dir == formats.DirOnly:
		return f.Kind, checkVdir(path)
	case f != nil:
		return f.Kind, nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return vcard.KindDir, checkVdir(path) // says what the folder holds instead
	}
	return outlookcsv.Kind, nil
}

// orList is "a, b or c".
func orList(ks []string) string {
	if len(ks) < 2 {
		return strings.Join(ks, "")
	}
	return strings.Join(ks[:len(ks)-1], ", ") + " or " + ks[len(ks)-1]
}

// checkVdir refuses a folder given as a vCard folder that holds no .vcf
// file (nor .msg files, which DetectKind looks for first), and says what
// it does hold: a folder of something else is a wrong argument, not an
// address book that became empty.
func checkVdir(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var names []string
	crmDump := false
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if !e.IsDir() && strings.EqualFold(filepath.Ext(e.Name()), ".vcf") {
			return nil
		}
		name := e.Name()
		if e.IsDir() {
			name += string(filepath.Separator)
		}
		names = append(names, name)
		crmDump = crmDump || strings.EqualFold(e.Name(), crmcsv.ContactsFile)
	}
	var holds string
	switch n := len(names); {
	case n == 0:
		holds = "is empty"
	case n == 1:
		holds = "holds " + names[0]
	case n <= 5:
		holds = "holds " + strings.Join(names[:n-1], ", ") + " and " + names[n-1]
	default:
		holds = fmt.Sprintf("holds %s and %d more", strings.Join(names[:4], ", "), n-4)
	}
	hint := "give a folder of .vcf or .msg files, a .vcf file, an Outlook .csv export or a .pst"
	if crmDump {
		holds += ": is this the CRM dump?"
		hint = "the CRM dump goes to --crm; give the Outlook export to --outlook"
	}
	return &Error{Kind: Usage, Err: fmt.Errorf("%s holds no .vcf or .msg file, so it is no Outlook export; it %s", dir, holds), Hint: hint}
}

// formats is o as the formats take it.
func (o OutlookOptions) formats() formats.Options {
	return formats.Options{Lenient: o.SkipInvalid, KeyColumn: o.KeyColumn, Encoding: o.Encoding,
		DateFormat: o.DateFormat, Locale: o.Locale, Folder: o.Folder, VCardVersion: o.VCardVer}
}

// ReadOutlook reads an Outlook export of any supported kind through its
// format's Reader.
func ReadOutlook(path string, o OutlookOptions) (*OutlookSide, error) {
	kind, err := DetectKind(path, o.From)
	if err != nil {
		return nil, err
	}
	s := &OutlookSide{Kind: kind, Path: path}
	if err := readSide(s, o); err != nil {
		return nil, err
	}
	if noTimes(kind) {
		if err := stampExportTime(s, o.ExportedAt); err != nil {
			return nil, err
		}
	}
	if w := dropControls(path, s.Contacts, s.Deleted); w != "" {
		s.Warnings = append(s.Warnings, w)
	}
	// An e-mail field holds the bare address, whatever reads it (sync,
	// convert, duplicates): "mailto:" and "Name <addr>" are unwrapped.
	for _, cs := range [][]contact.Contact{s.Contacts, s.Deleted} {
		for i := range cs {
			for _, f := range []contact.Field{contact.Email1, contact.Email2, contact.Email3} {
				cs[i].Values[f] = contact.Clean(f, cs[i].Values[f])
			}
		}
	}
	return s, nil
}

// readSide reads the records of s.Path through the Reader of the format
// of s.Kind, and what the Reader learnt (warnings, notes, set-aside
// records, Deleted Items, the inputs hashed).
func readSide(s *OutlookSide, o OutlookOptions) error {
	return readSideEach(s, o, func(c *contact.Contact) {
		s.Contacts = append(s.Contacts, *c) // a reader never reuses a record's Extra
	})
}

// readSideEach is readSide handing each record to add (valid only during
// the call) instead of keeping it; an Outlook CSV whose date order is
// settled late is read whole (readCSVWhole), its records kept.
func readSideEach(s *OutlookSide, o OutlookOptions, add func(*contact.Contact)) error {
	f, _ := formats.Lookup(s.Kind)
	r, err := f.Open(s.Path, o.formats())
	if err != nil {
		return openError(err)
	}
	defer r.Close()
	for {
		c, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			// (declared here: the target of errors.As is allocated
			// where it is declared, and this loop runs per record)
			var de *outlookcsv.DateOrderError
			if errors.As(err, &de) {
				// Records were given out in another date order than the
				// file's: the whole file is read again in its own.
				return readCSVWhole(s, o)
			}
			return err
		}
		add(c)
	}
	sum := r.Summary()
	s.Deleted, s.Warnings, s.Rejected, s.Inputs = sum.Deleted, formats.WarningTexts(sum.Warnings), sum.Rejected, sum.Inputs
	s.Note = strings.Join(sum.Notes, "; ")
	if l, ok := r.(*outlookcsv.Reader); ok {
		s.CSV = l.Layout()
	}
	return nil
}

// openError is the error of opening a reader: a PST folder not found is
// a usage error, with its hint.
func openError(err error) error {
	var fe *pst.FolderError
	if errors.As(err, &fe) {
		return &Error{Kind: Usage, Err: fe, Hint: "name the folder that holds the contacts with --outlook-folder"}
	}
	return err
}

// readCSVWhole reads an Outlook CSV with outlookcsv.ReadFile, which reads
// the file again when its date order is settled late (DateOrderError).
func readCSVWhole(s *OutlookSide, o OutlookOptions) error {
	var f *outlookcsv.File
	var err error
	if o.SkipInvalid {
		f, s.Rejected, err = outlookcsv.ReadFileLenient(s.Path, o.csv())
	} else {
		f, err = outlookcsv.ReadFile(s.Path, o.csv())
	}
	if err != nil {
		return err
	}
	s.CSV, s.Contacts, s.Warnings, s.Inputs = f, f.Contacts, formats.WarningTexts(f.Warnings), []formats.InputFile{f.Input}
	s.Note = strings.Join(outlookcsv.Notes(f), "; ")
	return nil
}

// noTimes reports whether the format of kind records no modification
// times (an Outlook CSV), as the registry says.
func noTimes(kind string) bool {
	f, ok := formats.Lookup(kind)
	return ok && f.NoTimes
}

// stampExportTime gives the records of an export whose format has no
// modification times (an Outlook CSV) the time of the export: every record changed, at the
// latest, when the file was exported. That is at, else the file's
// modification time; each record says which.
func stampExportTime(s *OutlookSide, at time.Time) error {
	from := "--outlook-exported-at"
	if at.IsZero() {
		st, err := os.Stat(s.Path)
		if err != nil {
			return err
		}
		at, from = st.ModTime().UTC().Truncate(time.Second), "export file mtime"
	}
	for i := range s.Contacts {
		s.Contacts[i].Modified, s.Contacts[i].ModifiedFrom = at, from
	}
	return nil
}

// WriteContacts writes contacts to path in the format to names (a kind
// the formats registered), else the one its name says: .csv Outlook CSV
// (in layout's columns when given), .vcf one vCard file, a folder (no
// extension) one .vcf per contact. It returns how the file was written.
func WriteContacts(path, to string, contacts []contact.Contact, layout *outlookcsv.File, o OutlookOptions) (string, error) {
	var like formats.Reader
	if layout != nil {
		like = outlookcsv.LayoutOf(layout)
	}
	w, err := createContacts(path, to, like, o)
	if err != nil {
		return "", err
	}
	if err := formats.WriteAll(w, contacts); err != nil {
		return "", err
	}
	return w.Describe(), nil
}

// createContacts starts the writer of WriteContacts: in the format to
// names, else the one path's name says; in like's layout when like is a
// reader of that format.
func createContacts(path, to string, like formats.Reader, o OutlookOptions) (formats.Writer, error) {
	var f *formats.Format
	if to != "" {
		var ok bool
		if f, ok = formats.Lookup(to); !ok || f.Side != formats.SideOutlook {
			return nil, usagef("unknown output format %q (want %s)", to, orList(formats.Kinds(formats.SideOutlook, true)))
		}
	} else if filepath.Ext(path) == "" {
		f, _ = formats.Lookup(vcard.KindDir)
	} else if f = formats.ByName(path, formats.Kinds(formats.SideOutlook, true)...); f == nil {
		return nil, usagef("cannot tell the output format of %q: name it .csv or .vcf (or name a folder, without extension, for one .vcf per contact)", path)
	}
	if f.Create == nil {
		return nil, usagef("contactsync reads %s but does not write it; write %s", f.Describe, orList(formats.Kinds(formats.SideOutlook, true)))
	}
	return f.Create(path, o.formats(), like)
}

// dropControls removes the control characters no import takes (NUL, ESC,
// ...; not tab, CR or LF) from the values of the contacts read from path,
// and says so in one warning: how many values, and the first record.
func dropControls(path string, lists ...[]contact.Contact) string {
	n := 0
	first := ""
	for _, cs := range lists {
		for i := range cs {
			fields := contact.DropControls(&cs[i])
			if len(fields) == 0 {
				continue
			}
			n += len(fields)
			if first == "" {
				first = fmt.Sprintf("%q (%s)", cs[i].DisplayName(), strings.Join(fields, ", "))
				if cs[i].Line > 0 {
					first = fmt.Sprintf("line %d, %s", cs[i].Line, first)
				}
			}
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%s: %d values held control characters (NUL, ESC and the like) that no import takes; they were dropped, the first at %s", path, n, first)
}

// vcardVersion is the vCard version written: v, else 3.0.
func vcardVersion(v string) string {
	if v == "" {
		return "3.0"
	}
	return v
}
