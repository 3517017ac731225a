package contact

import (
	"bytes"
	"strings"
	"testing"
)

// An arena's strings and slices keep their values while it hands out more
// (past a chunk, and values larger than arenaLarge), and a slice cannot
// grow into the next value.
func TestArenaKeepsWhatItHandedOut(t *testing.T) {
	var a Arena
	var strs []string
	var want []string
	buf := []byte{}
	for i := range 3000 {
		v := strings.Repeat(string(rune('a'+i%26)), i%300+1)
		if i%500 == 0 {
			v = strings.Repeat("L", arenaLarge+i)
		}
		buf = append(buf[:0], v...)
		strs = append(strs, a.String(buf))
		want = append(want, v)
		buf[0] = '!' // the arena copied it
	}
	for i := range strs {
		if strs[i] != want[i] {
			t.Fatalf("value %d changed: %.20q, want %.20q", i, strs[i], want[i])
		}
	}
	b := a.Bytes([]byte("abc"))
	next := a.Bytes([]byte("xyz"))
	if cap(b) != 3 {
		t.Fatalf("cap %d, want 3", cap(b))
	}
	_ = append(b, '!')
	if !bytes.Equal(next, []byte("xyz")) {
		t.Fatalf("next value overwritten: %q", next)
	}
	if a.String(nil) != "" {
		t.Fatal(`String(nil) != ""`)
	}
}
