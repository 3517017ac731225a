package vcard

import (
	"io"

	"contactsync/engine/contact"
)

// CardWriter writes vCards one at a time, as Write writes a slice of
// them: a side is streamed, never held whole.
type CardWriter struct {
	cw cardWriter
}

// NewCardWriter starts writing vCards to w in the version of opt.
func NewCardWriter(w io.Writer, opt Options) (*CardWriter, error) {
	v4, err := opt.v4()
	if err != nil {
		return nil, err
	}
	return &CardWriter{cw: newCardWriter(w, v4)}, nil
}

// Write writes one card; it returns the first write error.
func (w *CardWriter) Write(c *contact.Contact) error {
	w.cw.card(c)
	return w.cw.err
}

// Flush writes what is buffered; it returns the first write error.
func (w *CardWriter) Flush() error { return w.cw.flush() }
