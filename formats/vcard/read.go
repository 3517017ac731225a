package vcard

import (
	"io"
	"os"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// File is what was read from one .vcf file or vdir folder.
type File struct {
	Path     string            // the file or folder as named by the caller
	Contacts []contact.Contact // one per BEGIN:VCARD, in file order (a nested card follows its parent)
	Cards    int               // number of BEGIN:VCARD lines seen
	Encoding string            // "" (bytes as written), "utf-8-bom", "utf-16le" or "utf-16be"
	Warnings []formats.Warning // non-fatal notes, each "file:line: ..." with its kind
	// Inputs are the files read by ReadFile or ReadFileLenient (one per
	// card file of a vdir), hashed as they were read.
	Inputs []formats.InputFile
}

// ReadFile reads a .vcf file, or every *.vcf file of a vdir folder (in
// name order, not recursing; each file may hold several cards).
func ReadFile(path string) (*File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		hr := formats.NewHashReader(f)
		out, err := Read(hr, path)
		if err != nil {
			return nil, err
		}
		in, err := hr.Input(path)
		if err != nil {
			return nil, err
		}
		out.Inputs = []formats.InputFile{in}
		return out, nil
	}
	names, err := vdirFiles(path)
	if err != nil {
		return nil, err
	}
	out := &File{Path: path}
	for _, n := range names {
		one, err := ReadFile(n)
		if err != nil {
			return nil, err
		}
		out.Contacts = append(out.Contacts, one.Contacts...)
		out.Cards += one.Cards
		out.Warnings = append(out.Warnings, one.Warnings...)
		out.Inputs = append(out.Inputs, one.Inputs...)
	}
	return out, nil
}

func vdirFiles(dir string) ([]string, error) { return formats.FolderFiles(dir, ".vcf") }

// Read reads every card of r. name is used in errors and warnings. It stops
// at the first problem it cannot read past and returns it as a
// *formats.ParseError.
func Read(r io.Reader, name string) (*File, error) {
	p := newParser(r, name, true)
	p.run()
	if len(p.errs) > 0 {
		return nil, p.errs[0]
	}
	return p.file, nil
}

// ReadFileLenient reads like ReadFile but sets aside each card with a
// problem (a property that cannot be read) instead of stopping: it returns
// the contacts of the other cards and, separately, one positioned problem
// per card set aside. What cannot be delimited into cards (END:VCARD
// without BEGIN, a file with no card) is still an error.
func ReadFileLenient(path string) (*File, formats.ErrorList, error) {
	files, err := formats.InputFiles(path, ".vcf")
	if err != nil {
		return nil, nil, err
	}
	out := &File{Path: path}
	var rejected formats.ErrorList
	for _, fn := range files {
		f, err := os.Open(fn)
		if err != nil {
			return nil, nil, err
		}
		hr := formats.NewHashReader(f)
		one, rej, err := ReadLenient(hr, fn)
		var in formats.InputFile
		if err == nil {
			in, err = hr.Input(fn)
		}
		f.Close()
		if err != nil {
			return nil, nil, err
		}
		out.Inputs = append(out.Inputs, in)
		if fn == path { // a single file, not a vdir
			out.Encoding = one.Encoding
		}
		out.Contacts = append(out.Contacts, one.Contacts...)
		out.Cards += one.Cards
		out.Warnings = append(out.Warnings, one.Warnings...)
		rejected = append(rejected, rej...)
	}
	return out, rejected, nil
}

// ReadLenient is ReadFileLenient for one stream; name is used in errors.
func ReadLenient(r io.Reader, name string) (*File, formats.ErrorList, error) {
	p := newParser(r, name, true)
	p.lenient, p.badCards = true, map[int]bool{}
	p.run()
	if len(p.errs) > 0 {
		return nil, nil, p.errs[0]
	}
	return p.file, p.rejected, nil
}

// Validate reads the file or vdir folder at path and returns every problem
// found, each positioned; an empty list means Read succeeds. Warnings are
// not problems and are not listed (ReadFile returns them).
func Validate(path string) formats.ErrorList {
	errs, _ := Check(path)
	return errs
}

// Check is Validate that also returns the warnings: what was read past
// (text outside a card, an empty parameter, a missing END:VCARD, ...).
func Check(path string) (out formats.ErrorList, warnings []string) {
	files, err := formats.InputFiles(path, ".vcf")
	if err != nil {
		return formats.ErrorList{{File: path, Err: err}}, nil
	}
	for _, fn := range files {
		f, err := os.Open(fn)
		if err != nil {
			out = append(out, &formats.ParseError{File: fn, Err: err})
			continue
		}
		p := newParser(f, fn, false)
		p.run()
		f.Close()
		out = append(out, p.errs...)
		warnings = append(warnings, formats.WarningTexts(p.file.Warnings)...)
	}
	return out, warnings
}
