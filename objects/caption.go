package objects

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// ErrParse is wrapped by every error of ParseCaption and ParseLabel.
var ErrParse = errors.New("not in the objects domain's language")

// Caption grammar constants (docs/OBJECTS.md, "Photo captions").
const (
	// MinArea is the box area, as a fraction of the frame, under which an
	// object is tiny: tiny objects are named only when nothing in the scene
	// is bigger.
	MinArea = 0.005
	// MaxGroups is the most classes a caption names.
	MaxGroups = 3
	// NoObjects is the caption of a scene with no object in it.
	NoObjects = "no objects I know"
)

// Group is some objects of one class, as a caption or a label names them:
// "a person", "two people", "several cars". Count is 1, 2, 3 or Several
// (four or more).
type Group struct {
	Class string `json:"class"`
	Count int    `json:"count"`
}

// String returns the group's noun phrase, e.g. "two people".
func (g Group) String() string { return NounPhrase(g.Class, g.Count) }

func (g Group) validate() error {
	if !KnownClass(g.Class) {
		return fmt.Errorf("objects: unknown class %q", g.Class)
	}
	if g.Count < 1 || g.Count > Several {
		return fmt.Errorf("objects: %d %s: counts are 1 to %d", g.Count, g.Class, Several)
	}
	return nil
}

// Relation is where a two-object caption's subject (its first object) is
// relative to the other. The zero value, NoRelation, is used in every other
// caption.
type Relation uint8

// The four relations.
const (
	NoRelation Relation = iota
	LeftOf
	RightOf
	Above
	Below
)

var relationPhrases = [...]string{"", "to the left of", "to the right of", "above", "below"}

// String returns the relation's words, e.g. "to the left of"; "" for
// NoRelation.
func (r Relation) String() string {
	if int(r) < len(relationPhrases) {
		return relationPhrases[r]
	}
	return fmt.Sprintf("Relation(%d)", r)
}

// Flip returns the relation with subject and object swapped: LeftOf gives
// RightOf, Above gives Below.
func (r Relation) Flip() Relation {
	switch r {
	case LeftOf:
		return RightOf
	case RightOf:
		return LeftOf
	case Above:
		return Below
	case Below:
		return Above
	}
	return r
}

// MarshalText implements encoding.TextMarshaler: the relation's words.
func (r Relation) MarshalText() ([]byte, error) {
	return enumText(relationPhrases[:], uint8(r), 0, "relation")
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (r *Relation) UnmarshalText(b []byte) error {
	return enumParse((*uint8)(r), relationPhrases[:], b, 0, "relation")
}

// enumText returns names[v] for an enum value from first on.
func enumText(names []string, v, first uint8, typ string) ([]byte, error) {
	if v < first || int(v) >= len(names) {
		return nil, fmt.Errorf("objects: cannot marshal %s %d", typ, v)
	}
	return []byte(names[v]), nil
}

// enumParse sets *dst to the index of b in names, from first on.
func enumParse(dst *uint8, names []string, b []byte, first uint8, typ string) error {
	i := slices.Index(names[first:], string(b))
	if i < 0 {
		return fmt.Errorf("objects: unknown %s %q", typ, b)
	}
	*dst = uint8(i) + first
	return nil
}

// Description is what a caption says: the groups it names, most salient
// first, and the relation between the two objects of a two-object caption.
type Description struct {
	Groups   []Group  `json:"groups"`
	Relation Relation `json:"relation,omitempty"`
}

// Validate checks that d can be written as a caption: at most MaxGroups
// groups of distinct known classes, each of a valid count, and a relation
// only between exactly two groups of one object each.
func (d Description) Validate() error {
	if len(d.Groups) > MaxGroups {
		return fmt.Errorf("objects: %d classes in a caption, at most %d", len(d.Groups), MaxGroups)
	}
	for i, g := range d.Groups {
		if err := g.validate(); err != nil {
			return err
		}
		for _, h := range d.Groups[:i] {
			if h.Class == g.Class {
				return fmt.Errorf("objects: class %q named twice", g.Class)
			}
		}
	}
	if d.Relation > Below {
		return fmt.Errorf("objects: invalid relation %d", d.Relation)
	}
	if d.Relation != NoRelation && (len(d.Groups) != 2 || d.Groups[0].Count != 1 || d.Groups[1].Count != 1) {
		return fmt.Errorf("objects: a relation needs exactly two groups of one object each")
	}
	return nil
}

// Equal reports whether d and e are the same description, group order
// included.
func (d Description) Equal(e Description) bool {
	return d.Relation == e.Relation && slices.Equal(d.Groups, e.Groups)
}

// String returns the caption's text: "two people and a bicycle", "a dog, a
// bicycle and a car", "a dog to the left of a bicycle", NoObjects. It panics
// if d is not valid.
func (d Description) String() string {
	if err := d.Validate(); err != nil {
		panic(err)
	}
	g := d.Groups
	switch {
	case len(g) == 0:
		return NoObjects
	case d.Relation != NoRelation:
		return g[0].String() + " " + d.Relation.String() + " " + g[1].String()
	case len(g) == 1:
		return g[0].String()
	case len(g) == 2:
		return g[0].String() + " and " + g[1].String()
	default:
		return g[0].String() + ", " + g[1].String() + " and " + g[2].String()
	}
}

// CheckScene returns an error if s has an object of an unknown class or a
// box that is not within [0, 1] with X0 <= X1 and Y0 <= Y1.
func CheckScene(s Scene) error {
	for i, o := range s.Objects {
		if !KnownClass(o.Class) {
			return fmt.Errorf("objects: object %d: unknown class %q", i, o.Class)
		}
		if err := checkBox(o.Box); err != nil {
			return fmt.Errorf("objects: object %d (%s): %w", i, o.Class, err)
		}
	}
	return nil
}

func checkBox(b Box) error {
	in := func(v float64) bool { return v >= 0 && v <= 1 } // false for NaN
	if !in(b.X0) || !in(b.Y0) || !in(b.X1) || !in(b.Y1) || b.X0 > b.X1 || b.Y0 > b.Y1 {
		return fmt.Errorf("box %+v is not within the frame", b)
	}
	return nil
}

// Area returns the box's area as a fraction of the frame.
func (b Box) Area() float64 { return (b.X1 - b.X0) * (b.Y1 - b.Y0) }

// Center returns the centre of the box.
func (b Box) Center() (x, y float64) { return (b.X0 + b.X1) / 2, (b.Y0 + b.Y1) / 2 }

// Describe returns the canonical description of s (docs/OBJECTS.md, "Photo
// captions"):
//
//  1. The named objects are those with a box area of at least MinArea, or
//     every object when none is that large.
//  2. They are grouped by class; a group's salience is its largest box area.
//     Groups are ordered by salience, larger first, ties by class index, and
//     the first MaxGroups are kept, each with its count of named objects
//     (clamped to Several).
//  3. When exactly two objects are named and their classes differ, the
//     relation of the first group's object to the other follows the larger
//     component of the vector between their box centres (relative
//     coordinates; ties count as horizontal).
//
// It panics if CheckScene fails.
func Describe(s Scene) Description {
	if err := CheckScene(s); err != nil {
		panic(err)
	}
	var named []Object
	for _, o := range s.Objects {
		if o.Box.Area() >= MinArea {
			named = append(named, o)
		}
	}
	if len(named) == 0 {
		named = s.Objects
	}
	type group struct {
		Group
		index    int
		salience float64
		first    Object // the group's object of largest area
	}
	var groups []group
	for _, o := range named {
		i := slices.IndexFunc(groups, func(g group) bool { return g.Class == o.Class })
		if i < 0 {
			groups = append(groups, group{Group: Group{Class: o.Class}, index: ClassIndex(o.Class), salience: math.Inf(-1)})
			i = len(groups) - 1
		}
		g := &groups[i]
		g.Count++
		if a := o.Box.Area(); a > g.salience {
			g.salience, g.first = a, o
		}
	}
	slices.SortFunc(groups, func(a, b group) int {
		if c := cmp.Compare(b.salience, a.salience); c != 0 {
			return c
		}
		return cmp.Compare(a.index, b.index)
	})
	var d Description
	for _, g := range groups[:min(len(groups), MaxGroups)] {
		d.Groups = append(d.Groups, Group{Class: g.Class, Count: min(g.Count, Several)})
	}
	if len(named) == 2 && len(groups) == 2 {
		d.Relation = relationOf(groups[0].first.Box, groups[1].first.Box)
	}
	return d
}

// relationOf returns where subject is relative to other.
func relationOf(subject, other Box) Relation {
	sx, sy := subject.Center()
	ox, oy := other.Center()
	dx, dy := ox-sx, oy-sy
	switch {
	case math.Abs(dx) >= math.Abs(dy) && dx >= 0:
		return LeftOf
	case math.Abs(dx) >= math.Abs(dy):
		return RightOf
	case dy > 0:
		return Above
	default:
		return Below
	}
}

// Caption returns the canonical caption of s: Describe(s).String(). It
// panics if CheckScene fails.
func Caption(s Scene) string { return Describe(s).String() }

// ParseCaption reads a caption back into a description. Besides the
// canonical form it accepts upper case, extra white space (also around
// commas), one final full stop, and either article before any noun ("a
// apple"); it accepts every description that Validate accepts, such as "a
// dog and a cat" (canonical captions give two lone objects a relation).
func ParseCaption(text string) (Description, error) {
	fail := func(format string, a ...any) (Description, error) {
		return Description{}, fmt.Errorf("objects: caption %q: %s: %w", clip(text), fmt.Sprintf(format, a...), ErrParse)
	}
	w := tokens(text)
	if len(w) == 0 {
		return fail("empty")
	}
	if strings.Join(w, " ") == strings.ToLower(NoObjects) {
		return Description{}, nil
	}
	var d Description
	g, w, err := parseGroup(w)
	if err != nil {
		return fail("%v", err)
	}
	d.Groups = append(d.Groups, g)
	if rel, n := parseRelation(w); n > 0 {
		g, rest, err := parseGroup(w[n:])
		if err != nil {
			return fail("after %q: %v", rel, err)
		}
		if len(rest) > 0 {
			return fail("words after the relation's object: %q", strings.Join(rest, " "))
		}
		d.Groups, d.Relation = append(d.Groups, g), rel
	} else {
		for len(w) > 0 {
			sep := w[0]
			if sep != "," && sep != "and" {
				return fail("want \",\", \"and\" or a relation after %q, got %q", d.Groups[len(d.Groups)-1], sep)
			}
			g, w, err = parseGroup(w[1:])
			if err != nil {
				return fail("after %q: %v", sep, err)
			}
			d.Groups = append(d.Groups, g)
			if (sep == "and") != (len(w) == 0) {
				return fail("want \"and\" before the last group only")
			}
		}
	}
	if err := d.Validate(); err != nil {
		return fail("%v", strings.TrimPrefix(err.Error(), "objects: "))
	}
	return d, nil
}

// tokens lower-cases s, drops one final full stop and splits it into words
// and commas.
func tokens(s string) []string {
	s = strings.TrimSpace(strings.ToLower(s))
	s = strings.TrimSuffix(s, ".")
	return strings.Fields(strings.ReplaceAll(s, ",", " , "))
}

var countOf = map[string]int{"a": 1, "an": 1, "two": 2, "three": 3, "several": Several}

// parseGroup reads a noun phrase at the start of w: a count word and the
// longest noun of that number.
func parseGroup(w []string) (Group, []string, error) {
	if len(w) == 0 {
		return Group{}, nil, errors.New("want a noun phrase, got the end")
	}
	count, ok := countOf[w[0]]
	if !ok {
		return Group{}, nil, fmt.Errorf("want a, an, two, three or several, got %q", w[0])
	}
	best, bestLen := -1, 0
	for i, n := range vocabulary {
		words := strings.Fields(n.one)
		if count > 1 {
			words = strings.Fields(n.many)
		}
		if len(words) > bestLen && len(w)-1 >= len(words) && slices.Equal(w[1:1+len(words)], words) {
			best, bestLen = i, len(words)
		}
	}
	if best < 0 {
		number := "singular"
		if count > 1 {
			number = "plural"
		}
		return Group{}, nil, fmt.Errorf("no known %s noun after %q", number, w[0])
	}
	return Group{Class: vocabulary[best].class, Count: count}, w[1+bestLen:], nil
}

// parseRelation recognises a relation at the start of w and returns it and
// the number of words it used (0 if none).
func parseRelation(w []string) (Relation, int) {
	for r := LeftOf; r <= Below; r++ {
		words := strings.Fields(r.String())
		if len(w) >= len(words) && slices.Equal(w[:len(words)], words) {
			return r, len(words)
		}
	}
	return NoRelation, 0
}

// clip shortens s for an error message.
func clip(s string) string {
	const n = 80
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
