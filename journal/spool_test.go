package journal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// setSpoolMemory sets spoolMemory for a test.
func setSpoolMemory(t *testing.T, n int) {
	old := spoolMemory
	spoolMemory = n
	t.Cleanup(func() { spoolMemory = old })
}

// spoolFiles are the spool files beside the journal at path.
func spoolFiles(t *testing.T, path string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(filepath.Dir(path), "*"+spoolPrefix+"*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A spool gives back every byte written to it, in order, whether it holds
// them in memory, in a file, or both, and across the reader's blocks.
func TestSpoolHashesWhatWasWritten(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, mem := range []int{0, 5, 1 << 20} {
		for _, size := range []int{0, 1, 1<<20 - 1, 1 << 20, 1<<20 + 1, 2<<20 + 777} {
			setSpoolMemory(t, mem)
			dir := t.TempDir()
			s := newSpool(filepath.Join(dir, "sync.db"))
			data := make([]byte, size)
			r.Read(data)
			for rest := data; len(rest) > 0; {
				k := min(len(rest), 1+r.Intn(100000))
				if n, err := s.Write(rest[:k]); n != k || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
				rest = rest[k:]
			}
			h := sha256.New()
			if err := s.hashInto(h); err != nil {
				t.Fatalf("memory %d, size %d: hashInto: %v", mem, size, err)
			}
			if want := sha256.Sum256(data); !bytes.Equal(h.Sum(nil), want[:]) {
				t.Errorf("memory %d, size %d: the spool's hash is not the data's", mem, size)
			}
			if (s.f != nil) != (size > mem) {
				t.Errorf("memory %d, size %d: file %v", mem, size, s.f != nil)
			}
			s.close()
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("memory %d, size %d: left in the folder: %v", mem, size, left)
			}
		}
	}
}

// The cycles' hashes are the same whether a staged cycle's tail is held in
// memory or in a file, and Verify, which hashes the rows as stored, agrees
// with them; no spool file is left beside the journal.
func TestSpooledTailKeepsTheChain(t *testing.T) {
	var heads []string
	for _, mem := range []int{16 << 20, 0, 100} {
		setSpoolMemory(t, mem)
		j := twoCycles(t)
		if err := j.Verify(); err != nil {
			t.Fatalf("memory %d: Verify: %v", mem, err)
		}
		_, h, err := j.Head()
		if err != nil {
			t.Fatal(err)
		}
		heads = append(heads, h)
		if left := spoolFiles(t, j.path); len(left) != 0 {
			t.Errorf("memory %d: spool files left: %v", mem, left)
		}
	}
	if heads[0] != heads[1] || heads[0] != heads[2] {
		t.Errorf("the last cycle's hash depends on where its tail was spooled: %v", heads)
	}
}

// A staged cycle that is rolled back removes its spool, and Open removes
// the spool files of a run that was killed.
func TestSpoolRemovedOnAbortAndOpen(t *testing.T) {
	setSpoolMemory(t, 0)
	path := filepath.Join(t.TempDir(), "sync.db")
	left := path + spoolPrefix + "123"
	if err := os.WriteFile(left, []byte("rows of a killed run"), 0o600); err != nil {
		t.Fatal(err)
	}
	other := path + ".keep"
	if err := os.WriteFile(other, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	j := openTest(t, path)
	if got := spoolFiles(t, path); len(got) != 0 {
		t.Errorf("Open left %v", got)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("Open removed a file that is not a spool: %v", err)
	}
	p := plan(1, 3, changed(smallLink(1, "Ann", "ann@example.com")), changed(smallLink(2, "Bob", "bob@example.com")))
	s, err := j.Stage(context.Background(), p, info(1))
	if err != nil {
		t.Fatal(err)
	}
	if s.tail.f == nil {
		t.Fatal("with no memory the tail is not in a file")
	}
	s.Abort()
	if got := spoolFiles(t, path); len(got) != 0 {
		t.Errorf("Abort left %v", got)
	}
	if n, _, err := j.Head(); err != nil || n != 0 {
		t.Errorf("Head after Abort = %d, %v", n, err)
	}
	if err := j.Commit(p, info(1)); err != nil {
		t.Fatal(err)
	}
	if err := j.Verify(); err != nil {
		t.Error(err)
	}
	if strings.Contains(path, spoolPrefix) {
		t.Fatal("the test's journal name must not look like a spool")
	}
}
