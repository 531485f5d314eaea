package world

import "fmt"

// Shape is one of the four shapes. The zero value is not a shape.
type Shape uint8

// The shapes of WORLD.md.
const (
	Circle Shape = iota + 1
	Square
	Triangle
	Star
)

// Colour is one of the six palette colours. The zero value is not a colour.
type Colour uint8

// The colours of WORLD.md.
const (
	Red Colour = iota + 1
	Green
	Blue
	Yellow
	Purple
	Orange
)

// Size is an object's size class. The zero value is not a size.
type Size uint8

// The size classes of WORLD.md: the longest side of an object's box is 10-16 %
// (Small) or 26-36 % (Large) of the frame's shorter side.
const (
	Small Size = iota + 1
	Large
)

// Position is the cell of the 3x3 grid that holds a lone object's centre. The
// zero value, NoPosition, is used for two-object scenes.
type Position uint8

// The nine grid cells, row by row from the top left.
const (
	NoPosition Position = iota
	TopLeft
	Top
	TopRight
	Left
	Center
	Right
	BottomLeft
	Bottom
	BottomRight
)

// Relation is the canonical relation between a two-object scene's subject and
// its other object. The zero value, NoRelation, is used for one-object scenes.
type Relation uint8

// Canonical relations: the subject is the left or the upper object.
const (
	NoRelation Relation = iota
	LeftOf
	Above
)

// Direction is the direction of a move.
type Direction uint8

// Directions of motion; NoDirection for events other than moves.
const (
	NoDirection Direction = iota
	DirLeft
	DirRight
	DirUp
	DirDown
)

// Event is what happens in a video segment. The zero value is not an event.
type Event uint8

// The events of WORLD.md.
const (
	Move Event = iota + 1
	Appear
	Disappear
	Still
)

// RGB is an sRGB colour.
type RGB [3]uint8

// Name tables; index 0 is the zero value's name ("" where it has none).
var (
	shapeNames     = [...]string{"", "circle", "square", "triangle", "star"}
	colourNames    = [...]string{"", "red", "green", "blue", "yellow", "purple", "orange"}
	sizeNames      = [...]string{"", "small", "large"}
	positionNames  = [...]string{"", "top left", "top", "top right", "left", "center", "right", "bottom left", "bottom", "bottom right"}
	positionPhrase = [...]string{"", "in the top left", "at the top", "in the top right", "on the left", "in the center", "on the right", "in the bottom left", "at the bottom", "in the bottom right"}
	relationNames  = [...]string{"", "left of", "above"}
	relationPhrase = [...]string{"", "to the left of", "above"}
	directionNames = [...]string{"", "left", "right", "up", "down"}
	eventNames     = [...]string{"", "move", "appear", "disappear", "still"}
	palette        = [...]RGB{{}, {220, 40, 40}, {40, 170, 60}, {40, 80, 220}, {235, 210, 40}, {140, 60, 180}, {240, 140, 30}}
)

// Every valid value of each attribute, in order.
var (
	allShapes     = [...]Shape{Circle, Square, Triangle, Star}
	allColours    = [...]Colour{Red, Green, Blue, Yellow, Purple, Orange}
	allSizes      = [...]Size{Small, Large}
	allPositions  = [...]Position{TopLeft, Top, TopRight, Left, Center, Right, BottomLeft, Bottom, BottomRight}
	allDirections = [...]Direction{DirLeft, DirRight, DirUp, DirDown}
)

func name(names []string, v uint8, typ string) string {
	if int(v) < len(names) && names[v] != "" {
		return names[v]
	}
	return fmt.Sprintf("%s(%d)", typ, v)
}

func lookup(names []string, s, typ string) (uint8, error) {
	for i, n := range names {
		if n != "" && n == s {
			return uint8(i), nil
		}
	}
	return 0, fmt.Errorf("world: unknown %s %q", typ, s)
}

// String returns the shape's word, e.g. "circle".
func (s Shape) String() string { return name(shapeNames[:], uint8(s), "Shape") }

// String returns the colour's word, e.g. "red".
func (c Colour) String() string { return name(colourNames[:], uint8(c), "Colour") }

// String returns "small" or "large".
func (s Size) String() string { return name(sizeNames[:], uint8(s), "Size") }

// String returns the cell's short name, e.g. "top left"; Phrase gives the
// caption's words.
func (p Position) String() string { return name(positionNames[:], uint8(p), "Position") }

// String returns "left of" or "above"; Phrase gives the caption's words.
func (r Relation) String() string { return name(relationNames[:], uint8(r), "Relation") }

// String returns "left", "right", "up" or "down".
func (d Direction) String() string { return name(directionNames[:], uint8(d), "Direction") }

// String returns "move", "appear", "disappear" or "still".
func (e Event) String() string { return name(eventNames[:], uint8(e), "Event") }

// Valid reports whether s is one of the shapes.
func (s Shape) Valid() bool { return s >= Circle && s <= Star }

// Valid reports whether c is one of the colours.
func (c Colour) Valid() bool { return c >= Red && c <= Orange }

// Valid reports whether s is one of the size classes.
func (s Size) Valid() bool { return s == Small || s == Large }

// Valid reports whether p is one of the nine cells.
func (p Position) Valid() bool { return p >= TopLeft && p <= BottomRight }

// RGB returns the palette value of c.
func (c Colour) RGB() RGB {
	if !c.Valid() {
		panic(fmt.Sprintf("world: RGB of invalid colour %d", c))
	}
	return palette[c]
}

// Phrase returns the caption words for p, e.g. "in the top left".
func (p Position) Phrase() string { return name(positionPhrase[:], uint8(p), "Position") }

// Phrase returns the caption words for r, e.g. "to the left of".
func (r Relation) Phrase() string { return name(relationPhrase[:], uint8(r), "Relation") }

// PositionAt returns the grid cell of column col and row row (0..2 each).
func PositionAt(col, row int) Position { return Position(row*3 + col + 1) }

// Cell returns the column and row (0..2 each) of p.
func (p Position) Cell() (col, row int) { return (int(p) - 1) % 3, (int(p) - 1) / 3 }

// Text marshalling: every enum is written in JSON under its name; the zero
// values of Position, Relation and Direction as "".

// MarshalText implements encoding.TextMarshaler.
func (s Shape) MarshalText() ([]byte, error) { return marshal(shapeNames[:], uint8(s), false, "shape") }

// MarshalText implements encoding.TextMarshaler.
func (c Colour) MarshalText() ([]byte, error) {
	return marshal(colourNames[:], uint8(c), false, "colour")
}

// MarshalText implements encoding.TextMarshaler.
func (s Size) MarshalText() ([]byte, error) { return marshal(sizeNames[:], uint8(s), false, "size") }

// MarshalText implements encoding.TextMarshaler.
func (p Position) MarshalText() ([]byte, error) {
	return marshal(positionNames[:], uint8(p), true, "position")
}

// MarshalText implements encoding.TextMarshaler.
func (r Relation) MarshalText() ([]byte, error) {
	return marshal(relationNames[:], uint8(r), true, "relation")
}

// MarshalText implements encoding.TextMarshaler.
func (d Direction) MarshalText() ([]byte, error) {
	return marshal(directionNames[:], uint8(d), true, "direction")
}

// MarshalText implements encoding.TextMarshaler.
func (e Event) MarshalText() ([]byte, error) { return marshal(eventNames[:], uint8(e), false, "event") }

func marshal(names []string, v uint8, zeroOK bool, typ string) ([]byte, error) {
	if v == 0 && zeroOK {
		return []byte{}, nil
	}
	if int(v) >= len(names) || names[v] == "" {
		return nil, fmt.Errorf("world: cannot marshal %s %d", typ, v)
	}
	return []byte(names[v]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Shape) UnmarshalText(b []byte) error {
	return unmarshal((*uint8)(s), shapeNames[:], b, "shape", false)
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (c *Colour) UnmarshalText(b []byte) error {
	return unmarshal((*uint8)(c), colourNames[:], b, "colour", false)
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Size) UnmarshalText(b []byte) error {
	return unmarshal((*uint8)(s), sizeNames[:], b, "size", false)
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *Position) UnmarshalText(b []byte) error {
	return unmarshal((*uint8)(p), positionNames[:], b, "position", true)
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (r *Relation) UnmarshalText(b []byte) error {
	return unmarshal((*uint8)(r), relationNames[:], b, "relation", true)
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Direction) UnmarshalText(b []byte) error {
	return unmarshal((*uint8)(d), directionNames[:], b, "direction", true)
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (e *Event) UnmarshalText(b []byte) error {
	return unmarshal((*uint8)(e), eventNames[:], b, "event", false)
}

func unmarshal(dst *uint8, names []string, b []byte, typ string, zeroOK bool) error {
	if len(b) == 0 && zeroOK {
		*dst = 0
		return nil
	}
	v, err := lookup(names, string(b), typ)
	if err != nil {
		return err
	}
	*dst = v
	return nil
}
