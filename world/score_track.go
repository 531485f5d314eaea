package world

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Cue is one timed text of a label track, shown over [Start, End).
type Cue struct {
	Start, End time.Duration
	Text       string
}

// Scoring constants of WORLD.md.
const (
	StepInterval      = 250 * time.Millisecond // labels are sampled at (k + 0.5) * StepInterval
	BoundaryTolerance = 500 * time.Millisecond // predicted and true boundaries match within this
	MinGap            = 500 * time.Millisecond // gaps between cues shorter than this are not scored
)

// TrackReport scores predicted label tracks against true ones (WORLD.md,
// "Scoring"). Over several tracks the counts are summed and the fractions
// computed from the sums.
type TrackReport struct {
	Tracks   int     `json:"tracks"`
	Duration float64 `json:"duration"` // seconds of video

	Steps        int     `json:"steps"`         // instants (k + 0.5) / 4 s scored
	StepAccuracy float64 `json:"step_accuracy"` // of those, the fraction whose predicted text is the true label

	TrueBoundaries      int     `json:"true_boundaries"`
	PredictedBoundaries int     `json:"predicted_boundaries"`
	MatchedBoundaries   int     `json:"matched_boundaries"` // one-to-one within BoundaryTolerance
	Precision           float64 `json:"precision"`
	Recall              float64 `json:"recall"`
	F1                  float64 `json:"f1"`

	ScoredTime   float64 `json:"scored_time"`   // seconds scored
	TimeAccuracy float64 `json:"time_accuracy"` // fraction of the scored time whose predicted text is the true label
}

// TrackScorer accumulates label-track scores over videos. The zero value is
// ready to use.
type TrackScorer struct {
	tracks                    int
	duration, scored, correct time.Duration
	steps, stepsRight         int
	trueB, predB, matchedB    int
}

// ScoreTrack scores one video's predicted cues against its true cues; duration
// is the video's length.
func ScoreTrack(predicted, truth []Cue, duration time.Duration) TrackReport {
	var s TrackScorer
	s.Add(predicted, truth, duration)
	return s.Report()
}

// Add scores one video. Texts are compared case-insensitively after removing
// markup (<i>...</i>, {\an8}) and collapsing white space. An instant is not
// scored when it lies in a gap shorter than MinGap between two predicted cues,
// or where the true track has no cue. Where cues overlap, the one that started
// last is shown.
func (s *TrackScorer) Add(predicted, truth []Cue, duration time.Duration) {
	if duration <= 0 {
		panic(fmt.Sprintf("world: scoring a track of duration %v", duration))
	}
	pred, tru := timeline(predicted, duration), timeline(truth, duration)
	s.tracks++
	s.duration += duration

	for k := 0; ; k++ {
		t := StepInterval/2 + time.Duration(k)*StepInterval
		if t >= duration {
			break
		}
		tt, pp := spanAt(tru, t), spanAt(pred, t)
		if !tt.has || pp.short {
			continue
		}
		s.steps++
		s.stepsRight += b2i(pp.has && pp.text == tt.text)
	}

	cuts := []time.Duration{0, duration}
	for _, sp := range pred {
		cuts = append(cuts, sp.start)
	}
	for _, sp := range tru {
		cuts = append(cuts, sp.start)
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	for k := 0; k+1 < len(cuts); k++ {
		a, b := cuts[k], cuts[k+1]
		tt, pp := spanAt(tru, a), spanAt(pred, a)
		if !tt.has || pp.short {
			continue
		}
		s.scored += b - a
		if pp.has && pp.text == tt.text {
			s.correct += b - a
		}
	}

	pb, tb := boundaries(pred), boundaries(tru)
	s.predB += len(pb)
	s.trueB += len(tb)
	s.matchedB += matchBoundaries(pb, tb, BoundaryTolerance)
}

// Report returns the scores so far.
func (s *TrackScorer) Report() TrackReport {
	r := TrackReport{
		Tracks: s.tracks, Duration: s.duration.Seconds(),
		Steps: s.steps, StepAccuracy: frac(s.stepsRight, s.steps),
		TrueBoundaries: s.trueB, PredictedBoundaries: s.predB, MatchedBoundaries: s.matchedB,
		ScoredTime: s.scored.Seconds(),
	}
	if s.scored > 0 {
		r.TimeAccuracy = float64(s.correct) / float64(s.scored)
	}
	switch {
	case s.trueB == 0 && s.predB == 0:
		r.Precision, r.Recall, r.F1 = 1, 1, 1
	default:
		r.Precision = frac(s.matchedB, s.predB)
		r.Recall = 1
		if s.trueB > 0 {
			r.Recall = frac(s.matchedB, s.trueB)
		}
		if r.Precision+r.Recall > 0 {
			r.F1 = 2 * r.Precision * r.Recall / (r.Precision + r.Recall)
		}
	}
	return r
}

// span is a stretch of a track's timeline with one text shown (has) or none.
type span struct {
	start, end time.Duration
	text       string
	has        bool
	short      bool // no text, shorter than MinGap, between two cues
}

// timeline cuts [0, d) into spans of constant text, neighbours differing.
func timeline(cues []Cue, d time.Duration) []span {
	type cue struct {
		Cue
		order int
	}
	var cs []cue
	cuts := []time.Duration{0, d}
	for i, c := range cues {
		c.Start, c.End = max(c.Start, 0), min(c.End, d)
		c.Text = NormalizeText(c.Text)
		if c.Start >= c.End || c.Text == "" {
			continue
		}
		cs = append(cs, cue{c, i})
		cuts = append(cuts, c.Start, c.End)
	}
	// The cue shown at an instant is the one that started last.
	slices.SortStableFunc(cs, func(a, b cue) int { return cmp.Compare(a.Start, b.Start) })
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)

	var out []span
	for k := 0; k+1 < len(cuts); k++ {
		sp := span{start: cuts[k], end: cuts[k+1]}
		for i := len(cs) - 1; i >= 0; i-- {
			if cs[i].Start <= sp.start && sp.start < cs[i].End {
				sp.text, sp.has = cs[i].Text, true
				break
			}
		}
		if n := len(out); n > 0 && out[n-1].has == sp.has && out[n-1].text == sp.text {
			out[n-1].end = sp.end
			continue
		}
		out = append(out, sp)
	}
	for k := 1; k+1 < len(out); k++ {
		if !out[k].has && out[k].end-out[k].start < MinGap {
			out[k].short = true // its neighbours both hold text: spans alternate
		}
	}
	return out
}

// spanAt returns the span holding instant t.
func spanAt(spans []span, t time.Duration) span {
	i, found := slices.BinarySearchFunc(spans, t, func(s span, t time.Duration) int { return cmp.Compare(s.start, t) })
	if !found {
		i--
	}
	return spans[i]
}

// boundaries lists the instants where the text changes, strictly inside the
// track: a short gap between two different texts is one boundary at its
// middle, and one between two equal texts is none.
func boundaries(spans []span) []time.Duration {
	var out []time.Duration
	first := slices.IndexFunc(spans, func(s span) bool { return s.has })
	if first < 0 {
		return nil
	}
	for k := first; k+1 < len(spans); k++ {
		a, b := spans[k], spans[k+1]
		switch {
		case a.has && b.has:
			out = append(out, a.end)
		case a.has && b.short:
			if a.text != spans[k+2].text {
				out = append(out, b.start+(b.end-b.start)/2)
			}
			k++ // the gap's far side is accounted for
		case a.has && k+2 < len(spans): // a long gap between two cues
			out = append(out, a.end, b.end)
			k++
		}
	}
	return out
}

// matchBoundaries returns the size of a largest one-to-one matching of
// predicted to true instants at most tol apart. Both lists are sorted; on a
// line, matching greedily from the left is optimal.
func matchBoundaries(pred, truth []time.Duration, tol time.Duration) int {
	n, i, j := 0, 0, 0
	for i < len(pred) && j < len(truth) {
		switch d := pred[i] - truth[j]; {
		case d < -tol:
			i++
		case d > tol:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return n
}

var markup = regexp.MustCompile(`<[^>]*>|\{[^}]*\}`)

// NormalizeText prepares a cue text for comparison: markup removed
// (<i>...</i>, {\an8}), white space collapsed, lower case.
func NormalizeText(s string) string {
	s = markup.ReplaceAllString(s, " ")
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}
