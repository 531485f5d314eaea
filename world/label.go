package world

import (
	"fmt"
	"strings"
)

// Label is what happens in one video segment (WORLD.md): an object moves,
// appears or disappears, or nothing moves. Colour and Shape name the object
// (unset for Still); Direction is set for Move only.
type Label struct {
	Event     Event     `json:"event"`
	Colour    Colour    `json:"colour,omitempty"`
	Shape     Shape     `json:"shape,omitempty"`
	Direction Direction `json:"direction,omitempty"`
}

// NothingMoves is the label of a still segment.
const NothingMoves = "nothing moves"

// String returns the label's canonical text, e.g. "a red circle moves left",
// "a blue star appears", "nothing moves". It panics on an invalid label.
func (l Label) String() string {
	if err := l.Validate(); err != nil {
		panic(err)
	}
	if l.Event == Still {
		return NothingMoves
	}
	s := "a " + l.Colour.String() + " " + l.Shape.String()
	switch l.Event {
	case Move:
		return s + " moves " + l.Direction.String()
	case Appear:
		return s + " appears"
	default:
		return s + " disappears"
	}
}

// Validate checks that the label's fields fit its event.
func (l Label) Validate() error {
	switch l.Event {
	case Still:
		if l.Colour != 0 || l.Shape != 0 || l.Direction != NoDirection {
			return fmt.Errorf("world: still label with an object or direction")
		}
		return nil
	case Move, Appear, Disappear:
		if !l.Colour.Valid() || !l.Shape.Valid() {
			return fmt.Errorf("world: %v label without a valid object", l.Event)
		}
		if (l.Event == Move) != (l.Direction >= DirLeft && l.Direction <= DirDown) {
			return fmt.Errorf("world: %v label with direction %d", l.Event, l.Direction)
		}
		return nil
	}
	return fmt.Errorf("world: invalid event %d", l.Event)
}

// ParseLabel reads a label's text. Like ParseCaption it accepts upper case,
// extra white space and one final full stop.
func ParseLabel(s string) (Label, error) {
	w, err := words(s)
	if err != nil {
		return Label{}, fmt.Errorf("world: label %q: %w", clip(s), err)
	}
	if len(w) == 2 && w[0] == "nothing" && w[1] == "moves" {
		return Label{Event: Still}, nil
	}
	bad := func() (Label, error) {
		return Label{}, fmt.Errorf("world: label %q: want \"a {colour} {shape} moves {direction}|appears|disappears\" or %q: %w", clip(s), NothingMoves, ErrParse)
	}
	if len(w) < 4 || w[0] != "a" {
		return bad()
	}
	colour, err1 := lookup(colourNames[:], w[1], "colour")
	shape, err2 := lookup(shapeNames[:], w[2], "shape")
	if err1 != nil || err2 != nil {
		return bad()
	}
	l := Label{Colour: Colour(colour), Shape: Shape(shape)}
	switch strings.Join(w[3:], " ") {
	case "appears":
		l.Event = Appear
	case "disappears":
		l.Event = Disappear
	default:
		if len(w) != 5 || w[3] != "moves" {
			return bad()
		}
		d, err := lookup(directionNames[:], w[4], "direction")
		if err != nil {
			return bad()
		}
		l.Event, l.Direction = Move, Direction(d)
	}
	return l, nil
}
