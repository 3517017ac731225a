package cycle

import (
	"errors"
	"fmt"
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
