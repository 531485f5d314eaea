package objects

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func box(x0, y0, x1, y1 float64) Box { return Box{X0: x0, Y0: y0, X1: x1, Y1: y1} }

func obj(class string, x0, y0, x1, y1 float64) Object {
	return Object{Class: class, Box: box(x0, y0, x1, y1)}
}

// TestCaption: canonical captions of scenes worked out by hand; areas and
// centre vectors in the comments.
func TestCaption(t *testing.T) {
	tests := []struct {
		name  string
		scene Scene
		want  string
	}{
		{"empty", Scene{}, "no objects I know"},
		{"one", Scene{Objects: []Object{obj("person", 0.2, 0.1, 0.6, 0.9)}}, "a person"},
		{"article", Scene{Objects: []Object{obj("elephant", 0.2, 0.1, 0.6, 0.9)}}, "an elephant"},
		// bicycle 0.4x0.6 = 0.24 beats dog 0.3x0.6 = 0.18 and is the subject;
		// dog centre (0.25, 0.6) - bicycle centre (0.7, 0.5) = (-0.45, 0.1):
		// horizontal, the dog is to the left, so the bicycle is to its right.
		{"relation right", Scene{Objects: []Object{obj("dog", 0.1, 0.3, 0.4, 0.9), obj("bicycle", 0.5, 0.2, 0.9, 0.8)}},
			"a bicycle to the right of a dog"},
		// cup 0.2x0.3 = 0.06 beats clock 0.1x0.15 = 0.015; clock centre (0.5,
		// 0.125) - cup centre (0.5, 0.75) = (0, -0.625): vertical, clock up.
		{"relation below", Scene{Objects: []Object{obj("clock", 0.45, 0.05, 0.55, 0.2), obj("cup", 0.4, 0.6, 0.6, 0.9)}},
			"a cup below a clock"},
		// Subject (0.25, 0.25), other (0.75, 0.75): |dx| = |dy| is horizontal.
		{"relation tie", Scene{Objects: []Object{obj("cat", 0, 0, 0.5, 0.5), obj("apple", 0.625, 0.625, 0.875, 0.875)}},
			"a cat to the left of an apple"},
		// other centre (0.5, 0.9) - subject (0.5, 0.25): down, subject above.
		{"relation above", Scene{Objects: []Object{obj("tv", 0.25, 0, 0.75, 0.5), obj("remote", 0.4, 0.8, 0.6, 1)}},
			"a tv above a remote"},
		// Two people (0.16, 0.12) beat the bicycle (0.09): no relation with
		// three objects.
		{"count two", Scene{Objects: []Object{obj("bicycle", 0.6, 0.6, 0.9, 0.9), obj("person", 0.1, 0.1, 0.5, 0.5), obj("person", 0.5, 0.1, 0.9, 0.4)}},
			"two people and a bicycle"},
		// dog 0.25, bicycle 0.16, car 0.09, cup 0.04 (dropped: three classes
		// at most).
		{"three of four", Scene{Objects: []Object{
			obj("cup", 0.8, 0.8, 1, 1), obj("car", 0, 0, 0.3, 0.3), obj("dog", 0.5, 0, 1, 0.5), obj("bicycle", 0, 0.6, 0.4, 1)}},
			"a dog, a bicycle and a car"},
		{"several", Scene{Objects: []Object{
			obj("car", 0, 0, 0.2, 0.2), obj("car", 0.2, 0, 0.4, 0.2), obj("car", 0.4, 0, 0.6, 0.2), obj("car", 0.6, 0, 0.8, 0.2), obj("car", 0.8, 0, 1, 0.2),
			obj("bus", 0, 0.5, 0.1, 0.6)}},
			"several cars and a bus"},
		{"three", Scene{Objects: []Object{obj("sheep", 0, 0, 0.2, 0.2), obj("sheep", 0.2, 0, 0.4, 0.2), obj("sheep", 0.4, 0, 0.6, 0.2)}},
			"three sheep"},
		// The bird is tiny (0.05 x 0.05 = 0.0025 < MinArea): one object
		// named, so no relation.
		{"tiny dropped", Scene{Objects: []Object{obj("person", 0.1, 0.1, 0.5, 0.9), obj("bird", 0.8, 0.1, 0.85, 0.15)}}, "a person"},
		{"tiny dropped keeps count", Scene{Objects: []Object{obj("person", 0.1, 0.1, 0.5, 0.9), obj("person", 0.8, 0.1, 0.85, 0.15)}}, "a person"},
		// Only tiny objects: all are named, and two of different classes
		// take a relation. bird 0.0025 beats kite 0.04 x 0.04 = 0.0016;
		// kite centre (0.12, 0.72) - bird (0.825, 0.125): horizontal, left.
		{"all tiny", Scene{Objects: []Object{obj("kite", 0.1, 0.7, 0.14, 0.74), obj("bird", 0.8, 0.1, 0.85, 0.15)}},
			"a bird to the right of a kite"},
		{"all tiny same class", Scene{Objects: []Object{obj("bird", 0.1, 0.7, 0.14, 0.74), obj("bird", 0.8, 0.1, 0.85, 0.15)}},
			"two birds"},
		// Equal areas (0.0625, exact in binary): the lower class index (cat
		// 15, dog 16) first.
		{"tie by class", Scene{Objects: []Object{obj("dog", 0, 0, 0.25, 0.25), obj("cat", 0.75, 0, 1, 0.25)}},
			"a cat to the right of a dog"},
		// Two named objects of one class and a third: no relation.
		{"no relation with three", Scene{Objects: []Object{obj("person", 0, 0, 0.5, 1), obj("dog", 0.6, 0.6, 0.8, 0.8), obj("dog", 0.8, 0.6, 1, 0.8)}},
			"a person and two dogs"},
		{"pairs", Scene{Objects: []Object{obj("skis", 0, 0, 0.5, 0.2), obj("scissors", 0.6, 0.6, 0.8, 0.8), obj("scissors", 0.8, 0.6, 1, 0.8)}},
			"a pair of skis and two pairs of scissors"},
		// A group's salience is its largest member: one large mouse (0.25)
		// beats three keyboards (0.09 each).
		{"salience is the largest", Scene{Objects: []Object{
			obj("keyboard", 0, 0, 0.3, 0.3), obj("keyboard", 0, 0.3, 0.3, 0.6), obj("keyboard", 0, 0.6, 0.3, 0.9), obj("mouse", 0.5, 0.5, 1, 1)}},
			"a mouse and three keyboards"},
	}
	for _, tc := range tests {
		before := cloneScene(tc.scene)
		if got := Caption(tc.scene); got != tc.want {
			t.Errorf("%s: Caption = %q, want %q", tc.name, got, tc.want)
		}
		if !reflect.DeepEqual(before, tc.scene) {
			t.Errorf("%s: Caption modified its scene", tc.name)
		}
		d, err := ParseCaption(tc.want)
		if err != nil || !d.Equal(Describe(tc.scene)) {
			t.Errorf("%s: ParseCaption(%q) = %+v, %v; Describe gave %+v", tc.name, tc.want, d, err, Describe(tc.scene))
		}
	}
}

func cloneScene(s Scene) Scene {
	if s.Objects == nil {
		return s
	}
	return Scene{Objects: append([]Object(nil), s.Objects...)}
}

func TestCheckScene(t *testing.T) {
	tests := []struct {
		name  string
		scene Scene
		err   string
	}{
		{"unknown class", Scene{Objects: []Object{obj("unicorn", 0, 0, 1, 1)}}, `object 0: unknown class "unicorn"`},
		{"outside", Scene{Objects: []Object{obj("dog", 0, 0, 1, 1), obj("cat", -0.1, 0, 1, 1)}}, "object 1 (cat)"},
		{"reversed", Scene{Objects: []Object{obj("dog", 0.5, 0, 0.4, 1)}}, "not within the frame"},
		{"nan", Scene{Objects: []Object{obj("dog", math.NaN(), 0, 0.4, 1)}}, "not within the frame"},
	}
	for _, tc := range tests {
		err := CheckScene(tc.scene)
		if err == nil || !strings.HasPrefix(err.Error(), "objects: ") || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: CheckScene = %v, want an error with %q", tc.name, err, tc.err)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Caption did not panic", tc.name)
				}
			}()
			Caption(tc.scene)
		}()
	}
	if err := CheckScene(Scene{Objects: []Object{obj("dog", 0, 0, 0, 0)}}); err != nil {
		t.Errorf("an empty box is a box: %v", err)
	}
}

func g(class string, count int) Group { return Group{Class: class, Count: count} }

func TestParseCaption(t *testing.T) {
	tests := []struct {
		in   string
		want Description
	}{
		{"a dog, a bicycle and a car", Description{Groups: []Group{g("dog", 1), g("bicycle", 1), g("car", 1)}}},
		{"  A Dog ,a bicycle   AND a car. ", Description{Groups: []Group{g("dog", 1), g("bicycle", 1), g("car", 1)}}},
		{"two people and a bicycle", Description{Groups: []Group{g("person", 2), g("bicycle", 1)}}},
		{"an apple to the right of a orange", Description{Groups: []Group{g("apple", 1), g("orange", 1)}, Relation: RightOf}},
		{"a cup below a clock", Description{Groups: []Group{g("cup", 1), g("clock", 1)}, Relation: Below}},
		{"a tv above a remote", Description{Groups: []Group{g("tv", 1), g("remote", 1)}, Relation: Above}},
		{"a dog to the left of a hot dog", Description{Groups: []Group{g("dog", 1), g("hot dog", 1)}, Relation: LeftOf}},
		{"several pairs of skis", Description{Groups: []Group{g("skis", Several)}}},
		{"a pair of scissors below a head of broccoli", Description{Groups: []Group{g("scissors", 1), g("broccoli", 1)}, Relation: Below}},
		{"three teddy bears and a bear", Description{Groups: []Group{g("teddy bear", 3), g("bear", 1)}}},
		{"three sheep", Description{Groups: []Group{g("sheep", 3)}}},
		{"a dog and a cat", Description{Groups: []Group{g("dog", 1), g("cat", 1)}}},
		{"No objects I know.", Description{}},
		{"no objects i know", Description{}},
	}
	for _, tc := range tests {
		got, err := ParseCaption(tc.in)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("ParseCaption(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseCaptionErrors(t *testing.T) {
	tests := []struct{ in, err string }{
		{"", "empty"},
		{" . ", "empty"},
		{"a unicorn", `no known singular noun after "a"`},
		{"two person", `no known plural noun after "two"`},
		{"a people", `no known singular noun after "a"`},
		{"four dogs", `want a, an, two, three or several, got "four"`},
		{"a dog and a dog", `class "dog" named twice`},
		{"a dog, a cat, a cow and a horse", "4 classes in a caption, at most 3"},
		{"a dog and a cat and a cow", `want "and" before the last group only`},
		{"a dog, a cat", `want "and" before the last group only`},
		{"two dogs to the left of a cat", "a relation needs exactly two groups of one object each"},
		{"a dog to the left of", "want a noun phrase, got the end"},
		{"a dog to the left of a cat and a cow", `words after the relation's object: "and a cow"`},
		{"a dog sits", `want ",", "and" or a relation after "a dog", got "sits"`},
		{"a dog.. ", "no known singular noun"},
		{"no objects", `want a, an, two, three or several, got "no"`},
	}
	for _, tc := range tests {
		_, err := ParseCaption(tc.in)
		if err == nil || !errors.Is(err, ErrParse) || !strings.HasPrefix(err.Error(), "objects: caption ") || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("ParseCaption(%q) = %v, want an ErrParse with %q", tc.in, err, tc.err)
		}
	}
}

// randomScene draws 0 to 7 objects of a few classes (so that counts and
// shared classes are common), with boxes of any size, tiny ones included.
func randomScene(r *rand.Rand) Scene {
	classes := Classes()
	pool := []string{classes[r.IntN(NumClasses)], classes[r.IntN(NumClasses)], classes[r.IntN(NumClasses)], classes[r.IntN(NumClasses)], "person"}
	var s Scene
	for range r.IntN(8) {
		w, h := r.Float64()*r.Float64(), r.Float64()*r.Float64()
		x0, y0 := r.Float64()*(1-w), r.Float64()*(1-h)
		s.Objects = append(s.Objects, Object{Class: pool[r.IntN(len(pool))], Box: box(x0, y0, x0+w, y0+h)})
	}
	return s
}

// TestCaptionRoundTrip: for many random scenes the caption parses back into
// the scene's description: its named classes and counts.
func TestCaptionRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 0))
	relations := 0
	for i := range 5000 {
		s := randomScene(r)
		c := Caption(s)
		d, err := ParseCaption(c)
		if err != nil {
			t.Fatalf("scene %d %+v: caption %q does not parse: %v", i, s, c, err)
		}
		want := Describe(s)
		if !d.Equal(want) || d.String() != c {
			t.Fatalf("scene %d: %q parsed to %+v, want %+v", i, c, d, want)
		}
		relations += b2i(d.Relation != NoRelation)
		// The named classes and counts, recounted here the simple way.
		counts := map[string]int{}
		for _, o := range s.Objects {
			if o.Box.Area() >= MinArea {
				counts[o.Class]++
			}
		}
		if len(counts) == 0 {
			for _, o := range s.Objects {
				counts[o.Class]++
			}
		}
		if len(d.Groups) != min(len(counts), MaxGroups) {
			t.Fatalf("scene %d: %q names %d classes of %d", i, c, len(d.Groups), len(counts))
		}
		for _, gr := range d.Groups {
			if gr.Count != min(counts[gr.Class], Several) {
				t.Fatalf("scene %d: %q counts %d %s, the scene has %d", i, c, gr.Count, gr.Class, counts[gr.Class])
			}
		}
	}
	if relations < 100 {
		t.Fatalf("only %d of 5000 random captions have a relation", relations)
	}
}

func TestDescriptionValidate(t *testing.T) {
	bad := []Description{
		{Groups: []Group{g("dog", 0)}},
		{Groups: []Group{g("dog", 5)}},
		{Groups: []Group{g("Dog", 1)}},
		{Groups: []Group{g("dog", 1)}, Relation: LeftOf},
		{Groups: []Group{g("dog", 1), g("cat", 1)}, Relation: Below + 1},
		{Relation: Above},
	}
	for _, d := range bad {
		if err := d.Validate(); err == nil || !strings.HasPrefix(err.Error(), "objects: ") {
			t.Errorf("Validate(%+v) = %v, want an error", d, err)
		}
	}
}

func TestRelationText(t *testing.T) {
	for r := NoRelation; r <= Below; r++ {
		b, err := r.MarshalText()
		var back Relation
		if err != nil || back.UnmarshalText(b) != nil || back != r || r.Flip().Flip() != r {
			t.Errorf("relation %d: %q, %v, back %d", r, b, err, back)
		}
	}
	if LeftOf.Flip() != RightOf || Above.Flip() != Below {
		t.Error("Flip")
	}
}
