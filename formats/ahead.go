package formats

import (
	"errors"
	"io"
	"sync"
)

// ahead reads a reader in a goroutine of its own, up to aheadBufs buffers
// before its reader: the file's reading, hashing and decoding (Text's
// chain) run beside the parsing of what was read before, on another core.
// The Outlook export read again for the outputs is a pipeline whose reader
// is the slowest stage (see cycle's writeOutlook): this takes a sixth of
// its work off it.
//
// The bytes and the error come out in the order r gave them; the error
// after the bytes read with it. stop ends the goroutine (waiting for the
// Read it is in): after it, r is the caller's again.
type ahead struct {
	full chan aheadBuf // filled buffers, in order
	free chan []byte   // buffers to fill
	quit chan struct{}
	done chan struct{}
	once sync.Once

	buf []byte // the buffer being read from, handed back when done
	cur []byte // what is left of it
	err error  // the error that came with buf, once cur is read
}

type aheadBuf struct {
	b   []byte
	err error
}

const (
	aheadSize = 64 << 10
	aheadBufs = 3
)

func newAhead(r io.Reader) *ahead {
	a := &ahead{full: make(chan aheadBuf, aheadBufs), free: make(chan []byte, aheadBufs),
		quit: make(chan struct{}), done: make(chan struct{})}
	for range aheadBufs {
		a.free <- make([]byte, aheadSize)
	}
	go a.run(r)
	return a
}

// run fills each free buffer as far as r gives (the decoding chain gives
// a few KiB a Read), and sends it on, until r's error or stop.
func (a *ahead) run(r io.Reader) {
	defer close(a.done)
	defer close(a.full)
	for {
		var b []byte
		select {
		case b = <-a.free:
		case <-a.quit:
			return
		}
		n, err, empty := 0, error(nil), 0
		for n < len(b) && err == nil {
			var k int
			k, err = r.Read(b[n:])
			if k < 0 || k > len(b)-n {
				k, err = 0, io.ErrShortBuffer // a broken reader: no panic
			}
			if empty++; k > 0 {
				empty = 0
			} else if empty == 100 && err == nil {
				err = io.ErrNoProgress
			}
			n += k
		}
		select {
		case a.full <- aheadBuf{b[:n], err}:
		case <-a.quit:
			return
		}
		if err != nil {
			return
		}
	}
}

// errStopped is what a Read after stop meets once the bytes read ahead
// are given out: never, when the callers keep to stop's rule.
var errStopped = errors.New("formats: text read after its reading ahead stopped")

func (a *ahead) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for len(a.cur) == 0 {
		if a.err != nil {
			return 0, a.err
		}
		if a.buf != nil {
			select {
			case a.free <- a.buf[:cap(a.buf)]:
			default: // stopped: the goroutine takes no more
			}
			a.buf = nil
		}
		x, ok := <-a.full
		if !ok {
			x.err = errStopped
		}
		a.buf, a.cur, a.err = x.b, x.b, x.err
	}
	n := copy(p, a.cur)
	a.cur = a.cur[n:]
	return n, nil
}

// stop ends the goroutine and waits for it. A Read after it gives what
// was read ahead, then errStopped.
func (a *ahead) stop() {
	a.once.Do(func() { close(a.quit) })
	<-a.done
}
