package crmcsv

import "contactsync/formats"

// Kind is the name of the CRM dump in the registry and on the command line.
const Kind = "crm"

func init() {
	formats.Register(&formats.Format{
		Kind:     Kind,
		Describe: "CRM dump",
		Side:     formats.SideCRM,
		Dir:      formats.DirOnly,
		Sniff:    func(path string, _ []byte) bool { return IsDumpDir(path) },
		Open:     func(path string, o formats.Options) (formats.Reader, error) { return Open(path, o.Lenient) },
		Validate: func(path string, _ formats.Options) (formats.ErrorList, []string) { return Validate(path), nil },
	})
}
