package formats

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"contactsync/engine/contact"
)

// Reader yields the records of one input (a file or a folder of files) in
// input order, decoding as it reads: a side never has to be held whole.
//
// Next returns the next record, and io.EOF after the last. The record
// belongs to the reader and is overwritten by the next call to Next; its
// Extra slice (the values the format reads but has no canonical field
// for) is never reused, so a caller keeps a record by copying the struct
// (*c), without cloning Extra (the conformance suite checks this of every
// format). It carries its Line.
// A record the format cannot read is a *ParseError (file:line:col: field:
// what); a lenient reader (Options.Lenient) sets such records aside in
// Summary().Rejected and goes on.
//
// Summary is what the reader learnt besides the records: its warnings,
// the input files hashed as they were read, ... It is complete once Next
// has returned io.EOF. Close releases the files; it may be called at any
// time, also before the end.
type Reader interface {
	Next() (*contact.Contact, error)
	Summary() *Summary
	Close() error
}

// Summary is what a Reader learnt besides the records.
type Summary struct {
	// Inputs are the files read, each hashed as it was read (the input
	// hash the journal records). Complete after io.EOF.
	Inputs []InputFile
	// Warnings are notes of a kind, each with the positioned text users
	// see ("file:line:col: field: what"), in input order; a record with a
	// warning is still read.
	Warnings []Warning
	// Rejected are the records a lenient reader set aside.
	Rejected ErrorList
	// Notes summarise the input for the plan ("PST folder \"Contacts\"
	// (the only contacts folder)", "3 distribution lists are not synced").
	Notes []string
	// Deleted are the records the input holds as deleted (a PST's
	// Deleted Items), which are no records of the side; nil elsewhere.
	Deleted []contact.Contact
}

// Writer writes a side in a format, one record at a time: Write streams
// the record out (the writer does not keep it), Close completes the
// output atomically (a reader, or a crash, sees the old output or the
// complete new one), and Abort drops what was written and leaves the old
// output as it was. Call exactly one of Close and Abort; Abort after
// Close does nothing, so "defer w.Abort()" is the usual cleanup.
//
// Describe, after Close, says what was written, for the plan: "Outlook CSV
// in windows-1252 (every character fits ...)".
type Writer interface {
	Write(c *contact.Contact) error
	Close() error
	Abort()
	Describe() string
}

// Options are the knobs of every format; each format reads the ones that
// concern it and ignores the others.
type Options struct {
	// Lenient reads on after a record that cannot be read, setting it
	// aside in Summary.Rejected (--skip-invalid).
	Lenient bool
	// KeyColumn is the Outlook CSV column of the sync key ("" = "User 4").
	KeyColumn string
	// Encoding forces a code page for text without a BOM ("1250", ...).
	Encoding string
	// DateFormat is an Outlook CSV exporter's short-date format ("M/D/YYYY").
	DateFormat string
	// Locale is the language of a fresh Outlook CSV layout ("en", "de", ...).
	Locale string
	// Folder names the PST folder to read.
	Folder string
	// VCardVersion is the vCard version written ("3.0" or "4.0"; "" = 3.0).
	VCardVersion string
	// Now is the time a writer stamps where a format wants one (the
	// zero time: the writer's clock).
	Now time.Time
}

// Format is one format as the cycle and the CLI see it: its kind, how to
// recognise its files, and how to open a reader or a writer. Each format
// package registers itself (Register) in an init function.
type Format struct {
	// Kind is the name the user gives with --outlook-format and the like
	// ("csv", "vcf", "vdir", "pst", "msg", "crm").
	Kind string
	// Aliases are other names for Kind ("vcard").
	Aliases []string
	// Describe is a few words for messages: "Outlook CSV".
	Describe string
	// Side is the side whose exports the format holds: SideOutlook or
	// SideCRM.
	Side string
	// DirKind is the kind that reads a folder of this format's files
	// ("vdir" for "vcf"); "" when none or when the format reads folders
	// itself.
	DirKind string
	// Exts are the file extensions of the format, lower case with the dot;
	// a folder format has none.
	Exts []string
	// Dir says whether the input may be a folder: NoDir (a file),
	// DirToo (a file or a folder), DirOnly (a folder).
	Dir DirUse
	// Sniff reports whether the input at path is of this format: for a
	// file, by its first bytes (head, up to 512), for a folder (head nil)
	// by what it holds. Nil: only the extension tells.
	Sniff func(path string, head []byte) bool
	// Open opens a reader on path.
	Open func(path string, o Options) (Reader, error)
	// Create starts a writer of path. like is the reader of the input the
	// records come from (nil for none): a format writes in the input's own
	// layout when like is one of its readers. Nil: the format is read-only.
	Create func(path string, o Options, like Reader) (Writer, error)
	// Validate reads the input at path and lists every problem, each
	// positioned, and the warnings of what a read reads past. Nil: the
	// format has no check of its own beyond reading.
	Validate func(path string, o Options) (errs ErrorList, warnings []string)
	// Order is the rank among formats whose Sniff matches (lower first).
	Order int
	// NoTimes says the format records no modification times (an Outlook
	// CSV): a record changed, at the latest, when the file was exported,
	// which is the time the cycle gives each record.
	NoTimes bool
	// ReadsPast says a read reads past (with a warning) some problems
	// Validate lists as errors (an Outlook CSV's unreadable dates, cells
	// beyond the header), so validate lists a read's warnings even then.
	ReadsPast bool
}

// The sides a format belongs to.
const (
	SideOutlook = "outlook"
	SideCRM     = "crm"
)

// DirUse says whether a format reads folders.
type DirUse int

// The uses of folders.
const (
	NoDir   DirUse = iota // the input is a file
	DirToo                // a file or a folder
	DirOnly               // a folder
)

var (
	regMu    sync.RWMutex
	registry = map[string]*Format{}
)

// Register adds f to the formats Lookup and Detect know. It panics on a
// kind or alias registered twice: a programming error.
func Register(f *Format) {
	regMu.Lock()
	defer regMu.Unlock()
	for _, k := range append([]string{f.Kind}, f.Aliases...) {
		if _, dup := registry[k]; dup {
			panic("formats: kind " + k + " registered twice")
		}
		registry[k] = f
	}
}

// Lookup returns the format registered under kind or one of its aliases
// (case does not matter).
func Lookup(kind string) (*Format, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	f, ok := registry[strings.ToLower(kind)]
	return f, ok
}

// Kinds lists the kinds (not aliases) registered for side ("" = every
// side), sorted; with write set, only those that can be written.
func Kinds(side string, write bool) []string {
	var ks []string
	for _, f := range all() {
		if (side == "" || f.Side == side) && (!write || f.Create != nil) {
			ks = append(ks, f.Kind)
		}
	}
	slices.Sort(ks)
	return ks
}

// all returns every registered format once, by Order then Kind.
func all() []*Format {
	regMu.RLock()
	defer regMu.RUnlock()
	var fs []*Format
	for k, f := range registry {
		if k == f.Kind {
			fs = append(fs, f)
		}
	}
	slices.SortFunc(fs, func(a, b *Format) int {
		if a.Order != b.Order {
			return a.Order - b.Order
		}
		return strings.Compare(a.Kind, b.Kind)
	})
	return fs
}

// Detect tells the format of the input at path: by the folder formats'
// Sniff for a folder; for a file by its extension, else by its first
// bytes, else nil (the caller's default). only limits the candidates to
// those kinds (none: all).
func Detect(path string, only ...string) (*Format, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	cands := all()
	if len(only) > 0 {
		cands = slices.DeleteFunc(cands, func(f *Format) bool { return !slices.Contains(only, f.Kind) })
	}
	if st.IsDir() {
		for _, f := range cands {
			if f.Dir != NoDir && f.Sniff != nil && f.Sniff(path, nil) {
				return f, nil
			}
		}
		return nil, nil
	}
	ext := strings.ToLower(filepath.Ext(path))
	for _, f := range cands {
		if f.Dir != DirOnly && slices.Contains(f.Exts, ext) {
			return f, nil
		}
	}
	head, err := readHead(path, 512)
	if err != nil {
		return nil, err
	}
	for _, f := range cands {
		if f.Dir != DirOnly && f.Sniff != nil && f.Sniff(path, head) {
			return f, nil
		}
	}
	return nil, nil
}

// ByName returns the format a file named path is of by its extension
// alone (nil: none), for an output that does not exist yet. only limits
// the candidates to those kinds.
func ByName(path string, only ...string) *Format {
	ext := strings.ToLower(filepath.Ext(path))
	for _, f := range all() {
		if (len(only) == 0 || slices.Contains(only, f.Kind)) && f.Dir != DirOnly && slices.Contains(f.Exts, ext) {
			return f
		}
	}
	return nil
}

// readHead returns the first n bytes of the file at path.
func readHead(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head := make([]byte, n)
	m, err := io.ReadFull(f, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, err
	}
	return head[:m], nil
}

// TextHead is head with its NULs removed (UTF-16 text reads as ASCII)
// and upper-cased: for a Sniff that looks for a keyword.
func TextHead(head []byte) []byte {
	return bytes.ToUpper(bytes.ReplaceAll(head, []byte{0}, nil))
}

// ReadAll reads every record of r into a slice and closes r: for the
// callers that need a side whole, and for tests.
func ReadAll(r Reader) ([]contact.Contact, error) {
	defer r.Close()
	var out []contact.Contact
	for {
		c, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, *c)
	}
}

// WriteAll writes contacts through w and closes it; on error w is aborted.
func WriteAll(w Writer, contacts []contact.Contact) error {
	for i := range contacts {
		if err := w.Write(&contacts[i]); err != nil {
			w.Abort()
			return err
		}
	}
	return w.Close()
}
