package world

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

var (
	redLeft   = Label{Event: Move, Colour: Red, Shape: Circle, Direction: DirLeft}
	blueStar  = Label{Event: Appear, Colour: Blue, Shape: Star}
	greenGone = Label{Event: Disappear, Colour: Green, Shape: Square}
)

func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		name   string
		events []Label
		want   string
	}{
		{"none", nil, "nothing moves"},
		{"one", []Label{blueStar}, "a blue star appears"},
		{"two", []Label{redLeft, blueStar}, "a red circle moves left, then a blue star appears"},
		{"three", []Label{redLeft, blueStar, greenGone},
			"a red circle moves left, then a blue star appears, then a green square disappears"},
		{"same twice", []Label{redLeft, redLeft}, "a red circle moves left, then a red circle moves left"},
	} {
		if got := Describe(tc.events); got != tc.want {
			t.Errorf("%s: Describe = %q, want %q", tc.name, got, tc.want)
		}
		back, err := ParseDescription(tc.want)
		if err != nil || !slices.Equal(back, tc.events) && len(back)+len(tc.events) > 0 {
			t.Errorf("%s: ParseDescription(%q) = %v, %v; want %v", tc.name, tc.want, back, err, tc.events)
		}
	}
}

func TestParseDescription(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []Label // nil with ok false: an error
		ok   bool
	}{
		{"nothing moves", []Label{}, true},
		{"Nothing moves.", []Label{}, true},
		{"A red circle moves left then a blue star appears", []Label{redLeft, blueStar}, true},
		{"  a red circle moves LEFT ,  then a blue star appears. ", []Label{redLeft, blueStar}, true},
		{"a red circle moves left, then a blue star appears, then a green square disappears, then a red circle moves left",
			[]Label{redLeft, blueStar, greenGone, redLeft}, true},
		{"", nil, false},
		{"then", nil, false},
		{"a red circle moves left, then", nil, false},
		{"a red circle moves left, a blue star appears", nil, false},
		{"a red circle moves left then nothing moves", nil, false},
		{"nothing moves, then a blue star appears", nil, false},
		{"a red circle moves left, then a blue star appears..", nil, false},
		{"a red circle moves sideways", nil, false},
		{"a red circle moves left,, then a blue star appears", nil, false},
	} {
		got, err := ParseDescription(tc.in)
		if !tc.ok {
			if err == nil || !errors.Is(err, ErrParse) {
				t.Errorf("ParseDescription(%q) = %v, %v; want an ErrParse", tc.in, got, err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) || got == nil {
			t.Errorf("ParseDescription(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// The scores of four descriptions, computed by hand: two exact (one of
// them "nothing moves"), one with the right count but a wrong event, one
// that does not parse.
func TestDescriptionScorer(t *testing.T) {
	var d DescriptionScorer
	adds := []struct {
		pred  string
		truth []Label
		exact bool
	}{
		{"a red circle moves left, then a blue star appears", []Label{redLeft, blueStar}, true},
		{"nothing moves", nil, true},
		{"a red circle moves right, then a blue star appears", []Label{redLeft, blueStar}, false},
		{"a red circle", []Label{redLeft}, false},
		{"a blue star appears", []Label{redLeft, blueStar}, false},
	}
	for _, a := range adds {
		if got := d.Add(a.pred, a.truth); got != a.exact {
			t.Errorf("Add(%q) = %t, want %t", a.pred, got, a.exact)
		}
	}
	want := DescriptionReport{Descriptions: 5, ParseFailures: 1, ExactMatch: 2.0 / 5, CountMatch: 3.0 / 5}
	if got := d.Report(); got != want {
		t.Errorf("report %+v, want %+v", got, want)
	}
}

func TestEvents(t *testing.T) {
	segs := []Segment{{Label: "nothing moves"}, {Label: "a red circle moves left"}, {Label: "nothing moves"}, {Label: "a blue star appears"}}
	got, err := Events(segs)
	if err != nil || !slices.Equal(got, []Label{redLeft, blueStar}) {
		t.Errorf("Events = %v, %v", got, err)
	}
	if _, err := Events([]Segment{{Label: "a red blob"}}); err == nil || !strings.Contains(err.Error(), "segment 0") {
		t.Errorf("Events of a bad label: %v", err)
	}
}

func FuzzParseDescription(f *testing.F) {
	for _, s := range []string{
		"nothing moves",
		"a red circle moves left, then a blue star appears",
		"A GREEN SQUARE DISAPPEARS then a red circle moves up.",
		"a red circle moves left,, then",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > maxFuzzInput {
			return
		}
		evs, err := ParseDescription(s)
		if err != nil {
			return
		}
		c := Describe(evs)
		back, err := ParseDescription(c)
		if err != nil || !slices.Equal(back, evs) || Describe(back) != c {
			t.Fatalf("canonical %q of %q does not round trip: %v, %v", c, s, back, err)
		}
	})
}
