package world

import (
	"testing"
	"time"
)

func sec(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func cue(start, end float64, text string) Cue {
	return Cue{Start: sec(start), End: sec(end), Text: text}
}

const (
	lA = "a red circle moves left"
	lB = "nothing moves"
	lC = "a blue star appears"
)

// The true track of every case: three 2-second cues over a 6-second video,
// boundaries at 2 s and 4 s, 24 steps at 0.125 s, 0.375 s, ...
var trueTrack = []Cue{cue(0, 2, lA), cue(2, 4, lB), cue(4, 6, lC)}

func TestScoreTrackCases(t *testing.T) {
	tests := []struct {
		name                  string
		pred                  []Cue
		steps, stepsRight     int
		predB, matchedB       int
		precision, recall, f1 float64
		scored, correct       float64 // seconds
	}{
		{"perfect", trueTrack, 24, 24, 2, 2, 1, 1, 1, 6, 6},
		{"empty", nil, 24, 0, 0, 0, 0, 0, 0, 6, 0},
		// 0.4 s gap between different cues: one boundary at 2.0; steps 1.875
		// and 2.125 and the gap's time are not scored.
		{"short gap", []Cue{cue(0, 1.8, lA), cue(2.2, 4, lB), cue(4, 6, lC)}, 22, 22, 2, 2, 1, 1, 1, 5.6, 5.6},
		// A 1 s gap is two boundaries (1.5 and 2.5) and scored as wrong.
		{"long gap", []Cue{cue(0, 1.5, lA), cue(2.5, 4, lB), cue(4, 6, lC)}, 24, 20, 3, 2, 2.0 / 3, 1, 0.8, 6, 5},
		// Markup, case and white space do not matter; a boundary 0.3 s late
		// still matches.
		{"markup and shift", []Cue{cue(0, 2.3, "<i>A Red  Circle moves LEFT</i>"), cue(2.3, 4, `{\an8}Nothing moves`), cue(4, 6, " "+lC+"\n")},
			24, 23, 2, 2, 1, 1, 1, 6, 5.7},
		{"boundary too far", []Cue{cue(0, 2.6, lA), cue(2.6, 4, lB), cue(4, 6, lC)}, 24, 22, 2, 1, 0.5, 0.5, 0.5, 6, 5.4},
		// A short gap between equal texts is no boundary and is not scored.
		{"same text short gap", []Cue{cue(0, 1, lA), cue(1.3, 2, lA), cue(2, 4, lB), cue(4, 6, lC)}, 23, 23, 2, 2, 1, 1, 1, 5.7, 5.7},
		// Two predicted boundaries near the true one at 2 s: only one matches.
		{"one to one", []Cue{cue(0, 1.8, lA), cue(1.8, 2.2, lC), cue(2.2, 4, lB), cue(4, 6, lC)}, 24, 22, 3, 2, 2.0 / 3, 1, 0.8, 6, 5.6},
		// Cues past the end are clipped; the last end is not a boundary.
		{"clipped", []Cue{cue(-1, 2, lA), cue(2, 4, lB), cue(4, 9, lC)}, 24, 24, 2, 2, 1, 1, 1, 6, 6},
		// A leading gap is not between two cues: it is scored, and wrong.
		{"leading gap", []Cue{cue(0.3, 2, lA), cue(2, 4, lB), cue(4, 6, lC)}, 24, 23, 2, 2, 1, 1, 1, 6, 5.7},
		// Overlapping cues: the later start wins from 1.4 s on, a boundary
		// 0.6 s early that does not match.
		{"overlap", []Cue{cue(0, 2, lA), cue(1.4, 4, lB), cue(4, 6, lC)}, 24, 22, 2, 1, 0.5, 0.5, 0.5, 6, 5.4},
		// 0.5 s away still matches.
		{"boundary at tolerance", []Cue{cue(0, 2.5, lA), cue(2.5, 4, lB), cue(4, 6, lC)}, 24, 22, 2, 2, 1, 1, 1, 6, 5.5},
		// Two touching cues with the same text are one.
		{"split cue", []Cue{cue(0, 1, lA), cue(1, 2, lA), cue(2, 4, lB), cue(4, 6, lC)}, 24, 24, 2, 2, 1, 1, 1, 6, 6},
	}
	for _, tc := range tests {
		r := ScoreTrack(tc.pred, trueTrack, 6*time.Second)
		want := TrackReport{
			Tracks: 1, Duration: 6, Steps: tc.steps, StepAccuracy: float64(tc.stepsRight) / float64(tc.steps),
			TrueBoundaries: 2, PredictedBoundaries: tc.predB, MatchedBoundaries: tc.matchedB,
			Precision: tc.precision, Recall: tc.recall, F1: tc.f1,
			ScoredTime: tc.scored, TimeAccuracy: tc.correct / tc.scored,
		}
		if !trackReportsNear(r, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, r, want)
		}
	}
}

func TestTrackScorerCorpus(t *testing.T) {
	var s TrackScorer
	s.Add(trueTrack, trueTrack, 6*time.Second)
	s.Add(nil, trueTrack, 6*time.Second)
	want := TrackReport{Tracks: 2, Duration: 12, Steps: 48, StepAccuracy: 0.5,
		TrueBoundaries: 4, PredictedBoundaries: 2, MatchedBoundaries: 2, Precision: 1, Recall: 0.5, F1: 2.0 / 3,
		ScoredTime: 12, TimeAccuracy: 0.5}
	if r := s.Report(); !trackReportsNear(r, want) {
		t.Fatalf("got %+v\nwant %+v", r, want)
	}
	// A video whose truth is one cue has no boundaries: nothing predicted is perfect.
	one := []Cue{cue(0, 4, lB)}
	if r := ScoreTrack(one, one, 4*time.Second); r.Precision != 1 || r.Recall != 1 || r.F1 != 1 || r.Steps != 16 || r.StepAccuracy != 1 {
		t.Fatalf("single cue: %+v", r)
	}
}

func TestBoundaries(t *testing.T) {
	tests := []struct {
		name string
		cues []Cue
		want []float64
	}{
		{"touching", trueTrack, []float64{2, 4}},
		{"short gap middle", []Cue{cue(0, 1.8, lA), cue(2.1, 6, lB)}, []float64{1.95}},
		{"long gap both sides", []Cue{cue(0, 1, lA), cue(2, 6, lA)}, []float64{1, 2}},
		{"first start and last end are not boundaries", []Cue{cue(1, 2, lA), cue(2, 5, lB)}, []float64{2}},
		{"empty", nil, nil},
	}
	for _, tc := range tests {
		got := boundaries(timeline(tc.cues, 6*time.Second))
		if len(got) != len(tc.want) {
			t.Errorf("%s: boundaries %v, want %v", tc.name, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != sec(tc.want[i]) {
				t.Errorf("%s: boundaries %v, want %v", tc.name, got, tc.want)
			}
		}
	}
}

func TestNormalizeText(t *testing.T) {
	for in, want := range map[string]string{
		"<i>A Red</i>  Circle\nmoves":  "a red circle moves",
		`{\an8}Nothing moves`:          "nothing moves",
		"<font color=\"red\">x</font>": "x",
		"   ":                          "",
	} {
		if got := NormalizeText(in); got != want {
			t.Errorf("NormalizeText(%q) = %q, want %q", in, got, want)
		}
	}
}

func trackReportsNear(a, b TrackReport) bool {
	return a.Tracks == b.Tracks && near(a.Duration, b.Duration) && a.Steps == b.Steps && near(a.StepAccuracy, b.StepAccuracy) &&
		a.TrueBoundaries == b.TrueBoundaries && a.PredictedBoundaries == b.PredictedBoundaries &&
		a.MatchedBoundaries == b.MatchedBoundaries && near(a.Precision, b.Precision) && near(a.Recall, b.Recall) &&
		near(a.F1, b.F1) && near(a.ScoredTime, b.ScoredTime) && near(a.TimeAccuracy, b.TimeAccuracy)
}
