package subtitle

import (
	"context"
	"math"
	"os"
	"reflect"
	"testing"
	"time"

	"captioner/objects"
)

func det(class string, x, y, w, h, score float64) objects.Detection {
	return objects.Detection{Object: objects.Object{Class: class, Box: objects.Box{X0: x, Y0: y, X1: x + w, Y1: y + h}}, Score: score}
}

// A class's values, by hand: a person walking right 0.04 a step, a
// second one still, a backpack on the first's box, a dog only at step 1.
func TestClassSequence(t *testing.T) {
	dets := [][]objects.Detection{
		{det("person", 0.10, 0.2, 0.2, 0.6, 0.8), det("person", 0.70, 0.3, 0.1, 0.3, 0.4), det("backpack", 0.1, 0.2, 0.2, 0.6, 0.3)},
		{det("person", 0.14, 0.2, 0.2, 0.6, 0.7), det("person", 0.70, 0.3, 0.1, 0.3, 0.2), det("dog", 0.4, 0.8, 0.1, 0.1, 0.5)},
		{det("person", 0.18, 0.2, 0.2, 0.6, 0.7)},
	}
	v := ClassSequence(dets, "person", 0.15)
	near := func(got float32, want float64) bool { return math.Abs(float64(got)-want) < 1e-5 }
	want0 := map[int]float64{0: 0.8, 1: 0.4, 4: math.Sqrt(0.12), 5: 2, 6: 2, 7: 0.2, 8: 0.5}
	for i, w := range want0 {
		if !near(v[0][i], w) {
			t.Errorf("step 0 value %d: %g, want %g", i, v[0][i], w)
		}
	}
	// Step 1: both matched; the first moved right 0.04 (>= classMoveMin),
	// the second not at all.
	want1 := map[int]float64{9: 2, 10: 0, 11: 0.7, 14: 0.4, 15: 0, 16: 0, 17: 0}
	for i, w := range want1 {
		if !near(v[1][i], w) {
			t.Errorf("step 1 value %d: %g, want %g", i, v[1][i], w)
		}
	}
	// Step 2: the still one is lost; two steps back the walker moved 0.08,
	// 0.04 a step (x 10).
	want2 := map[int]float64{9: 1, 11: 0.7, 17: 0.2, 18: 0.4, 19: 0}
	for i, w := range want2 {
		if !near(v[2][i], w) {
			t.Errorf("step 2 value %d: %g, want %g", i, v[2][i], w)
		}
	}
	// The backpack lies on the person's box.
	b := ClassSequence(dets, "backpack", 0.15)
	if !near(b[0][20], 1) || !near(b[0][21], 1) || b[1][0] != 0 || b[1][16] != 0 || !near(b[1][17], 0.3) {
		t.Errorf("backpack: %v / %v", b[0], b[1])
	}
	if p := ClassSequence(dets, "person", 0.15); !near(p[0][20], 1) || p[2][20] != 0 {
		t.Errorf("the person's best box is the backpack's at step 0, alone at step 2: %g, %g", p[0][20], p[2][20])
	}
	if d := ClassSequence(dets, "dog", 0.15); d[1][16] != 0.5 || d[0][6] != 0 || d[2][17] != 0.5 {
		t.Errorf("dog: %v", d)
	}
}

// Matching pairs nearest centres first, not boxes of very different size
// or far apart.
func TestMatchDets(t *testing.T) {
	prev := []classDet{{x: 0.2, y: 0.5, side: 0.2}, {x: 0.5, y: 0.5, side: 0.2}, {x: 0.9, y: 0.1, side: 0.05}}
	now := []classDet{{x: 0.52, y: 0.5, side: 0.2}, {x: 0.25, y: 0.5, side: 0.2}, {x: 0.9, y: 0.1, side: 0.3}, {x: 0.05, y: 0.95, side: 0.05}}
	if got, want := matchDets(prev, now), []int{1, 0, -1, -1}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// The schema factors every per-class label, and the texts read back.
func TestClassSchema(t *testing.T) {
	labels, s := ClassSchema()
	if len(labels) != 2+4*7 || s.width() != 7+5+2 {
		t.Fatalf("%d labels, %d outputs", len(labels), s.width())
	}
	if err := s.Validate(labels); err != nil {
		t.Fatal(err)
	}
	set, err := parseClassLabels(labels)
	if err != nil {
		t.Fatal(err)
	}
	for i, cl := range set {
		if classLabelText(cl) != labels[i] {
			t.Errorf("label %d: %q reads back as %q", i, labels[i], classLabelText(cl))
		}
	}
	at := func(text string) []int {
		for i, l := range labels {
			if l == text {
				return s.Parts[i]
			}
		}
		t.Fatalf("no label %q", text)
		return nil
	}
	for text, parts := range map[string][]int{"nothing moves": {0, 0, 0}, "in view": {0, 0, 1}, "move right 2": {4, 2, 1}, "disappear 1": {2, 1, 0}, "disappear 3 in view": {2, 3, 1}, "appear 4": {1, 4, 1}} {
		if got := at(text); !reflect.DeepEqual(got, parts) {
			t.Errorf("%q: parts %v, want %v", text, got, parts)
		}
	}
	if _, err := parseClassLabels([]string{"a person appears"}); err == nil {
		t.Error("a whole label read as a per-class one")
	}
}

// A class's truth: its own events, and in view while a track of it is.
func TestClassTruth(t *testing.T) {
	box := func(x float64) objects.Box { return objects.Box{X0: x, Y0: 0.4, X1: x + 0.2, Y1: 0.6} }
	tracks := []objects.ObjectTrack{
		{Class: "dog", Start: 1, Boxes: []objects.Box{box(0.1), box(0.1), box(0.1)}},
		{Class: "person", Start: 0, Boxes: []objects.Box{box(0.5), box(0.55), box(0.6), box(0.65), box(0.7), box(0.75)}},
	}
	got, err := classTruth(tracks, "dog", 6)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, cl := range got {
		texts = append(texts, classLabelText(cl))
	}
	want := []string{"nothing moves", "appear 1", "appear 1", "in view", "disappear 1", "disappear 1"}
	if !reflect.DeepEqual(texts, want) {
		t.Errorf("dog: %q, want %q", texts, want)
	}
}

// Composition chooses among the classes as objects.Labels chooses among
// groups: an appearance over a move, the larger of two moves, the lower
// class on a tie; nothing moves where every class is still, with the
// least sure class's confidence.
func TestComposeLabels(t *testing.T) {
	classes := objects.Classes()
	person, car, dog := objects.ClassIndex("person"), objects.ClassIndex("car"), objects.ClassIndex("dog")
	still := objects.Label{Event: objects.Still}
	move := func(d objects.Direction) objects.Label {
		return objects.Label{Event: objects.Move, Group: objects.Group{Count: 1}, Direction: d}
	}
	appear := objects.Label{Event: objects.Appear, Group: objects.Group{Count: 2}}
	labels := [][]objects.Label{
		{still, move(objects.Left), move(objects.Left), move(objects.Right)}, // person
		{still, appear, move(objects.Up), move(objects.Up)},                  // car
		{still, still, still, move(objects.Down)},                            // dog
	}
	sides := [][]float32{{0.5, 0.5, 0.5, 0.2}, {0.2, 0.2, 0.2, 0.2}, {0.3, 0.3, 0.3, 0.3}}
	conf := [][]float32{{0.9, 0.8, 0.7, 0.6}, {0.6, 0.5, 0.4, 0.3}, {0.95, 0.9, 0.9, 0.9}}
	got, gotConf := composeLabels(classes, []int{person, car, dog}, labels, sides, conf, 4)
	var texts []string
	for _, l := range got {
		texts = append(texts, l.String())
	}
	want := []string{"nothing moves", "two cars appear", "a person moves left", "a dog moves down"}
	if !reflect.DeepEqual(texts, want) {
		t.Errorf("got %q, want %q", texts, want)
	}
	if wantConf := []float32{0.6, 0.5, 0.7, 0.9}; !reflect.DeepEqual(gotConf, wantConf) {
		t.Errorf("confidences %v, want %v", gotConf, wantConf)
	}
	// A tie in size goes to the lower class index.
	tie, _ := composeLabels(classes, []int{dog, person}, [][]objects.Label{{move(objects.Left)}, {move(objects.Right)}}, [][]float32{{0.3}, {0.3}}, [][]float32{{1}, {1}}, 1)
	if tie[0].Class != "person" {
		t.Errorf("tie went to %q", tie[0].Class)
	}
}

// Where the per-class labels are the truth, the composed labels are the
// video's true labels at almost every step of generated videos (what is
// lost is the size used to choose between two classes' events, which is
// the detector's, not the truth's).
func TestComposeTruth(t *testing.T) {
	vids, err := GenerateObjects(context.Background(), objects.NewGenerator(5001, objects.SynthOptions{}), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	classes := objects.Classes()
	same, total := 0, 0
	for _, v := range vids {
		steps := len(v.Dets)
		set, err := ClassSequences([]ObjectsVideo{v}, classes, 0.15)
		if err != nil {
			t.Fatal(err)
		}
		truth, _ := objects.Labels(v.Tracks, steps)
		idx := videoClasses(v.Dets, classes, 0.15)
		for _, tr := range v.Tracks {
			if c := objects.ClassIndex(tr.Class); !containsInt(idx, c) {
				idx = append(idx, c)
			}
		}
		if len(set.Seqs) != len(idx) {
			t.Fatalf("%d sequences for %d classes", len(set.Seqs), len(idx))
		}
		labels := make([][]objects.Label, len(idx))
		sides := make([][]float32, len(idx))
		conf := make([][]float32, len(idx))
		for i, c := range idx {
			cl, _ := classTruth(v.Tracks, classes[c], steps)
			for k, x := range cl {
				labels[i] = append(labels[i], x.Label)
				if set.Labels[i][k] != classLabelText(x) {
					t.Fatalf("sequence %d step %d: %q, want %q", i, k, set.Labels[i][k], classLabelText(x))
				}
			}
			sides[i] = heldSides(set.Seqs[i].Vectors)
			conf[i] = make([]float32, steps)
		}
		got, _ := composeLabels(classes, idx, labels, sides, conf, steps)
		for k := range got {
			total++
			if got[k] == truth[k] {
				same++
			}
		}
	}
	if acc := float64(same) / float64(total); acc < 0.98 {
		t.Errorf("composed truth matches at %.4f of %d steps, want >= 0.98", acc, total)
	}
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// A tiny per-class labeller trained in seconds beats "nothing moves"
// everywhere on generated test videos, reads presence from its own view
// part, and loads back from a bundle.
func TestTrainObjectsPerClassTiny(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a labeller")
	}
	ctx := context.Background()
	dir := t.TempDir()
	weights, e, err := TrainObjects(ctx, ObjectsTrainOptions{
		Classes: objects.Classes(), DataSeed: 7, TrainVideos: 150, ValVideos: 20, Seed: 1, Epochs: 3, Out: dir, PerClass: true, Batch: 32, LR: 3e-3,
		Config: Config{Hidden: 16, Layers: 1, Bidirectional: true, Window: 16, Inputs: []string{InputFeatures, InputChange}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !e.PerClass || len(e.Schema) != 3 || e.Schema[2].Name != "view" {
		t.Fatalf("entry %+v", e)
	}
	b := t.TempDir()
	copyBundle(t, b)
	if err := InstallObjects(b, weights, *e); err != nil {
		t.Fatal(err)
	}
	m, back, err := LoadObjectsBundle(os.DirFS(b), "copy")
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.FeatureDim != ClassValues || len(m.Labels) != 30 || !back.PerClass {
		t.Fatalf("loaded %d values, %d labels", m.Config.FeatureDim, len(m.Labels))
	}
	l := &ObjectsLabeller{Model: m, Entry: back}
	test, err := GenerateObjects(ctx, objects.NewGenerator(8, objects.SynthOptions{}), 0, 30)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := l.Evaluate(ctx, test)
	if err != nil {
		t.Fatal(err)
	}
	// "nothing moves" on every step of these videos:
	still, steps := 0, 0
	for _, v := range test {
		labels, _ := objects.Labels(v.Tracks, len(v.Dets))
		for _, x := range labels {
			steps++
			if x.Event == objects.Still {
				still++
			}
		}
	}
	floor := float64(still) / float64(steps)
	if acc := rep.Labeller.Track.StepAccuracy; acc < floor+0.03 {
		t.Errorf("step accuracy %.3f, no better than nothing moves everywhere (%.3f)", acc, floor)
	}
	if rep.Labeller.Presence.F1 < 0.6 || rep.Labeller.ShortestCue < time.Second.Seconds()-1e-9 {
		t.Errorf("presence F1 %.3f, shortest cue %.2f s", rep.Labeller.Presence.F1, rep.Labeller.ShortestCue)
	}
	t.Logf("step %.3f (still everywhere %.3f), presence F1 %.3f", rep.Labeller.Track.StepAccuracy, floor, rep.Labeller.Presence.F1)
}
