//go:build !windows

package journal

import (
	"os"

	"github.com/gofrs/flock"
)

// flockLock is flock(2) on a descriptor of the journal file. flock locks
// are independent of the fcntl byte-range locks SQLite takes on the same
// file, so the two do not disturb each other.
type flockLock struct{ f *flock.Flock }

// lockJournalFile takes an exclusive OS lock on the journal file, creating
// it 0600 when missing. held is true when another run holds it.
func lockJournalFile(path string) (fileLock, bool, error) {
	f := flock.New(path, flock.SetFlag(os.O_RDWR|os.O_CREATE), flock.SetPermissions(0o600))
	ok, err := f.TryLock()
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, true, nil
	}
	return flockLock{f}, false, nil
}

// unlock releases the lock and closes the descriptor. It runs after the
// database is closed: closing a descriptor drops the process's fcntl locks
// on the file, SQLite's among them.
func (l flockLock) unlock() error { return l.f.Close() }
