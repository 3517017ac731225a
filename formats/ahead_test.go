package formats

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

// TestAheadOrder: the bytes come out as the reader gave them, whatever
// the sizes of the reads on both sides, and its error after them.
func TestAheadOrder(t *testing.T) {
	var src []byte
	for i := range 3*aheadSize + 12345 {
		src = append(src, byte(i*7+i>>9))
	}
	boom := errors.New("boom")
	for _, c := range []struct {
		name string
		r    func() io.Reader
		err  error
	}{
		{"whole", func() io.Reader { return bytes.NewReader(src) }, io.EOF},
		{"one byte a read", func() io.Reader { return iotest.OneByteReader(bytes.NewReader(src)) }, io.EOF},
		{"half reads", func() io.Reader { return iotest.HalfReader(bytes.NewReader(src)) }, io.EOF},
		{"error with data", func() io.Reader {
			return iotest.DataErrReader(io.MultiReader(bytes.NewReader(src), iotest.ErrReader(boom)))
		}, boom},
	} {
		for _, size := range []int{1, 7, 4096, aheadSize, 3 * aheadSize} {
			a := newAhead(c.r())
			var got []byte
			buf := make([]byte, size)
			var err error
			for {
				var n int
				n, err = a.Read(buf)
				got = append(got, buf[:n]...)
				if err != nil {
					break
				}
			}
			a.stop()
			if !bytes.Equal(got, src) {
				t.Fatalf("%s, reads of %d: %d bytes, not the %d given", c.name, size, len(got), len(src))
			}
			if err != c.err {
				t.Fatalf("%s, reads of %d: error %v, want %v", c.name, size, err, c.err)
			}
		}
	}
}

// TestAheadNoProgress: a reader that gives nothing, and no error, ends in
// io.ErrNoProgress rather than a goroutine spinning forever.
func TestAheadNoProgress(t *testing.T) {
	a := newAhead(readerFunc(func(p []byte) (int, error) { return 0, nil }))
	defer a.stop()
	if _, err := a.Read(make([]byte, 10)); err != io.ErrNoProgress {
		t.Fatalf("error %v, want io.ErrNoProgress", err)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// TestTextAheadStopped: a text read ahead and closed, or asked for its
// Input, half-way leaves its goroutine ended, and the Input hashes the
// whole file, what was read ahead and what was not.
func TestTextAheadStopped(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "in.csv")
	body := []byte(strings.Repeat("First,Last\r\nZoë,Müller\r\n", 40_000))
	if err := os.WriteFile(path, body, 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	for _, read := range []int{0, 100, 3 * aheadSize, len(body)} {
		tx, err := OpenTextOnce(path, "")
		if err != nil {
			t.Fatal(err)
		}
		tx.ReadAhead()
		got, err := io.ReadAll(io.LimitReader(tx, int64(read)))
		if err != nil || !bytes.Equal(got, body[:read]) {
			t.Fatalf("read %d: %d bytes, %v", read, len(got), err)
		}
		in, err := tx.Input()
		if err != nil {
			t.Fatal(err)
		}
		if in.Size != int64(len(body)) || in.SHA256 != hex.EncodeToString(sum[:]) {
			t.Fatalf("read %d, then Input: %d bytes, %s; want the file's %d, %x", read, in.Size, in.SHA256, len(body), sum)
		}
		if tx.Encoding != UTF8 {
			t.Fatalf("encoding %s", tx.Encoding)
		}
		if err := tx.Close(); err != nil {
			t.Fatal(err)
		}
		select {
		case <-tx.ahead.done:
		default:
			t.Fatalf("read %d: the goroutine reading ahead runs on after Close", read)
		}
	}
}
