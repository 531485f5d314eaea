package describe

import (
	"slices"
	"testing"
)

// runs lays out runs from (length, event) pairs, from step 0.
func layoutRuns(parts ...[2]int) ([]Run, int) {
	var runs []Run
	t := 0
	for i, p := range parts {
		r := Run{From: t, To: t + p[0], Event: p[1] == 1, Text: "nothing moves"}
		if r.Event {
			r.Text = "event " + string(rune('a'+i))
		}
		runs = append(runs, r)
		t += p[0]
	}
	return runs, t
}

func TestRunsOf(t *testing.T) {
	got := runsOf([]string{"s", "s", "a", "a", "a", "b", "s", "", "a"}, "s")
	want := []Run{{0, 2, false, "s"}, {2, 5, true, "a"}, {5, 6, true, "b"}, {6, 7, false, "s"}, {7, 8, false, ""}, {8, 9, true, "a"}}
	if !slices.Equal(got, want) {
		t.Errorf("runsOf = %v, want %v", got, want)
	}
}

// The chapters of hand-made tracks, worked out by hand.
func TestPlanChapters(t *testing.T) {
	const S, E = 0, 1
	for _, tc := range []struct {
		name  string
		parts [][2]int
		want  []Span
	}{
		{"no event", [][2]int{{8, S}}, []Span{{0, 8, 0}}},
		{"three events: one chapter", [][2]int{{2, S}, {4, E}, {4, E}, {3, S}, {4, E}}, []Span{{0, 17, 3}}},
		// 4 events, 2 chapters: (1,3) cuts in the still stretch [8,10) at
		// 9; (2,2) and (3,1) would cut at event boundaries.
		{"four events: the cut in the still stretch", [][2]int{{4, S}, {4, E}, {2, S}, {4, E}, {4, E}, {4, E}, {2, S}},
			[]Span{{0, 9, 1}, {9, 24, 3}}},
		// 6 events back to back: (3,3) is the most even.
		{"six events: the most even", [][2]int{{4, E}, {4, E}, {4, E}, {4, E}, {4, E}, {4, E}},
			[]Span{{0, 12, 3}, {12, 24, 3}}},
		// 7 events, 3 chapters: (3,2,2) cuts in both still stretches
		// ([6,8) at 7, [12,14) at 13).
		{"seven events: both cuts still", [][2]int{{2, E}, {2, E}, {2, E}, {2, S}, {2, E}, {2, E}, {2, S}, {2, E}, {2, E}},
			[]Span{{0, 7, 3}, {7, 13, 2}, {13, 18, 2}}},
	} {
		runs, T := layoutRuns(tc.parts...)
		if got := PlanChapters(runs, T, 3); !slices.Equal(got, tc.want) {
			t.Errorf("%s: PlanChapters = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// Long tracks: the chapters cover the steps in order, none has more than
// three events, and there are as few as can be.
func TestPlanChaptersCover(t *testing.T) {
	for n := 1; n <= 40; n++ {
		var parts [][2]int
		for i := range n {
			parts = append(parts, [2]int{3 + i%3, 1})
			if i%4 == 1 {
				parts = append(parts, [2]int{1 + i%2, 0})
			}
		}
		runs, T := layoutRuns(parts...)
		spans := PlanChapters(runs, T, 3)
		if want := (n + 2) / 3; len(spans) != want {
			t.Errorf("%d events: %d chapters, want %d", n, len(spans), want)
		}
		at, events := 0, 0
		for _, s := range spans {
			if s.From != at || s.To <= s.From || s.Events < 1 || s.Events > 3 {
				t.Fatalf("%d events: bad chapters %v", n, spans)
			}
			at, events = s.To, events+s.Events
		}
		if at != T || events != n {
			t.Errorf("%d events: chapters %v end at %d of %d with %d events", n, spans, at, T, events)
		}
	}
}
