package vcard

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// Writer writes the cards of one .vcf file one contact at a time
// (formats.Writer), into a temporary file that Close renames into place.
type Writer struct {
	f    *formats.AtomicFile
	cw   cardWriter
	path string
	desc string
	done bool
}

var _ formats.Writer = (*Writer)(nil)

// Create starts writing the .vcf file path.
func Create(path string, opt Options) (*Writer, error) {
	v4, err := opt.v4()
	if err != nil {
		return nil, err
	}
	f, err := formats.CreateAtomic(path, formats.FilePerm)
	if err != nil {
		return nil, err
	}
	w := &Writer{f: f, cw: newCardWriter(f, v4), path: path, desc: "vCard " + version(opt)}
	return w, nil
}

func version(o Options) string {
	if o.Version == "" {
		return "3.0"
	}
	return o.Version
}

// Write writes c's card.
func (w *Writer) Write(c *contact.Contact) error {
	if w.done {
		return errors.New("vcard: write after close")
	}
	w.cw.card(c)
	return w.cw.err
}

// Close completes the file and renames it into place.
func (w *Writer) Close() error {
	if w.done {
		return fmt.Errorf("write %s: already closed", w.path)
	}
	w.done = true
	if err := w.cw.flush(); err != nil {
		w.f.Abort()
		return err
	}
	return w.f.Commit()
}

// Abort drops the file written so far; path is left as it was.
func (w *Writer) Abort() {
	w.done = true
	w.f.Abort()
}

// Describe says what was written: "vCard 3.0".
func (w *Writer) Describe() string { return w.desc }

// DirWriter writes a vdir one contact at a time (formats.Writer): each
// contact's file is written atomically as it comes (see WriteDir for the
// names); Abort removes the files it wrote.
type DirWriter struct {
	dir     string
	opt     Options
	used    map[string]bool
	written []string
	done    bool
}

var _ formats.Writer = (*DirWriter)(nil)

// CreateDir starts writing the vdir dir, created if needed.
func CreateDir(dir string, opt Options) (*DirWriter, error) {
	if _, err := opt.v4(); err != nil {
		return nil, err
	}
	if err := formats.MkdirPrivate(dir); err != nil {
		return nil, err
	}
	return &DirWriter{dir: dir, opt: opt, used: map[string]bool{}}, nil
}

// Write writes c's card to its own file.
func (w *DirWriter) Write(c *contact.Contact) error {
	if w.done {
		return errors.New("vcard: write after close")
	}
	name := FileName(c)
	base := strings.TrimSuffix(name, ".vcf")
	for n := 2; w.used[strings.ToLower(name)]; n++ {
		name = fmt.Sprintf("%s-%d.vcf", base, n)
	}
	w.used[strings.ToLower(name)] = true
	p := filepath.Join(w.dir, name)
	if err := WriteFile(p, []contact.Contact{*c}, w.opt); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	w.written = append(w.written, p)
	return nil
}

// Close ends the vdir; every file is in place already.
func (w *DirWriter) Close() error {
	w.done = true
	return nil
}

// Abort removes the files written.
func (w *DirWriter) Abort() {
	if w.done {
		return
	}
	w.done = true
	for _, p := range w.written {
		os.Remove(p)
	}
}

// Describe says what was written: "vdir of vCard 3.0".
func (w *DirWriter) Describe() string { return "vdir of vCard " + version(w.opt) }
