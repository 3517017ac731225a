package outlookcsv

import (
	"contactsync/formats"
)

// Kind is the name of this format in the registry and on the command line.
const Kind = "csv"

func init() {
	formats.Register(&formats.Format{
		Kind:      Kind,
		Describe:  "Outlook CSV",
		Side:      formats.SideOutlook,
		Exts:      []string{".csv", ".txt"},
		Order:     100, // the fallback: any text file not recognised as another format
		NoTimes:   true,
		ReadsPast: true,
		Sniff:     func(_ string, head []byte) bool { return formats.CheckText(head) == nil },
		Validate: func(path string, o formats.Options) (formats.ErrorList, []string) {
			return Validate(path, Options{Encoding: o.Encoding, DateFormat: o.DateFormat}), nil
		},
		Open: func(path string, o formats.Options) (formats.Reader, error) {
			return Open(path, options(o), o.Lenient)
		},
		Create: func(path string, o formats.Options, like formats.Reader) (formats.Writer, error) {
			var layout *File
			if r, ok := like.(*Reader); ok && r.file != nil {
				layout = r.Layout()
			}
			return Create(path, layout, options(o))
		},
	})
}

func options(o formats.Options) Options {
	return Options{KeyColumn: o.KeyColumn, Encoding: o.Encoding, DateFormat: o.DateFormat, Locale: o.Locale}
}
