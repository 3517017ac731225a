package journal

import (
	"errors"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// A cycle's hash covers its header and files first, and then its changes,
// conflicts, notices, link writes, pending work and link history (chain).
// The header and the files (the outputs' hashes, the finish time) are known
// only at the commit, but everything after them is known once the cycle is
// staged: Stage encodes that tail as the chain does, beside the output
// writers, into a spool, and Commit hashes the header, the files and the
// spool's bytes as they are. SHA-256 reads its input in one pass, so the
// sum is the one hashing every row at the commit made; the chain's bytes
// do not change. At a million links the tail is some 450 MB (the changes'
// texts), which would double the cycle's memory: a spool keeps its first
// spoolMemory bytes in memory and the rest in a file beside the journal,
// removed as soon as it is made where the system allows (it holds the
// rows' personal data, as the journal does, with the journal's mode 0600),
// else when the commit is done or rolled back, or by the next Open after
// a crash.

// spoolMemory is how much of a tail a spool holds in memory.
var spoolMemory = 1 << 20

// spoolPrefix names a spool's file: "<journal>" + spoolPrefix + random.
const spoolPrefix = ".chain-"

// spool holds bytes written to it, in memory up to spoolMemory and the rest
// in a file; the first error it meets it keeps and returns from then on.
type spool struct {
	dir, base string // where a file goes: the journal's folder and name
	mem       []byte
	f         *os.File
	name      string // the file's name while it must still be removed
	err       error
}

func newSpool(journalPath string) *spool {
	return &spool{dir: filepath.Dir(journalPath), base: filepath.Base(journalPath)}
}

func (s *spool) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.f == nil && len(s.mem)+len(p) <= spoolMemory {
		if s.mem == nil {
			s.mem = make([]byte, 0, spoolMemory)
		}
		s.mem = append(s.mem, p...)
		return len(p), nil
	}
	if s.f == nil {
		f, err := os.CreateTemp(s.dir, s.base+spoolPrefix+"*")
		if err != nil {
			s.err = err
			return 0, err
		}
		s.f, s.name = f, f.Name()
		if os.Remove(s.name) == nil {
			s.name = "" // gone from the folder; the descriptor still reads it
		}
	}
	if _, err := s.f.Write(p); err != nil {
		s.err = err
		return 0, err
	}
	return len(p), nil
}

// hashInto writes everything the spool holds, in order, into h.
func (s *spool) hashInto(h hash.Hash) error {
	if s.err != nil {
		return s.err
	}
	h.Write(s.mem)
	if s.f == nil {
		return nil
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	// The file is read a block ahead of the hash, which is most of the
	// cost: two buffers, one being filled while the other is hashed.
	const block = 1 << 20
	type chunk struct {
		b   []byte
		err error
	}
	full, empty := make(chan chunk, 1), make(chan []byte, 2)
	empty <- make([]byte, block)
	empty <- make([]byte, block)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			var b []byte
			select {
			case b = <-empty:
			case <-stop:
				return
			}
			n, err := io.ReadFull(s.f, b)
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			select {
			case full <- chunk{b[:n], err}:
			case <-stop:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	for {
		c := <-full
		h.Write(c.b)
		if c.err == io.EOF {
			return nil
		}
		if c.err != nil {
			return c.err
		}
		empty <- c.b[:block]
	}
}

// close lets go of the spool's memory and removes its file.
func (s *spool) close() {
	s.mem = nil
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
	if s.name != "" {
		os.Remove(s.name)
		s.name = ""
	}
	if s.err == nil {
		s.err = errors.New("the spool is closed")
	}
}

// removeSpools removes the spool files a run of the journal at path left
// behind when it was killed (only where a spool's file could not be
// removed as it was made). The journal's lock is held: no run uses them.
func removeSpools(path string) {
	dir, prefix := filepath.Dir(path), filepath.Base(path)+spoolPrefix
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), prefix) && e.Type().IsRegular() {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
