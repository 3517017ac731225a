package cycle

import (
	"io/fs"
	"path/filepath"
)

// Progress is told the phases of a cycle, for a display. Each phase ends
// the one before; End ends the last one, Cancel drops a phase that failed.
type Progress interface {
	// Phase starts a phase that works on items things (0: not counted).
	Phase(what string, items int, unit string)
	// PhaseBytes starts a phase that reads total bytes of input.
	PhaseBytes(what string, total int64)
	End()
	Cancel()
}

// progressOf is p, or a Progress that shows nothing.
func progressOf(p Progress) Progress {
	if p == nil {
		return noProgress{}
	}
	return p
}

type noProgress struct{}

func (noProgress) Phase(string, int, string) {}
func (noProgress) PhaseBytes(string, int64)  {}
func (noProgress) End()                      {}
func (noProgress) Cancel()                   {}

// inputSize is the size of the regular files at path (a file, or the files
// of a folder and its subfolders): what reading an export will read.
func inputSize(path string) int64 {
	var n int64
	filepath.WalkDir(path, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
