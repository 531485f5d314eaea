package world

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestLabelString(t *testing.T) {
	tests := []struct {
		l    Label
		want string
	}{
		{Label{Event: Move, Colour: Red, Shape: Circle, Direction: DirLeft}, "a red circle moves left"},
		{Label{Event: Move, Colour: Orange, Shape: Star, Direction: DirDown}, "a orange star moves down"},
		{Label{Event: Appear, Colour: Blue, Shape: Square}, "a blue square appears"},
		{Label{Event: Disappear, Colour: Purple, Shape: Triangle}, "a purple triangle disappears"},
		{Label{Event: Still}, "nothing moves"},
	}
	for _, tc := range tests {
		if got := tc.l.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.l, got, tc.want)
		}
		got, err := ParseLabel(tc.want)
		if err != nil || got != tc.l {
			t.Errorf("ParseLabel(%q) = %+v, %v; want %+v", tc.want, got, err, tc.l)
		}
	}
}

func TestParseLabelVariants(t *testing.T) {
	tests := []struct {
		in   string
		want Label
	}{
		{"A Red Circle Moves LEFT.", Label{Event: Move, Colour: Red, Shape: Circle, Direction: DirLeft}},
		{"  a  green\tstar   appears ", Label{Event: Appear, Colour: Green, Shape: Star}},
		{"Nothing moves.", Label{Event: Still}},
	}
	for _, tc := range tests {
		got, err := ParseLabel(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseLabel(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{
		"", "nothing", "nothing moves left", "a red circle", "a red circle moves", "a red circle moves sideways",
		"a red circle appears left", "a small red circle appears", "a red circle vanishes", "the red circle appears",
		"a red circle appears..", "a red circle moves left and right",
	} {
		if l, err := ParseLabel(in); err == nil || !errors.Is(err, ErrParse) {
			t.Errorf("ParseLabel(%q) = %+v, %v; want an ErrParse error", in, l, err)
		}
	}
}

func TestLabelRoundTripAll(t *testing.T) {
	all := []Label{{Event: Still}}
	for _, c := range allColours {
		for _, s := range allShapes {
			all = append(all, Label{Event: Appear, Colour: c, Shape: s}, Label{Event: Disappear, Colour: c, Shape: s})
			for _, d := range allDirections {
				all = append(all, Label{Event: Move, Colour: c, Shape: s, Direction: d})
			}
		}
	}
	seen := map[string]bool{}
	for _, l := range all {
		s := l.String()
		if seen[s] {
			t.Fatalf("two labels read %q", s)
		}
		seen[s] = true
		got, err := ParseLabel(s)
		if err != nil || got != l {
			t.Fatalf("ParseLabel(%q) = %+v, %v; want %+v", s, got, err, l)
		}
	}
	if len(seen) != 1+24*6 {
		t.Fatalf("%d labels, want %d", len(seen), 1+24*6)
	}
}

func TestLabelJSON(t *testing.T) {
	l := Label{Event: Move, Colour: Yellow, Shape: Triangle, Direction: DirUp}
	data, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"event":"move","colour":"yellow","shape":"triangle","direction":"up"}`; string(data) != want {
		t.Fatalf("json %s, want %s", data, want)
	}
	var back Label
	if err := json.Unmarshal(data, &back); err != nil || back != l {
		t.Fatalf("unmarshal %s = %+v, %v", data, back, err)
	}
	still, _ := json.Marshal(Label{Event: Still})
	if string(still) != `{"event":"still"}` {
		t.Fatalf("still label json %s", still)
	}
}
