package msg

import (
	"path/filepath"

	"contactsync/formats"
)

// Kind is the name of this format in the registry and on the command
// line, for one .msg file and for a folder of them.
const Kind = "msg"

func init() {
	formats.Register(&formats.Format{
		Kind:     Kind,
		Describe: "Outlook .msg items",
		Side:     formats.SideOutlook,
		Exts:     []string{".msg"},
		Dir:      formats.DirToo,
		Order:    10,
		// A file that starts like a compound file, or a folder of .msg
		// files that holds no .vcf file (contacts dragged out of Outlook).
		Sniff: func(path string, head []byte) bool {
			if head != nil {
				return IsMSG(head)
			}
			ms, _ := Files(path)
			vs, _ := filepath.Glob(filepath.Join(path, "*.[vV][cC][fF]"))
			return len(ms) > 0 && len(vs) == 0
		},
		Validate: func(path string, _ formats.Options) (formats.ErrorList, []string) { return Validate(path), nil },
		Open:     func(path string, o formats.Options) (formats.Reader, error) { return Open(path, o.Lenient) },
	})
}
