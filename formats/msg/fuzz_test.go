package msg

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"contactsync/formats"
)

// FuzzRead: no input panics; every problem is a *formats.ParseError.
func FuzzRead(f *testing.F) {
	raw, err := os.ReadFile(realMSG(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add(raw[:4096])
	f.Add([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, err := Read(bytes.NewReader(b), int64(len(b)), "f.msg")
		var pe *formats.ParseError
		if err != nil && !errors.As(err, &pe) {
			t.Fatalf("not a ParseError: %v", err)
		}
	})
}
