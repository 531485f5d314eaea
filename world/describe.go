package world

import (
	"fmt"
	"strings"
)

// A description says what happens in a whole clip (docs/DESCRIBE.md): its
// events in order, each a segment label other than "nothing moves", joined
// by ", then ":
//
//	a red circle moves left, then a blue star appears
//
// A clip, or a stretch of one, in which nothing happens is described as
// "nothing moves". A description written by the describer holds at most
// MaxEvents events; a longer clip is cut into chapters of at most that
// many, and its whole description is the chapters' descriptions joined the
// same way, so readers accept any number.

// MaxEvents is the most events one description of the describer names.
const MaxEvents = 3

// Then joins the events of a description in its canonical form.
const Then = ", then "

// Describe returns the canonical description of events (segment labels
// other than "nothing moves", in order): "nothing moves" for none. It
// panics on an invalid or still label.
func Describe(events []Label) string {
	if len(events) == 0 {
		return NothingMoves
	}
	parts := make([]string, len(events))
	for i, e := range events {
		if e.Event == Still {
			panic("world: Describe: a still label is not an event")
		}
		parts[i] = e.String()
	}
	return strings.Join(parts, Then)
}

// Events returns the events of a video's segments in order: their labels
// without the still ones.
func Events(segs []Segment) ([]Label, error) {
	var out []Label
	for i, s := range segs {
		l, err := ParseLabel(s.Label)
		if err != nil {
			return nil, fmt.Errorf("world: segment %d: %w", i, err)
		}
		if l.Event != Still {
			out = append(out, l)
		}
	}
	return out, nil
}

// ParseDescription reads a description back into its events (none for
// "nothing moves"). Like ParseLabel it accepts upper case, extra white
// space and one final full stop; events are separated by "then", with or
// without a comma before it. "nothing moves" stands only alone.
func ParseDescription(s string) ([]Label, error) {
	bad := func(why string) ([]Label, error) {
		return nil, fmt.Errorf("world: description %q: %s: %w", clip(s), why, ErrParse)
	}
	w, err := words(strings.ReplaceAll(s, ",", " , "))
	if err != nil {
		return nil, fmt.Errorf("world: description %q: %w", clip(s), err)
	}
	var parts [][]string
	var cur []string
	for i, x := range w {
		switch {
		case x == "then":
			parts = append(parts, cur)
			cur = nil
		case x == ",":
			if i+1 >= len(w) || w[i+1] != "then" {
				return bad(`a comma must come before "then"`)
			}
		default:
			cur = append(cur, x)
		}
	}
	parts = append(parts, cur)
	out := make([]Label, 0, len(parts))
	for i, p := range parts {
		if len(p) == 0 {
			return bad(fmt.Sprintf("event %d is empty", i+1))
		}
		l, err := ParseLabel(strings.Join(p, " "))
		if err != nil {
			return nil, fmt.Errorf("world: description %q: event %d: %w", clip(s), i+1, err)
		}
		if l.Event == Still {
			if len(parts) > 1 {
				return bad(fmt.Sprintf("%q stands only alone", NothingMoves))
			}
			return []Label{}, nil
		}
		out = append(out, l)
	}
	return out, nil
}

// DescriptionReport scores predicted descriptions against the true event
// sequences (docs/DESCRIBE.md).
type DescriptionReport struct {
	Descriptions  int `json:"descriptions"`   // descriptions scored
	ParseFailures int `json:"parse_failures"` // predicted descriptions that did not parse (scored wrong)
	// ExactMatch is the fraction whose events are the true events, in
	// order and no others: the main score.
	ExactMatch float64 `json:"exact_match"`
	// CountMatch is the fraction that name as many events as happened.
	CountMatch float64 `json:"count_match"`
}

// DescriptionScorer accumulates description scores. The zero value is
// ready to use.
type DescriptionScorer struct {
	n, failures, exact, count int
}

// Add scores one predicted description against the true events, and says
// whether it matched them exactly.
func (d *DescriptionScorer) Add(predicted string, truth []Label) bool {
	d.n++
	got, err := ParseDescription(predicted)
	if err != nil {
		d.failures++
		return false
	}
	if len(got) != len(truth) {
		return false
	}
	d.count++
	for i := range got {
		if got[i] != truth[i] {
			return false
		}
	}
	d.exact++
	return true
}

// Report returns the scores so far.
func (d *DescriptionScorer) Report() DescriptionReport {
	return DescriptionReport{Descriptions: d.n, ParseFailures: d.failures,
		ExactMatch: frac(d.exact, d.n), CountMatch: frac(d.count, d.n)}
}
