package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// lockInfo is the content of "<journal>.lock".
type lockInfo struct {
	PID   int       `json:"pid"`
	Host  string    `json:"host"`
	Since time.Time `json:"since"`
}

// LockedError says that another run holds the journal, or held it and
// stopped without releasing it (Stale).
type LockedError struct {
	Path  string    // the journal file
	PID   int       // the process that took the lock; 0 when the lock file is unreadable
	Host  string    // the host it ran on
	Since time.Time // when it took the lock
	// Stale is true when that process no longer runs on this host, or the
	// lock file cannot be read: nobody holds the journal any more, but
	// contactsync does not remove a lock without being told to.
	Stale bool
	// Problem says what is wrong with a lock file that cannot be read.
	Problem string
	// OtherName is true when a live run holds the journal file through
	// another name (a hard link), so this name has no lock file saying who.
	OtherName bool
}

// LockPath returns the lock file of the journal at path: beside the file
// the path leads to, so that a run through a symbolic link finds the
// holder's name too.
func LockPath(path string) string {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		return real + ".lock"
	}
	return path + ".lock"
}

func (e *LockedError) Error() string {
	lp := LockPath(e.Path)
	since := e.Since.Format("2006-01-02 15:04:05 -0700")
	here, _ := os.Hostname()
	switch {
	case e.OtherName:
		return fmt.Sprintf("journal %q is locked by another contactsync run that opened the same file under another name (a hard link); "+
			"its pid, host and start time are in the .lock file beside that name; wait for it to finish", e.Path)
	case e.Problem != "":
		return fmt.Sprintf("journal %q is locked by %q, which cannot be read (%s); if no contactsync run uses the journal, remove %q or break the stale lock",
			e.Path, lp, e.Problem, lp)
	case e.Stale:
		return fmt.Sprintf("journal %q has a stale lock: pid %d on host %s took it at %s and no longer runs; "+
			"its cycle either committed or left the journal untouched (a cycle commits in one transaction), "+
			"so once you are sure no contactsync run uses the journal, remove %q or break the stale lock",
			e.Path, e.PID, e.Host, since, lp)
	case e.Host != here:
		return fmt.Sprintf("journal %q is locked by pid %d on host %s since %s; this host cannot tell whether that process still runs: "+
			"wait for it to finish, or remove %q if you know it has stopped", e.Path, e.PID, e.Host, since, lp)
	}
	return fmt.Sprintf("journal %q is locked by pid %d on host %s since %s: another contactsync run is using it; wait for it to finish",
		e.Path, e.PID, e.Host, since)
}

// lockFile is a lock this process holds: an OS lock on the journal file
// itself and the lock file that names the holder.
type lockFile struct {
	path    string
	content []byte
	file    fileLock
}

// fileLock is an OS lock held on an open descriptor of the journal file
// (flock on Unix, LockFileEx on Windows). It locks the file, not its name:
// a second run through a hard link or symbolic link finds it held, and the
// OS releases it when the holder dies.
type fileLock interface{ unlock() error }

// acquireLock takes the OS lock on the journal file (creating it 0600),
// then creates "<path>.lock" holding this process's pid, host and start
// time, for the message another run gives. The lock file is written under
// a temporary name and hard-linked into place, so nobody ever reads a
// half-written lock. A lock file left by a run that died is explained, not
// silently removed, unless breakStale.
func acquireLock(path string, now time.Time, breakStale bool) (*lockFile, error) {
	host, _ := os.Hostname()
	fl, held, err := lockJournalFile(path)
	if err != nil {
		return nil, fmt.Errorf("lock journal %q: %w", path, err)
	}
	if held {
		le := inspectLock(path, LockPath(path), host)
		for try := 0; le == nil && try < 5; try++ {
			// The holder may be between taking the OS lock and writing
			// its lock file.
			time.Sleep(20 * time.Millisecond)
			le = inspectLock(path, LockPath(path), host)
		}
		if le == nil || le.Stale {
			// The file is locked by a live run, and this name's lock file
			// does not say who: it went through another name.
			le = &LockedError{Path: path, OtherName: true}
		}
		le.Stale = false
		return nil, le
	}
	lk, err := acquireLockFile(path, now, breakStale, host)
	if err != nil {
		fl.unlock()
		return nil, err
	}
	lk.file = fl
	return lk, nil
}

func acquireLockFile(path string, now time.Time, breakStale bool, host string) (*lockFile, error) {
	lp := LockPath(path)
	content, err := json.Marshal(lockInfo{PID: os.Getpid(), Host: host, Since: now})
	if err != nil {
		return nil, err
	}
	content = append(content, '\n')
	for attempt := 0; attempt < 3; attempt++ {
		err := createExclusive(lp, content)
		if err == nil {
			return &lockFile{path: lp, content: content}, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("lock journal %q: %w", path, err)
		}
		le := inspectLock(path, lp, host)
		if le == nil {
			continue // released meanwhile
		}
		if !le.Stale || !breakStale {
			return nil, le
		}
		if err := os.Remove(lp); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("break stale lock %q: %w", lp, err)
		}
	}
	return nil, fmt.Errorf("lock journal %q: another run keeps taking the lock %q", path, lp)
}

// createExclusive creates name with content, failing with fs.ErrExist when
// it exists.
func createExclusive(name string, content []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), filepath.Base(name)+".tmp*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(content)
	cerr := tmp.Close()
	defer os.Remove(tmp.Name())
	if werr != nil {
		return werr
	}
	if cerr != nil {
		return cerr
	}
	err = os.Link(tmp.Name(), name)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	// No hard links on this file system: fall back to O_EXCL.
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, werr = f.Write(content)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return werr
}

// inspectLock reads an existing lock file and says who holds it; nil when
// the file is gone.
func inspectLock(path, lp, host string) *LockedError {
	b, err := os.ReadFile(lp)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &LockedError{Path: path, Stale: true, Problem: err.Error()}
	}
	var li lockInfo
	if err := json.Unmarshal(b, &li); err != nil || li.PID <= 0 {
		problem := "it holds no pid"
		if err != nil {
			problem = "not a contactsync lock: " + err.Error()
		}
		return &LockedError{Path: path, Stale: true, Problem: problem}
	}
	le := &LockedError{Path: path, PID: li.PID, Host: li.Host, Since: li.Since}
	if li.Host == host && !processAlive(li.PID) {
		le.Stale = true
	}
	return le
}

// release removes the lock file if it is still this process's lock, then
// releases the OS lock.
func (l *lockFile) release() error {
	err := l.removeFile()
	if l.file != nil {
		if uerr := l.file.unlock(); err == nil && uerr != nil {
			err = fmt.Errorf("release lock: %w", uerr)
		}
		l.file = nil
	}
	return err
}

func (l *lockFile) removeFile() error {
	b, err := os.ReadFile(l.path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("release lock: %w", err)
	}
	if !bytes.Equal(b, l.content) {
		return fmt.Errorf("release lock: %q was replaced by another run; left in place", l.path)
	}
	if err := os.Remove(l.path); err != nil {
		return fmt.Errorf("release lock: %w", err)
	}
	return nil
}

// ProcessRuns reports whether the process pid runs on this host (true
// when this platform cannot tell). The cycle uses it to tell a staging
// folder of a run that died from one still being written.
func ProcessRuns(pid int) bool { return processAlive(pid) }
