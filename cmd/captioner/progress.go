package main

import (
	"io"
	"os"
	"sync"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress shows a bar with counts, rate and ETA when w is a terminal, and
// nothing otherwise (commands print their own plain lines then). It is safe
// to call update from several goroutines.
type progress struct {
	mu   sync.Mutex
	bar  *progressbar.ProgressBar
	done bool
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newProgress(w io.Writer, desc string, total int) *progress {
	p := &progress{}
	if isTerminal(w) {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(desc),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100_000_000),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

// update sets the count of finished items.
func (p *progress) update(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar == nil || p.done {
		return
	}
	p.bar.ChangeMax(total)
	p.bar.Set(done)
}

// finish clears the bar; it may be called more than once.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar == nil || p.done {
		return
	}
	p.done = true
	p.bar.Exit()
}
