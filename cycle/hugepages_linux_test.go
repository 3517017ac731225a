//go:build linux

package cycle

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// Memory of the heap's arenas, advised while the cycle runs and touched
// after the advice reached it, is faulted in huge pages where the system
// gives them to advised memory.
func TestAdviseHugePages(t *testing.T) {
	const size = 256 << 20
	lo, n := heapWindow()
	// The runtime maps arenas for a large allocation; once it is let go
	// (and its pages given back to the system), the arenas stay mapped
	// for the next one, as a cycle's heap does as it grows and collects.
	grow := make([]byte, 2*size)
	if a := uintptr(unsafe.Pointer(&grow[0])); a < lo || a+2*size > lo+n {
		t.Fatalf("a new allocation at %#x is outside the advised window %#x+%#x", a, lo, n)
	}
	grow = nil
	runtime.GC()
	debug.FreeOSMemory()
	if !thpAdvised() {
		// Huge pages are given to all memory or to none: nothing to
		// advise, and stop returns at once.
		adviseHugePages()()
		t.Log("transparent_hugepage is not in madvise mode: nothing advised")
		return
	}
	stop := adviseHugePages()
	defer stop()
	time.Sleep(4 * hugeTick) // the advice reaches the mapped arenas
	before := anonHugeBytes(t)
	buf := make([]byte, size)
	for i := 0; i < size; i += 4096 {
		buf[i] = 1
	}
	if got := anonHugeBytes(t) - before; got < size/2 {
		t.Errorf("touching %d MiB made %d MiB of huge pages, want at least half", size>>20, got>>20)
	}
	runtime.KeepAlive(buf)
}

// anonHugeBytes is the process's AnonHugePages.
func anonHugeBytes(t *testing.T) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/smaps_rollup")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "AnonHugePages:" { // "AnonHugePages:  2048 kB"
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no AnonHugePages in /proc/self/smaps_rollup")
	return 0
}
