//go:build linux

package cycle

import (
	"bytes"
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// A cycle's heap is most of a gigabyte at a million contacts a side, made
// within seconds and read at random (the interned strings' index, the
// tables' columns, the duplicates' keys). Faulted in 4 KiB at a time, that
// is a quarter of a million page faults, and as many pages for the TLB to
// miss; in 2 MiB pages, a few hundred. Where the system gives huge pages
// only to memory that asks for them (transparent_hugepage set to
// "madvise", the default of many distributions), the Go runtime does not
// ask for its heap's, so the cycle does while it runs: every few
// milliseconds it advises MADV_HUGEPAGE over the address range the heap
// grows in, so that the arenas the runtime maps meanwhile (64 MiB each,
// touched as the heap grows into them) are faulted in huge pages. Measured
// on a second cycle at a million contacts a side, alternately with and
// without (cycle.Run, 2026-11-29): 6.6-7.0 s instead of 8.5-9.4 s, 81,000
// page faults instead of 233,000, and about the same peak memory.

// madvHugePage is MADV_HUGEPAGE (Linux 2.6.38).
const madvHugePage = 14

// hugeTick is how often the heap's range is advised: a 64 MiB arena the
// runtime maps is advised before much of it is touched.
const hugeTick = 5 * time.Millisecond

// thpAdvised reports whether the system gives huge pages only to memory
// advised for them; where it gives them to all memory ("always"), or to
// none ("never"), there is nothing to ask.
var thpAdvised = sync.OnceValue(func() bool {
	b, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	return err == nil && bytes.Contains(b, []byte("[madvise]"))
})

// heapWindow is the address range advised: the Go heap grows upward from
// a base (at random since Go 1.26) one arena after the other, so the
// range starts a little below a new heap object's arena and spans more
// than a cycle's heap will ever reach. Its unmapped parts are skipped by
// madvise (which then returns ENOMEM, ignored).
func heapWindow() (lo, n uintptr) {
	const arena, below, span = 64 << 20, 4 << 30, 64 << 30
	p := new([128 << 10]byte) // past what the compiler keeps on a stack: from the heap's arenas
	a := uintptr(unsafe.Pointer(p)) &^ (arena - 1)
	lo = a - min(a, below)
	return lo, span
}

// adviseHugePages starts advising the heap's range for huge pages (see
// above) and returns what stops it; it does nothing where the system's
// setting does not ask for it. Run, Rebuild and Duplicates, which hold a
// side or both in tables, advise while they run.
func adviseHugePages() (stop func()) {
	if !thpAdvised() {
		return func() {}
	}
	lo, n := heapWindow()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(hugeTick)
		defer t.Stop()
		for {
			syscall.Syscall(syscall.SYS_MADVISE, lo, n, madvHugePage)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}
