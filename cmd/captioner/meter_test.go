package main

import (
	"strings"
	"testing"
	"time"
)

// fakeClock is a clock moved by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }
func testMeter(mode meterMode, every time.Duration) (*meter, *strings.Builder, *fakeClock) {
	var out strings.Builder
	c := &fakeClock{t: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	return &meter{w: &out, mode: mode, every: every, now: c.now, width: 100}, &out, c
}

// The bar advances with the video's time: each reading redraws it in
// place with the seconds done of the duration, the speed (video seconds
// per second of work) and the time left at that speed.
func TestVideoMeterBar(t *testing.T) {
	m, out, c := testMeter(meterBar, 0)
	v := m.video("clip.mp4", 2, 3)
	v.update(0, 10*time.Minute)
	for s := 1; s <= 3; s++ {
		c.advance(2 * time.Second)
		v.update(time.Duration(s)*40*time.Second, 10*time.Minute) // 20x real time
	}
	v.finish()
	draws := strings.Split(out.String(), "\r")[1:]
	want := []string{
		"[2/3] clip.mp4   0% [>                             ]  0:00 / 10:00\x1b[K",
		"[2/3] clip.mp4   6% [==>                           ]  0:40 / 10:00  20.0x  0:28 left\x1b[K",
		"[2/3] clip.mp4  13% [====>                         ]  1:20 / 10:00  20.0x  0:26 left\x1b[K",
		"[2/3] clip.mp4  20% [======>                       ]  2:00 / 10:00  20.0x  0:24 left\x1b[K",
		"\x1b[K",
	}
	if strings.Join(draws, "\n") != strings.Join(want, "\n") {
		t.Errorf("bars:\n%q\nwant\n%q", draws, want)
	}
	// Readings closer than barEvery are not drawn; a cleared bar is
	// drawn again at once.
	out.Reset()
	c.advance(time.Second)
	v.update(150*time.Second, 10*time.Minute)
	c.advance(barEvery / 2)
	v.update(160*time.Second, 10*time.Minute)
	if n := strings.Count(out.String(), "\r"); n != 1 {
		t.Errorf("%d bars drawn within %v, want 1: %q", n, barEvery/2, out.String())
	}
	m.clear()
	v.update(161*time.Second, 10*time.Minute)
	if !strings.Contains(out.String(), "2:41 / 10:00") {
		t.Errorf("no bar after clear: %q", out.String())
	}
}

// Off a terminal, --progress prints a plain line at most every interval,
// the first one interval after the work began; a meter that is off
// prints nothing.
func TestVideoMeterLines(t *testing.T) {
	m, out, c := testMeter(meterLines, 10*time.Second)
	v := m.video("clip.mp4", 1, 1)
	v.update(0, 10*time.Minute)
	for s := 1; s <= 12; s++ {
		c.advance(2 * time.Second)
		v.update(time.Duration(s)*30*time.Second, 10*time.Minute) // 15x
	}
	v.finish()
	want := "clip.mp4: 2:30 / 10:00 (25 %), 15.0x real time, 0:30 left\n" +
		"clip.mp4: 5:00 / 10:00 (50 %), 15.0x real time, 0:20 left\n"
	if out.String() != want {
		t.Errorf("lines:\n%s\nwant\n%s", out.String(), want)
	}
	off, out2, _ := testMeter(meterOff, 0)
	off.video("clip.mp4", 1, 1).update(time.Second, time.Minute)
	off.clear()
	if out2.Len() != 0 {
		t.Errorf("an off meter wrote %q", out2.String())
	}
}

// A long name gives way to the bar, keeping its end; a video without a
// known duration shows the time done only.
func TestBarTextFits(t *testing.T) {
	r := reading{label: strings.Repeat("long/", 30) + "clip.mp4", done: 30, total: 60, detail: "0:30 / 1:00", speed: 2}
	line := barText(r, 80)
	if n := len([]rune(line)); n > 79 || !strings.Contains(line, "clip.mp4  50% [") || !strings.HasPrefix(line, "...") {
		t.Errorf("bar of %d columns for 80: %q", n, line)
	}
	if got := barText(reading{label: "pipe", done: 12, detail: "0:12", speed: 3}, 80); got != "pipe  0:12  3.0x" {
		t.Errorf("unknown duration: %q", got)
	}
	for d, want := range map[time.Duration]string{0: "0:00", 59499 * time.Millisecond: "0:59", 61 * time.Minute: "1:01:00"} {
		if got := clock(d); got != want {
			t.Errorf("clock(%v) = %q, want %q", d, got, want)
		}
	}
}
