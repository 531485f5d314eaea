package world

import (
	"encoding/json"
	"fmt"
	"math"
)

// Point is a position in pixels (edge coordinates, see the package comment).
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Box is an axis-aligned rectangle [X0, X1) x [Y0, Y1) in pixels.
type Box struct {
	X0 float64 `json:"x0"`
	Y0 float64 `json:"y0"`
	X1 float64 `json:"x1"`
	Y1 float64 `json:"y1"`
}

// MarshalJSON writes the point rounded to a thousandth of a pixel.
func (p Point) MarshalJSON() ([]byte, error) {
	type point Point
	return json.Marshal(point{round3(p.X), round3(p.Y)})
}

// MarshalJSON writes the box rounded to a thousandth of a pixel.
func (b Box) MarshalJSON() ([]byte, error) {
	type box Box
	return json.Marshal(box{round3(b.X0), round3(b.Y0), round3(b.X1), round3(b.Y1)})
}

// W is the box's width.
func (b Box) W() float64 { return b.X1 - b.X0 }

// H is the box's height.
func (b Box) H() float64 { return b.Y1 - b.Y0 }

// Centre is the midpoint of the box.
func (b Box) Centre() Point { return Point{(b.X0 + b.X1) / 2, (b.Y0 + b.Y1) / 2} }

// Grow returns the box enlarged by d on every side.
func (b Box) Grow(d float64) Box { return Box{b.X0 - d, b.Y0 - d, b.X1 + d, b.Y1 + d} }

// Union returns the smallest box holding both.
func (b Box) Union(c Box) Box {
	return Box{math.Min(b.X0, c.X0), math.Min(b.Y0, c.Y0), math.Max(b.X1, c.X1), math.Max(b.Y1, c.Y1)}
}

// Overlaps reports whether the two boxes share any area.
func (b Box) Overlaps(c Box) bool {
	return b.X0 < c.X1 && c.X0 < b.X1 && b.Y0 < c.Y1 && c.Y0 < b.Y1
}

// Object is one shape of a scene. Shape, Colour and Size are what a caption
// says; the rest is the geometry the generator drew, zero in a parsed scene.
type Object struct {
	Shape  Shape  `json:"shape"`
	Colour Colour `json:"colour"`
	Size   Size   `json:"size"`

	Box    Box   `json:"box"`    // bounding box of the drawn shape at full size
	Centre Point `json:"centre"` // centre of Box
	RGB    RGB   `json:"rgb"`    // the drawn colour: the palette value with jitter
	// Inner is a star's inner radius relative to its outer radius; 0 otherwise.
	Inner float64 `json:"inner,omitempty"`
}

// Same reports whether o and p agree on shape, colour and size.
func (o Object) Same(p Object) bool {
	return o.Shape == p.Shape && o.Colour == p.Colour && o.Size == p.Size
}

// Scene is what an image shows: one object and its grid position, or two
// objects and the relation of the first (the subject) to the second.
type Scene struct {
	Objects  []Object `json:"objects"`
	Position Position `json:"position,omitempty"` // one object only
	Relation Relation `json:"relation,omitempty"` // two objects only
}

// Equal reports whether two scenes say the same thing: same objects in the
// same roles (compared on shape, colour and size) and the same position or
// relation. Geometry is ignored.
func (s Scene) Equal(t Scene) bool {
	if len(s.Objects) != len(t.Objects) || s.Position != t.Position || s.Relation != t.Relation {
		return false
	}
	for i := range s.Objects {
		if !s.Objects[i].Same(t.Objects[i]) {
			return false
		}
	}
	return true
}

// Validate checks that the scene is well formed: one object with a position or
// two with a relation, every attribute valid.
func (s Scene) Validate() error {
	for i, o := range s.Objects {
		if !o.Shape.Valid() || !o.Colour.Valid() || !o.Size.Valid() {
			return fmt.Errorf("world: object %d: invalid attributes %v %v %v", i, o.Size, o.Colour, o.Shape)
		}
	}
	switch len(s.Objects) {
	case 1:
		if !s.Position.Valid() || s.Relation != NoRelation {
			return fmt.Errorf("world: one-object scene needs a position and no relation")
		}
	case 2:
		if s.Relation != LeftOf && s.Relation != Above || s.Position != NoPosition {
			return fmt.Errorf("world: two-object scene needs a relation and no position")
		}
	default:
		return fmt.Errorf("world: scene has %d objects, want 1 or 2", len(s.Objects))
	}
	return nil
}

// Star geometry: with outer radius R and one point up, the box is
// 2 R sin 72° wide and R (1 + cos 36°) high, its top at the upper point.
var (
	starWidth  = 2 * math.Sin(72*math.Pi/180)
	starHeight = 1 + math.Cos(36*math.Pi/180)
)

// boxSize returns the width and height of a shape's box whose longest side is
// l; aspect is a triangle's height over its base (0.8 to 1.0) and is ignored
// for the other shapes.
func boxSize(shape Shape, l, aspect float64) (w, h float64) {
	switch shape {
	case Circle, Square:
		return l, l
	case Triangle:
		return l, l * aspect
	case Star:
		return l, l * starHeight / starWidth
	}
	panic(fmt.Sprintf("world: box of invalid shape %d", shape))
}

// boxAt returns the box of size w x h centred on c.
func boxAt(c Point, w, h float64) Box {
	return Box{c.X - w/2, c.Y - h/2, c.X + w/2, c.Y + h/2}
}

// cellOf returns the grid cell holding point c in a w x h frame.
func cellOf(c Point, w, h int) Position {
	col := min(max(int(3*c.X/float64(w)), 0), 2)
	row := min(max(int(3*c.Y/float64(h)), 0), 2)
	return PositionAt(col, row)
}

// relationOf returns the relation of an object at a to one at b and whether a
// is the subject (the left or upper one).
func relationOf(a, b Point) (rel Relation, aFirst bool) {
	dx, dy := b.X-a.X, b.Y-a.Y
	if math.Abs(dx) >= math.Abs(dy) {
		return LeftOf, dx > 0
	}
	return Above, dy > 0
}
