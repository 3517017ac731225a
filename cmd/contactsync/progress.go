package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"contactsync/formats"
)

// progress shows which phase of a cycle is going on. On a terminal, a bar
// per phase: bytes read against the size of the inputs, with the rate,
// while the exports are read (the readers count what they read), else a
// spinner with the phase's counts and the elapsed time. Not on a terminal
// (a log, a pipe, a scheduled task), one line per phase on stderr when it
// ends, with its elapsed time. --quiet silences both.
type progress struct {
	w   io.Writer
	tty bool

	mu    sync.Mutex
	what  string
	start time.Time
	// bytes: the phase counts formats.BytesRead from base against total.
	bytes       bool
	base, total int64
	items       int    // what the phase works on, for its line
	unit        string // of items
	bar         *progressbar.ProgressBar
	stop, done  chan struct{}
}

// newProgress returns the display for w: nil (none) when quiet.
func newProgress(w io.Writer, quiet bool) *progress {
	if quiet {
		return nil
	}
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb" {
			p.tty = true
		}
	}
	return p
}

// phase starts a phase of items things (0: not counted), ending the one
// before.
func (p *progress) Phase(what string, items int, unit string) {
	if p == nil {
		return
	}
	p.End()
	p.begin(what, false, 0)
	p.items, p.unit = items, unit
}

// phaseBytes starts a phase that reads total bytes of input through the
// format readers.
func (p *progress) PhaseBytes(what string, total int64) {
	if p == nil {
		return
	}
	p.End()
	p.begin(what, true, total)
}

func (p *progress) begin(what string, bytes bool, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.what, p.start, p.bytes, p.total, p.base = what, time.Now(), bytes, total, formats.BytesRead()
	p.items, p.unit = 0, ""
	if !p.tty {
		return
	}
	if bytes && total > 0 {
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(what),
			progressbar.OptionShowBytes(true),
			progressbar.OptionShowCount(),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond),
		)
	} else {
		p.bar = progressbar.NewOptions(-1,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(what),
			progressbar.OptionSpinnerType(14),
			// The spinner turns as the goroutine below adds to it: the
			// library's own turning goroutine reads the bar's state
			// without its lock (a data race under -race).
			progressbar.OptionSetSpinnerChangeInterval(0),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond),
		)
	}
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	go func(bar *progressbar.ProgressBar, stop, done chan struct{}, bytes bool, base, total int64) {
		defer close(done)
		t := time.NewTicker(150 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if bytes && total > 0 {
					bar.Set64(min(formats.BytesRead()-base, total))
				} else {
					bar.Add(1)
				}
			}
		}
	}(p.bar, p.stop, p.done, bytes, p.base, p.total)
}

// end ends the current phase: on a terminal its bar is cleared; else its
// line is written.
func (p *progress) End() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.what == "" {
		return
	}
	el := time.Since(p.start)
	if p.bar != nil {
		close(p.stop)
		<-p.done
		p.bar.Finish()
		p.bar = nil
	}
	if !p.tty {
		var extra []string
		if p.bytes {
			n := formats.BytesRead() - p.base
			extra = append(extra, fmt.Sprintf("%s read", sizeText(n)))
			if s := el.Seconds(); s > 0.05 {
				extra = append(extra, sizeText(int64(float64(n)/s))+"/s")
			}
		}
		if p.items > 0 {
			extra = append(extra, fmt.Sprintf("%d %s", p.items, p.unit))
			if s := el.Seconds(); s > 0.05 {
				extra = append(extra, fmt.Sprintf("%.0f %s/s", float64(p.items)/s, p.unit))
			}
		}
		line := fmt.Sprintf("contactsync: %s: %s", p.what, el.Round(time.Millisecond))
		if len(extra) > 0 {
			line += " (" + strings.Join(extra, ", ") + ")"
		}
		fmt.Fprintln(p.w, line)
	}
	p.what = ""
}

// cancel ends the current phase without its line (it failed: the error
// says what happened).
func (p *progress) Cancel() {
	if p == nil {
		return
	}
	p.mu.Lock()
	tty := p.tty
	p.tty = true // end clears the bar and writes no line
	p.mu.Unlock()
	p.End()
	p.mu.Lock()
	p.tty = tty
	p.mu.Unlock()
}

// sizeText is a byte count for people: 512 B, 3.4 MB.
func sizeText(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.1f kB", float64(n)/1000)
	case n < 1000*1000*1000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.2f GB", float64(n)/1e9)
}
