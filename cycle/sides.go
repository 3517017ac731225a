package cycle

import (
	"bytes"
	"fmt"
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

// Outlook input kinds.
const (
	KindCSV   = "csv"
	KindVCard = "vcf"
	KindVdir  = "vdir"
	KindPST   = "pst"
	KindMSG   = "msg" // an Outlook .msg contact item, or a folder of them
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

// DetectKind tells the kind of an Outlook export from its name and first
// bytes, or takes the one force names.
func DetectKind(path, force string) (string, error) {
	if force != "" {
		return forcedKind(path, force)
	}
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if st.IsDir() {
		// A folder of .msg files (contacts dragged out of Outlook) rather
		// than of .vcf files.
		if ms, _ := msg.Files(path); len(ms) > 0 {
			if vs, _ := filepath.Glob(filepath.Join(path, "*.[vV][cC][fF]")); len(vs) == 0 {
				return KindMSG, nil
			}
		}
		return KindVdir, checkVdir(path)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv", ".txt":
		return KindCSV, nil
	case ".vcf", ".vcard":
		return KindVCard, nil
	case ".pst", ".ost":
		return KindPST, nil
	case ".msg":
		return KindMSG, nil
	}
	return sniffKind(path)
}

// forcedKind is the kind --from names.
func forcedKind(path, force string) (string, error) {
	switch strings.ToLower(force) {
	case "csv":
		return KindCSV, nil
	case "vcf", "vcard":
		if st, err := os.Stat(path); err == nil && st.IsDir() {
			return KindVdir, checkVdir(path)
		}
		return KindVCard, nil
	case "vdir":
		return KindVdir, checkVdir(path)
	case "pst":
		return KindPST, nil
	case "msg":
		return KindMSG, nil
	}
	return "", usagef("unknown format %q (want csv, vcf, vdir, pst or msg)", force)
}

// sniffKind tells the kind of a file whose name does not by its first
// bytes: a PST, a .msg, a vCard, else an Outlook CSV.
func sniffKind(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := f.Read(head)
	head = bytes.ToUpper(bytes.ReplaceAll(head[:n], []byte{0}, nil))
	switch {
	case bytes.HasPrefix(head, []byte("!BDN")):
		return KindPST, nil
	case msg.IsMSG(head):
		return KindMSG, nil
	case bytes.Contains(head, []byte("BEGIN:VCARD")):
		return KindVCard, nil
	}
	return KindCSV, nil
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

// ReadOutlook reads an Outlook export of any supported kind.
func ReadOutlook(path string, o OutlookOptions) (*OutlookSide, error) {
	kind, err := DetectKind(path, o.From)
	if err != nil {
		return nil, err
	}
	s := &OutlookSide{Kind: kind, Path: path}
	read := map[string]func(*OutlookSide, OutlookOptions) error{
		KindCSV: readCSVSide, KindVCard: readVCardSide, KindVdir: readVCardSide, KindMSG: readMSGSide, KindPST: readPSTSide,
	}[kind]
	if err := read(s, o); err != nil {
		return nil, err
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

// readCSVSide reads an Outlook CSV export into s.
func readCSVSide(s *OutlookSide, o OutlookOptions) error {
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
	s.CSV, s.Contacts, s.Warnings = f, f.Contacts, f.Warnings
	var notes []string
	if len(f.Guessed) > 0 {
		notes = append(notes, "Outlook CSV columns read by what their names say: "+strings.Join(f.Guessed, ", "))
	}
	if f.DateInferred {
		notes = append(notes, "Outlook CSV dates read as "+f.DateFormat+", the one order that reads every date of the file (the language's usual order does not)")
	}
	s.Note = strings.Join(notes, "; ")
	s.Inputs = []formats.InputFile{f.Input}
	return stampExportTime(s, o.ExportedAt)
}

// stampExportTime gives the records of an Outlook CSV, which has no
// modification times, the time of the export: every record changed, at the
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

// readVCardSide reads a vCard file or folder into s.
func readVCardSide(s *OutlookSide, o OutlookOptions) error {
	var f *vcard.File
	var err error
	if o.SkipInvalid {
		f, s.Rejected, err = vcard.ReadFileLenient(s.Path)
	} else {
		f, err = vcard.ReadFile(s.Path)
	}
	if err != nil {
		return err
	}
	s.Contacts, s.Warnings, s.Inputs = f.Contacts, f.Warnings, f.Inputs
	return nil
}

// readMSGSide reads a .msg file or a folder of them into s.
func readMSGSide(s *OutlookSide, o OutlookOptions) error {
	var f *msg.File
	var err error
	if o.SkipInvalid {
		f, s.Rejected, err = msg.ReadFileLenient(s.Path)
	} else {
		f, err = msg.ReadFile(s.Path)
	}
	if err != nil {
		return err
	}
	s.Contacts, s.Warnings, s.Inputs = f.Contacts, f.Warnings, f.Inputs
	if f.DistLists > 0 {
		s.Note = fmt.Sprintf("%d distribution lists among the .msg files are not synced", f.DistLists)
	}
	return nil
}

// readPSTSide reads the contacts folder of a PST, and its Deleted Items,
// into s.
func readPSTSide(s *OutlookSide, o OutlookOptions) error {
	st, err := pst.ReadFile(s.Path, pst.Options{Folder: o.Folder, SkipInvalid: o.SkipInvalid})
	if err != nil {
		return err
	}
	s.Rejected = st.Rejected
	if st.Unchosen != nil {
		return &Error{Kind: Usage, Err: st.Unchosen,
			Hint: "name the folder that holds the contacts with --outlook-folder"}
	}
	s.Contacts, s.Deleted, s.Warnings = st.Contacts, st.Deleted, pst.Messages(st.Warnings)
	s.Inputs = []formats.InputFile{st.Input}
	s.Note = fmt.Sprintf("PST folder %q (%s)", st.Folder, st.FolderChoice)
	if st.DistLists > 0 {
		s.Note += fmt.Sprintf("; %d distribution lists in the PST are not synced", st.DistLists)
	}
	return nil
}

// WriteContacts writes contacts to path in the format its name (or to) says:
// .csv Outlook CSV (in layout's columns when given), .vcf one vCard file, a
// folder (or to = vdir) one .vcf per contact.
func WriteContacts(path, to string, contacts []contact.Contact, layout *outlookcsv.File, o OutlookOptions) (string, error) {
	kind := strings.ToLower(to)
	if kind == "" {
		switch strings.ToLower(filepath.Ext(path)) {
		case ".csv", ".txt":
			kind = KindCSV
		case ".vcf", ".vcard":
			kind = KindVCard
		case "":
			kind = KindVdir
		default:
			return "", usagef("cannot tell the output format of %q: name it .csv or .vcf (or name a folder, without extension, for one .vcf per contact)", path)
		}
	}
	switch kind {
	case KindCSV:
		res, err := outlookcsv.WriteFileReport(path, contacts, layout, o.csv())
		desc := "Outlook CSV in " + res.Encoding + " (" + outlookcsv.EncodingReason(res.Encoding) + ")"
		if res.Mapped > 0 {
			desc += fmt.Sprintf("; %d values from another format filled their Outlook columns", res.Mapped)
		}
		if res.Dropped > 0 {
			names := res.DroppedNames
			if len(names) > 8 {
				names = append(names[:8:8], "...")
			}
			desc += fmt.Sprintf("; %d values from another format have no Outlook CSV column and are not in this file (%s)", res.Dropped, strings.Join(names, ", "))
		}
		return desc, err
	case KindVCard, "vcard":
		return "vCard " + vcardVersion(o.VCardVer), vcard.WriteFile(path, contacts, vcard.Options{Version: vcardVersion(o.VCardVer)})
	case KindVdir:
		if err := formats.MkdirPrivate(path); err != nil {
			return "", err
		}
		return "vdir of vCard " + vcardVersion(o.VCardVer), vcard.WriteDir(path, contacts, vcard.Options{Version: vcardVersion(o.VCardVer)})
	case KindPST, KindMSG:
		return "", usagef("contactsync reads PST and .msg files but does not write them; write .csv or .vcf")
	}
	return "", usagef("unknown output format %q (want csv, vcf or vdir)", to)
}

func vcardVersion(v string) string {
	if v == "" {
		return "3.0"
	}
	return v
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
