package pst

import (
	"bytes"

	"contactsync/formats"
)

// Kind is the name of this format in the registry and on the command line.
const Kind = "pst"

func init() {
	formats.Register(&formats.Format{
		Kind:     Kind,
		Describe: "Outlook PST",
		Exts:     []string{".pst", ".ost"},
		Order:    10,
		Sniff:    func(_ string, head []byte) bool { return bytes.HasPrefix(head, []byte("!BDN")) },
		Open: func(path string, o formats.Options) (formats.Reader, error) {
			return Open(path, Options{Folder: o.Folder, SkipInvalid: o.Lenient})
		},
	})
}
