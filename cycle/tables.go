package cycle

import (
	"errors"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// addError is the error of contact.Table.Add for a record read from the
// file at path, positioned: "path:line: field: more than 4 GiB of values".
func addError(path string, err error) error {
	var ae *contact.AddError
	if errors.As(err, &ae) {
		return formats.Errorf(path, ae.Line, 0, ae.Field, "%w", ae.Err)
	}
	return err
}

// tableAdder adds the records a reader hands out without taking an error
// back (crmcsv.ReadDirEach) to a table, and keeps the first error of
// Table.Add, positioned in the file at path; the records after it are not
// added.
type tableAdder struct {
	t    *contact.Table
	path string
	err  error
}

func (a *tableAdder) add(c *contact.Contact) {
	if a.err != nil {
		return
	}
	if err := a.t.Add(c); err != nil {
		a.err = addError(a.path, err)
	}
}

// newPool returns the string pool of a cycle's tables; a test gives one of
// less room (contact.Strings.LimitForTest).
var newPool = contact.NewStrings
