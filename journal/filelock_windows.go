//go:build windows

package journal

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// winLock is LockFileEx on a handle of the journal file. Windows locks are
// mandatory: a lock on the bytes SQLite reads would stop SQLite itself, so
// (unlike gofrs/flock, which locks byte 0) it locks one byte far beyond
// any journal's size and beyond SQLite's own lock bytes at 1 GiB.
type winLock struct{ f *os.File }

const winLockOffset = 1 << 62

// lockJournalFile takes an exclusive OS lock on the journal file, creating
// it 0600 when missing. held is true when another run holds it.
func lockJournalFile(path string) (fileLock, bool, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, false, err
	}
	ol := &windows.Overlapped{Offset: uint32(winLockOffset & 0xffffffff), OffsetHigh: uint32(winLockOffset >> 32)}
	err = windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		f.Close()
		return nil, true, nil
	}
	if err != nil {
		f.Close()
		return nil, false, err
	}
	return winLock{f}, false, nil
}

// unlock releases the lock and closes the handle.
func (l winLock) unlock() error {
	ol := &windows.Overlapped{Offset: uint32(winLockOffset & 0xffffffff), OffsetHigh: uint32(winLockOffset >> 32)}
	err := windows.UnlockFileEx(windows.Handle(l.f.Fd()), 0, 1, 0, ol)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	return err
}
