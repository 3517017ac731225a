package cycle

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"contactsync/formats"
	"contactsync/journal"
)

// MarkerName is the file in an output folder that says which cycle wrote it.
const MarkerName = "cycle.json"

// Marker is the content of MarkerName: the cycle that wrote the folder,
// its journal, and once committed the chain head that anchors it.
type Marker struct {
	Cycle   int       `json:"cycle"`
	Journal string    `json:"journal"`
	Written time.Time `json:"written"`
	// Head is the journal's chain head after this cycle's commit (the
	// cycle's hash), and Chain the hash of its cycle 1, which names the
	// journal: written once the commit is done, so that journal verify
	// --outputs can prove the journal still has this cycle as it was
	// (DESIGN §8). Empty when the run stopped between commit and marker.
	Head  string `json:"head,omitempty"`
	Chain string `json:"chain,omitempty"`
}

// anchorOutputs writes the journal's chain head after the commit of cycle
// into the marker of out, and returns it.
func anchorOutputs(j *journal.Journal, out string, cycle int) (string, error) {
	m, err := ReadMarker(out)
	if err != nil {
		return "", err
	}
	head, ok, err := j.CycleHash(cycle)
	if err == nil && !ok {
		err = fmt.Errorf("the journal has no cycle %d", cycle)
	}
	if err != nil {
		return "", err
	}
	chain, _, err := j.CycleHash(1)
	if err != nil {
		return "", err
	}
	m.Head, m.Chain = head, chain
	mb, _ := json.MarshalIndent(m, "", "  ")
	return head, formats.WriteFileAtomic(filepath.Join(out, MarkerName), append(mb, '\n'), formats.FilePerm)
}

func ReadMarker(dir string) (*Marker, error) {
	b, err := os.ReadFile(filepath.Join(dir, MarkerName))
	if err != nil {
		return nil, err
	}
	var m Marker
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// findAnchors reads the markers of the output folders in dirs: each dir
// itself, its folders and theirs. Folders of another journal (whose chain
// names another cycle 1) are counted, not checked.
func findAnchors(j *journal.Journal, dirs []string) (anchors []journal.Anchor, other int, err error) {
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

// Verified is what Verify checked.
type Verified struct {
	Cycles  int    // in the journal
	Head    string // the chain head
	Folders int    // output folders of this journal checked
	Other   int    // output folders of another journal, left out
}

// Verify checks the journal's hash chain and, with dirs, the chain heads
// recorded in the output folders found there (findAnchors), which proves
// that no cycle was removed from the end. When dirs hold no output folder
// of this journal, it returns what it verified and a Usage error.
func Verify(j *journal.Journal, dirs []string) (*Verified, error) {
	hint := "the journal was changed outside contactsync; restore it from a backup"
	if err := j.Verify(); err != nil {
		return nil, &Error{Kind: Failure, Err: err, Hint: hint}
	}
	anchors, other, err := findAnchors(j, dirs)
	if err != nil {
		return nil, err
	}
	if err := j.VerifyAnchors(anchors); err != nil {
		return nil, &Error{Kind: Failure, Err: err, Hint: hint}
	}
	n, head, err := j.Head()
	if err != nil {
		return nil, err
	}
	v := &Verified{Cycles: n, Head: head, Folders: len(anchors), Other: other}
	if len(dirs) > 0 && len(anchors) == 0 {
		return v, &Error{Kind: Usage, Err: fmt.Errorf("no output folder of this journal in %s", strings.Join(dirs, ", ")),
			Hint: "name the folder that holds the --out folders of the cycles"}
	}
	return v, nil
}
