package objects

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"
)

// Label timing and motion constants (docs/OBJECTS.md, "Video labels").
const (
	// StepInterval is the length of a label step: step k covers
	// [k, k+1) * StepInterval and its sample (the frame the detector sees)
	// is at (k + 0.5) * StepInterval, 2 samples a second.
	StepInterval = 500 * time.Millisecond
	// HoldSteps is how many steps an appearance or a disappearance is
	// labelled for.
	HoldSteps = 2
	// MoveOn and MoveOff are the speeds, in frame widths (x) or heights (y)
	// per second, at which an object starts and stops counting as moving.
	MoveOn  = 0.05
	MoveOff = 0.025
)

// NothingMoves is the label of a step where nothing appears, disappears or
// moves (also when nothing is in view).
const NothingMoves = "nothing moves"

// Event is what a label says happens. The zero value is not an event.
type Event uint8

// The events of a label.
const (
	Still Event = iota + 1
	Appear
	Disappear
	Move
)

var eventNames = [...]string{"", "still", "appear", "disappear", "move"}

// String returns "still", "appear", "disappear" or "move".
func (e Event) String() string {
	if e >= Still && e <= Move {
		return eventNames[e]
	}
	return fmt.Sprintf("Event(%d)", e)
}

// MarshalText implements encoding.TextMarshaler.
func (e Event) MarshalText() ([]byte, error) { return enumText(eventNames[:], uint8(e), 1, "event") }

// UnmarshalText implements encoding.TextUnmarshaler.
func (e *Event) UnmarshalText(b []byte) error {
	return enumParse((*uint8)(e), eventNames[:], b, 1, "event")
}

// Direction is the direction of a move. NoDirection is used for other
// events.
type Direction uint8

// Directions, in the order that breaks ties between moving groups.
const (
	NoDirection Direction = iota
	Left
	Right
	Up
	Down
)

var directionNames = [...]string{"", "left", "right", "up", "down"}

// String returns "left", "right", "up", "down", or "" for NoDirection.
func (d Direction) String() string {
	if int(d) < len(directionNames) {
		return directionNames[d]
	}
	return fmt.Sprintf("Direction(%d)", d)
}

// MarshalText implements encoding.TextMarshaler.
func (d Direction) MarshalText() ([]byte, error) {
	return enumText(directionNames[:], uint8(d), 0, "direction")
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Direction) UnmarshalText(b []byte) error {
	return enumParse((*uint8)(d), directionNames[:], b, 0, "direction")
}

// Label is what happens in one step of a video: a group appears,
// disappears or moves, or nothing moves. Group is unset for Still;
// Direction is set for Move only.
type Label struct {
	Event Event `json:"event"`
	Group
	Direction Direction `json:"direction,omitempty"`
}

// Validate checks that the label's fields fit its event.
func (l Label) Validate() error {
	switch l.Event {
	case Still:
		if l.Group != (Group{}) || l.Direction != NoDirection {
			return fmt.Errorf("objects: still label with a group or direction")
		}
		return nil
	case Appear, Disappear, Move:
		if err := l.Group.validate(); err != nil {
			return fmt.Errorf("objects: %v label: %w", l.Event, err)
		}
		if (l.Event == Move) != (l.Direction >= Left && l.Direction <= Down) {
			return fmt.Errorf("objects: %v label with direction %d", l.Event, l.Direction)
		}
		return nil
	}
	return fmt.Errorf("objects: invalid event %d", l.Event)
}

// verbs are the label verbs, singular and plural, by event.
var verbs = [...][2]string{Appear: {"appears", "appear"}, Disappear: {"disappears", "disappear"}, Move: {"moves", "move"}}

func verb(e Event, count int) string {
	if count == 1 {
		return verbs[e][0]
	}
	return verbs[e][1]
}

// String returns the label's canonical text: "a person appears", "two
// people move right", "several cars disappear", "nothing moves". The verb
// agrees with the count. It panics on an invalid label.
func (l Label) String() string {
	if err := l.Validate(); err != nil {
		panic(err)
	}
	if l.Event == Still {
		return NothingMoves
	}
	s := l.Group.String() + " " + verb(l.Event, l.Count)
	if l.Event == Move {
		s += " " + l.Direction.String()
	}
	return s
}

// ParseLabel reads a label's text. Like ParseCaption it accepts upper case,
// extra white space, one final full stop and either article; the verb must
// agree with the count ("two people moves left" is refused).
func ParseLabel(text string) (Label, error) {
	fail := func(format string, a ...any) (Label, error) {
		return Label{}, fmt.Errorf("objects: label %q: %s: %w", clip(text), fmt.Sprintf(format, a...), ErrParse)
	}
	w := tokens(text)
	if len(w) == 0 {
		return fail("empty")
	}
	if len(w) == 2 && w[0] == "nothing" && w[1] == "moves" {
		return Label{Event: Still}, nil
	}
	g, w, err := parseGroup(w)
	if err != nil {
		return fail("%v", err)
	}
	l := Label{Group: g}
	for _, e := range [...]Event{Appear, Disappear, Move} {
		if len(w) > 0 && w[0] == verb(e, g.Count) {
			l.Event = e
		}
	}
	switch {
	case l.Event == 0:
		return fail("want %q, %q or %q after %q", verb(Appear, g.Count), verb(Disappear, g.Count), verb(Move, g.Count), g)
	case l.Event == Move && len(w) == 2:
		i := slices.Index(directionNames[:], w[1])
		if i < 1 {
			return fail("unknown direction %q", w[1])
		}
		l.Direction = Direction(i)
	case l.Event == Move:
		return fail("want one direction (left, right, up, down) after %q", w[0])
	case len(w) != 1:
		return fail("words after %q", w[0])
	}
	return l, nil
}

// ObjectTrack is one object's stay in view: its box at the sample of every
// step from Start on, one box a step, Boxes[i] at step Start+i. An object
// that leaves and comes back has one ObjectTrack for each stay.
type ObjectTrack struct {
	Class string `json:"class"`
	Start int    `json:"start"`
	Boxes []Box  `json:"boxes"`
}

// End returns the first step after the track, where the object is no
// longer in view.
func (t ObjectTrack) End() int { return t.Start + len(t.Boxes) }

func checkTracks(tracks []ObjectTrack) error {
	for i, t := range tracks {
		if !KnownClass(t.Class) {
			return fmt.Errorf("objects: track %d: unknown class %q", i, t.Class)
		}
		if t.Start < 0 || len(t.Boxes) == 0 {
			return fmt.Errorf("objects: track %d (%s): start %d with %d boxes", i, t.Class, t.Start, len(t.Boxes))
		}
		for j, b := range t.Boxes {
			if err := checkBox(b); err != nil {
				return fmt.Errorf("objects: track %d (%s), step %d: %w", i, t.Class, t.Start+j, err)
			}
		}
	}
	return nil
}

// Steps returns the number of label steps of a video of duration d: the
// steps whose sample, (k + 0.5) * StepInterval, falls before d.
func Steps(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + StepInterval/2 - 1) / StepInterval)
}

// Labels derives the true label of each of steps steps from the tracks of
// every object in view (docs/OBJECTS.md, "Video labels"):
//
//   - an object appears over the first HoldSteps steps of its track (while
//     it is in view), unless its track starts at step 0;
//   - it disappears over the HoldSteps steps from its track's End, unless
//     the video has ended;
//   - it moves at a step where it does not appear when it is moving: its
//     centre's speed from the previous step's sample, the larger of the
//     horizontal and vertical components, is at least MoveOn, or at least
//     MoveOff when it was moving at the previous step; the direction follows
//     the larger component (ties horizontal; y grows downwards).
//
// The objects doing the same (event, class, direction) at a step form a
// group. The step's label names one group: appearing before disappearing
// before moving, then the group with the largest box (for a disappearance,
// its last box), then the lower class index, then left, right, up, down.
// With no group, the label is Still.
func Labels(tracks []ObjectTrack, steps int) ([]Label, error) {
	if err := checkTracks(tracks); err != nil {
		return nil, err
	}
	type key struct {
		event Event
		class int
		dir   Direction
	}
	type group struct {
		count    int
		salience float64
	}
	at := make([]map[key]*group, steps)
	add := func(k int, e Event, class int, dir Direction, area float64) {
		if k < 0 || k >= steps {
			return
		}
		if at[k] == nil {
			at[k] = map[key]*group{}
		}
		g := at[k][key{e, class, dir}]
		if g == nil {
			g = &group{salience: math.Inf(-1)}
			at[k][key{e, class, dir}] = g
		}
		g.count++
		g.salience = max(g.salience, area)
	}
	dt := StepInterval.Seconds()
	for _, t := range tracks {
		class, end := ClassIndex(t.Class), t.End()
		appearEnd := t.Start // steps before it are the appearance
		if t.Start > 0 {
			appearEnd = min(t.Start+HoldSteps, end)
			for k := t.Start; k < appearEnd; k++ {
				add(k, Appear, class, NoDirection, t.Boxes[k-t.Start].Area())
			}
		}
		if end < steps {
			for k := end; k < end+HoldSteps; k++ {
				add(k, Disappear, class, NoDirection, t.Boxes[len(t.Boxes)-1].Area())
			}
		}
		moving := false
		for i := 1; i < len(t.Boxes); i++ {
			x0, y0 := t.Boxes[i-1].Center()
			x1, y1 := t.Boxes[i].Center()
			vx, vy := (x1-x0)/dt, (y1-y0)/dt
			speed := max(math.Abs(vx), math.Abs(vy))
			moving = speed >= MoveOn || (moving && speed >= MoveOff)
			if k := t.Start + i; moving && k >= appearEnd {
				add(k, Move, class, direction(vx, vy), t.Boxes[i].Area())
			}
		}
	}
	labels := make([]Label, steps)
	for k := range labels {
		keys := make([]key, 0, len(at[k]))
		for kk := range at[k] {
			keys = append(keys, kk)
		}
		if len(keys) == 0 {
			labels[k] = Label{Event: Still}
			continue
		}
		best := slices.MinFunc(keys, func(a, b key) int {
			return cmp.Or(
				cmp.Compare(a.event, b.event), // Appear < Disappear < Move
				cmp.Compare(at[k][b].salience, at[k][a].salience),
				cmp.Compare(a.class, b.class),
				cmp.Compare(a.dir, b.dir))
		})
		labels[k] = Label{Event: best.event, Group: Group{Class: vocabulary[best.class].class, Count: min(at[k][best].count, Several)}, Direction: best.dir}
	}
	return labels, nil
}

// direction names the larger component of a velocity (y downwards; ties
// horizontal).
func direction(vx, vy float64) Direction {
	switch {
	case math.Abs(vx) >= math.Abs(vy) && vx < 0:
		return Left
	case math.Abs(vx) >= math.Abs(vy):
		return Right
	case vy < 0:
		return Up
	default:
		return Down
	}
}

// LabelCues returns the label track of a video of duration d whose steps
// carry labels: step k shows its label over [k, k+1) * StepInterval, cut at
// d, and neighbouring steps with the same text make one cue. It panics on an
// invalid label.
func LabelCues(labels []Label, d time.Duration) []Cue {
	var out []Cue
	for k, l := range labels {
		start, end := time.Duration(k)*StepInterval, min(time.Duration(k+1)*StepInterval, d)
		if start >= end {
			break
		}
		text := l.String()
		if n := len(out); n > 0 && out[n-1].Text == text && out[n-1].End == start {
			out[n-1].End = end
			continue
		}
		out = append(out, Cue{Start: start, End: end, Text: text})
	}
	return out
}

// LabelsFromCues reads a label track back into one label a step: the label
// of the cue shown at each step's sample (the cue that started last, where
// cues overlap). A step with no cue, or whose cue does not parse, gets
// Still.
func LabelsFromCues(cues []Cue, d time.Duration) []Label {
	sorted := slices.Clone(cues)
	slices.SortStableFunc(sorted, func(a, b Cue) int { return cmp.Compare(a.Start, b.Start) })
	labels := make([]Label, Steps(d))
	for k := range labels {
		t := time.Duration(k)*StepInterval + StepInterval/2
		labels[k] = Label{Event: Still}
		for i := len(sorted) - 1; i >= 0; i-- {
			if c := sorted[i]; c.Start <= t && t < c.End {
				if l, err := ParseLabel(NormalizeText(c.Text)); err == nil {
					labels[k] = l
				}
				break
			}
		}
	}
	return labels
}

// CanonicalText returns the canonical text of a cue's label when it parses
// (markup removed), and the cue's normalised text (NormalizeText)
// otherwise, so that label tracks are compared by what they say.
func CanonicalText(text string) string {
	n := NormalizeText(text)
	if l, err := ParseLabel(n); err == nil {
		return l.String()
	}
	return n
}
