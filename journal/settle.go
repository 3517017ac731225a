package journal

import (
	"errors"
	"io/fs"
	"os"
	"sync"
	"time"
)

// A cycle's staging syncs to the disk what it writes as it goes, beside
// the output writers: the commit's own sync then waits only for the pages
// written since the last of these syncs (the last few megabytes SQLite's
// cache held, the cycle's row), not for the hundreds of megabytes a cycle
// of a million links stages, and the staging does not wait for them all at
// its end either. It changes nothing SQLite relies on: a page synced early
// belongs to a transaction that a crash still rolls back (from the -journal
// file, or by ignoring the WAL's frames that no commit closes).
//
// In rollback mode the pages go into the database file; in WAL mode (a
// journal another process held in it when it was opened), into the -wal
// file. The database file is synced through a descriptor of the journal's
// own that stays open until Close has closed SQLite's (closing any
// descriptor of a file drops every POSIX lock the process holds on it,
// SQLite's too); the -wal file holds no lock, and its descriptor is closed
// when the staging is done.

// settleEvery is how often a staging syncs what it has written.
const settleEvery = 250 * time.Millisecond

// settler syncs a staging's file every settleEvery until finish.
type settler struct {
	j    *Journal
	f    *os.File // nil until the file is there
	wal  bool     // f is the -wal file, closed by finish
	stop chan struct{}
	done chan error
	once sync.Once
}

// startSettling starts syncing the file a staging writes into.
func (j *Journal) startSettling() *settler {
	s := &settler{j: j, wal: !j.rollback, stop: make(chan struct{}), done: make(chan error, 1)}
	go func() {
		t := time.NewTicker(settleEvery)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				s.done <- nil
				return
			case <-t.C:
			}
			if err := s.sync(); err != nil {
				s.done <- err
				return
			}
		}
	}()
	return s
}

// sync syncs the file, opening it first when it is not open yet.
func (s *settler) sync() error {
	if s.f == nil {
		if !s.wal && s.j.dbFile != nil {
			s.f = s.j.dbFile
		} else {
			name := s.j.path
			if s.wal {
				name += "-wal"
			}
			f, err := os.OpenFile(name, os.O_RDWR, 0)
			if s.wal && errors.Is(err, fs.ErrNotExist) {
				return nil // nothing spilled yet
			}
			if err != nil {
				return err
			}
			s.f = f
			if !s.wal {
				s.j.dbFile = f
			}
		}
	}
	return s.f.Sync()
}

// finish stops the syncs and syncs once more, so that what the staging
// wrote is on the disk; it returns the first error of any of them.
func (s *settler) finish() error {
	err := s.halt()
	if err == nil {
		err = s.sync()
	}
	if cerr := s.closeWAL(); err == nil {
		err = cerr
	}
	return err
}

// abort stops the syncs of a staging that failed.
func (s *settler) abort() {
	s.halt()
	s.closeWAL()
}

func (s *settler) closeWAL() error {
	if !s.wal || s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// halt stops the syncs (a staging that failed calls it alone) and returns
// their error; only its first call waits for them.
func (s *settler) halt() error {
	var err error
	s.once.Do(func() {
		close(s.stop)
		err = <-s.done
	})
	return err
}
