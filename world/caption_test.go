package world

import (
	"errors"
	"testing"
)

func obj(size Size, colour Colour, shape Shape) Object {
	return Object{Shape: shape, Colour: colour, Size: size}
}

func TestCaptionCanonical(t *testing.T) {
	tests := []struct {
		name  string
		scene Scene
		want  string
	}{
		{"one", Scene{Objects: []Object{obj(Small, Red, Circle)}, Position: TopLeft}, "a small red circle in the top left"},
		{"top", Scene{Objects: []Object{obj(Large, Orange, Star)}, Position: Top}, "a large orange star at the top"},
		{"center", Scene{Objects: []Object{obj(Large, Purple, Triangle)}, Position: Center}, "a large purple triangle in the center"},
		{"right", Scene{Objects: []Object{obj(Small, Yellow, Square)}, Position: Right}, "a small yellow square on the right"},
		{"bottom", Scene{Objects: []Object{obj(Small, Green, Square)}, Position: Bottom}, "a small green square at the bottom"},
		{"left of", Scene{Objects: []Object{obj(Large, Blue, Star), obj(Small, Green, Square)}, Relation: LeftOf},
			"a large blue star to the left of a small green square"},
		{"above", Scene{Objects: []Object{obj(Small, Red, Triangle), obj(Small, Red, Circle)}, Relation: Above},
			"a small red triangle above a small red circle"},
	}
	for _, tc := range tests {
		if got := tc.scene.Caption(); got != tc.want {
			t.Errorf("%s: Caption() = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestParseCaption(t *testing.T) {
	blueStar, greenSquare := obj(Large, Blue, Star), obj(Small, Green, Square)
	leftOf := Scene{Objects: []Object{blueStar, greenSquare}, Relation: LeftOf}
	above := Scene{Objects: []Object{blueStar, greenSquare}, Relation: Above}
	one := Scene{Objects: []Object{obj(Small, Red, Circle)}, Position: BottomRight}
	tests := []struct {
		name string
		in   string
		want Scene
	}{
		{"canonical", "a small red circle in the bottom right", one},
		{"upper case", "A SMALL Red Circle In The Bottom Right", one},
		{"white space", "  a small\tred  circle in the\nbottom right  ", one},
		{"full stop", "a small red circle in the bottom right.", one},
		{"full stop after space", "a small red circle in the bottom right .", one},
		{"left of", "a large blue star to the left of a small green square", leftOf},
		{"right of swapped", "a small green square to the right of a large blue star", leftOf},
		{"above", "a large blue star above a small green square", above},
		{"below swapped", "A small green square below a large blue star.", above},
	}
	for _, tc := range tests {
		got, err := ParseCaption(tc.in)
		if err != nil {
			t.Errorf("%s: ParseCaption(%q): %v", tc.name, tc.in, err)
			continue
		}
		if !got.Equal(tc.want) {
			t.Errorf("%s: ParseCaption(%q) = %+v, want %+v", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestParseCaptionRejects(t *testing.T) {
	for _, in := range []string{
		"",
		"   ",
		".",
		"a small red circle",
		"a small red circle in the top",
		"a small red circle in the bottom right..",
		"a small red circle. in the center",
		"the small red circle in the center",
		"an small red circle in the center",
		"a tiny red circle in the center",
		"a small pink circle in the center",
		"a small red hexagon in the center",
		"a red small circle in the center",
		"a small red circle in the centre",
		"a small red circle in the center and more",
		"a small red circle next to a large blue star",
		"a small red circle to the left of",
		"a small red circle to the left of a large blue star in the center",
		"a small red circle above a large blue",
	} {
		if s, err := ParseCaption(in); err == nil {
			t.Errorf("ParseCaption(%q) = %+v, want an error", in, s)
		} else if !errors.Is(err, ErrParse) {
			t.Errorf("ParseCaption(%q): error %v does not wrap ErrParse", in, err)
		}
	}
}

// TestCaptionRoundTripAll checks every scene of the vocabulary: its caption
// parses back to it, and the swapped phrasing parses to it too.
func TestCaptionRoundTripAll(t *testing.T) {
	var objs []Object
	for _, sz := range allSizes {
		for _, c := range allColours {
			for _, sh := range allShapes {
				objs = append(objs, obj(sz, c, sh))
			}
		}
	}
	n := 0
	check := func(s Scene) {
		n++
		c := s.Caption()
		got, err := ParseCaption(c)
		if err != nil || !got.Equal(s) {
			t.Fatalf("ParseCaption(%q) = %+v, %v; want %+v", c, got, err, s)
		}
		if got.Caption() != c {
			t.Fatalf("round trip of %q gave %q", c, got.Caption())
		}
	}
	for _, o := range objs {
		for _, p := range allPositions {
			check(Scene{Objects: []Object{o}, Position: p})
		}
	}
	for _, a := range objs {
		for _, b := range objs {
			for _, r := range []Relation{LeftOf, Above} {
				s := Scene{Objects: []Object{a, b}, Relation: r}
				check(s)
				swapped := map[Relation]string{LeftOf: " to the right of ", Above: " below "}[r]
				alt := "a " + b.Size.String() + " " + b.Colour.String() + " " + b.Shape.String() + swapped +
					"a " + a.Size.String() + " " + a.Colour.String() + " " + a.Shape.String()
				if got, err := ParseCaption(alt); err != nil || !got.Equal(s) {
					t.Fatalf("ParseCaption(%q) = %+v, %v; want %+v", alt, got, err, s)
				}
			}
		}
	}
	if want := 48*9 + 48*48*2; n != want {
		t.Fatalf("checked %d scenes, want %d", n, want)
	}
}

func TestSceneValidate(t *testing.T) {
	bad := []Scene{
		{},
		{Objects: []Object{obj(Small, Red, Circle)}},
		{Objects: []Object{obj(Small, Red, Circle)}, Position: Center, Relation: Above},
		{Objects: []Object{obj(Small, Red, Circle), obj(Small, Red, Star)}},
		{Objects: []Object{obj(Small, Red, Circle), obj(Small, Red, Star)}, Relation: Above, Position: Top},
		{Objects: []Object{obj(0, Red, Circle)}, Position: Center},
		{Objects: []Object{obj(Small, Red, Circle), obj(Small, Red, Star), obj(Large, Red, Star)}, Relation: Above},
	}
	for i, s := range bad {
		if err := s.Validate(); err == nil {
			t.Errorf("case %d: Validate(%+v) = nil, want an error", i, s)
		}
	}
}
