package formats

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAtomicFileCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := CreateAtomic(path, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	big := strings.Repeat("x", 1<<20) // more than the buffer
	f.WriteString("a,")
	f.Write([]byte(big))
	f.WriteByte('\n')
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Fatalf("before Commit the file is %q, want the old content", b)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	want := "a," + big + "\n"
	b, err := os.ReadFile(path)
	if err != nil || string(b) != want {
		t.Fatalf("after Commit: %d bytes, err %v; want %d bytes", len(b), err, len(want))
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
	if err := f.Commit(); err == nil {
		t.Error("a second Commit succeeded")
	}
	assertOnly(t, dir, "out.csv")
}

func TestAtomicFileAbortAndRewind(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.vcf")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := CreateAtomic(path, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("partial")
	f.Abort()
	f.Abort()
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Fatalf("after Abort the file is %q, want the old content", b)
	}
	assertOnly(t, dir, "out.vcf")

	f, err = CreateAtomic(path, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(strings.Repeat("first attempt ", 50000))
	if err := f.Rewind(); err != nil {
		t.Fatal(err)
	}
	f.WriteString("second")
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "second" {
		t.Fatalf("after Rewind and Commit the file is %q, want %q", b, "second")
	}
	assertOnly(t, dir, "out.vcf")
}

// assertOnly checks that dir holds exactly name: no temporary file is left.
func assertOnly(t *testing.T, dir, name string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 || ents[0].Name() != name {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("folder holds %v, want only %s", names, name)
	}
}
