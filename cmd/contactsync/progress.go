package main

import (
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress shows which phase of a long run is going on, with a spinner and
// the elapsed time, on a terminal only: piped output and logs stay clean.
// The readers take whole files and report nothing while they parse, so a
// phase spinner is the honest measure; a percentage would be invented.
type progress struct {
	w    io.Writer
	mu   sync.Mutex
	bar  *progressbar.ProgressBar
	stop chan struct{}
	done chan struct{}
}

func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	if !ok {
		return &progress{}
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 || os.Getenv("TERM") == "dumb" {
		return &progress{}
	}
	return &progress{w: w}
}

// phase starts a new phase, ending the one before.
func (p *progress) phase(what string) {
	if p == nil || p.w == nil {
		return
	}
	p.end()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bar = progressbar.NewOptions(-1,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription(what),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100*time.Millisecond),
	)
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	go func(bar *progressbar.ProgressBar, stop, done chan struct{}) {
		defer close(done)
		t := time.NewTicker(150 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				bar.Add(1)
			}
		}
	}(p.bar, p.stop, p.done)
}

// end ends the current phase and clears its line.
func (p *progress) end() {
	if p == nil || p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar == nil {
		return
	}
	close(p.stop)
	<-p.done
	p.bar.Finish()
	p.bar = nil
}
