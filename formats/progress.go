package formats

import (
	"io"
	"os"
	"sync/atomic"
)

// bytesRead counts the bytes the readers took from input files, for a
// progress display. It only grows, across every read of the process.
var bytesRead atomic.Int64

// BytesRead returns how many bytes the format readers have read from
// input files so far. A caller shows progress by the difference over a
// phase, against the size of the inputs.
func BytesRead() int64 { return bytesRead.Load() }

// readChunk is what ReadFile reads at a time, so that progress moves while
// a large export is read.
const readChunk = 1 << 20

// ReadFile is os.ReadFile, counting what it reads in BytesRead as it goes.
func ReadFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := 0
	if st, err := f.Stat(); err == nil && st.Size() < 1<<40 {
		size = int(st.Size())
	}
	buf := make([]byte, 0, size+512)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):min(cap(buf), len(buf)+readChunk)])
		buf = buf[:len(buf)+n]
		bytesRead.Add(int64(n))
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: name, Err: err}
		}
	}
}
