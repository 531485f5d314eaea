package world

import (
	"math"
	"testing"
)

const eps = 1e-9

func near(a, b float64) bool { return math.Abs(a-b) < eps }

func mustScene(t *testing.T, s string) Scene {
	t.Helper()
	sc, err := ParseCaption(s)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// Hand-computed cases: each gives the matches of the caption on exact scene,
// shape, colour, size (counted over true objects) and position/relation.
var captionCases = []struct {
	name, pred, truth            string
	failed, exact                bool
	objects, shape, colour, size int
	where                        bool
}{
	{"identical", "a small red circle in the top left", "a small red circle in the top left",
		false, true, 1, 1, 1, 1, true},
	{"wrong size and cell", "a large red circle in the top left", "a small red circle in the center",
		false, false, 1, 1, 1, 0, false},
	{"unparsable", "a red circle", "a large blue star to the left of a small green square",
		true, false, 2, 0, 0, 0, false},
	{"swapped phrasing", "A small green square to the right of a large blue star.", "a large blue star to the left of a small green square",
		false, true, 2, 2, 2, 2, true},
	// Pairing pred 0 with true 1 agrees on all six attributes; the relation
	// then says the square is left of the star, which is wrong.
	{"objects swapped", "a small green square to the left of a large blue star", "a large blue star to the left of a small green square",
		false, false, 2, 2, 2, 2, false},
	{"one for two", "a large blue star in the top left", "a large blue star to the left of a small green square",
		false, false, 2, 1, 1, 1, false},
	// The better partner of the one true object is the second predicted one.
	{"two for one", "a small red square above a small red circle", "a small red circle at the top",
		false, false, 1, 1, 1, 1, false},
	{"relation wrong", "a large blue star above a small green square", "a large blue star to the left of a small green square",
		false, false, 2, 2, 2, 2, false},
	{"empty prediction", "", "a small red circle at the top",
		true, false, 1, 0, 0, 0, false},
}

func TestCaptionScorerCases(t *testing.T) {
	for _, tc := range captionCases {
		var c CaptionScorer
		c.Add(tc.pred, mustScene(t, tc.truth))
		r := c.Report()
		o := float64(tc.objects)
		want := CaptionReport{
			Captions: 1, ParseFailures: b2i(tc.failed), Objects: tc.objects,
			ExactMatch: float64(b2i(tc.exact)), Shape: float64(tc.shape) / o, Colour: float64(tc.colour) / o,
			Size: float64(tc.size) / o, Where: float64(b2i(tc.where)),
		}
		want.Attributes = (want.Shape + want.Colour + want.Size + want.Where) / 4
		if !reportsNear(r, want) {
			t.Errorf("%s: report %+v, want %+v", tc.name, r, want)
		}
	}
}

func TestScoreCaptionsCorpus(t *testing.T) {
	var preds []string
	var truth []Scene
	for _, tc := range captionCases {
		preds = append(preds, tc.pred)
		truth = append(truth, mustScene(t, tc.truth))
	}
	r, err := ScoreCaptions(preds, truth)
	if err != nil {
		t.Fatal(err)
	}
	// Sums of the table: 9 captions, 2 failures, 14 true objects; exact 2;
	// shape 10, colour 10, size 9; where 2.
	want := CaptionReport{Captions: 9, ParseFailures: 2, Objects: 14, ExactMatch: 2.0 / 9,
		Shape: 10.0 / 14, Colour: 10.0 / 14, Size: 9.0 / 14, Where: 2.0 / 9}
	want.Attributes = (want.Shape + want.Colour + want.Size + want.Where) / 4
	if !reportsNear(r, want) {
		t.Fatalf("corpus report %+v, want %+v", r, want)
	}
	if _, err := ScoreCaptions(preds[:1], truth); err == nil {
		t.Fatal("ScoreCaptions with mismatched lengths: no error")
	}
	if r := (&CaptionScorer{}).Report(); r != (CaptionReport{}) {
		t.Fatalf("empty scorer report %+v", r)
	}
}

func reportsNear(a, b CaptionReport) bool {
	return a.Captions == b.Captions && a.ParseFailures == b.ParseFailures && a.Objects == b.Objects &&
		near(a.ExactMatch, b.ExactMatch) && near(a.Shape, b.Shape) && near(a.Colour, b.Colour) &&
		near(a.Size, b.Size) && near(a.Where, b.Where) && near(a.Attributes, b.Attributes)
}
