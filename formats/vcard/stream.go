package vcard

import (
	"bufio"
	"io"

	"contactsync/engine/contact"
)

// CardWriter writes vCards one at a time, as Write writes a slice of
// them: a side is streamed, never held whole.
type CardWriter struct {
	bw *bufio.Writer
	cw cardWriter
}

// NewCardWriter starts writing vCards to w in the version of opt.
func NewCardWriter(w io.Writer, opt Options) (*CardWriter, error) {
	v4, err := opt.v4()
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	return &CardWriter{bw: bw, cw: cardWriter{w: bw, v4: v4}}, nil
}

// Write writes one card.
func (w *CardWriter) Write(c *contact.Contact) error {
	w.cw.card(c)
	return nil
}

// Flush writes what is buffered; it returns the first write error.
func (w *CardWriter) Flush() error { return w.bw.Flush() }
