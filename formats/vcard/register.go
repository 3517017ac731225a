package vcard

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"

	"contactsync/formats"
)

// The kinds of this format in the registry and on the command line: one
// .vcf file, and a vdir (a folder of .vcf files).
const (
	Kind    = "vcf"
	KindDir = "vdir"
)

func init() {
	open := func(path string, o formats.Options) (formats.Reader, error) { return Open(path, o.Lenient) }
	check := func(path string, _ formats.Options) (formats.ErrorList, []string) { return Check(path) }
	formats.Register(&formats.Format{
		Kind:     Kind,
		Aliases:  []string{"vcard"},
		Describe: "vCard",
		Side:     formats.SideOutlook,
		DirKind:  KindDir,
		Exts:     []string{".vcf", ".vcard"},
		Order:    20,
		Sniff:    func(_ string, head []byte) bool { return bytes.Contains(formats.TextHead(head), []byte("BEGIN:VCARD")) },
		Open:     open,
		Validate: check,
		Create: func(path string, o formats.Options, _ formats.Reader) (formats.Writer, error) {
			return Create(path, Options{Version: o.VCardVersion})
		},
	})
	formats.Register(&formats.Format{
		Kind:     KindDir,
		Describe: "vdir (a folder of vCards)",
		Side:     formats.SideOutlook,
		Dir:      formats.DirOnly,
		Order:    30,
		Sniff:    func(path string, _ []byte) bool { return hasVCF(path) },
		Open:     open,
		Validate: check,
		Create: func(path string, o formats.Options, _ formats.Reader) (formats.Writer, error) {
			return CreateDir(path, Options{Version: o.VCardVersion})
		},
	})
}

// hasVCF reports whether the folder dir holds a .vcf file.
func hasVCF(dir string) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") && strings.EqualFold(filepath.Ext(e.Name()), ".vcf") {
			return true
		}
	}
	return false
}
