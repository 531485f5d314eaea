package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/term"
)

// A meter shows how far long work has got, measured in seconds of video
// (an image counts as the video time of one sampled frame): on a terminal a
// bar redrawn in place, with its percentage, speed and time left; off one,
// with --progress, a plain line every so often (for logs and CI); otherwise
// nothing. The work's own result lines are printed by the commands, after
// clear. A meter is safe for use from several goroutines.
type meter struct {
	w     io.Writer
	mode  meterMode
	every time.Duration    // lines: the least time between two
	now   func() time.Time // the clock
	width int              // bar: the terminal's columns

	mu    sync.Mutex
	last  time.Time // when the last bar or line was drawn
	drawn bool      // a bar is on the screen
}

type meterMode int

const (
	meterOff   meterMode = iota
	meterBar             // a terminal
	meterLines           // --progress off a terminal
)

// barEvery is the least time between two redraws of a bar.
const barEvery = 100 * time.Millisecond

// newMeter makes the meter for w: a bar on a terminal, lines every
// `every` when every > 0 (--progress) and w is not one, otherwise nothing.
func newMeter(w io.Writer, every time.Duration) *meter {
	m := &meter{w: w, every: every, now: time.Now, width: 80}
	switch {
	case isTerminal(w):
		m.mode = meterBar
		if cols, _, err := term.GetSize(int(w.(*os.File).Fd())); err == nil && cols > 20 {
			m.width = cols
		}
	case every > 0:
		m.mode = meterLines
	}
	return m
}

// on says whether the meter shows anything.
func (m *meter) on() bool { return m != nil && m.mode != meterOff }

// reading is what a meter shows at one moment.
type reading struct {
	label       string  // what is being done: "clip.mp4", "[2/3] clip.mp4", "batch"
	done, total float64 // work, in seconds of video; total 0 when not known
	detail      string  // "4:12 / 10:00", "12/40 files, 4:12 / 10:00 video, 3/20 images"
	speed       float64 // seconds of video a second of work (0: not yet known)
}

// left is the time the rest of the work should take at the speed so far,
// or -1 when that is not known.
func (r reading) left() time.Duration {
	if r.speed <= 0 || r.total <= 0 {
		return -1
	}
	return time.Duration(math.Max(r.total-r.done, 0) / r.speed * float64(time.Second))
}

func (r reading) fraction() float64 {
	if r.total <= 0 {
		return -1
	}
	return math.Min(math.Max(r.done/r.total, 0), 1)
}

// show draws r: a bar at most every barEvery, a line at most every
// m.every. force draws it whatever the time (the first reading of a
// video).
func (m *meter) show(r reading, force bool) {
	if !m.on() {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	every := barEvery
	if m.mode == meterLines {
		every = m.every
	}
	if m.mode == meterLines && m.last.IsZero() {
		m.last = now // the first line comes one interval after the work began
		return
	}
	if !force && !m.last.IsZero() && now.Sub(m.last) < every {
		return
	}
	if m.mode == meterLines && force {
		return // a line says how far the work has got: not where a video starts
	}
	m.last = now
	if m.mode == meterLines {
		fmt.Fprintln(m.w, lineText(r))
		return
	}
	fmt.Fprint(m.w, "\r"+barText(r, m.width)+"\x1b[K")
	m.drawn = true
}

// clear takes the bar off the screen, so that a line can be printed; the
// next reading draws it again.
func (m *meter) clear() {
	if m == nil || m.mode != meterBar {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.drawn {
		fmt.Fprint(m.w, "\r\x1b[K")
		m.drawn = false
		m.last = time.Time{}
	}
}

// barText is a bar's line, fitted to width columns:
//
//	[2/3] clip.mp4  42% [=========>            ] 4:12 / 10:00  19.3x  0:18 left
func barText(r reading, width int) string {
	tail := "  " + r.detail
	if r.speed > 0 {
		tail += fmt.Sprintf("  %.1fx", r.speed)
	}
	if left := r.left(); left >= 0 {
		tail += "  " + clock(left) + " left"
	}
	head := r.label
	pct := ""
	if f := r.fraction(); f >= 0 {
		pct = fmt.Sprintf(" %3.0f%% ", math.Floor(100*f))
	}
	// The bar takes what is left of the line, 10 to 30 columns.
	room := width - 1 - len([]rune(head)) - len(pct) - len([]rune(tail)) - 2
	if room < 10 {
		// A long name gives way: its start is cut, its end kept.
		cut := 10 - room
		if rs := []rune(head); cut < len(rs)-4 {
			head = "..." + string(rs[cut+3:])
		}
		room = 10
	}
	room = min(room, 30)
	if r.fraction() < 0 {
		return head + tail
	}
	full := int(r.fraction() * float64(room))
	bar := strings.Repeat("=", full)
	if full < room {
		bar += ">" + strings.Repeat(" ", room-full-1)
	}
	line := head + pct + "[" + bar + "]" + tail
	if rs := []rune(line); len(rs) > width-1 {
		line = string(rs[:width-1])
	}
	return line
}

// lineText is a plain progress line:
//
//	[2/3] clip.mp4: 4:12 / 10:00 (42 %), 19.3x real time, 0:18 left
func lineText(r reading) string {
	s := r.label + ": " + r.detail
	if f := r.fraction(); f >= 0 {
		s += fmt.Sprintf(" (%.0f %%)", math.Floor(100*f))
	}
	if r.speed > 0 {
		s += fmt.Sprintf(", %.1fx real time", r.speed)
	}
	if left := r.left(); left >= 0 {
		s += ", " + clock(left) + " left"
	}
	return s
}

// clock writes a duration as M:SS, or H:MM:SS from an hour on.
func clock(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// videoMeter follows one video of several: "[2/3] clip.mp4", its seconds
// done out of its duration, its speed as a multiple of real time.
type videoMeter struct {
	m     *meter
	label string
	start time.Time
	done  time.Duration // the last reading's
}

// video starts following the i-th (from 1) of n videos.
func (m *meter) video(path string, i, n int) *videoMeter {
	label := path
	if n > 1 {
		label = fmt.Sprintf("[%d/%d] %s", i, n, path)
	}
	return &videoMeter{m: m, label: label}
}

// update is a subtitle.Progress: done of total seconds of video.
func (v *videoMeter) update(done, total time.Duration) {
	if !v.m.on() {
		return
	}
	now := v.m.now()
	first := v.start.IsZero()
	if first {
		v.start = now
	} else if done == v.done {
		return // nothing new: a labeller may say it has finished twice
	}
	v.done = done
	r := reading{label: v.label, done: done.Seconds(), total: total.Seconds()}
	if el := now.Sub(v.start).Seconds(); el > 0 && done > 0 {
		r.speed = done.Seconds() / el
	}
	r.detail = clock(done)
	if total > 0 {
		r.detail += " / " + clock(total)
	}
	v.m.show(r, first)
}

// finish takes the video's bar off the screen.
func (v *videoMeter) finish() { v.m.clear() }

// progressFlag registers --progress: periodic plain progress lines when
// stderr is not a terminal, every 10 s, or as often as --progress=30s says.
func progressFlag(fl *pflag.FlagSet, every *time.Duration) {
	fl.DurationVar(every, "progress", 0, "off a terminal, print a progress line this often (--progress alone: every 10s; on a terminal a bar is always shown)")
	fl.Lookup("progress").NoOptDefVal = "10s"
}
