package cycle

import (
	"contactsync/engine"
	"contactsync/engine/contact"
	"contactsync/formats"
	"contactsync/journal"
	"errors"
	"fmt"
	"io/fs"
)

// ErrorKind says what stopped a cycle, so that the CLI can give it an exit
// code; the message and the hint are the cycle's.
type ErrorKind int

const (
	// Failure is a runtime failure (a file that cannot be written, a
	// journal that cannot be committed).
	Failure ErrorKind = iota + 1
	// Usage is bad usage or unreadable input: nothing was written.
	Usage
	// Guard is a safety guard or a question for a person (--conflicts ask)
	// that stopped the cycle before anything was committed.
	Guard
	// Interrupted: the context was cancelled; nothing was committed.
	Interrupted
)

// Error is an error of a cycle with its kind and a hint that says what to
// do next.
type Error struct {
	Kind ErrorKind
	Err  error
	Hint string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// usagef reports bad usage or input.
func usagef(format string, args ...any) error {
	return &Error{Kind: Usage, Err: fmt.Errorf(format, args...)}
}

// errInterrupted is what a cycle returns once its context is done.
func errInterrupted() error {
	return &Error{Kind: Interrupted, Err: errors.New("interrupted: nothing was committed"), Hint: "run the same command again; it starts over"}
}

// Classify gives any error of the project its kind and hint: an *Error as
// it is; a guard of the engine, or a journal another run holds, Guard; a
// journal another run committed to meanwhile, or one another connection
// held past SQLite's wait, Failure; input that cannot be
// read or found, a cycle or contact the journal lacks, Usage; anything
// else Failure.
func Classify(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return &Error{Kind: e.Kind, Err: err, Hint: e.Hint}
	}
	var ge *engine.GuardError
	var le *journal.LockedError
	var je *journal.ConflictError
	var el formats.ErrorList
	switch {
	case errors.As(err, &je):
		return &Error{Kind: Failure, Err: err, Hint: "another run committed a cycle meanwhile; run the same command again to plan against it"}
	case errors.As(err, &ge):
		return &Error{Kind: Guard, Err: err, Hint: ge.Hint}
	case errors.As(err, &le):
		h := "wait for the other run to finish"
		if le.Stale {
			h = "the run that held the lock is gone; rerun with --break-stale-lock"
		}
		return &Error{Kind: Guard, Err: err, Hint: h}
	case journal.IsBusy(err):
		return &Error{Kind: Failure, Err: err, Hint: "another contactsync is writing the journal (a sync holds it whole while it writes and commits a cycle, its last seconds); run this again when it has finished"}
	case errors.Is(err, journal.ErrNoCycle):
		return &Error{Kind: Usage, Err: err, Hint: "journal log lists the cycles"}
	case errors.Is(err, journal.ErrNoContact):
		return &Error{Kind: Usage, Err: err, Hint: "give a CONTACTID, an Outlook key or an e-mail address the journal has seen"}
	case errors.Is(err, contact.ErrFull):
		// The input is not wrong, there is too much of it: a failure.
		return &Error{Kind: Failure, Err: err, Hint: "a cycle holds at most 4 GiB of values; sync the contacts in parts (a smaller sync group, an export per folder); nothing was written"}
	case formats.IsParseError(err), errors.Is(err, fs.ErrNotExist):
		return &Error{Kind: Usage, Err: err, Hint: "fix the input named above and run again; nothing was written"}
	case errors.As(err, &el):
		return &Error{Kind: Usage, Err: err}
	}
	return &Error{Kind: Failure, Err: err}
}
