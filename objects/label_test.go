package objects

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func sec(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// Labels used across the tests.
var (
	still         = Label{Event: Still}
	personRight   = Label{Event: Move, Group: g("person", 1), Direction: Right}
	dogAppears    = Label{Event: Appear, Group: g("dog", 1)}
	dogDisappears = Label{Event: Disappear, Group: g("dog", 1)}
)

func TestLabelText(t *testing.T) {
	tests := []struct {
		l    Label
		text string
	}{
		{still, "nothing moves"},
		{personRight, "a person moves right"},
		{Label{Event: Move, Group: g("person", 2), Direction: Left}, "two people move left"},
		{Label{Event: Move, Group: g("car", Several), Direction: Up}, "several cars move up"},
		{Label{Event: Move, Group: g("skis", 1), Direction: Down}, "a pair of skis moves down"},
		{dogAppears, "a dog appears"},
		{Label{Event: Appear, Group: g("elephant", 3)}, "three elephants appear"},
		{dogDisappears, "a dog disappears"},
		{Label{Event: Disappear, Group: g("sheep", 2)}, "two sheep disappear"},
		{Label{Event: Appear, Group: g("orange", 1)}, "an orange appears"},
	}
	for _, tc := range tests {
		if got := tc.l.String(); got != tc.text {
			t.Errorf("%+v: String = %q, want %q", tc.l, got, tc.text)
		}
		l, err := ParseLabel(tc.text)
		if err != nil || l != tc.l {
			t.Errorf("ParseLabel(%q) = %+v, %v; want %+v", tc.text, l, err, tc.l)
		}
		l, err = ParseLabel("  " + strings.ToUpper(tc.text) + ". ")
		if err != nil || l != tc.l {
			t.Errorf("ParseLabel(upper %q) = %+v, %v; want %+v", tc.text, l, err, tc.l)
		}
	}
	if l, err := ParseLabel("a apple appears"); err != nil || l != (Label{Event: Appear, Group: g("apple", 1)}) {
		t.Errorf("either article: %+v, %v", l, err)
	}
}

func TestParseLabelErrors(t *testing.T) {
	tests := []struct{ in, err string }{
		{"", "empty"},
		{"nothing", `want a, an, two, three or several, got "nothing"`},
		{"nothing moves left", `got "nothing"`},
		{"two people moves left", `want "appear", "disappear" or "move" after "two people"`},
		{"a person move left", `want "appears", "disappears" or "moves" after "a person"`},
		{"a person moves", "want one direction (left, right, up, down) after \"moves\""},
		{"a person moves left fast", "want one direction"},
		{"a person moves sideways", `unknown direction "sideways"`},
		{"a person appears now", `words after "appears"`},
		{"a person runs", `want "appears"`},
		{"a unicorn appears", "no known singular noun"},
		{"a person", `want "appears"`},
	}
	for _, tc := range tests {
		_, err := ParseLabel(tc.in)
		if err == nil || !errors.Is(err, ErrParse) || !strings.HasPrefix(err.Error(), "objects: label ") || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("ParseLabel(%q) = %v, want an ErrParse with %q", tc.in, err, tc.err)
		}
	}
}

func TestLabelValidate(t *testing.T) {
	bad := []Label{
		{},
		{Event: Still, Group: g("dog", 1)},
		{Event: Still, Direction: Left},
		{Event: Appear, Group: g("dog", 1), Direction: Left},
		{Event: Move, Group: g("dog", 1)},
		{Event: Move, Group: g("dog", 0), Direction: Left},
		{Event: Move, Group: g("dog", 1), Direction: Down + 1},
		{Event: Move + 1, Group: g("dog", 1)},
	}
	for _, l := range bad {
		if err := l.Validate(); err == nil || !strings.HasPrefix(err.Error(), "objects: ") {
			t.Errorf("Validate(%+v) = %v, want an error", l, err)
		}
	}
}

func TestSteps(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want int
	}{
		{0, 0}, {-time.Second, 0}, {250 * time.Millisecond, 0}, {251 * time.Millisecond, 1},
		{time.Second, 2}, {sec(6), 12}, {sec(6.2), 12}, {sec(6.26), 13},
	} {
		if got := Steps(tc.d); got != tc.want {
			t.Errorf("Steps(%v) = %d, want %d", tc.d, got, tc.want)
		}
	}
}

// track(class, start, centres...) builds boxes of side 0.25 (area 0.0625,
// exact in binary like the centres used) about the given centres.
func track(class string, start int, centres ...[2]float64) ObjectTrack {
	t := ObjectTrack{Class: class, Start: start}
	for _, c := range centres {
		t.Boxes = append(t.Boxes, box(c[0]-0.125, c[1]-0.125, c[0]+0.125, c[1]+0.125))
	}
	return t
}

// moveX is a track whose box (w x h) starts at x0 and moves dx a step.
func moveX(class string, start, n int, x0, dx, y0, w, h float64) ObjectTrack {
	t := ObjectTrack{Class: class, Start: start}
	for i := range n {
		x := x0 + dx*float64(i)
		t.Boxes = append(t.Boxes, box(x, y0, x+w, y0+h))
	}
	return t
}

func stay(c [2]float64, n int) [][2]float64 {
	out := make([][2]float64, n)
	for i := range out {
		out[i] = c
	}
	return out
}

// TestLabels: step labels of hand-built tracks, worked out step by step in
// the comments (speeds in frames per second: a step is 0.5 s).
func TestLabels(t *testing.T) {
	// A person 0.2 x 0.6 (area 0.12) in view from step 0, 0.05 a step to
	// the right (0.1/s >= MoveOn) from step 1 on; step 0 has no speed.
	person := moveX("person", 0, 10, 0.1, 0.05, 0.2, 0.2, 0.6)
	// Two people 0.25 x 0.5 (area 0.125 exactly) moving 0.0625 a step
	// (0.125/s) opposite ways.
	pRight := moveX("person", 0, 2, 0.125, 0.0625, 0.25, 0.25, 0.5)
	pLeft := moveX("person", 0, 2, 0.625, -0.0625, 0.25, 0.25, 0.5)
	// A still dog (area 0.0625) in view over steps 3-6: it appears at 3 and
	// 4, and disappears at 7 and 8 (End = 7).
	dog := track("dog", 3, stay([2]float64{0.5, 0.5}, 4)...)
	p, a, d := personRight, dogAppears, dogDisappears
	carRight := Label{Event: Move, Group: g("car", 1), Direction: Right}

	tests := []struct {
		name   string
		tracks []ObjectTrack
		steps  int
		want   []Label
	}{
		{"nothing", nil, 3, []Label{still, still, still}},
		{"still objects", []ObjectTrack{track("cat", 0, stay([2]float64{0.3, 0.3}, 3)...)}, 3, []Label{still, still, still}},
		// Appearing and disappearing beat moving, though the person is larger.
		{"appear and disappear over a move", []ObjectTrack{person, dog}, 10,
			[]Label{still, p, p, a, a, p, p, d, d, p}},
		// Car centres 0.3, 0.33, 0.345, 0.355, 0.37, 0.4: speeds 0.06 (on),
		// 0.03 (still moving: >= MoveOff), 0.02 (stops: < MoveOff), 0.03
		// (not started: < MoveOn), 0.06 (on).
		{"hysteresis", []ObjectTrack{track("car", 0, [2]float64{0.3, 0.5}, [2]float64{0.33, 0.5}, [2]float64{0.345, 0.5},
			[2]float64{0.355, 0.5}, [2]float64{0.37, 0.5}, [2]float64{0.4, 0.5})}, 6,
			[]Label{still, carRight, carRight, still, still, carRight}},
		// Up 0.1 a step (0.2/s) and right 0.05 (0.1/s): the larger
		// component names the direction; y grows downwards.
		{"up", []ObjectTrack{track("bird", 0, [2]float64{0.3, 0.8}, [2]float64{0.35, 0.7}, [2]float64{0.4, 0.6})}, 3,
			[]Label{still, {Event: Move, Group: g("bird", 1), Direction: Up}, {Event: Move, Group: g("bird", 1), Direction: Up}}},
		// |dx| = |dy| (0.125 a step, exact in binary) is horizontal.
		{"diagonal tie", []ObjectTrack{track("bird", 0, [2]float64{0.5, 0.5}, [2]float64{0.375, 0.625})}, 2,
			[]Label{still, {Event: Move, Group: g("bird", 1), Direction: Left}}},
		// Two small people (0.1 x 0.2 = 0.02) move right, a car (0.1 x 1 =
		// 0.1) moves left: the larger box wins, whatever the count.
		{"salience over count", []ObjectTrack{
			moveX("person", 0, 2, 0.1, 0.05, 0.1, 0.1, 0.2), moveX("person", 0, 2, 0.3, 0.05, 0.5, 0.1, 0.2),
			moveX("car", 0, 2, 0.8, -0.05, 0, 0.1, 1)}, 2,
			[]Label{still, {Event: Move, Group: g("car", 1), Direction: Left}}},
		// The same with larger people (0.2 x 0.6 = 0.12): two people win.
		{"group", []ObjectTrack{
			moveX("person", 0, 2, 0.1, 0.05, 0.1, 0.2, 0.6), moveX("person", 0, 2, 0.3, 0.05, 0.3, 0.2, 0.6),
			moveX("car", 0, 2, 0.8, -0.05, 0, 0.1, 1)}, 2,
			[]Label{still, {Event: Move, Group: g("person", 2), Direction: Right}}},
		// Equal boxes moving opposite ways: left before right.
		{"direction order", []ObjectTrack{pRight, pLeft}, 2,
			[]Label{still, {Event: Move, Group: g("person", 1), Direction: Left}}},
		// Equal boxes (0.0625): the lower class index, cat (15) before dog (16).
		{"class order", []ObjectTrack{track("dog", 1, [2]float64{0.25, 0.25}), track("cat", 1, [2]float64{0.75, 0.75})}, 2,
			[]Label{still, {Event: Appear, Group: g("cat", 1)}}},
		// Five people appear at step 1: several. A one-step track appears
		// at its only step and disappears at the next two.
		{"several and short", []ObjectTrack{
			track("person", 1, [2]float64{0.125, 0.5}), track("person", 1, [2]float64{0.3, 0.5}), track("person", 1, [2]float64{0.5, 0.5}),
			track("person", 1, [2]float64{0.7, 0.5}), track("person", 1, [2]float64{0.875, 0.5})}, 5,
			[]Label{still, {Event: Appear, Group: g("person", Several)}, {Event: Disappear, Group: g("person", Several)}, {Event: Disappear, Group: g("person", Several)}, still}},
		// A dog appears moving (0.1/s) at step 1: it appears at 1 and 2,
		// then moves; it leaves at 6 (End = 6) and step 7 is past the video.
		{"appears moving", []ObjectTrack{moveX("dog", 1, 5, 0.1, 0.05, 0.4, 0.2, 0.2)}, 7,
			[]Label{still, a, a, {Event: Move, Group: g("dog", 1), Direction: Right}, {Event: Move, Group: g("dog", 1), Direction: Right}, {Event: Move, Group: g("dog", 1), Direction: Right}, d}},
		// A disappearance is as large as the object's last box: the dog's
		// 0.0625 beats the person's 0.01 (0.1 x 0.1). The person's centre
		// goes from (0.25, 0.25) to (0.05, 0.05): a diagonal, so left.
		{"disappear salience", []ObjectTrack{
			{Class: "person", Start: 0, Boxes: []Box{box(0, 0, 0.5, 0.5), box(0, 0, 0.1, 0.1)}},
			track("dog", 0, [2]float64{0.5, 0.5}, [2]float64{0.5, 0.5})}, 3,
			[]Label{still, {Event: Move, Group: g("person", 1), Direction: Left}, d}},
		// A track that outlasts the video neither disappears nor fails.
		{"past the end", []ObjectTrack{track("dog", 1, stay([2]float64{0.5, 0.5}, 9)...)}, 3, []Label{still, a, a}},
	}
	for _, tc := range tests {
		got, err := Labels(tc.tracks, tc.steps)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Labels =\n%v, %v\nwant\n%v", tc.name, got, err, tc.want)
		}
	}
}

func TestLabelsErrors(t *testing.T) {
	tests := []struct {
		name   string
		tracks []ObjectTrack
		err    string
	}{
		{"class", []ObjectTrack{{Class: "unicorn", Boxes: []Box{{}}}}, `track 0: unknown class "unicorn"`},
		{"start", []ObjectTrack{{Class: "dog", Start: -1, Boxes: []Box{{}}}}, "track 0 (dog): start -1 with 1 boxes"},
		{"empty", []ObjectTrack{track("dog", 0, [2]float64{0.5, 0.5}), {Class: "cat", Start: 2}}, "track 1 (cat): start 2 with 0 boxes"},
		{"box", []ObjectTrack{{Class: "dog", Start: 4, Boxes: []Box{{}, box(0, 0, 2, 1)}}}, "track 0 (dog), step 5: box"},
	}
	for _, tc := range tests {
		_, err := Labels(tc.tracks, 4)
		if err == nil || !strings.HasPrefix(err.Error(), "objects: ") || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: Labels = %v, want an error with %q", tc.name, err, tc.err)
		}
	}
}

func TestLabelCues(t *testing.T) {
	// 1.8 s: 4 steps; the last is cut at 1.8 s.
	labels := []Label{still, personRight, personRight, dogAppears}
	want := []Cue{
		{Start: 0, End: sec(0.5), Text: "nothing moves"},
		{Start: sec(0.5), End: sec(1.5), Text: "a person moves right"},
		{Start: sec(1.5), End: sec(1.8), Text: "a dog appears"},
	}
	got := LabelCues(labels, sec(1.8))
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("LabelCues =\n%v\nwant\n%v", got, want)
	}
	if back := LabelsFromCues(got, sec(1.8)); !reflect.DeepEqual(back, labels) {
		t.Fatalf("LabelsFromCues = %v, want %v", back, labels)
	}
	// Labels past the video are dropped.
	if got := LabelCues(labels, sec(0.7)); len(got) != 2 || got[1].End != sec(0.7) {
		t.Fatalf("LabelCues cut at 0.7 s = %v", got)
	}
}

// TestLabelsFromCues: samples at 0.25, 0.75, ..., 2.75 s of a 3 s track.
func TestLabelsFromCues(t *testing.T) {
	cues := []Cue{
		{Start: sec(1.5), End: sec(3), Text: "two dogs appear"},
		{Start: 0, End: sec(1), Text: "<i>A person  MOVES right</i>"},
		{Start: sec(1.1), End: sec(2), Text: "garbage"}, // under "two dogs" from 1.5 s
	}
	dogs := Label{Event: Appear, Group: g("dog", 2)}
	want := []Label{personRight, personRight, still, dogs, dogs, dogs}
	if got := LabelsFromCues(cues, sec(3)); !reflect.DeepEqual(got, want) {
		t.Fatalf("LabelsFromCues = %v, want %v", got, want)
	}
	if cues[0].Text != "two dogs appear" {
		t.Fatal("LabelsFromCues reordered its input")
	}
}

func TestCanonicalText(t *testing.T) {
	for in, want := range map[string]string{
		"<i>Two People  move LEFT.</i>": "two people move left",
		"a apple appears":               "an apple appears",
		"{\\an8}Something  Else":        "something else",
	} {
		if got := CanonicalText(in); got != want {
			t.Errorf("CanonicalText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEnumText(t *testing.T) {
	for e := Still; e <= Move; e++ {
		b, err := e.MarshalText()
		var back Event
		if err != nil || back.UnmarshalText(b) != nil || back != e {
			t.Errorf("event %d: %q, %v, back %d", e, b, err, back)
		}
	}
	for d := NoDirection; d <= Down; d++ {
		b, err := d.MarshalText()
		var back Direction
		if err != nil || back.UnmarshalText(b) != nil || back != d {
			t.Errorf("direction %d: %q, %v, back %d", d, b, err, back)
		}
	}
	l := Label{Event: Move, Group: g("person", 2), Direction: Right}
	b, err := json.Marshal(l)
	var back Label
	if err != nil || string(b) != `{"event":"move","class":"person","count":2,"direction":"right"}` || json.Unmarshal(b, &back) != nil || back != l {
		t.Errorf("label JSON %s, %v, back %+v", b, err, back)
	}
	var e Event
	if _, err := Event(0).MarshalText(); err == nil || e.UnmarshalText([]byte("")) == nil {
		t.Error("the zero event has no text")
	}
}
