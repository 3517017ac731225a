package cycle

import (
	"contactsync/journal"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// FindAnchors reads the markers of the output folders in dirs: each dir
// itself, its folders and theirs. Folders of another journal (whose chain
// names another cycle 1) are counted, not checked.
func FindAnchors(j *journal.Journal, dirs []string) (anchors []journal.Anchor, other int, err error) {
	chain, _, err := j.CycleHash(1)
	if err != nil {
		return nil, 0, err
	}
	seen := map[string]bool{}
	var visit func(dir string, depth int) error
	visit = func(dir string, depth int) error {
		if seen[dir] {
			return nil
		}
		seen[dir] = true
		if m, err := ReadMarker(dir); err == nil {
			if m.Chain != "" && chain != "" && m.Chain != chain {
				other++
				return nil
			}
			anchors = append(anchors, journal.Anchor{Dir: dir, Cycle: m.Cycle, Head: m.Head})
			return nil
		}
		if depth == 0 {
			return nil
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, e := range ents {
			if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
				if err := visit(filepath.Join(dir, e.Name()), depth-1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, d := range dirs {
		if err := visit(d, 2); err != nil {
			return nil, 0, fmt.Errorf("read output folders: %w", err)
		}
	}
	return anchors, other, nil
}
