package formats

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
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
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600: asked 0644, but nobody but the owner gets a bit", st.Mode().Perm())
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

// TestAtomicFileSum checks that Hash makes Sum the SHA-256 and size of the
// file committed, also after a Rewind, and that Sum refuses without Hash,
// before the bytes are flushed, and when Hash came after a Write.
func TestAtomicFileSum(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.json")
	f, err := CreateAtomic(path, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.Hash()
	f.WriteString(strings.Repeat("dropped ", 70000)) // more than the buffer: some reach the file
	if err := f.Rewind(); err != nil {
		t.Fatal(err)
	}
	want := strings.Repeat("{\"a\":1}\n", 100000)
	f.WriteString(want[:5])
	if _, _, ok := f.Sum(); ok {
		t.Error("Sum answered with bytes still in the buffer")
	}
	f.WriteString(want[5:])
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != want {
		t.Fatalf("file: %d bytes, err %v; want %d bytes", len(b), err, len(want))
	}
	sum, size, ok := f.Sum()
	h := sha256.Sum256(b)
	if !ok || sum != hex.EncodeToString(h[:]) || size != int64(len(b)) {
		t.Errorf("Sum = %s, %d, %v; want %x, %d, true", sum, size, ok, h, len(b))
	}

	g, err := CreateAtomic(filepath.Join(dir, "late"), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	g.WriteString("x")
	g.Hash()
	if err := g.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := g.Sum(); ok {
		t.Error("Sum answered for a file hashed from its second byte")
	}
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

// TestDecode1252 checks the Windows-1252 decoder against x/text's on every
// byte and on mixed text.
func TestDecode1252(t *testing.T) {
	all := make([]byte, 0, 512)
	for i := range 256 {
		all = append(all, byte(i), 'a')
	}
	mixed := make([]byte, 4000) // ASCII runs of every length up to 40 between high bytes
	r := rand.New(rand.NewPCG(1, 2))
	for i := range mixed {
		if r.IntN(20) == 0 {
			mixed[i] = byte(0x80 + r.IntN(128))
		} else {
			mixed[i] = byte(0x20 + r.IntN(0x5f))
		}
	}
	for _, in := range [][]byte{all, mixed, []byte("plain ascii, longer than eight bytes"), []byte("Z\xf6e \x80 \x81\x8d\x8f\x90\x9d end\xff"), {}} {
		want, err := charmap.Windows1252.NewDecoder().Bytes(in)
		if err != nil {
			t.Fatal(err)
		}
		got := decode1252(in)
		if string(got) != string(want) || cap(got) != len(want) {
			t.Errorf("decode1252(%q) = %q (cap %d), want %q", in, got, cap(got), want)
		}
	}
	if text, enc, err := DecodeText([]byte("M\xfcller"), ""); err != nil || enc != Windows1252 || string(text) != "Müller" {
		t.Errorf("DecodeText = %q, %s, %v", text, enc, err)
	}
}

// TestAtomicFileSyncsBehind writes files of many times syncEvery (lowered),
// so that syncs run in the background while the bytes are written: the
// file committed is every byte, its hash theirs; a Rewind, and an Abort
// while a sync may run, leave nothing behind. Run under -race too.
func TestAtomicFileSyncsBehind(t *testing.T) {
	defer func(n int64) { syncEvery = n }(syncEvery)
	syncEvery = 64 << 10
	dir := t.TempDir()
	path := filepath.Join(dir, "contacts.vcf")
	f, err := CreateAtomic(path, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.Hash()
	f.WriteString(strings.Repeat("dropped\n", 200000))
	if f.synced == 0 {
		t.Error("1.6 MB written, no sync started")
	}
	if err := f.Rewind(); err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for i := range 300000 {
		line := "BEGIN:VCARD " + strings.Repeat("x", i%97) + "\r\n"
		want.WriteString(line)
		f.WriteString(line)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != want.String() {
		t.Fatalf("file: %d bytes, err %v; want %d bytes", len(b), err, want.Len())
	}
	sum, size, ok := f.Sum()
	h := sha256.Sum256(b)
	if !ok || sum != hex.EncodeToString(h[:]) || size != int64(len(b)) {
		t.Errorf("Sum = %s, %d, %v; want %x, %d, true", sum, size, ok, h, len(b))
	}
	g, err := CreateAtomic(filepath.Join(dir, "aborted"), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	g.WriteString(strings.Repeat("y", 1<<20))
	g.Abort()
	assertOnly(t, dir, "contacts.vcf")
}
