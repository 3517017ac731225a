package outlookcsv

import (
	"fmt"
	"strings"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// Writer writes an Outlook CSV file one record at a time
// (formats.Writer), in the columns of layout (nil: a fresh layout in
// Options.Locale); Close commits the file atomically.
type Writer struct {
	path     string
	layout   *File
	opt      Options
	contacts []contact.Contact
	res      WriteResult
	done     bool
}

var _ formats.Writer = (*Writer)(nil)

// Create starts writing path.
func Create(path string, layout *File, opt Options) (*Writer, error) {
	return &Writer{path: path, layout: layout, opt: opt}, nil
}

// Write adds one record.
func (w *Writer) Write(c *contact.Contact) error {
	w.contacts = append(w.contacts, c.Clone())
	return nil
}

// Close writes the file and renames it into place.
func (w *Writer) Close() error {
	if w.done {
		return fmt.Errorf("write %s: already closed", w.path)
	}
	w.done = true
	res, err := WriteFileReport(w.path, w.contacts, w.layout, w.opt)
	w.contacts = nil
	w.res = res
	return err
}

// Abort drops the records; the file is left as it was.
func (w *Writer) Abort() {
	w.done = true
	w.contacts = nil
}

// Result is what the write did besides writing; complete after Close.
func (w *Writer) Result() WriteResult { return w.res }

// Describe says what was written, for the plan.
func (w *Writer) Describe() string { return Describe(w.res) }

// Describe says what a write with result res wrote.
func Describe(res WriteResult) string {
	desc := "Outlook CSV in " + res.Encoding + " (" + EncodingReason(res.Encoding) + ")"
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
	return desc
}
