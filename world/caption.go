package world

import (
	"errors"
	"fmt"
	"strings"
)

// ErrParse is wrapped by every error of ParseCaption and ParseLabel.
var ErrParse = errors.New("not in the Shapes world's language")

// Caption returns the canonical caption of s (WORLD.md), e.g.
// "a small red circle in the top left" or
// "a large blue star to the left of a small green square". It panics if s is
// not a valid scene.
func (s Scene) Caption() string {
	if err := s.Validate(); err != nil {
		panic(err)
	}
	var b strings.Builder
	writeObject(&b, s.Objects[0])
	b.WriteByte(' ')
	if len(s.Objects) == 1 {
		b.WriteString(s.Position.Phrase())
		return b.String()
	}
	b.WriteString(s.Relation.Phrase())
	b.WriteByte(' ')
	writeObject(&b, s.Objects[1])
	return b.String()
}

func writeObject(b *strings.Builder, o Object) {
	b.WriteString("a ")
	b.WriteString(o.Size.String())
	b.WriteByte(' ')
	b.WriteString(o.Colour.String())
	b.WriteByte(' ')
	b.WriteString(o.Shape.String())
}

// ParseCaption reads a caption back into a scene (attributes only, no
// geometry). Besides the canonical form it accepts upper case, extra white
// space, one final full stop, and the relations "to the right of" and "below",
// which it turns into the canonical ones by swapping the objects.
func ParseCaption(s string) (Scene, error) {
	words, err := words(s)
	if err != nil {
		return Scene{}, fmt.Errorf("world: caption %q: %w", clip(s), err)
	}
	o1, rest, ok := parseObject(words)
	if !ok {
		return Scene{}, fmt.Errorf("world: caption %q: no \"a {size} {colour} {shape}\" at the start: %w", clip(s), ErrParse)
	}
	tail := strings.Join(rest, " ")
	for _, p := range allPositions {
		if tail == p.Phrase() {
			return Scene{Objects: []Object{o1}, Position: p}, nil
		}
	}
	rel, swap, n := parseRelation(rest)
	if n == 0 {
		return Scene{}, fmt.Errorf("world: caption %q: no position or relation after the first object: %w", clip(s), ErrParse)
	}
	o2, rest, ok := parseObject(rest[n:])
	if !ok || len(rest) != 0 {
		return Scene{}, fmt.Errorf("world: caption %q: want exactly \"a {size} {colour} {shape}\" after the relation: %w", clip(s), ErrParse)
	}
	if swap {
		o1, o2 = o2, o1
	}
	return Scene{Objects: []Object{o1, o2}, Relation: rel}, nil
}

// words lower-cases s, drops one final full stop and splits on white space.
func words(s string) ([]string, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	s = strings.TrimSuffix(s, ".")
	f := strings.Fields(s)
	if len(f) == 0 {
		return nil, fmt.Errorf("empty: %w", ErrParse)
	}
	for _, w := range f {
		if strings.ContainsAny(w, ".") {
			return nil, fmt.Errorf("stray full stop: %w", ErrParse)
		}
	}
	return f, nil
}

func parseObject(w []string) (Object, []string, bool) {
	if len(w) < 4 || w[0] != "a" {
		return Object{}, nil, false
	}
	size, err1 := lookup(sizeNames[:], w[1], "size")
	colour, err2 := lookup(colourNames[:], w[2], "colour")
	shape, err3 := lookup(shapeNames[:], w[3], "shape")
	if err1 != nil || err2 != nil || err3 != nil {
		return Object{}, nil, false
	}
	return Object{Shape: Shape(shape), Colour: Colour(colour), Size: Size(size)}, w[4:], true
}

// parseRelation recognises a relation phrase at the start of w and returns the
// canonical relation, whether the objects must be swapped to reach it, and the
// number of words it used (0 if none).
func parseRelation(w []string) (Relation, bool, int) {
	phrases := [...]struct {
		words []string
		rel   Relation
		swap  bool
	}{
		{[]string{"to", "the", "left", "of"}, LeftOf, false},
		{[]string{"to", "the", "right", "of"}, LeftOf, true},
		{[]string{"above"}, Above, false},
		{[]string{"below"}, Above, true},
	}
	for _, p := range phrases {
		if len(w) >= len(p.words) && equalWords(w[:len(p.words)], p.words) {
			return p.rel, p.swap, len(p.words)
		}
	}
	return NoRelation, false, 0
}

func equalWords(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

// clip shortens s for an error message.
func clip(s string) string {
	const n = 80
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
