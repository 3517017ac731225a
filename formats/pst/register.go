package pst

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"contactsync/formats"
)

// Kind is the name of this format in the registry and on the command line.
const Kind = "pst"

func init() {
	formats.Register(&formats.Format{
		Kind:     Kind,
		Describe: "Outlook PST",
		Side:     formats.SideOutlook,
		Exts:     []string{".pst", ".ost"},
		Order:    10,
		Sniff:    func(_ string, head []byte) bool { return bytes.HasPrefix(head, []byte("!BDN")) },
		Validate: validateStore,
		Open: func(path string, o formats.Options) (formats.Reader, error) {
			return Open(path, Options{Folder: o.Folder, SkipInvalid: o.Lenient})
		},
	})
}

// validateStore checks a PST; a store without a contacts folder cannot be
// read without naming the folder, which it says too.
func validateStore(path string, o formats.Options) (formats.ErrorList, []string) {
	errs := Validate(path)
	if len(errs) == 0 {
		// Opening chooses the folder; its items need not be read again.
		r, err := Open(path, Options{Folder: o.Folder})
		var fe *FolderError
		switch {
		case err == nil:
			r.Close()
		case errors.As(err, &fe):
			errs = append(errs, &formats.ParseError{File: path, Err: fmt.Errorf("%s (sync and convert need --outlook-folder)",
				strings.TrimPrefix(fe.Error(), path+": "))})
		}
	}
	return errs, nil
}
