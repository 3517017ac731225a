package journal

import (
	"errors"

	"github.com/mattn/go-sqlite3"
)

// IsBusy reports whether err is SQLite's "database is locked": another
// connection held the journal past the busy timeout. A read-only command
// meets it while a sync stages and commits a cycle (in rollback mode the
// staging holds the file's exclusive lock from when it first writes into
// the database until it commits, see setJournalMode).
func IsBusy(err error) bool {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return false
	}
	return se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked
}
