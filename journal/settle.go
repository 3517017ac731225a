package journal

import (
	"errors"
	"io/fs"
	"os"
)

// settle syncs to the disk what a cycle's staging has written so far, while
// the outputs are still being written: the commit's own sync then waits
// only for the pages written since (the last few megabytes SQLite's cache
// held, the cycle's row), not for the hundreds of megabytes a cycle of a
// million links stages. It changes nothing SQLite relies on: a page synced
// early belongs to a transaction that a crash still rolls back (from the
// -journal file, or by ignoring the WAL's frames that no commit closes).
//
// In rollback mode (a first cycle) the pages go into the database file;
// in WAL mode, into the -wal file. The database file is synced through a
// descriptor of the journal's own that stays open until Close has closed
// SQLite's (closing any descriptor of a file drops every POSIX lock the
// process holds on it, SQLite's too); the -wal file holds no lock, and
// its descriptor is closed at once.
func (j *Journal) settle() error {
	if j.walAfterCommit {
		if j.dbFile == nil {
			f, err := os.OpenFile(j.path, os.O_RDWR, 0)
			if err != nil {
				return err
			}
			j.dbFile = f
		}
		return j.dbFile.Sync()
	}
	f, err := os.OpenFile(j.path+"-wal", os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // nothing spilled yet
	}
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
