package describe

import (
	"strings"

	"captioner/world"
)

// Run is a stretch of steps [From, To) with one label: an event, or the
// still label (Event false).
type Run struct {
	From, To int
	Event    bool
	Text     string
}

// runsOf groups consecutive equal per-step labels into runs; still says
// which label is not an event ("" labels are not events either).
func runsOf(texts []string, still string) []Run {
	var runs []Run
	for t, x := range texts {
		if n := len(runs); n > 0 && runs[n-1].Text == x {
			runs[n-1].To = t + 1
			continue
		}
		runs = append(runs, Run{From: t, To: t + 1, Event: x != still && x != "", Text: x})
	}
	return runs
}

// Span is a chapter's steps [From, To) and how many events the runs put
// in it.
type Span struct {
	From, To int
	Events   int
}

// PlanChapters cuts T steps, labelled as runs, into as few chapters as
// hold at most maxEvents events each: one chapter when there are no more.
// A cut between two events goes in the middle of the still stretch
// between them when there is one, else where the second starts; among the
// ways to group the events into that many chapters it takes the one with
// the most cuts in still stretches, then the most even chapters.
func PlanChapters(runs []Run, T, maxEvents int) []Span {
	var ev []int // run index of each event
	for i, r := range runs {
		if r.Event {
			ev = append(ev, i)
		}
	}
	n := len(ev)
	if n <= maxEvents {
		return []Span{{From: 0, To: T, Events: n}}
	}
	k := (n + maxEvents - 1) / maxEvents
	// cut[i] is where a chapter ending with event i ends, still[i] whether
	// that is inside a still stretch.
	cut := make([]int, n)
	still := make([]bool, n)
	for i := range n - 1 {
		a, b := runs[ev[i]].To, runs[ev[i+1]].From
		cut[i], still[i] = b, false
		if b > a {
			cut[i], still[i] = (a+b)/2, true
		}
	}
	// best[j][i]: the best grouping of the first i events into j chapters.
	type score struct {
		ok        bool
		stillCuts int
		squares   int // sum of squared chapter sizes: lower is more even
		last      int // size of the last chapter
	}
	better := func(a, b score) bool {
		if !b.ok {
			return a.ok
		}
		if a.stillCuts != b.stillCuts {
			return a.stillCuts > b.stillCuts
		}
		return a.squares < b.squares
	}
	best := make([][]score, k+1)
	for j := range best {
		best[j] = make([]score, n+1)
	}
	best[0][0] = score{ok: true}
	for j := 1; j <= k; j++ {
		for i := 1; i <= n; i++ {
			for size := 1; size <= min(maxEvents, i); size++ {
				prev := best[j-1][i-size]
				if !prev.ok {
					continue
				}
				s := score{ok: true, stillCuts: prev.stillCuts, squares: prev.squares + size*size, last: size}
				if i-size > 0 && still[i-size-1] {
					s.stillCuts++
				}
				if better(s, best[j][i]) {
					best[j][i] = s
				}
			}
		}
	}
	sizes := make([]int, k)
	for j, i := k, n; j > 0; j-- {
		sizes[j-1] = best[j][i].last
		i -= best[j][i].last
	}
	spans := make([]Span, 0, k)
	from, done := 0, 0
	for j, size := range sizes {
		done += size
		to := T
		if j < k-1 {
			to = cut[done-1]
		}
		spans = append(spans, Span{From: from, To: to, Events: size})
		from = to
	}
	return spans
}

// parseEvents reads a description's events (none for "nothing moves") in
// the grammar of world.ParseDescription, as their labels' texts.
func parseEvents(s string) ([]string, error) {
	labels, err := world.ParseDescription(s)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(labels))
	for i, l := range labels {
		out[i] = l.String()
	}
	return out, nil
}

// joinEvents is the description of events: their texts joined by
// world.Then, or still when there are none.
func joinEvents(events []string, still string) string {
	if len(events) == 0 {
		return still
	}
	return strings.Join(events, world.Then)
}
