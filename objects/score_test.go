package objects

import (
	"math"
	"reflect"
	"testing"

	"captioner/world"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func captionReportsNear(a, b CaptionReport) bool {
	fa, fb := []float64{a.ExactMatch, a.Precision, a.Recall, a.F1, a.CountAccuracy, a.RelationAccuracy},
		[]float64{b.ExactMatch, b.Precision, b.Recall, b.F1, b.CountAccuracy, b.RelationAccuracy}
	for i := range fa {
		if !near(fa[i], fb[i]) {
			return false
		}
	}
	a.ExactMatch, a.Precision, a.Recall, a.F1, a.CountAccuracy, a.RelationAccuracy = 0, 0, 0, 0, 0, 0
	b.ExactMatch, b.Precision, b.Recall, b.F1, b.CountAccuracy, b.RelationAccuracy = 0, 0, 0, 0, 0, 0
	return a == b
}

// TestScoreCaptions: five captions scored by hand.
//
//	predicted                  truth                       named  true  matched  counts right  relation  exact
//	two people and a bicycle   person 2, bicycle 1         2      2     2        2      2      -         yes
//	a dog to the left of a cat a cat to the right of a dog 2      2     2        2      2      right     yes
//	three cars and a bus       car 7, truck 1              2      2     1        1      0      -         no
//	garbage                    dog 1                       1      1     0        0      0      -         no
//	a cup above a clock        a cup below a clock         2      2     2        2      2      wrong     no
//
// Sums: 9 named, 9 true, 7 matched: precision = recall = F1 = 7/9; counts
// 6/7; relations 1/2; exact 2/5.
func TestScoreCaptions(t *testing.T) {
	pred := []string{"two people and a bicycle", "a dog to the left of a cat", "three cars and a bus", "garbage", "a cup above a clock"}
	truth := []Description{
		{Groups: []Group{g("person", 2), g("bicycle", 1)}},
		{Groups: []Group{g("cat", 1), g("dog", 1)}, Relation: RightOf},
		{Groups: []Group{g("car", 7), g("truck", 1)}},
		{Groups: []Group{g("dog", 1)}},
		{Groups: []Group{g("cup", 1), g("clock", 1)}, Relation: Below},
	}
	got, err := ScoreCaptions(pred, truth)
	if err != nil {
		t.Fatal(err)
	}
	want := CaptionReport{Captions: 5, ParseFailures: 1, ExactMatch: 0.4,
		PredictedNouns: 9, TrueNouns: 9, MatchedNouns: 7, Precision: 7.0 / 9, Recall: 7.0 / 9, F1: 7.0 / 9,
		Counts: 7, CountAccuracy: 6.0 / 7, Relations: 2, RelationAccuracy: 0.5}
	if !captionReportsNear(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	if _, err := ScoreCaptions(pred, truth[:2]); err == nil {
		t.Fatal("no error for 5 captions against 2 descriptions")
	}
}

func TestCaptionScorerCases(t *testing.T) {
	tests := []struct {
		name    string
		pred    string
		truth   Description
		allowed []string
		want    CaptionReport
	}{
		// A hand label with four classes and counts over Several; a car is
		// allowed. Named: people (count 4 = min(10, Several): right), kite
		// (1 against 7: wrong); the car does not count. True nouns:
		// min(4, 3) = 3. Precision 2/2, recall 2/3, F1 0.8, counts 1/2.
		{"hand label", "several people, a kite and a car",
			Description{Groups: []Group{g("person", 10), g("kite", 7), g("dog", 1), g("horse", 1)}}, []string{"car"},
			CaptionReport{Captions: 1, PredictedNouns: 2, TrueNouns: 3, MatchedNouns: 2, Precision: 1, Recall: 2.0 / 3, F1: 0.8,
				Counts: 2, CountAccuracy: 0.5}},
		// An allowed class that is also true counts as a true one.
		{"allowed and true", "a dog", Description{Groups: []Group{g("dog", 1)}}, []string{"dog"},
			CaptionReport{Captions: 1, ExactMatch: 1, PredictedNouns: 1, TrueNouns: 1, MatchedNouns: 1, Precision: 1, Recall: 1, F1: 1, Counts: 1, CountAccuracy: 1}},
		{"nothing", "No objects I know.", Description{}, nil, CaptionReport{Captions: 1, ExactMatch: 1}},
		{"nothing said", "no objects I know", Description{Groups: []Group{g("dog", 1)}}, nil,
			CaptionReport{Captions: 1, TrueNouns: 1}},
		// Group order does not matter; a missing relation is not exact.
		{"order", "a bicycle and two people", Description{Groups: []Group{g("person", 2), g("bicycle", 1)}}, nil,
			CaptionReport{Captions: 1, ExactMatch: 1, PredictedNouns: 2, TrueNouns: 2, MatchedNouns: 2, Precision: 1, Recall: 1, F1: 1, Counts: 2, CountAccuracy: 1}},
		{"relation missing", "a dog and a cat", Description{Groups: []Group{g("dog", 1), g("cat", 1)}, Relation: Above}, nil,
			CaptionReport{Captions: 1, PredictedNouns: 2, TrueNouns: 2, MatchedNouns: 2, Precision: 1, Recall: 1, F1: 1, Counts: 2, CountAccuracy: 1, Relations: 1}},
		// A relation between other classes is wrong.
		{"relation other classes", "a dog above a cow", Description{Groups: []Group{g("dog", 1), g("cat", 1)}, Relation: Above}, nil,
			CaptionReport{Captions: 1, PredictedNouns: 2, TrueNouns: 2, MatchedNouns: 1, Precision: 0.5, Recall: 0.5, F1: 0.5, Counts: 1, CountAccuracy: 1, Relations: 1}},
	}
	for _, tc := range tests {
		var s CaptionScorer
		s.AddAllowing(tc.pred, tc.truth, tc.allowed)
		if got := s.Report(); !captionReportsNear(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

func TestCaptionScorerBadTruth(t *testing.T) {
	for _, d := range []Description{
		{Groups: []Group{g("unicorn", 1)}},
		{Groups: []Group{g("dog", 0)}},
		{Groups: []Group{g("dog", 1), g("dog", 2)}},
		{Groups: []Group{g("dog", 2), g("cat", 1)}, Relation: LeftOf},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%+v: no panic", d)
				}
			}()
			var s CaptionScorer
			s.Add("a dog", d)
		}()
	}
}

// TestScorePresence: truth person; person, dog; dog; nothing. Predicted
// person; person; dog, car; car. s0: TP person. s1: TP person, FN dog. s2:
// TP dog, FP car. s3: FP car. TP 3, FP 2, FN 1: precision 3/5, recall 3/4,
// F1 2/3.
func TestScorePresence(t *testing.T) {
	truth := Presence{{"person"}, {"person", "dog"}, {"dog"}, {}}
	pred := Presence{{"person"}, {"person"}, {"dog", "car"}, {"car"}}
	want := PresenceReport{Seconds: 4, TruePositives: 3, FalsePositives: 2, FalseNegatives: 1, Precision: 0.6, Recall: 0.75, F1: 2.0 / 3}
	if got := ScorePresence(pred, truth); !presenceNear(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	// A short prediction predicts nothing in the missing seconds; extra
	// seconds are ignored.
	want = PresenceReport{Seconds: 4, TruePositives: 1, FalseNegatives: 3, Precision: 1, Recall: 0.25, F1: 0.4}
	if got := ScorePresence(pred[:1], truth); !presenceNear(got, want) {
		t.Fatalf("short: got  %+v\nwant %+v", got, want)
	}
	if got := ScorePresence(append(Presence{}, pred...), truth[:0]); got != (PresenceReport{Precision: 1, Recall: 1, F1: 1}) {
		t.Fatalf("nothing to score: %+v", got)
	}
	if got := ScorePresence(Presence{{}}, Presence{{"dog"}}); got != (PresenceReport{Seconds: 1, FalseNegatives: 1}) {
		t.Fatalf("nothing predicted: %+v", got)
	}
}

func presenceNear(a, b PresenceReport) bool {
	ok := near(a.Precision, b.Precision) && near(a.Recall, b.Recall) && near(a.F1, b.F1)
	a.Precision, a.Recall, a.F1, b.Precision, b.Recall, b.F1 = 0, 0, 0, 0, 0, 0
	return ok && a == b
}

// TestPresenceFromTracks: 2.6 s is 3 seconds and 5 steps (samples 0.25 to
// 2.25 s). The person's steps 0-3 are seconds 0 and 1; the dog's steps 3
// and 4 are seconds 1 and 2; its step 5 is past the video.
func TestPresenceFromTracks(t *testing.T) {
	tracks := []ObjectTrack{
		track("dog", 3, stay([2]float64{0.5, 0.5}, 3)...),
		track("person", 0, stay([2]float64{0.5, 0.5}, 4)...),
	}
	want := Presence{{"person"}, {"person", "dog"}, {"dog"}}
	got, err := PresenceFromTracks(tracks, sec(2.6))
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("PresenceFromTracks = %q, %v; want %q", got, err, want)
	}
	if _, err := PresenceFromTracks([]ObjectTrack{{Class: "dog"}}, sec(1)); err == nil {
		t.Fatal("no error for an empty track")
	}
}

// TestPresenceFromLabels, step by step (two steps a second):
//
//	step  label                  counts after     in view
//	0     nothing moves          -                -
//	1     a person moves right   person 1         person
//	2     a person moves right   (same run)       person
//	3     two dogs appear        dog 2            person, dog
//	4     two dogs appear        (same run)       person, dog
//	5     a dog disappears       dog 1            person, dog
//	6     a dog disappears       (same run)       person, dog
//	7     a person disappears    person 0         dog
//
// Seconds (steps 0-1, 2-3, 4-5, 6-7): person; person, dog; person, dog;
// person, dog.
func TestPresenceFromLabels(t *testing.T) {
	dogs := Label{Event: Appear, Group: g("dog", 2)}
	labels := []Label{still, personRight, personRight, dogs, dogs, dogDisappears, dogDisappears, {Event: Disappear, Group: g("person", 1)}}
	want := Presence{{"person"}, {"person", "dog"}, {"person", "dog"}, {"person", "dog"}}
	if got := PresenceFromLabels(labels, sec(4)); !reflect.DeepEqual(got, want) {
		t.Fatalf("PresenceFromLabels = %q, want %q", got, want)
	}
	// Cut at 1.2 s: 2 seconds and 2 steps (step 2's sample, 1.25 s, is
	// past the end), so second 1 has no step.
	if got := PresenceFromLabels(labels, sec(1.2)); !reflect.DeepEqual(got, Presence{{"person"}, {}}) {
		t.Fatalf("PresenceFromLabels cut = %q", got)
	}
	if got := PresenceFromCues(LabelCues(labels, sec(4)), sec(4)); !reflect.DeepEqual(got, want) {
		t.Fatalf("PresenceFromCues = %q, want %q", got, want)
	}
}

// videoTracks: a person moving right all along and a dog in view over steps
// 3-6 of a 5 s video; TestLabels gives their labels:
// nothing moves, P, P, dog appears x2, P, P, dog disappears x2, P.
func videoTracks() []ObjectTrack {
	return []ObjectTrack{
		moveX("person", 0, 10, 0.1, 0.05, 0.2, 0.2, 0.6),
		track("dog", 3, stay([2]float64{0.5, 0.5}, 4)...),
	}
}

func TestScoreVideoPerfect(t *testing.T) {
	labels, err := Labels(videoTracks(), 10)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ScoreVideo(LabelCues(labels, sec(5)), videoTracks(), sec(5))
	if err != nil {
		t.Fatal(err)
	}
	// Presence: the person in all 5 seconds (it moves from step 1), the
	// dog in seconds 1-3 (steps 3-6).
	want := VideoReport{
		Track: world.TrackReport{Tracks: 1, Duration: 5, Steps: 20, StepAccuracy: 1, TrueBoundaries: 5, PredictedBoundaries: 5,
			MatchedBoundaries: 5, Precision: 1, Recall: 1, F1: 1, ScoredTime: 5, TimeAccuracy: 1},
		Presence: PresenceReport{Seconds: 5, TruePositives: 8, Precision: 1, Recall: 1, F1: 1},
	}
	if r != want {
		t.Fatalf("got  %+v\nwant %+v", r, want)
	}
}

// TestScoreVideo: the true cues are [0, 0.5) nothing moves, [0.5, 1.5) P,
// [1.5, 2.5) dog appears, [2.5, 3.5) P, [3.5, 4.5) dog disappears,
// [4.5, 5) P. The prediction says P over [0, 1.5) and [2.5, 5) (in other
// case and markup) and "a dog appears" between.
//   - Steps (every 0.25 s, 20): wrong over [0, 0.5) and [3.5, 4.5), 6 of
//     them: 14/20. Time: 1.5 s of 5 wrong: 0.7.
//   - Boundaries: true 0.5, 1.5, 2.5, 3.5, 4.5; predicted 1.5, 2.5, both
//     matched: precision 1, recall 2/5, F1 4/7.
//   - Presence: the person is predicted in every second (TP 5); the dog
//     appears at step 3 and never disappears, so it is predicted in
//     seconds 1-4 where it is in view in 1-3: TP 3, FP 1. Precision 8/9,
//     recall 1, F1 16/17.
func TestScoreVideo(t *testing.T) {
	pred := []Cue{
		{Start: 0, End: sec(1.5), Text: "A Person moves RIGHT"},
		{Start: sec(1.5), End: sec(2.5), Text: "<i>a dog appears</i>"},
		{Start: sec(2.5), End: sec(5), Text: "a person moves right."},
	}
	r, err := ScoreVideo(pred, videoTracks(), sec(5))
	if err != nil {
		t.Fatal(err)
	}
	tr := r.Track
	if tr.Steps != 20 || !near(tr.StepAccuracy, 0.7) || !near(tr.TimeAccuracy, 0.7) || tr.TrueBoundaries != 5 ||
		tr.PredictedBoundaries != 2 || tr.MatchedBoundaries != 2 || !near(tr.Precision, 1) || !near(tr.Recall, 0.4) || !near(tr.F1, 4.0/7) {
		t.Errorf("track: %+v", tr)
	}
	want := PresenceReport{Seconds: 5, TruePositives: 8, FalsePositives: 1, Precision: 8.0 / 9, Recall: 1, F1: 16.0 / 17}
	if !presenceNear(r.Presence, want) {
		t.Errorf("presence: got %+v\nwant %+v", r.Presence, want)
	}

	var s VideoScorer
	if err := s.Add(pred, videoTracks(), 0); err == nil {
		t.Error("no error for a video of no duration")
	}
	if err := s.Add(pred, []ObjectTrack{{Class: "unicorn", Boxes: []Box{{}}}}, sec(5)); err == nil {
		t.Error("no error for a bad track")
	}
	if s.Report().Track.Tracks != 0 {
		t.Error("a failed Add was counted")
	}
}
