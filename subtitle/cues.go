package subtitle

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Cue is one subtitle: text shown from Start to End.
type Cue struct {
	Start, End time.Duration
	Lines      []string // the text as shown, at most Options.MaxLines lines
	// Confidence is how sure the labeller was of this text, in [0, 1]: the
	// mean probability it gave the label over the cue's steps.
	Confidence float64
	Label      int // the label id the text came from
}

// Text is the cue's text on one line.
func (c Cue) Text() string { return strings.Join(c.Lines, " ") }

// Options are the cue rules. The zero value of a field means "no rule" only
// where noted; DefaultOptions gives the conventions subtitle users expect.
type Options struct {
	// MinDuration: shorter segments are merged into a neighbour; a lone short
	// cue is lengthened where the video allows.
	MinDuration time.Duration
	// MaxDuration: longer cues are split into equal parts showing the same
	// text. 0 means no limit.
	MaxDuration time.Duration
	// MinGap is the least time between the end of a cue and the start of
	// the next (broadcast guidelines ask for 2 frames). 0 allows touching cues.
	MinGap time.Duration
	// MaxLineLength (characters) and MaxLines per cue; longer text is
	// wrapped at word boundaries and, past MaxLines, shown in several cues.
	MaxLineLength, MaxLines int
	// MaxCharsPerSecond is the reading-speed limit: a cue too short to read
	// is lengthened into the free time after it, where there is some. 0
	// means no limit.
	MaxCharsPerSecond float64
}

// DefaultOptions: cues of 5/6 s to 7 s, 2 frames (at 25 fps) apart, at most
// 2 lines of 42 characters, read at no more than 20 characters per second.
func DefaultOptions() Options {
	return Options{
		MinDuration:       5 * time.Second / 6,
		MaxDuration:       7 * time.Second,
		MinGap:            80 * time.Millisecond,
		MaxLineLength:     42,
		MaxLines:          2,
		MaxCharsPerSecond: 20,
	}
}

// Validate says whether the options make sense together.
func (o Options) Validate() error {
	switch {
	case o.MinDuration < 0 || o.MaxDuration < 0 || o.MinGap < 0 || o.MaxCharsPerSecond < 0:
		return fmt.Errorf("subtitle: negative cue option in %+v", o)
	case o.MaxLineLength < 1 || o.MaxLines < 1:
		return fmt.Errorf("subtitle: lines of %d characters, %d per cue: both must be at least 1", o.MaxLineLength, o.MaxLines)
	case o.MaxDuration > 0 && o.MaxDuration < o.MinDuration:
		return fmt.Errorf("subtitle: maximum cue duration %v is below the minimum %v", o.MaxDuration, o.MinDuration)
	}
	return nil
}

// BuildCues turns segments on the timeline of a video of the given duration
// into cues. text gives the words of a label ("" for a label that shows no
// cue). The result is in time order, never negative, never overlapping, at
// least MinGap apart, never past duration, and on whole milliseconds.
func BuildCues(segs []Segment, text func(label int) string, duration time.Duration, o Options) ([]Cue, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	// 1. Segments to spans, clipped to the video; neighbours with the same
	// text become one.
	var spans []span
	for _, s := range segs {
		start, end := max(s.Start, 0), min(s.End, duration)
		if end <= start {
			continue
		}
		t := strings.Join(strings.Fields(text(s.Label)), " ")
		if n := len(spans); n > 0 && spans[n-1].text == t && spans[n-1].end == start {
			spans[n-1].merge(start, end, s.Confidence)
			continue
		}
		spans = append(spans, span{start: start, end: end, text: t, label: s.Label, conf: s.Confidence, confTime: end - start})
	}
	// 2. Too short: give the time to a neighbour. The shortest goes first,
	// to the touching neighbour that is more confident.
	for {
		i := shortest(spans, o.MinDuration+o.MinGap)
		if i < 0 {
			break // none, or none that touches another: lengthened below
		}
		spans = absorb(spans, neighbour(spans, i), i)
	}
	// 3. Spans to cues: drop the empty, wrap the rest, split the long.
	var cues []Cue
	for _, s := range spans {
		if s.text == "" {
			continue
		}
		cues = append(cues, split(s, o)...)
	}
	// 4. Gaps, minimum duration of lone cues, reading speed, the end.
	for i := range cues {
		c := &cues[i]
		limit := duration // where this cue must end at the latest
		if i+1 < len(cues) {
			limit = cues[i+1].Start - o.MinGap
		}
		want := c.End
		if d := c.End - c.Start; d < o.MinDuration {
			want = c.Start + o.MinDuration
		}
		if o.MaxCharsPerSecond > 0 {
			read := time.Duration(float64(utf8.RuneCountInString(c.Text())) / o.MaxCharsPerSecond * float64(time.Second))
			want = max(want, c.Start+read)
		}
		if o.MaxDuration > 0 {
			want = min(want, c.Start+o.MaxDuration)
		}
		// A cue squeezed to nothing by the gap before the next (only a
		// sliver of a page can be) ends empty and is dropped below.
		c.End = min(max(c.End, want), limit)
	}
	// 5. Whole milliseconds, as the track formats write them: starts round
	// up and ends down, so that gaps only grow.
	out := cues[:0]
	for _, c := range cues {
		c.Start = (c.Start + time.Millisecond - 1).Truncate(time.Millisecond)
		c.End = c.End.Truncate(time.Millisecond)
		if c.End > c.Start {
			out = append(out, c)
		}
	}
	return out, nil
}

// span is a stretch of the timeline with one text, while cues are built.
type span struct {
	start, end time.Duration
	text       string
	label      int
	conf       float64       // time-weighted mean confidence over confTime
	confTime   time.Duration // the time the labeller actually gave this text
}

func (s *span) merge(start, end time.Duration, conf float64) {
	s.conf = (s.conf*float64(s.confTime) + conf*float64(end-start)) / float64(s.confTime+end-start)
	s.confTime += end - start
	s.start, s.end = min(s.start, start), max(s.end, end)
}

// shortest is the index of the shortest span under minDur that touches a
// neighbour, or -1.
func shortest(spans []span, minDur time.Duration) int {
	best := -1
	for i, s := range spans {
		d := s.end - s.start
		if d < minDur && (best < 0 || d < spans[best].end-spans[best].start) && neighbour(spans, i) >= 0 {
			best = i
		}
	}
	return best
}

// neighbour is the touching neighbour of span i that should take its time:
// the more confident one (the earlier on a tie), or -1 if none touches.
func neighbour(spans []span, i int) int {
	prev, next := -1, -1
	if i > 0 && spans[i-1].end == spans[i].start {
		prev = i - 1
	}
	if i+1 < len(spans) && spans[i+1].start == spans[i].end {
		next = i + 1
	}
	switch {
	case prev < 0:
		return next
	case next < 0:
		return prev
	case spans[next].conf > spans[prev].conf:
		return next
	}
	return prev
}

// absorb gives span i's time to span j (a touching neighbour) and removes i;
// if that makes j touch a span with the same text, the two become one.
func absorb(spans []span, j, i int) []span {
	spans[j].start = min(spans[j].start, spans[i].start)
	spans[j].end = max(spans[j].end, spans[i].end)
	spans = append(spans[:i], spans[i+1:]...)
	if j > i {
		j--
	}
	for _, k := range []int{j + 1, j} { // j with the next, then the previous with j
		if k > 0 && k < len(spans) && spans[k-1].text == spans[k].text && spans[k-1].end == spans[k].start {
			a, b := spans[k-1], spans[k]
			a.conf = (a.conf*float64(a.confTime) + b.conf*float64(b.confTime)) / float64(max(a.confTime+b.confTime, 1))
			a.confTime += b.confTime
			a.end = b.end
			spans[k-1] = a
			spans = append(spans[:k], spans[k+1:]...)
		}
	}
	return spans
}

// split turns one span into cues: its text wrapped into pages (one cue
// each, time shared by length), each cue cut into equal parts no longer
// than MaxDuration.
func split(s span, o Options) []Cue {
	pages := Wrap(s.text, o.MaxLineLength, o.MaxLines)
	total := 0
	for _, p := range pages {
		total += utf8.RuneCountInString(strings.Join(p, " "))
	}
	var cues []Cue
	start, done := s.start, 0
	for i, p := range pages {
		done += utf8.RuneCountInString(strings.Join(p, " "))
		end := s.start + time.Duration(float64(s.end-s.start)*float64(done)/float64(total))
		if i == len(pages)-1 {
			end = s.end
		}
		parts := 1
		if o.MaxDuration > 0 {
			parts = int((end - start + o.MaxDuration - 1) / o.MaxDuration)
		}
		for k := 0; k < parts; k++ {
			a := start + (end-start)*time.Duration(k)/time.Duration(parts)
			b := start + (end-start)*time.Duration(k+1)/time.Duration(parts)
			cues = append(cues, Cue{Start: a, End: b, Lines: p, Confidence: s.conf, Label: s.label})
		}
		start = end
	}
	return cues
}
